"""A 10 MB single-line file costs what is on screen, in every mode (issues 5, 8 and 9).

Wrapping such a line used to crop every row out of the whole line (25 s per `w`). These tests count the characters
the view builds segments from, instead of timing anything: one screen must touch about a screen of characters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from rich.cells import cell_len

from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.text import inert
from reviewtui.ui.diff_layout import _Rows
from reviewtui.ui.display_line import CHUNK, DisplayLine
from reviewtui.ui.widgets.diff_view import _GUTTER, LEX_LIMIT, DiffView
from reviewtui.ui.widgets.panels import PANEL_LIMIT, long_lines_text
from tests.gitrepo import GitRepo
from tests.ui.conftest import screen_text
from tests.ui.review_host import ViewHost

SIZE = 10 * 1024 * 1024
WIDTH, HEIGHT = 120, 30


def _digits(n: int) -> str:
    """A line whose every wrapped piece is different, so a wrong piece shows."""
    return "".join(f"{i:09d};" for i in range(n // 10 + 1))[:n]


def _change(repo: GitRepo, old: str | None, new: str) -> Change:
    if old is not None:
        repo.write("min.js", old)
        repo.commit("base")
    repo.checkout("ai/huge", new=True)
    repo.write("min.js", new)
    repo.commit("one huge line")
    repo.checkout("main")
    return next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))


def _count_chars(view: DiffView, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many characters each segment-building call of the view looks at (a counter, not a mock)."""
    touched: list[int] = []
    real: Callable[..., Any] = view._chars

    def counting(f: int, h: int, i: int, shown: DisplayLine, base: Any, first: int, last: int) -> Any:
        touched.append(last - first)
        return real(f, h, i, shown, base, first, last)

    monkeypatch.setattr(view, "_chars", counting)
    return touched


def _longest_segment(view: DiffView) -> int:
    strips = [view.render_line(y) for y in range(HEIGHT)]
    return max((len(segment.text) for strip in strips for segment in strip), default=0)


@pytest.mark.slow
async def test_wrapping_a_10mb_line_builds_one_screen_of_characters(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _digits(SIZE)
    change = _change(repo, None, "var a='" + text + "';\n")
    view = DiffView(change)
    touched = _count_chars(view, monkeypatch)
    async with ViewHost(view).run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        assert sum(touched) <= 2 * HEIGHT * WIDTH  # truncated: one row of the line, not 10 MB
        touched.clear()
        await pilot.press("w")
        await pilot.pause()
        room = view.scrollable_content_region.width - _GUTTER
        rows = math.ceil((SIZE + len("var a='';")) / room)
        assert view.total_rows == rows + 3  # blank, file title, hunk header
        hunk = view.layout_map._table(1)
        assert isinstance(hunk, _Rows) and hunk.ends is not None and len(hunk.ends) == 1  # one entry, not per piece
        assert len(view.layout_map._lazy) <= 1
        assert 0 < sum(touched) <= 2 * HEIGHT * (room + 2)  # a screen of pieces, each its own characters
        assert _longest_segment(view) <= WIDTH
        touched.clear()
        middle = 3 + rows // 2  # a piece from the middle of the line: exactly the characters it should show
        view.scroll_to(y=middle, animate=False, immediate=True)
        await pilot.pause()
        piece = (middle - 3) * room - len("var a='")
        shown = screen_text(view.app).splitlines()[0]
        assert text[piece : piece + room] in shown
        assert 0 < sum(touched) <= 2 * HEIGHT * (room + 2)
        lexed = view._lines.get((0, 0, 0))
        assert len(view._lines) == 1 and lexed is not None and sum(len(s.text) for s in lexed) <= LEX_LIMIT


@pytest.mark.slow
async def test_split_search_and_panel_on_a_modified_10mb_line_stay_on_screen(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = "x" * SIZE
    new = "x" * (SIZE // 2) + "CHANGED" + "x" * (SIZE // 2)
    change = _change(repo, old + "\n", new + "\n")
    view = DiffView(change)
    touched = _count_chars(view, monkeypatch)
    async with ViewHost(view).run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        for key in ("s", "w", "s"):  # split, split + wrap, unified + wrap
            touched.clear()
            await pilot.press(key)
            await pilot.pause()
            assert 0 < sum(touched) <= 4 * HEIGHT * WIDTH, key
            assert _longest_segment(view) <= WIDTH, key
        touched.clear()
        assert view.search("x") == 2  # a one-letter term that matches ten million characters
        view.next_match(True)
        await pilot.pause()
        assert 0 < sum(touched) <= 4 * HEIGHT * WIDTH
        touched.clear()
        assert view.search("changed") == 1
        view.set_mode(wrap=False)  # truncated: the line is shown from just before the match
        view.next_match(True)
        await pilot.pause()
        assert "CHANGED" in screen_text(view.app)
        assert 0 < sum(touched) <= 4 * HEIGHT * WIDTH
        lines = view.long_lines()
        assert len(lines) == 2  # the removed line and the added one
        body = long_lines_text(lines)
        assert len(body.plain) < 2 * (PANEL_LIMIT + 200) and "press w" in body.plain


def test_an_ascii_line_is_measured_without_a_copy() -> None:
    raw = "x" * 100_000
    shown = DisplayLine(raw)
    assert shown.text is raw and shown.cells == len(raw)
    assert shown.span(1000, 1100) == (1000, 1100, 1000)


def test_cells_and_characters_agree_across_chunks_with_wide_controls_and_tabs() -> None:
    unit = "ab日\tc\x1b[2J\u0301é\u202e本"
    raw = unit * (3 * CHUNK // len(unit) + 7)
    shown = DisplayLine(raw)
    assert shown.text == inert(raw.expandtabs(4))
    assert shown.cells == cell_len(shown.text)
    for char in (0, 1, 2, 3, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 5, len(shown.text) - 1, len(shown.text)):
        assert shown.cell_of(char) == cell_len(shown.text[:char]), char
    for cell in (0, 1, 2, 3, 4, CHUNK, CHUNK + 1, shown.cells // 2, shown.cells - 1):
        char, before = shown.char_at(cell)
        assert before == cell_len(shown.text[:char]) <= cell < before + max(1, cell_len(shown.text[char])), cell
    first, last, before = shown.span(CHUNK + 3, CHUNK + 50)
    assert before <= CHUNK + 3 and cell_len(shown.text[first:last]) >= CHUNK + 50 - before
    assert shown.char_at(shown.cells + 10) == (len(shown.text), shown.cells)
