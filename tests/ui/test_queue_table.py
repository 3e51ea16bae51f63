"""The queue's table draws exactly what a DataTable built in one go draws, while adding rows below the screen and
changing cells of rows that are not drawn redraws nothing (issue 8: every such batch used to re-render every visible
cell through Rich, ~100 ms on the UI thread).

Counted, not timed: cells rendered per change, and the screen compared line by line with a plain DataTable.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from reviewtui.ui.widgets import queue_table
from reviewtui.ui.widgets.queue_table import QueueTable

HEIGHT = 12
COLUMNS = ("rank", "title", "approvals")


def _row(i: int, approvals: str = "…") -> tuple[str, tuple[Text, ...]]:
    return f"row{i}", (Text(str(i), justify="right"), Text(f"change {i}"), Text(approvals, style="dim"))


class Host(App[None]):
    def __init__(self, table: DataTable[Text]) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        for key in COLUMNS:
            self.table.add_column(key.upper(), key=key)


def _screen(table: DataTable[Text]) -> list[str]:
    return [table.render_line(y).text for y in range(HEIGHT)]


async def _reference(rows: list[tuple[str, tuple[Text, ...]]], scroll: int) -> list[str]:
    """The same rows in a plain DataTable, added in one go."""
    table: DataTable[Text] = DataTable(cursor_type="row")
    app = Host(table)
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        for key, cells in rows:
            table.add_row(*cells, key=key)
        await pilot.pause()
        table.scroll_to(y=scroll, animate=False, immediate=True)
        await pilot.pause()
        return _screen(table)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every cell QueueTable renders (a counter around the real method)."""
    calls: list[int] = []
    real = QueueTable._render_cell

    def counted(self: QueueTable, row_index: int, *args: Any, **kwargs: Any) -> Any:
        calls.append(row_index)
        return real(self, row_index, *args, **kwargs)

    monkeypatch.setattr(QueueTable, "_render_cell", counted)
    return calls


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Text]:
    """Every cell QueueTable really draws (not served from its caches)."""
    cells: list[Text] = []
    real = queue_table.single_line

    def counted(text: Text, *args: Any) -> Any:
        cells.append(text)
        return real(text, *args)

    monkeypatch.setattr(queue_table, "single_line", counted)
    return cells


async def test_rows_below_a_full_screen_and_cells_off_screen_redraw_nothing_and_draw_right(
    rendered: list[int], drawn: list[Text]
) -> None:
    table = QueueTable(cursor_type="row")
    app = Host(table)
    rows = [_row(i) for i in range(40)]
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        table.append_rows(rows)
        await pilot.pause()
        assert rendered  # the first screen is drawn
        assert _screen(table) == await _reference(rows, 0)

        rendered.clear()
        more = [_row(i) for i in range(40, 100)]  # no wider than the rows already there
        table.append_rows(more)
        rows += more
        await pilot.pause()
        assert table.row_count == 100 and rendered == []  # nothing on screen changed: nothing drawn again

        # approvals of rows off screen (measured for the column widths, never drawn) change: still nothing drawn
        table.update_cells([(f"row{i}", "approvals", Text("0/2")) for i in range(50, 100)])
        rows = [_row(i, "0/2" if i >= 50 else "…") for i in range(100)]
        await pilot.pause()
        assert rendered == []
        table.scroll_to(y=60, animate=False, immediate=True)  # and they show their new value, not a stale one
        await pilot.pause()
        assert _screen(table) == await _reference(rows, 60)
        assert "0/2" in "".join(_screen(table))

        table.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        rendered.clear()
        drawn.clear()
        table.update_cells([("row1", "approvals", Text("1/2"))])  # a row on screen: that cell is drawn again
        rows[1] = _row(1, "1/2")
        await pilot.pause()
        assert set(rendered) == {1} and len(drawn) == 1  # row 1 is asked for its cells; one is drawn
        assert _screen(table) == await _reference(rows, 0)

        rendered.clear()
        drawn.clear()
        table.update_cells([(f"row{i}", "approvals", Text("2/2")) for i in range(3, 8)])  # only those five cells
        rows[3:8] = [_row(i, "2/2") for i in range(3, 8)]
        await pilot.pause()
        assert set(rendered) == {3, 4, 5, 6, 7} and [cell.plain for cell in drawn] == ["2/2"] * 5
        assert _screen(table) == await _reference(rows, 0)


async def test_a_wider_row_redraws_everything_as_a_plain_table_would(rendered: list[int]) -> None:
    table = QueueTable(cursor_type="row")
    app = Host(table)
    rows = [_row(i) for i in range(40)]
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        table.append_rows(rows)
        await pilot.pause()
        rendered.clear()
        wide = [("wide", (Text("40", justify="right"), Text("a much longer title than the others"), Text("…")))]
        table.append_rows(wide)
        rows += wide
        await pilot.pause()
        assert rendered  # the title column is wider now: the rows on screen are laid out again
        assert _screen(table) == await _reference(rows, 0)


_GLYPHS = "ab xyZ09.-…✓⚑界語🙂é\u0301 "
_STYLES = ("", "bold", "dim", "red", "bold reverse #ff8800", "italic on blue", "underline green")


