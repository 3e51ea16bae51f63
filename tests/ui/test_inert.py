"""Nothing in a finding, a change or a reviewer's name reaches the terminal as markup or as a control sequence,
in the new dialogs and marks as everywhere else; and every key is documented where `?` and the palette read it."""

from __future__ import annotations

import ast
import inspect
from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from reviewtui.analysis import Analysis
from reviewtui.approvals.binding import Binding as DiffBinding
from reviewtui.approvals.clerk import Coverage
from reviewtui.approvals.signer import SigningKey
from reviewtui.approvals.statement import Acknowledgement, Decision
from reviewtui.approvals.verdict import Review, Verdict
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity
from reviewtui.text import inert
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.identities import Identity
from reviewtui.ui.screens.decision import DecisionScreen
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.screens.reason import ReasonScreen
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.session import Standing
from reviewtui.ui.signing import Outcome, PendingDecision
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.text_input import TextInput
from tests.ui.conftest import screen_text

HOSTILE = "evil \x1b[2J\x1b]52;c;cHduZWQ=\x07 [bold red]markup[/] \u202eesrever"


class Host(App[None]):
    """A bare app showing one screen (or widget), so a dialog can be looked at without a repository."""

    def __init__(self, screen: Screen[Any] | None = None, widget: DiffView | None = None) -> None:
        super().__init__()
        self._dialog = screen
        self._widget = widget

    def compose(self) -> ComposeResult:
        if self._widget is not None:
            yield self._widget

    def on_mount(self) -> None:
        if self._dialog is not None:
            self.push_screen(self._dialog)


def assert_inert(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "[bold red]markup[/]" in text  # shown literally, not interpreted
    assert "<U+202E>esrever" in text and "\\e[2J" in text


def hostile_findings(change_id: str) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            f"rule-{i}{HOSTILE}",
            Severity.CRITICAL,
            HOSTILE,
            change_id,
            "builtin",
            f"src/{HOSTILE}.py",
            3,
            title=f"title {HOSTILE}",
        )
        for i in range(2)
    )


def pending(analysis: Analysis) -> PendingDecision:
    change = replace(analysis.change, id=f"ai/{HOSTILE}", title=HOSTILE)
    findings = hostile_findings(change.id)
    key = SigningKey(Path(f"/keys/{HOSTILE}"), "ssh-ed25519 AAAAkey")
    return PendingDecision(
        decision="reject",
        analysis=replace(analysis, change=change, findings=findings),
        binding=DiffBinding("a" * 40, "b" * 40, "c" * 40, "d" * 40, "main", "e" * 64, None, None),
        identity=Identity(key, "SHA256:fingerprint", comment=HOSTILE),
        principal=HOSTILE,
        allowed_signers=".reviewtui/allowed_signers",
        acknowledged=(Acknowledgement("x", None, None, "waive", HOSTILE),),
        coverage=Coverage(("f" * 64,), 12.0),
        standing=Standing(True, 1, 2, 1, 2, 12.0, 30.0, findings, findings),
    )


async def test_the_confirmation_dialog_and_its_outcome_stay_inert(demo_analyses: dict[str, Analysis]) -> None:
    dialog = DecisionScreen(pending(demo_analyses["pr/109"]), clerk=None)  # type: ignore[arg-type]
    app = Host(dialog)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert_inert(shown)
        assert "a" * 12 in shown and "e" * 64 in shown and "2 blocking finding(s)" in shown
        comment = dialog.query_one("#comment", TextInput)
        comment.value = HOSTILE  # e.g. pasted from the diff: what is shown is what would be signed
        await pilot.pause()
        assert comment.value == inert(HOSTILE, keep_tabs=False)
        assert_inert(screen_text(app))
        record = Decision("reject", HOSTILE, HOSTILE, dialog.pending.binding, "", "", "", timestamp="t")
        mine = Review(HOSTILE, "reject", "not-counted", (HOSTILE,), "t", record)
        dialog._signed(Outcome(record, Verdict(2, (mine,), (), (), (HOSTILE,)), mine))
        await pilot.pause()
        shown = screen_text(app)
        assert_inert(shown)
        assert "It does not count because" in shown


async def test_the_reason_dialog_stays_inert(demo_analyses: dict[str, Analysis]) -> None:
    finding = hostile_findings("ai/x")[0]
    app = Host(ReasonScreen(finding, "ack", Acknowledgement(finding.rule, finding.path, 3, "ack", HOSTILE)))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        assert_inert(screen_text(app))


async def test_acknowledged_findings_are_marked_inertly(demo_analyses: dict[str, Analysis]) -> None:
    analysis = demo_analyses["pr/109"]
    file = analysis.change.files[0]
    line = next(ln for ln in file.hunks[0].lines if ln.new_no is not None)
    finding = Finding("rule", Severity.HIGH, HOSTILE, "pr/109", "builtin", file.path, line.new_no, hunk=0)
    view = DiffView(analysis.change, (finding,))
    app = Host(widget=view)
    async with app.run_test(size=(200, 40)) as pilot:
        view.show_acknowledgements(lambda _f: Acknowledgement("rule", file.path, line.new_no, "waive", HOSTILE))
        await pilot.pause()
        shown = screen_text(app)
        assert "✓ waived: evil \\e[2J" in shown and "▶" in shown  # the only finding on screen is the selected one
        assert "\x1b" not in shown and "\u202e" not in shown


# -- keys --------------------------------------------------------------------------------------------------------------

KEYED = (ReviewApp, QueueScreen, ReviewScreen, DiffView, DecisionScreen, ReasonScreen)
SHOWN_AS = {"question_mark": "?", "right_square_bracket": "]", "left_square_bracket": "["}


def test_every_binding_has_an_id_a_description_and_a_row_in_the_key_table() -> None:
    ids: list[str] = []
    for cls in KEYED:
        table = _bindings_docstring(cls)
        assert "| Key | Action |" in table, cls
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.description and binding.id, (cls, binding)
            ids.append(binding.id)
            first = binding.key.split(",")[0]
            assert f"`{SHOWN_AS.get(first, first)}`" in table, (cls, binding.key)
    assert len(ids) == len(set(ids))


def test_review_keys_do_not_shadow_the_diff_keys() -> None:
    def keys(cls: type[Any]) -> set[str]:
        return {k for b in cls.BINDINGS for k in b.key.split(",")}

    assert keys(ReviewScreen) & keys(DiffView) == set()


def _bindings_docstring(cls: type[Any]) -> str:
    """The string literal right after `BINDINGS = [...]` in the class body (Textual's convention)."""
    tree = ast.parse(inspect.getsource(cls).strip())
    body = tree.body[0].body  # type: ignore[attr-defined]
    for index, node in enumerate(body):
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == "BINDINGS" for t in targets):
            after = body[index + 1]
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                return str(after.value.value)
    return ""
