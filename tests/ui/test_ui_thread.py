"""What the app does for its UI thread beside the loader and worker threads: a short GIL switch interval while it
runs, and the start-up heap frozen out of the cycle collector's full collections (docs/performance.md)."""

from __future__ import annotations

import gc
import sys

from reviewtui.queue import QueueRequest
from reviewtui.ui.app import SWITCH_INTERVAL, ReviewApp
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
