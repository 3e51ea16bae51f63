"""The confirmation dialog of a decision: exactly what will be signed, then what it amounted to.

Everything shown comes from one `PendingDecision`, the same object `signing.sign` hands to `Clerk.record`, so the
reviewer confirms the bytes that get signed: the change, its head, the sha256 of its diff, the signer's principal
and key, their coverage, time and acknowledgements. Signing runs in a worker thread; a passphrase, when the key
needs one, is typed into a password field here and reaches ssh-keygen through `reviewtui.ui.askpass`, never through
the terminal and never through a file. The dialog stays open to show the verdict, and closes with the `Outcome`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from reviewtui.approvals.clerk import Clerk
from reviewtui.errors import ReviewtuiError
from reviewtui.rules.finding import Finding
from reviewtui.ui.pool import released
from reviewtui.ui.safe import safe_text
from reviewtui.ui.session import clock_label
from reviewtui.ui.signing import VERBS, Outcome, PassphraseError, PendingDecision, sign
from reviewtui.ui.widgets.diff_view import SEVERITY_COLOURS
from reviewtui.ui.widgets.text_input import TextInput

_LISTED = 10
"""Unacknowledged blocking findings listed one by one; the rest are counted."""
_VARIANTS: dict[str, Literal["success", "warning", "error"]] = {
    "approve": "success",
    "request-changes": "warning",
    "reject": "error",
}


class DecisionScreen(ModalScreen[Outcome | None]):
    """Confirm and sign one decision; dismisses with the outcome, or None when nothing was signed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel / close", id="decision.close"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `enter` | Sign (in the comment or passphrase field). |
    | `escape` | Cancel before signing; close after. |
    """

    DEFAULT_CSS = """
    DecisionScreen { align: center middle; }
    DecisionScreen #dialog {
        width: 110; max-width: 96%; height: auto; max-height: 96%; padding: 0 2;
        border: thick $primary; background: $surface;
    }
    DecisionScreen #dialog.-reject { border: thick $error; }
    DecisionScreen #dialog.-request-changes { border: thick $warning; }
    DecisionScreen #title { text-style: bold; margin: 1 0; color: $text; }
    DecisionScreen #facts { height: auto; max-height: 60vh; }
    DecisionScreen #dialog.-done #facts { max-height: 30vh; }
    DecisionScreen #dialog.-done Input { display: none; }
    DecisionScreen #signed { height: auto; }
    DecisionScreen #preview { height: auto; margin-top: 1; color: $text-warning; }
    DecisionScreen Input { margin-top: 1; }
    DecisionScreen #passphrase { display: none; }
    DecisionScreen #passphrase.-needed { display: block; }
    DecisionScreen #result { height: auto; }
    DecisionScreen #buttons { height: auto; align-horizontal: right; margin: 1 0; }
    DecisionScreen Button { margin-left: 1; }
    """

    def __init__(self, pending: PendingDecision, clerk: Clerk) -> None:
        super().__init__()
        self.pending = pending
        self.clerk = clerk
        self.outcome: Outcome | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        pending = self.pending
        verb = VERBS[pending.decision]
        with Vertical(id="dialog", classes=f"-{pending.decision}"):
            yield Static(Text(f"{verb} — this is what will be signed"), id="title")
            with VerticalScroll(id="facts"):
                yield Static(signed_table(pending), id="signed")
                yield Static(preview(pending), id="preview")
            yield TextInput(placeholder="Comment (optional; signed with the decision)", id="comment")
            passphrase = Input(
                password=True,
                placeholder=f"Passphrase for {pending.identity.key.path.name} (empty if ssh-agent holds the key)",
                id="passphrase",
            )
            passphrase.set_class(pending.identity.needs_passphrase, "-needed")
            yield passphrase
            yield Static(Text(""), id="result")
            with Horizontal(id="buttons"):
                yield Button(f"Sign: {verb}", id="sign", variant=_VARIANTS[pending.decision])
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#comment", Input).focus()

    # -- reacting ----------------------------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        passphrase = self.query_one("#passphrase", Input)
        if event.input.id == "comment" and passphrase.has_class("-needed") and not passphrase.value:
            passphrase.focus()
            return
        self.action_sign()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "sign":
            self.action_sign()
        else:
            self.action_close()

    def action_sign(self) -> None:
        if self.busy or self.outcome is not None:
            return
        self.busy = True
        comment = self.query_one("#comment", Input).value
        field = self.query_one("#passphrase", Input)
        passphrase = field.value or None
        field.value = ""
        for widget in self.query("Input, Button"):
            widget.disabled = True
        self._show(Text("Signing with ssh-keygen…", style="bold"))
        self.sign_decision(comment, passphrase)

    def action_close(self) -> None:
        if self.busy:
            self.notify("ssh-keygen is still signing; wait for it to finish", severity="warning", timeout=3)
            return
        self.dismiss(self.outcome)

    # -- signing -----------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="sign")
    @released
    def sign_decision(self, comment: str, passphrase: str | None) -> None:
        """Run ssh-keygen off the UI thread; the dialog stays responsive (and says so) while it works."""
        try:
            outcome = sign(self.clerk, self.pending, comment, passphrase)
        except PassphraseError as exc:
            self.app.call_from_thread(self._failed, str(exc), True)
        except ReviewtuiError as exc:
            self.app.call_from_thread(self._failed, str(exc), False)
        except Exception as exc:  # the boundary of a worker: report, never crash the reviewer's session
            self.app.call_from_thread(self._failed, f"unexpected error while signing: {exc!r}", False)
        else:
            self.app.call_from_thread(self._signed, outcome)

    def _signed(self, outcome: Outcome) -> None:
        """Show the verdict where the inputs were (they are done with), keeping the signed facts above it."""
        self.busy = False
        self.outcome = outcome
        self.query_one("#dialog").add_class("-done")
        self._show(outcome_text(outcome))
        self.query_one("#sign", Button).display = False
        close = self.query_one("#cancel", Button)
        close.label = "Close"
        close.disabled = False
        close.focus()

    def _failed(self, message: str, passphrase: bool) -> None:
        self.busy = False
        for widget in self.query("Input, Button"):
            widget.disabled = False
        self._show(safe_text(f"Not signed: {message}", "bold red"))
        field = self.query_one("#passphrase", Input)
        if passphrase:
            field.add_class("-needed")
            field.focus()
        else:
            self.query_one("#sign", Button).focus()

    def _show(self, text: Text) -> None:
        self.query_one("#result", Static).update(text)


def signed_table(pending: PendingDecision) -> Table:
    """The statement's fields as the reviewer should check them; untrusted values are inert Text, never markup."""
    binding = pending.binding
    change = pending.analysis.change
    identity = pending.identity
    standing = pending.standing
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("Decision", Text(pending.decision, style="bold"))
    table.add_row("Change", _wrapping(safe_text(change.id, "bold cyan")))
    if binding.head:
        head = Text()
        head.append(binding.head[:12], "bold yellow")
        head.append(f"  (tree {(binding.tree or '?')[:12]}, merge-base {(binding.merge_base or '?')[:12]})", "dim")
        table.add_row("Head", head)
    else:
        table.add_row("Head", Text("(patch file: bound to the sha256 of its bytes)", "dim"))
    table.add_row("Diff sha256", Text(binding.diff_sha256, style="yellow"))
    signer = Text()
    if pending.principal is None:
        signer.append(f"NOT LISTED in {pending.allowed_signers} at the base: signing will be refused", "bold red")
    else:
        signer.append_text(_wrapping(safe_text(pending.principal, "bold")))
        signer.append(f"  (allowed_signers principal at base {(binding.base or '?')[:12]})", "dim")
    table.add_row("Signer", signer)
    key = _wrapping(safe_text(str(identity.key.path)))
    key.append(f"  {identity.fingerprint}", "dim")
    if identity.key.agent:
        key.append("  via ssh-agent", "dim")
    table.add_row("Key", key)
    coverage = Text(f"seen {standing.hunks_seen}/{standing.hunks_total} hunk(s)")
    if standing.tier1_total:
        coverage.append(f" · Tier-1 {standing.tier1_seen}/{standing.tier1_total}")
    coverage.append(f" · {len(pending.coverage.hunks_displayed)} digest(s) recorded", "dim")
    table.add_row("Coverage", coverage)
    seconds = Text(clock_label(pending.coverage.seconds))
    if standing.seconds_needed:
        needed = clock_label(standing.seconds_needed, up=True)
        seconds.append(f"  (the policy asks {needed} for this Tier-1 change)", "dim")
    table.add_row("Time", seconds)
    acks = Text(f"{len(pending.acknowledged)} finding(s)")
    kinds = [a.kind for a in pending.acknowledged]
    if kinds:
        acks.append(f" ({kinds.count('ack')} acknowledged, {kinds.count('waive')} waived)", "dim")
    table.add_row("Acknowledged", acks)
    table.add_row("Unacknowledged", unacknowledged(pending))
    return table


