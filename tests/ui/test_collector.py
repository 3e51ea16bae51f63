"""A change on screen is taken out of the cycle collector's full collections (whose pauses over a large change
blocked the UI thread); when the screen closes the collector sees everything once, and the app holds no watcher of
the closed screen."""

from __future__ import annotations

import asyncio
import gc
import heapq
import weakref

from textual.widgets import DataTable

from reviewtui.queue import QueueRequest
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.screens.review import ReviewScreen
from tests.gitrepo import GitRepo
from tests.ui.conftest import loaded_queue, settle


async def test_the_open_change_is_frozen_and_given_back_on_close(repo: GitRepo) -> None:
    app = _app_with_one_change(repo, "big", 20_000)
    gc.unfreeze()
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            queue = await loaded_queue(pilot)
            queue.query_one(DataTable).focus()
            await pilot.press("enter")
            await settle(pilot)
            review = app.screen
            assert isinstance(review, ReviewScreen)
            assert sum(len(h.lines) for f in review.change.files for h in f.hunks) == 20_000
            frozen_during_review = gc.get_freeze_count()
            assert frozen_during_review > 20_000, "the change's lines are frozen"
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            assert gc.get_freeze_count() > 0, "collected once and frozen again after the screen went"
            watchers = getattr(app, "__watchers", {}).get("app_focus", [])
            assert all(node is not review for node, _ in watchers), "the closed screen is not watching the app"
    finally:
        gc.unfreeze()


async def test_a_closed_review_screen_is_freed(repo: GitRepo) -> None:
    """Its thread workers (digests, facts, layout) ran in the event loop's executor, whose idle threads kept the last
    worker they ran, and through it the screen and its change, for the rest of the session."""
    app = _app_with_one_change(repo, "small", 200)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            queue = await loaded_queue(pilot)
            queue.query_one(DataTable).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ReviewScreen)
            closed = weakref.ref(app.screen)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            _drop_cancelled_timers()
            gc.unfreeze()
            gc.collect()
            assert closed() is None, "nothing holds the closed screen"
    finally:
        gc.unfreeze()


def _app_with_one_change(repo: GitRepo, name: str, lines: int) -> ReviewApp:
    """The real app on `repo` with one pending agent change of `lines` added lines, animations off."""
    repo.checkout(f"claude/{name}", new=True)
    repo.write(f"app/{name}.py", "".join(f"value_{n} = {n}\n" for n in range(lines)))
    repo.commit(f"A {name} change", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    app = ReviewApp(QueueRequest(repo=repo.path))
    app.animation_level = "none"
    return app


def _drop_cancelled_timers() -> None:
    """A cancelled timer stays in the event loop's queue, with the context it was made in (a worker's, holding the
    worker and through it its screen), until its deadline passes or asyncio purges the queue because many were
    cancelled: a hold that ends on its own, not a leak. Purged here the way asyncio's `_run_once` does it, so the
    test sees only the holders that last."""
    loop = asyncio.get_running_loop()
    scheduled = loop._scheduled  # type: ignore[attr-defined]
    for handle in scheduled:
        if handle.cancelled():
            handle._scheduled = False
    kept = [handle for handle in scheduled if not handle.cancelled()]
    heapq.heapify(kept)
    loop._scheduled = kept  # type: ignore[attr-defined]
    loop._timer_cancelled_count = 0  # type: ignore[attr-defined]
