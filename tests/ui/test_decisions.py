"""Signed decisions from the TUI, end to end on a copy of the demo with real ssh-keygen signatures.

Each test drives the real app with Pilot: the queue loads (and judges every change), a change opens, keys are
pressed, the confirmation dialog signs in a worker, and the queue's APPROVALS column follows.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Input

from reviewtui.ui.screens.decision import DecisionScreen
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.screens.reason import ReasonScreen
from reviewtui.ui.session import change_key
from reviewtui.ui.signing import Outcome
from reviewtui.ui.widgets.diff_view import DiffView
from tests.ui.conftest import FakeClock, Workspace, approvals_cell, loaded_queue, open_change, screen_text, settle

DOCS_CHANGE = "pr/109"  # typo fixes in docs/deploy.md: tier 3, no findings
TIER1_CHANGE = "claude/s3-order-export"  # checkout (Tier 1), 4 hunks over 59 lines, 2 critical findings


async def decide(pilot: Pilot[None], key: str = "a", comment: str = "") -> DecisionScreen:
    """Press a decision key, type a comment, confirm with enter, and wait for ssh-keygen."""
    await pilot.press(key)
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, DecisionScreen)
    dialog.query_one("#comment", Input).value = comment
    await pilot.press("enter")
    await settle(pilot)
    return dialog


async def switch_reviewer(pilot: Pilot[None], who: str) -> None:
    """Through the command palette, as a reviewer would: ctrl+p, type, enter."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*"switch reviewer", *who)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_two_reviewers_approve_a_docs_change_in_pair_mode(workspace: Workspace) -> None:
    workspace.keep_only(DOCS_CHANGE, TIER1_CHANGE, "pr/113")
    app = workspace.app(workspace.alice, workspace.bob)
    clock = FakeClock()
    app.session.clock = clock
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        assert approvals_cell(queue, DOCS_CHANGE) == "0/2"
        assert app.session.name(app.session.active) == workspace.alice.principal
        assert workspace.alice.principal in str(queue.sub_title)
        review = await open_change(pilot, DOCS_CHANGE)
        assert review.sub_title is not None and workspace.alice.principal in review.sub_title

        # `?` lists the decision and finding keys next to the diff's own.
        await pilot.press("question_mark")
        await pilot.pause()
        keys = screen_text(app)
        for description in ("Approve", "Request changes", "Reject", "Ack finding", "Waive finding", "Next finding"):
            assert description in keys
        await pilot.press("question_mark")

        # The dialog shows exactly what will be signed; escape cancels and nothing is stored.
        clock.now += 5
        await pilot.press("a")
        await pilot.pause()
        preview = app.screen
        assert isinstance(preview, DecisionScreen)
        shown = screen_text(app)
        assert review.change.head is not None and review.facts is not None
        assert review.change.head[:12] in shown
        assert review.facts.binding.diff_sha256 in shown
        assert preview.pending.binding == review.facts.binding
        assert workspace.alice.principal in shown
        assert str(workspace.alice.key) in shown and preview.pending.identity.fingerprint in shown
        assert "seen 1/1 hunk(s)" in shown and "0:05" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is review
        assert review.verdict is not None and review.verdict.reviews == ()

        dialog = await decide(pilot, comment="typo fixes only")
        assert dialog.outcome is not None and dialog.outcome.counted, dialog.outcome
        assert dialog.outcome.headline() == "1/2 — counted"
        assert dialog.outcome.record.reviewer == workspace.alice.principal
        assert dialog.outcome.record.comment == "typo fixes only"
        assert dialog.outcome.record.seconds == 5.0
        assert "1/2 — counted" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is review

        # The queue shows it, and the filter finds the change that waits for its second approval.
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        assert approvals_cell(queue, DOCS_CHANGE) == "1/2"
        await pilot.press("2")
        assert [a.change.id for a in queue.changes.values() if queue_has_row(queue, a.change.id)] == [DOCS_CHANGE]
        assert "awaiting a second approval: 1 of" in screen_text(app)
        await pilot.press("2")
        assert all(queue_has_row(queue, a.change.id) for a in queue.changes.values())

        # Alice approving again does not make two approvals: a principal counts once.
        review = await open_change(pilot, DOCS_CHANGE)
        again = await decide(pilot)
        assert again.outcome is not None and again.outcome.verdict.label() == "1/2"
        assert any("never counts twice" in note for note in again.outcome.notes())
        await pilot.press("escape")

        # Bob takes the keyboard: his identity is shown, and his approval is the second.
        await switch_reviewer(pilot, "bob")
        assert app.session.active is not None and app.session.active.key.path == workspace.bob.key
        assert app.screen is review
        assert review.sub_title is not None and workspace.bob.principal in review.sub_title
        dialog = await decide(pilot)
        assert dialog.outcome is not None and dialog.outcome.headline() == "2/2 — counted"
        assert dialog.outcome.record.reviewer == workspace.bob.principal
        await pilot.press("escape", "escape")
        assert approvals_cell(queue, DOCS_CHANGE) == "2/2"
        assert workspace.bob.principal in str(queue.sub_title)
        await pilot.press("2")  # fully approved: no longer awaiting anyone
        assert not any(queue_has_row(queue, a.change.id) for a in queue.changes.values())


