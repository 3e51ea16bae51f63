"""What the queue screen holds while a queue loads, and what the cycle collector has to walk (issue 8: the UI thread
never blocks for more than 100 ms; full collections over 5000 loaded changes took 200 ms and more).

Counted, not timed: the queue keeps each change's line counts but not its lines, the review screen still gets every
line, and each batch is frozen out of full collections until the queue closes.
"""

from __future__ import annotations

import gc

from textual.widgets import DataTable

from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ui.session import queue_key
from reviewtui.ui.widgets.diff_view import DiffView
from tests.ui.conftest import Workspace, loaded_queue, open_change

TIER1_CHANGE = "claude/s3-order-export"  # checkout (Tier 1), 4 hunks over 59 lines, 2 critical findings


async def test_the_queue_keeps_counts_not_lines_and_the_review_screen_gets_every_line(workspace: Workspace) -> None:
    full = {queue_key(c): c for c in QueueLoader(QueueRequest(repo=workspace.repo), summaries=False).changes()}
    app = workspace.app()
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        assert queue.changes.keys() == full.keys()
        table = queue.query_one(DataTable)
        for key, analysis in queue.changes.items():
            change = analysis.change
            assert change.files and all(not file.hunks for file in change.files), change.id  # no lines kept
            assert change.stats == full[key].stats  # the counts the table shows are the full change's
            assert str(table.get_cell(key, "added")) == f"+{full[key].stats.added}"
        review = await open_change(pilot, TIER1_CHANGE)
        view = review.query_one(DiffView)
        expected = next(c for c in full.values() if c.id == TIER1_CHANGE)
        assert [len(h.lines) for f in view.change.files for h in f.hunks] == [
            len(h.lines) for f in expected.files for h in f.hunks
        ]
        assert sum(1 for f in view.change.files for h in f.hunks) == 4


async def test_each_batch_is_frozen_out_of_full_collections_until_the_queue_closes(workspace: Workspace) -> None:
    app = workspace.app()
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        assert gc.get_freeze_count() > 0
        tracked = {id(o) for o in gc.get_objects()}  # what a full collection walks (frozen objects are not listed)
        analyses = list(queue.changes.values())
        assert analyses and not any(id(a) in tracked or id(a.change) in tracked for a in analyses)
        await app.action_quit()
    assert gc.get_freeze_count() == 0  # handed back to the collector with the queue
