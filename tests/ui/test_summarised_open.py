"""A queue listed from the summary cache holds changes without hunks; opening one reads its diff (off the UI thread)
and the review screen shows every line, exactly as when the queue was read cold."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import DataTable, Static

from reviewtui.analysis import Analyzer
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.sources.full import full_change
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.screens import queue as queue_screen
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.widgets.diff_view import DiffView
from tests.gitrepo import GitRepo
from tests.ui.conftest import loaded_queue, screen_text, settle


async def test_opening_a_summarised_change_shows_its_lines(repo: GitRepo) -> None:
    repo.checkout("claude/tidy", new=True)
    repo.write("app/tidy.py", "".join(f"value_{n} = {n}\n" for n in range(30)))
    repo.commit("Tidy things up", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    loader = QueueLoader(QueueRequest(repo=repo.path), summaries=True)
    cold = [a.change for a in loader.analysed(Analyzer())]  # fills both caches
    assert len(cold) == 1 and not cold[0].summarised
    app = ReviewApp(QueueRequest(repo=repo.path))
    app.animation_level = "none"
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        (analysis,) = queue.changes.values()
        assert analysis.change.summarised, "the queue should have been listed from the summary cache"
        queue.query_one(DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert not screen.change.summarised
        shown = [(f.path, [h.lines for h in f.hunks]) for f in screen.query_one(DiffView).change.files]
        assert shown == [(f.path, [h.lines for h in f.hunks]) for f in cold[0].files]
        text = screen_text(app)
        assert "value_0 = 0" in text and "value_12 = 12" in text


async def test_a_summarised_change_git_can_no_longer_read_is_skipped_with_a_warning(repo: GitRepo) -> None:
    for name in ("claude/one", "claude/two"):
        repo.checkout(name, new=True)
        repo.write(f"app/{name.split('/')[1]}.py", f"NAME = {name!r}\n")
        repo.commit(f"Add {name}", author=("Claude", "noreply@anthropic.com"))
        repo.checkout("main")
    list(QueueLoader(QueueRequest(repo=repo.path), summaries=True).changes())  # summaries only: analyses all miss
    blob = repo.git("rev-parse", "claude/two:app/two.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    app = ReviewApp(QueueRequest(repo=repo.path))
    app.animation_level = "none"
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        assert [a.change.id for a in queue.changes.values()] == ["claude/one"]
        status = str(queue.query_one("#status", Static).render())
        assert "1 pending change(s)" in status and "1 warning(s)" in status


async def test_enter_twice_on_a_summarised_change_opens_it_once(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.checkout("claude/tidy", new=True)
    repo.write("app/tidy.py", "".join(f"value_{n} = {n}\n" for n in range(30)))
    repo.commit("Tidy things up", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    list(QueueLoader(QueueRequest(repo=repo.path), summaries=True).analysed(Analyzer()))
    gate = threading.Event()

    def held(change: Change) -> Change:  # the real read, held until both presses are in
        gate.wait(10)
        return full_change(change)

    monkeypatch.setattr(queue_screen, "full_change", held)
    app = ReviewApp(QueueRequest(repo=repo.path))
    app.animation_level = "none"
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        assert all(a.change.summarised for a in queue.changes.values())
        queue.query_one(DataTable).focus()
        await pilot.press("enter", "enter")
        gate.set()
        await settle(pilot)
        assert sum(isinstance(screen, ReviewScreen) for screen in app.screen_stack) == 1