def outcome_of(dialog: DecisionScreen) -> Outcome | None:
    """Read through a call, so a type checker does not keep an earlier `is None` narrowing across awaits."""
    return dialog.outcome


def is_screen(app: App[Any], screen: Screen[Any]) -> bool:
    return app.screen is screen


def queue_has_row(queue: QueueScreen, change_id: str) -> bool:
    key = next(k for k, a in queue.changes.items() if a.change.id == change_id)
    return key in queue.query_one(DataTable).rows


async def test_tier1_approval_without_coverage_is_recorded_but_not_counted(workspace: Workspace) -> None:
    workspace.keep_only(TIER1_CHANGE)
    app = workspace.app(workspace.alice)
    async with app.run_test(size=(120, 30)) as pilot:
        queue = await loaded_queue(pilot)
        review = await open_change(pilot, TIER1_CHANGE)
        progress = review.progress
        assert progress.coverage.seen < progress.coverage.total  # the terminal is too small for every hunk
        await pilot.press("a")
        await pilot.pause()
        assert "will NOT count yet" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DecisionScreen) and dialog.outcome is not None
        assert not dialog.outcome.counted
        reasons = " ".join(dialog.outcome.reasons)
        assert "blocking finding(s) not acknowledged" in reasons
        assert "never displayed to this reviewer" in reasons
        assert "the policy asks" in reasons
        assert dialog.outcome.headline() == "0/2 — not counted"
        assert "It does not count because" in screen_text(app)
        await pilot.press("escape", "escape")
        assert approvals_cell(queue, TIER1_CHANGE) == "0/2"


async def test_tier1_approval_counts_after_reading_every_hunk_and_accounting_for_findings(workspace: Workspace) -> None:
    workspace.keep_only(TIER1_CHANGE)
    app = workspace.app(workspace.alice)
    clock = FakeClock()
    app.session.clock = clock
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded_queue(pilot)
        review = await open_change(pilot, TIER1_CHANGE)
        view = review.query_one(DiffView)
        progress = review.progress

        # Jumping to the end shows the last rows, not the hunks in between.
        await pilot.press("G")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        clock.now += 2
        assert 0 < progress.coverage.seen < progress.coverage.total
        await pilot.press("g")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        while True:
            clock.now += 2  # reading this screenful
            if view.scroll_offset.y >= view.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
        assert progress.coverage.seen == progress.coverage.total == 4

        # Account for each blocking finding where it is shown: waive the first (a reason is required), ack the next.
        await pilot.press("g")
        assert len(review.standing().blocking) == 2
        for kind, key in (("waive", "W"), ("ack", "A")):
            await pilot.press("f")
            while view.selected_finding() not in review.standing().unacknowledged:
                await pilot.press("f")
            await pilot.press(key)
            await pilot.pause()
            asking = app.screen
            assert isinstance(asking, ReasonScreen) and asking.kind == kind
            if kind == "waive":
                await pilot.press("enter")  # no reason
                await pilot.pause()
                assert app.screen is asking and "A reason is required" in screen_text(app)
                asking.query_one("#reason", Input).value = "   "
                await pilot.press("enter")
                await pilot.pause()
                assert app.screen is asking
            asking.query_one("#reason", Input).value = f"{kind}: tracked in OPS-12"
            await pilot.press("enter")
            await pilot.pause()
            assert is_screen(app, review)
        assert review.standing().unacknowledged == ()
        shown = screen_text(app)
        assert "✓ waived: waive: tracked in OPS-12" in shown and "✓ acknowledged: ack: tracked in OPS-12" in shown

        # Escape cancels without recording anything.
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ReasonScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert is_screen(app, review) and len(review.progress.acknowledged()) == 2

        clock.now += 60  # a minute of reading (the policy asks 20 s per 100 changed lines)
        await pilot.press("j")
        dialog = await decide(pilot, comment="checked with the owner")
        assert dialog.outcome is not None and dialog.outcome.counted, dialog.outcome
        assert dialog.outcome.headline() == "1/2 — counted"
        record = dialog.outcome.record
        assert sorted(a.kind for a in record.acknowledged) == ["ack", "waive"]
        assert all(a.reason.endswith("tracked in OPS-12") for a in record.acknowledged)
        assert len(record.hunks_displayed) == 4 and record.seconds >= 60


