"""The review screen writes every reviewer action to the action journal, and a later run of the app resumes the
reviewer's evidence on the same version of the change from it: hunks displayed, time spent, acknowledgements."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from reviewtui.analysis import Analysis
from reviewtui.approvals.signer import SigningKey
from reviewtui.journal import Journal
from reviewtui.ui.identities import Identity
from reviewtui.ui.screens.reason import ReasonScreen
from reviewtui.ui.session import Session
from reviewtui.ui.widgets.diff_view import DiffView
from tests.ui.conftest import Workspace
from tests.ui.review_host import ReviewHost, opened

CHANGE = "pr/105"


def alice() -> Identity:
    key = SigningKey(Path("/keys/alice"), "ssh-ed25519 KEYalice")
    return Identity(key, "SHA256:alice", comment="alice@example.org")


def session(journal: Journal) -> Session:
    return Session([alice()], journal=journal)


async def read_everything(app: ReviewHost) -> None:
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        for _ in range(30):
            app.clock.now += 1
            await pilot.press("pagedown")
            await pilot.pause()
        app.clock.now += 1
        await pilot.press("g", "f")  # the first finding, acknowledged with a reason
        await pilot.pause()
        assert screen.query_one(DiffView).selected_finding() is not None
        await pilot.press("A")
        await pilot.pause()
        asking = app.screen
        assert isinstance(asking, ReasonScreen)
        asking.query_one("#reason", Input).value = "checked by hand"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.progress.acknowledged()


async def test_actions_are_journaled_and_a_later_run_resumes_from_them(
    demo_analyses: dict[str, Analysis], workspace: Workspace, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    analysis = demo_analyses[CHANGE]
    await read_everything(ReviewHost(analysis, workspace.repo, session(journal)))

    entries = list(journal.entries())
    assert journal.verify().ok
    actions = [e.action for e in entries]
    assert actions[0] == "change-opened" and actions[-1] == "change-closed"
    assert "finding-acknowledged" in actions
    shown = [e for e in entries if e.action == "hunk-displayed"]
    assert shown and all(e.get("reviewer") == "SHA256:alice" and e.get("head") == analysis.change.head for e in shown)
    assert len({e.get("hunk") for e in shown}) == len(shown)  # each hunk journaled once
    earlier = journal.activity("SHA256:alice", analysis.change.head or "")
    assert set(earlier.hunks_displayed) == {e.get("hunk") for e in shown}

    # A new run of the app: nothing in memory, the same journal.
    app = ReviewHost(analysis, workspace.repo, session(journal))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        progress = screen.progress
        assert set(progress.coverage.digests()) == set(earlier.hunks_displayed)
        assert progress.stopwatch.seconds >= earlier.seconds > 0
        assert [a.reason for a in progress.acknowledged()] == ["checked by hand"]
        evidence = progress.evidence()
        assert set(evidence.hunks_displayed) == set(earlier.hunks_displayed)
    # Resuming journals nothing twice: the second run added only its open and close.
    assert [e.action for e in journal.entries()][len(entries):] == ["change-opened", "change-closed"]


async def test_a_journal_that_cannot_be_written_is_said_once_and_review_goes_on(
    demo_analyses: dict[str, Analysis], workspace: Workspace, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the journal's folder should be")
    app = ReviewHost(demo_analyses[CHANGE], workspace.repo, session(Journal(blocked / "journal.jsonl")))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        for _ in range(3):
            app.clock.now += 1
            await pilot.press("pagedown")
            await pilot.pause()
        warnings = [n for n in app._notifications if n.title == "action journal"]
        assert len(warnings) == 1 and "not-a-folder" in warnings[0].message
        assert screen.progress.coverage.seen > 0
