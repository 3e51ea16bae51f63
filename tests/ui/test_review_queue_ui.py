"""Review of the issue-8 queue table (cells drawn without Rich, partial redraws, one-step reorder): what the real
queue screen shows after verdicts arrive, themes switch and rows move, read off the screen the terminal gets."""

from __future__ import annotations

import subprocess
import sys

from textual.widgets import DataTable

from reviewtui.ui.screens.queue import COLUMNS
from tests.ui.conftest import Workspace, loaded_queue, screen_text


def _decide(workspace: Workspace, change_id: str, decision: str) -> None:
    key = workspace.alice.key
    subprocess.run(
        [sys.executable, "-m", "reviewtui", "approve", change_id, "--repo", str(workspace.repo), "--key", str(key),
         "--decision", decision, "--comment", "review test"],
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