async def test_a_passphrase_protected_key_signs_through_the_dialog(workspace: Workspace, tmp_path: Path) -> None:
    """ssh-keygen gets the passphrase from the dialog's password field, never from the terminal Textual owns."""
    key = tmp_path / "dave" / "id_ed25519"
    key.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "correct horse", "-C", "dave@shop.example", "-f", str(key)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    signers = (workspace.repo / ".reviewtui" / "allowed_signers").read_text(encoding="ascii")
    public = " ".join(key.with_name("id_ed25519.pub").read_text(encoding="ascii").split()[:2])
    workspace.commit({".reviewtui/allowed_signers": signers + f"dave@shop.example {public}\n"}, "Add Dave")
    workspace.keep_only(DOCS_CHANGE)
    app = workspace.app()
    app.keys = (key,)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded_queue(pilot)
        assert app.session.active is not None and app.session.active.needs_passphrase
        await open_change(pilot, DOCS_CHANGE)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DecisionScreen)
        field = dialog.query_one("#passphrase", Input)
        assert field.display and field.password
        field.value = "wrong"
        await pilot.press("enter")
        await settle(pilot)
        assert outcome_of(dialog) is None and is_screen(app, dialog)
        assert "needs the key's passphrase" in screen_text(app)
        assert field.value == ""  # never kept after an attempt
        field.value = "correct horse"
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        outcome = outcome_of(dialog)
        assert outcome is not None and outcome.counted, outcome
        assert outcome.record.reviewer == "dave@shop.example"


async def test_outside_pair_mode_one_reviewer_signs(workspace: Workspace) -> None:
    """Without --pair the first key is the reviewer (the key `reviewtui approve` would use) and nobody switches."""
    workspace.keep_only(DOCS_CHANGE)
    app = workspace.app(workspace.carol, workspace.bob, pair=False)
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        queue = await loaded_queue(pilot)
        assert [i.key.path for i in app.session.identities] == [workspace.carol.key]
        assert workspace.carol.principal in str(queue.sub_title)
        await switch_reviewer(pilot, "")
        assert "start reviewtui with --pair" in screen_text(app)
        assert app.session.active is not None and app.session.active.key.path == workspace.carol.key


async def test_review_time_counts_only_while_the_reviewer_is_here_and_active(workspace: Workspace) -> None:
    workspace.keep_only(DOCS_CHANGE)
    app = workspace.app(workspace.alice)
    clock = FakeClock()
    app.session.clock = clock
    app.session.idle_after = 5
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded_queue(pilot)
        review = await open_change(pilot, DOCS_CHANGE)
        watch = review.progress.stopwatch
        clock.now += 10  # nothing pressed for longer than the idle limit
        assert watch.seconds == 5
        await pilot.press("ctrl+x")  # any key is activity
        clock.now += 3
        assert watch.seconds == 8
        app.post_message(events.AppBlur())  # the terminal window lost focus
        await pilot.pause()
        clock.now += 30
        assert watch.seconds == 8 and not watch.running
        app.post_message(events.AppFocus())
        await pilot.pause()
        clock.now += 2
        assert watch.seconds == 10
        await pilot.press("escape")  # back on the queue: not reviewing this change
        clock.now += 60
        assert watch.seconds == 10
        await open_change(pilot, DOCS_CHANGE)  # coming back continues the same reviewer's clock
        clock.now += 1
        assert review.session.progress(change_key(review.change), ()).stopwatch.seconds == 11
