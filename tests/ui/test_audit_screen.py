"""The audit screen on the real app over a copy of the demo: it paints before the audit ends, shows what the CLI
report says, drills into a landed change, filters the gate failures, and keeps hostile text inert."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from reviewtui.audit.auditor import Audit, Auditor, AuditRequest
from reviewtui.audit.report import report
from reviewtui.demo import AUDIT_SCENARIOS
from reviewtui.demo.landed import SCOTLAND_WAIVER
from reviewtui.ui.screens.audit import AuditScreen, LandedChangeScreen
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.themes import palette
from tests.ui.conftest import Workspace, loaded_queue, screen_text, settle

SINCE = datetime(2026, 10, 29, tzinfo=UTC)
"""After the demo's policy commit: the changes that landed with signed reviews, and one direct push."""
SIZE = (200, 50)


class GatedAuditor(Auditor):
    """The real auditor, held at the start until the test lets it run, so 'paints before the audit ends' is a fact
    the test establishes rather than a race it hopes to win."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def run(self, request: AuditRequest) -> Audit:
        self.gate.wait(timeout=60)
        return super().run(request)


async def open_audit(pilot: Pilot[None], request: AuditRequest, auditor: Auditor | None = None) -> AuditScreen:
    await loaded_queue(pilot)
    screen = AuditScreen(request, auditor=auditor)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def rows(screen: AuditScreen) -> list[str]:
    """The CHANGE column, top to bottom."""
    table = screen.query_one(DataTable)
    return [str(table.get_cell_at((n, 1))) for n in range(table.row_count)]


async def select(pilot: Pilot[None], screen: AuditScreen, change_id: str) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=rows(screen).index(change_id))
    await pilot.pause()


async def test_paints_at_once_then_shows_what_the_cli_report_says(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    request = AuditRequest(workspace.repo, since=SINCE)
    auditor = GatedAuditor()
    async with workspace.app().run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot, request, auditor)
        assert pilot.app.screen is screen
        assert "auditing" in str(screen.query_one("#headline", Static).render())
        assert screen.query_one(DataTable).row_count == 0 and screen.data is None
        auditor.gate.set()
        await settle(pilot)
        expected = report(Auditor().run(request))
        assert screen.data is not None
        assert rows(screen) == [c["id"] for c in expected["changes"]]
        text = screen_text(pilot.app)
        assert "Tier 1: 5 changes, 3 without a valid two-person approval — GATE FAILED." in text
        assert "7 changes landed: 3 approved by two people" in text
        for section in ("Per system", "Per reviewer", "Per agent", "delivery-estimates", "carol@shop.example"):
            assert section in text, section
        statuses = {c["id"]: c["status"] for c in screen.data["changes"]}
        assert {cid: statuses[cid] for cid in AUDIT_SCENARIOS} == AUDIT_SCENARIOS
        assert "landed differs from approved !" in text and "stale approval !" in text


async def test_enter_drills_into_a_change_and_escape_comes_back(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    async with workspace.app().run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot, AuditRequest(workspace.repo, since=SINCE))
        await settle(pilot)

        await select(pilot, screen, "pr/96")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, LandedChangeScreen)
        text = screen_text(pilot.app)
        assert "Tier-1 gate FAILED" in text and "differs: services/payments/retry.py" in text
        assert text.count("approve  counted") == 2 and "4/4 hunks shown" in text
        assert "operational-default-changed" in text  # the retry count the merger raised
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is screen

        await select(pilot, screen, "pr/97")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(pilot.app)
        rule, reason = SCOTLAND_WAIVER
        assert f"waive {rule} (every file) by alice@shop.example" in text
        assert reason[:60] in text and "blocking" in text
        await pilot.press("escape")

        await select(pilot, screen, "pr/98")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "together bob@shop.example, carol@shop.example: both approvals signed 26s apart" in text
        assert "squash" in text
        await pilot.press("escape")

        await select(pilot, screen, "pr/95")
        await pilot.press("enter")
        await pilot.pause()
        assert "approves an older head" in screen_text(pilot.app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)


async def test_gate_failures_only_and_back(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    async with workspace.app().run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot, AuditRequest(workspace.repo, since=SINCE))
        await settle(pilot)
        assert len(rows(screen)) == 7
        await pilot.press("1")
        await pilot.pause()
        direct = next(c["id"] for c in screen.shown() if c["kind"] == "direct")
        assert sorted(rows(screen)) == sorted(["pr/95", "pr/96", direct])
        await pilot.press("n")
        await pilot.pause()
        assert "Per system" not in screen_text(pilot.app)
        await pilot.press("1", "n")
        await pilot.pause()
        assert len(rows(screen)) == 7 and "Per system" in screen_text(pilot.app)


async def test_statuses_take_the_theme_colours(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    async with workspace.app().run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot, AuditRequest(workspace.repo, since=SINCE))
        await settle(pilot)
        table = screen.query_one(DataTable)

        def status_colour(change_id: str) -> str:
            cell = table.get_cell_at((rows(screen).index(change_id), 2))
            return str(cell.style).split()[-1].upper()

        for theme in ("colour-blind", "light"):
            pilot.app.theme = theme
            await pilot.pause()
            colours = palette(pilot.app.current_theme)
            assert status_colour("pr/94") == colours["approval-done"].upper()
            assert status_colour("pr/96") == colours["approval-blocked"].upper()


async def test_hostile_titles_stay_inert(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    hostile = "[bold red]Approved[/] by the board\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07 \u202eevil"
    workspace.commit({"services/payments/hotfix.py": "HOTFIX = True\n"}, hostile)
    async with workspace.app().run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot, AuditRequest(workspace.repo, since=SINCE))
        await settle(pilot)
        direct = next(c for c in screen.shown() if c["title"].startswith("[bold red]"))
        text = screen_text(pilot.app)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "[bold red]Approved[/]" in text  # shown as written, not obeyed as markup
        await select(pilot, screen, direct["id"])
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "\x1b" not in text and "\\e[2J" in text and "<U+202E>" in text


async def test_an_audit_that_cannot_run_says_why(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    async with workspace.app().run_test(size=SIZE) as pilot:
        screen = await open_audit(pilot, AuditRequest(workspace.repo, system="nope"))
        await settle(pilot)
        assert screen.error is not None and "no system named 'nope'" in screen.error
        assert "no system named 'nope'" in screen_text(pilot.app)
        assert screen.query_one(DataTable).row_count == 0



async def test_u_on_the_queue_audits_the_highlighted_changes_repository(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    async with workspace.app().run_test(size=SIZE) as pilot:
        await loaded_queue(pilot)
        await pilot.press("u")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AuditScreen)
        assert screen.request.repo.resolve() == workspace.repo.resolve()
        await settle(pilot)
        assert "GATE FAILED" in screen_text(pilot.app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, QueueScreen)