def _random_text(rng: random.Random) -> Text:
    plain = "".join(rng.choice(_GLYPHS) for _ in range(rng.randrange(0, 24)))
    text = Text(
        plain,
        style=rng.choice(_STYLES),
        justify=rng.choice((None, "left", "right", "center", "full", "default")),
        overflow=rng.choice((None, "fold", "crop", "ellipsis")),
    )
    for _ in range(rng.randrange(0, 3)):
        start = rng.randrange(0, len(plain) + 1)
        text.stylize(rng.choice(_STYLES[1:]), start, rng.randrange(start, len(plain) + 1))
    return text


def _simple(lines: list[list[Segment]]) -> list[list[Segment]]:
    return [list(Segment.simplify(segment for segment in line if segment.text)) for line in lines]


async def test_one_line_cells_are_drawn_exactly_as_datatable_draws_them() -> None:
    """The fast path draws the same segments (text, style, meta) as DataTable's Rich path, for texts of every
    justification and overflow, wide and combining characters, styles and spans, cursor and hover, any width."""
    rng = random.Random(8)
    table = QueueTable(cursor_type="row", zebra_stripes=True)
    app = Host(table)
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        cells = [_row(i)[1] for i in range(300)]
        for index, row in enumerate(cells):
            table.add_row(*(_random_text(rng) for _ in row), key=f"r{index}")
        await pilot.pause()
        compared = 0
        for index in range(300):
            for column in range(len(COLUMNS)):
                base = rng.choice((Style(), Style(bgcolor="grey11"), Style(color="white", bgcolor="#202020")))
                width, cursor, hover = rng.randrange(3, 30), rng.random() < 0.3, rng.random() < 0.2
                table._cell_render_cache.clear()
                fast = table._render_cell(index, column, base, width, cursor, hover)
                table._cell_render_cache.clear()
                rich = DataTable._render_cell(table, index, column, base, width, cursor, hover)
                assert _simple(fast) == _simple(rich), (table.get_row_at(index)[column], width)
                compared += 1
        assert compared == 300 * len(COLUMNS)


async def test_reorder_puts_every_row_in_place_with_new_cells_and_draws_like_a_table_built_in_that_order() -> None:
    table = QueueTable(cursor_type="row")
    app = Host(table)
    rows = [_row(i) for i in range(40)]
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        table.append_rows(rows)
        await pilot.pause()
        order = [f"row{i}" for i in reversed(range(40))]
        values = [str(1000 + n) for n in range(39)] + ["123456789"]
        ranks = [(key, "rank", Text(value, justify="right")) for key, value in zip(order, values, strict=True)]
        assert not table.reorder(order[:-1], ranks)  # not the rows the table holds: nothing changes
        assert table.get_row_index("row0") == 0
        assert table.reorder(order, ranks, measure=[(order[-1], "rank")])
        await pilot.pause()
        expected = [(key, (cell, *dict(rows)[key][1:])) for key, (_, _, cell) in zip(order, ranks, strict=True)]
        assert [table.get_row_index(key) for key in order] == list(range(40))
        assert table.columns[ColumnKey("rank")].content_width == 9  # the measured cell widened its column
        assert _screen(table) == await _reference(expected, 0)


async def test_a_taller_or_shorter_table_draws_only_the_rows_it_uncovers(drawn: list[Text]) -> None:
    """The status line above the queue grows and shrinks a line while it loads: the rows already drawn stay drawn
    (DataTable drops every drawing on any resize)."""
    table = QueueTable(cursor_type="row")
    app = Host(table)
    rows = [_row(i) for i in range(40)]
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        table.styles.height = HEIGHT - 2
        table.append_rows(rows)
        await pilot.pause()
        drawn.clear()
        table.styles.height = HEIGHT  # two more rows show
        while table.size.height != HEIGHT:
            await pilot.pause()
        await pilot.pause()
        table.refresh()  # the next frame (DataTable's counter moves on after this one is drawn)
        await pilot.pause()
        assert sorted(int(cell.plain) for cell in drawn if cell.justify == "right") == [HEIGHT - 3, HEIGHT - 2]
        assert _screen(table) == await _reference(rows, 0)


async def test_show_row_puts_the_cursor_on_a_reordered_row_and_draws_one_screen(drawn: list[Text]) -> None:
    """The highlighted change keeps its highlight when the queue takes its final order: `show_row` moves the cursor
    to its new place and scrolls there before the next frame, which draws one screen of cells. (In the app, with
    the status and details panel changing in the same turn, `move_cursor` alone drew the old scroll position's
    rows first and then the cursor's; that ordering is not reproduced in this small host.)"""
    table = QueueTable(cursor_type="row")
    app = Host(table)
    rows = [_row(i) for i in range(200)]
    async with app.run_test(size=(60, HEIGHT)) as pilot:
        table.append_rows(rows)
        await pilot.pause()
        order = [f"row{i}" for i in reversed(range(200))]
        ranks = [(key, "rank", Text(str(n + 1), justify="right")) for n, key in enumerate(order)]
        drawn.clear()
        assert table.reorder(order, ranks, measure=[(order[-1], "rank")])
        table.show_row(table.get_row_index("row0"))
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_row == 199 and table.coordinate_to_cell_key(table.cursor_coordinate).row_key == "row0"
        visible = HEIGHT - 1  # the header is drawn by DataTable's own path
        assert len(drawn) == visible * len(COLUMNS)
        assert _screen(table)[-1].split()[:3] == ["200", "change", "0"]
