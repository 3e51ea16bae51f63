"""A large side-by-side or wrapped layout is measured in a thread while the old one stays on screen (issue 8: the UI
thread never blocks for more than 100 ms; measuring 100k lines is 100-250 ms of Python).

Counted, not timed: which thread measured each line, what the view shows while the new layout is being built (held
back by an event), which line is at the top once it goes in, and that a superseded layout is never installed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from reviewtui.filekind import classify_change
from reviewtui.model import Change, DiffLine
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ui.diff_layout import DiffLayout, RowKind
from reviewtui.ui.widgets import diff_view
from reviewtui.ui.widgets.diff_view import DiffView
from tests.gitrepo import GitRepo
from tests.ui.conftest import screen_text
from tests.ui.review_host import ViewHost

LINES = 400
SIZE = (100, 30)


@pytest.fixture
def change(repo: GitRepo) -> Change:
    repo.write("app.py", "".join(f"old_{i} = {i}\n" for i in range(LINES)))
    repo.commit("base")
    repo.checkout("ai/big", new=True)
    # every third line changed and some lines far wider than the view, so split pairs and wrap adds rows
    wide = "  # " + "y" * 150
    lines = (f"{'new' if i % 3 == 0 else 'old'}_{i} = {i}{wide if i % 7 == 0 else ''}\n" for i in range(LINES))
    repo.write("app.py", "".join(lines))
    repo.commit("edit")
    repo.checkout("main")
    return next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))


class Gate:
    """Counts which thread measures lines, and holds the layout thread at its first line until opened."""

    def __init__(self, view: DiffView, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[int] = []
        self.open = threading.Event()
        real: Callable[[], Callable[[DiffLine], int]] = view._measure

        def measure() -> Callable[[DiffLine], int]:
            inner = real()

            def counted(line: DiffLine) -> int:
                self.threads.append(threading.get_ident())
                if threading.get_ident() != threading.main_thread().ident:
                    assert self.open.wait(30)
                return inner(line)

            return counted

        monkeypatch.setattr(view, "_measure", measure)

    @property
    def on_ui_thread(self) -> int:
        return self.threads.count(threading.main_thread().ident or 0)


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(diff_view, "LAYOUT_IN_THREAD", 50)  # this change's 400+ lines count as large
    yield


def _top_line(view: DiffView) -> tuple[int | None, int | None]:
    row = view.layout_map.row(view.window[0])
    assert row.kind is RowKind.LINE
    return row.line, row.right


async def test_wrapping_a_large_change_measures_nothing_on_the_ui_thread_and_keeps_the_top_line(
    change: Change, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = DiffView(change)
    app = ViewHost(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gate = Gate(view, monkeypatch)
        view.focus()
        view.scroll_to(y=200, animate=False, immediate=True)
        await pilot.pause()
        old = view.layout_map
        await pilot.press("w")
        await pilot.pause()
        # the thread waits at its first line: the old layout is still what is drawn and scrolled
        assert view.wrap and view.layout_pending and view.layout_map is old and old.wrap is None
        assert "…" in screen_text(app)  # truncated rows, drawn from the old layout
        await pilot.press("j", "j")
        await pilot.pause()
        top = _top_line(view)
        assert view.window[0] == 202
        gate.open.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not view.layout_pending and view.layout_map.wrap is not None
        lines = sum(len(hunk.lines) for file in change.files for hunk in file.hunks)
        assert gate.on_ui_thread == 0 and len(gate.threads) == lines  # every line once, all in the thread
        assert _top_line(view) == top  # the line at the top when the layout went in is still at the top
        assert view.total_rows > old.total_rows  # long lines take several rows now
        reference = DiffLayout(change, split=False, wrap=view._measure())
        assert view.total_rows == reference.total_rows
        assert [view.layout_map.row(i) for i in range(0, view.total_rows, 37)] == [
            reference.row(i) for i in range(0, view.total_rows, 37)
        ]
        assert "…" not in screen_text(app)


async def test_a_layout_asked_for_while_another_is_building_wins(
    change: Change, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = DiffView(change)
    app = ViewHost(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gate = Gate(view, monkeypatch)
        view.focus()
        await pilot.press("s")  # split alone measures no line: this one is not held
        await pilot.press("w")  # split + wrap: held at its first line
        await pilot.pause()
        assert view.split and view.wrap and view.layout_pending
        await pilot.press("s")  # back to unified + wrap, asked while split + wrap is still building
        gate.open.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not view.layout_pending
        assert not view.layout_map.split and view.layout_map.wrap is not None  # the last request, not the split one
        assert gate.on_ui_thread == 0
        assert "│" not in screen_text(app)


async def test_a_search_into_a_collapsed_file_lands_once_the_layout_is_in(
    repo: GitRepo, small_threshold: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.checkout("ai/lock", new=True)
    repo.write("app.py", "".join(f"line_{i} = {i}\n" for i in range(LINES)))
    deps = "".join(f'  "dep{i}": "1.0.{i}",\n' for i in range(200))
    repo.write("package-lock.json", "{\n" + deps + '  "needle": 1\n}\n')
    repo.commit("code and a lock file")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    view = DiffView(change, kinds=classify_change(change))
    lock = next(i for i, f in enumerate(change.files) if f.path == "package-lock.json")
    assert lock in view.collapsed
    app = ViewHost(view)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view.focus()
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        gate = Gate(view, monkeypatch)
        assert view.search("needle") == 1
        view.next_match()
        await pilot.pause()
        assert view.layout_pending and lock in view.layout_map.collapsed  # expanding: still the old layout
        gate.open.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert lock not in view.layout_map.collapsed
        top, bottom = view.window
        assert any(
            (row := view.layout_map.row(i)).kind is RowKind.LINE
            and change.files[lock].hunks[row.hunk or 0].lines[row.line or 0].text.strip() == '"needle": 1'
            for i in range(top, bottom)
        )