def unacknowledged(pending: PendingDecision) -> Text | Group:
    """The blocking findings this reviewer has not acknowledged or waived (what the policy will hold against them)."""
    findings = pending.standing.unacknowledged
    if not findings:
        blocking = len(pending.standing.blocking)
        return Text("none" + (f" (all {blocking} blocking finding(s) accounted for)" if blocking else ""), "green")
    lines: list[Text] = [Text(f"{len(findings)} blocking finding(s):", style="bold")]
    for finding in findings[:_LISTED]:
        lines.append(one_line(finding))
    if len(findings) > _LISTED:
        lines.append(Text(f"… and {len(findings) - _LISTED} more", "dim"))
    return Group(*lines)


def one_line(finding: Finding) -> Text:
    """`CRITICAL rule  path:line  message…` on one line (the message is cut at the dialog's edge)."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{finding.severity.value.upper()} ", f"bold {SEVERITY_COLOURS[finding.severity.value]}")
    out.append_text(safe_text(finding.rule, "bold"))
    if finding.path:
        out.append_text(safe_text(f"  {finding.path}" + (f":{finding.line}" if finding.line else ""), "dim"))
    out.append_text(safe_text(f"  {finding.title or finding.message}"))
    return out


def _wrapping(text: Text) -> Text:
    """An inert Text that may wrap (safe_text's own Text never wraps, which would hide a long value's end)."""
    out = Text()
    out.append_text(text)
    return out


def preview(pending: PendingDecision) -> Text:
    """What the policy will say, before signing: Tier-1 gaps mean the approval is recorded but not counted."""
    gaps = pending.standing.gaps()
    if pending.decision != "approve" or not gaps:
        return Text("")
    out = Text("This approval will be recorded but will NOT count yet:\n", style="bold")
    for gap in gaps:
        out.append(f"  • {gap}\n")
    out.append("Close this dialog to keep reviewing, or sign anyway to record it.", "dim")
    return out


def outcome_text(outcome: Outcome) -> Text:
    """The verdict right after signing: `1/2 — counted`, or why this decision does not count."""
    out = Text()
    record = outcome.record
    out.append("Signed and stored. ", "bold green")
    out.append_text(safe_text(f"{record.decision} by {record.reviewer}", "bold"))
    out.append("\n")
    style = "bold green" if outcome.counted else "bold red"
    out.append("Approvals ", "bold")
    out.append_text(safe_text(outcome.headline(), style))
    if outcome.reasons:
        out.append("\nIt does not count because:", "bold")
    for reason in outcome.reasons:
        out.append("\n")
        out.append_text(safe_text(f"  • {reason}", "red"))
    for note in outcome.notes():
        out.append("\n")
        out.append_text(safe_text(f"  · {note}", "dim"))
    return out
