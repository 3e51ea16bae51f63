"""What the app does for its UI thread beside the loader and worker threads: a short GIL switch interval while it
runs, and the start-up heap frozen out of the cycle collector's full collections (docs/performance.md)."""

from __future__ import annotations

import gc
import sys

import pytest
from textual.widgets import Static

from reviewtui.queue import QueueRequest
from reviewtui.ui.app import SWITCH_INTERVAL, ReviewApp
from reviewtui.ui.screens import queue as queue_screen
from tests.gitrepo import GitRepo
from tests.ui.conftest import Workspace, loaded_queue


async def test_the_ui_thread_asks_for_the_gil_back_within_a_millisecond_while_the_app_runs(
    workspace: Workspace,
) -> None:
    before = sys.getswitchinterval()
    assert before != SWITCH_INTERVAL  # Python's default (5 ms), so the test sees the app change it
    app = workspace.app()
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded_queue(pilot)
        assert sys.getswitchinterval() == SWITCH_INTERVAL
    assert sys.getswitchinterval() == before  # given back to whoever embeds the app


class Observed(ReviewApp):
    """The app, noting right after its own mount (before any queue row can arrive) whether `sentinel` is frozen."""

    def __init__(self, request: QueueRequest, sentinel: list[object]) -> None:
        super().__init__(request)
        self.sentinel = sentinel
        self.frozen_at_mount: bool | None = None

    def on_mount(self) -> None:
        super().on_mount()
        # gc.get_objects() lists the three generations the collector walks, not the frozen (permanent) one.
        self.frozen_at_mount = not any(obj is self.sentinel for obj in gc.get_objects())


async def test_the_start_up_heap_is_out_of_full_collections_before_the_queue_loads(workspace: Workspace) -> None:
    sentinel: list[object] = [object()]  # a container made before the app starts, as every imported module's are
    assert any(obj is sentinel for obj in gc.get_objects())
    app = Observed(QueueRequest(repo=workspace.repo), sentinel)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded_queue(pilot)
    assert app.frozen_at_mount is True
    assert any(obj is sentinel for obj in gc.get_objects())  # the queue screen unfreezes all when it closes


async def test_the_final_status_comes_after_the_ranking_even_when_the_paint_wait_times_out(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader waits at most `_PAINT_WAIT` for each paint; a busy UI thread made it time out, the verdicts then
    finished before the ranking's second half ran, and the status kept "checking approvals…" for good. With no wait
    at all that happened in about half the runs; each run here must end on the plain summary."""
    for n in range(6):
        repo.checkout(f"ai/b{n}", new=True, start="main")
        repo.write(f"f{n}.py", f"print({n})\n")
        repo.commit(f"Change {n}")
        repo.checkout("main")
    monkeypatch.setattr(queue_screen, "_PAINT_WAIT", 0.0)
    for _ in range(4):
        app = ReviewApp(QueueRequest(repo=repo.path))
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await loaded_queue(pilot)
            for _ in range(20):
                await pilot.pause(0.05)
            status = str(screen.query_one("#status", Static).render())
            assert status.startswith("6 pending change(s)") and "checking approvals" not in status, status
