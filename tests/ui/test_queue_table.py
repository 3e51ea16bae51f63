"""The queue's table draws exactly what a DataTable built in one go draws, while adding rows below the screen and
changing cells of rows that are not drawn redraws nothing (issue 8: every such batch used to re-render every visible
cell through Rich, ~100 ms on the UI thread).

Counted, not timed: cells rendered per change, and the screen compared line by line with a plain DataTable.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from reviewtui.ui.screens.queue import QueueTable

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


async def test_rows_below_a_full_screen_and_cells_off_screen_redraw_nothing_and_draw_right(
    rendered: list[int],
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

        rendered.clear()
        table.scroll_to(y=0, animate=False, immediate=True)
        await pilot.pause()
        table.update_cells([("row1", "approvals", Text("1/2"))])  # a row on screen: drawn again
        rows[1] = _row(1, "1/2")
        await pilot.pause()
        assert rendered and _screen(table) == await _reference(rows, 0)


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
