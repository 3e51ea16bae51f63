"""Review of the issue-8 queue table (cells drawn without Rich, partial redraws, one-step reorder): what the real
queue screen shows after verdicts arrive, themes switch and rows move, read off the screen the terminal gets."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from rich.segment import Segment
from textual.pilot import Pilot
from textual.widgets import DataTable

from reviewtui.queue import QueueRequest
from reviewtui.ui.app import ReviewApp
from tests.ui.conftest import Workspace, loaded_queue, screen_text, settle


def _decide(workspace: Workspace, change_id: str, decision: str) -> None:
    key = workspace.alice.key
    subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewtui",
            "approve",
            change_id,
            "--repo",
            str(workspace.repo),
            "--key",
            str(key),
            "--decision",
            decision,
            "--comment",
            "review test",
        ],
        check=True,
        capture_output=True,
    )


async def test_a_verdict_wider_than_the_approvals_column_is_shown_whole(workspace: Workspace) -> None:
    """Verdicts arrive after the rows (`update_cells`): "changes requested" is wider than every cell the column held
    while loading ("…") and than its header, so the column must widen, not crop it to "changes r"."""
    workspace.keep_only("pr/101", "pr/109")
    _decide(workspace, "pr/109", "request-changes")
    app = workspace.app(workspace.alice)
    async with app.run_test(size=(200, 20)) as pilot:
        queue = await loaded_queue(pilot)
        table = queue.query_one(DataTable)
        key = next(k for k, a in queue.changes.items() if a.change.id == "pr/109")
        assert str(table.get_cell(key, "approvals")) == "changes requested"
        await pilot.pause()
        assert "changes requested" in screen_text(app)


NOW = datetime(2030, 1, 1, tzinfo=UTC)


async def _table_lines(app: ReviewApp, pilot: Pilot[None], keys: tuple[str, ...] = ()) -> list[list[Segment]]:
    queue = await loaded_queue(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    table = queue.query_one(DataTable)
    return [list(table.render_line(y)) for y in range(table.size.height)]


async def _fresh(workspace: Workspace, theme: str, keys: tuple[str, ...]) -> list[list[Segment]]:
    app = ReviewApp(QueueRequest(repo=workspace.repo), theme=theme, now=lambda: NOW)
    async with app.run_test(size=(200, 20)) as pilot:
        return await _table_lines(app, pilot, keys)


async def test_a_theme_switch_redraws_the_shown_queue_as_a_fresh_start_in_that_theme(workspace: Workspace) -> None:
    """Drawn cells are cached by QueueTable itself now: after a switch (cursor moved, order changed, grouped), every
    line of the table is what the app draws when started in the new theme, colours included."""
    workspace.keep_only("pr/101", "pr/109", "pr/102", "pr/103")
    keys = ("j", "o", "s", "j")
    app = ReviewApp(QueueRequest(repo=workspace.repo), theme="dark", now=lambda: NOW)
    async with app.run_test(size=(200, 20)) as pilot:
        await _table_lines(app, pilot, keys)
        app.theme = "light"
        await settle(pilot)
        switched = await _table_lines(app, pilot)
    assert switched == await _fresh(workspace, "light", keys)


async def test_the_highlighted_change_stays_highlighted_and_on_screen_through_orders_groups_and_filters(
    workspace: Workspace,
) -> None:
    """Reorders move rows in one step and `show_row` scrolls before the frame: in a short window, after every `o`,
    `s` and filter, the cursor is on the same change, its row is inside the window, and the details show it."""
    app = ReviewApp(QueueRequest(repo=workspace.repo), now=lambda: NOW)
    async with app.run_test(size=(160, 12)) as pilot:
        queue = await loaded_queue(pilot)
        table = queue.query_one(DataTable)
        assert table.row_count > table.size.height  # the window scrolls
        await pilot.press("G")
        await settle(pilot)
        chosen = queue._selected()
        assert chosen is not None
        for key in ("o", "o", "s", "o", "s", "o", "o"):
            await pilot.press(key)
            await settle(pilot)
            selected = queue._selected()
            assert selected is not None and selected.change.id == chosen.change.id, key
            top = int(table.scroll_offset.y)
            assert top <= table.cursor_row < top + table.size.height - 1, (key, top, table.cursor_row)
            shown = [table.render_line(y).text for y in range(table.size.height)]
            assert any(chosen.change.title[:30] in line for line in shown), key


async def test_the_ranked_queue_opens_at_its_top(workspace: Workspace) -> None:
    """Rows arrive in load order (oldest first) with the cursor on the first; when ranking ends, a cursor the
    reviewer never moved goes to rank 1 at the top, not to wherever the oldest change happens to rank."""
    workspace.keep_only("pr/102", "pr/103", "pr/104", "pr/105", "pr/106", "pr/107", "pr/108", "pr/109", "pr/110")
    app = workspace.app(workspace.alice)
    async with app.run_test(size=(200, 20)) as pilot:
        queue = await loaded_queue(pilot)
        oldest = min(queue.changes.values(), key=lambda a: a.change.created or NOW).change.id
        best = max(queue.changes.values(), key=lambda a: a.risk.score).change.id
        assert oldest != best, "the demo's oldest change must not be its riskiest for this test to mean anything"
        table = queue.query_one(DataTable)
        selected = queue._selected()
        assert table.cursor_row == 0 and selected is not None and selected.change.id == best
        assert table.scroll_y == 0
