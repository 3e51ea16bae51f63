"""The queue's table: a DataTable that redraws only what changed, draws one-line text cells without Rich's layout
machinery, and puts thousands of rows in a new order in one step.

A queue of 5000 changes fills in while it loads and takes its final order at the end; every redraw of the visible
rows used to cost 100-500 ms on the UI thread (540 cells, each laid out by Rich: Styled(Padding(Text)) through two
`render_lines`), and loading made several. See `QueueTable`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.containers import Lines
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.geometry import Region
from textual.render import measure as measure_width
from textual.widgets import DataTable
from textual.widgets._data_table import RowRenderables
from textual.widgets.data_table import CellDoesNotExist, CellKey, ColumnKey, RowKey

_NULL = Style.null()


class QueueTable(DataTable[Text]):
    """The queue's table: adding rows, or changing cells of rows that are not drawn, does not redraw the rows on
    screen.

    DataTable keys every cached rendering (cells, rows, lines) by a counter that any change moves on, so each batch
    added while a queue loads, and each batch of approval verdicts, made it render every visible cell again through
    Rich: ~100 ms for 40 rows of 12 columns on the benchmark machine, although those rows looked exactly the same.
    Here the counter stays when cells change: a changed cell that is drawn loses its cached drawing (and its row's),
    so the next frame draws that cell again and reuses every other; a changed row that was only measured (for the
    column widths) loses its cached cells, and other rows have nothing cached. Appending drops only what depends on
    the number of rows (the line offsets). When a column gets wider, the counter moves on and everything is drawn
    again, as DataTable would. (This leans on DataTable's private
    caches; tests/ui/test_queue_table.py compares what it draws with a plain DataTable.)

    What is drawn again is drawn fast: a one-line `Text` cell (every queue cell) is truncated and justified by Rich's
    own `Text` methods and padded here (`single_line`), ~10x cheaper than DataTable's Styled(Padding(Text)) through
    `Console.render_lines`, with the same segments (compared cell by cell in tests/ui/test_queue_table.py). Anything
    else (headers, labels, other renderables, taller rows) goes the DataTable way. `reorder` gives every row its
    place in a new order in one step, without sorting through DataTable's key wrapper."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._read: set[int] = set()
        """Indexes of the rows whose cells were read (to draw or measure them) at counter `_read_at`."""
        self._drawn: set[int] = set()
        """Indexes of the rows drawn at counter `_read_at`."""
        self._read_at = -1
        self._width = -1
        """The width the rows were drawn at."""

    def _on_resize(self, event: events.Resize) -> None:
        """A new height keeps every drawing (a row is drawn in the table's width, whatever its height); DataTable
        drops them all on any resize, and the status line above the queue growing a line when loading ends made
        every visible cell be drawn again."""
        event.prevent_default()  # DataTable's handler moves the counter on
        if event.size.width != self._width:
            self._width = event.size.width
            self._update_count += 1

    def append_rows(self, rows: Iterable[tuple[str, tuple[Text, ...]]]) -> None:
        """Add (key, cells) rows at the end."""
        count = self._update_count
        top, height = int(self.scroll_offset.y), self.size.height
        covered = self.row_count >= top + height  # every line on screen already shows a row
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if covered and self._update_count != count:
            self._update_count = count  # nothing rendered meanwhile: no cache holds a count in between
            self._offset_cache.clear()

    def update_cells(self, updates: Iterable[tuple[str, str, Text]], *, measure: bool = False) -> None:
        """Set many (row key, column key, value) cells with one refresh (`update_cell` refreshes the widget once
        per cell: 10000 of them took ~0.3 s); `measure` widens a column whose new cell is wider than it (a verdict
        "changes requested" was cropped to the width of "APPROVALS"), never narrows one (a narrower cell made
        DataTable measure the whole column again: 5000 cells per verdict)."""
        count = self._update_count
        self._track()
        touched: set[tuple[RowKey, ColumnKey]] = set()
        console, wider = self.app.console, False
        for row, column, value in updates:
            row_key, column_key = RowKey(row), ColumnKey(column)
            index = self._row_locations.get(row_key)
            if index is None or column_key not in self._column_locations:
                raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
            self._data[row_key][column_key] = value
            if index in self._drawn:
                touched.add((row_key, column_key))
                self._row_renderable_cache.discard((count, index))
            elif index in self._read:
                self._row_renderable_cache.discard((count, index))  # measured, never drawn: only its cells
                self._read.discard(index)
            if measure:
                width = self.columns[column_key]
                content = measure_width(console, value, 1)
                if content > width.content_width:
                    width.content_width, wider = content, True
                    self._require_update_dimensions = True
        if wider:
            self._update_count += 1  # a column got wider: every row is laid out again
        elif touched:
            self._forget(touched)
        self.refresh()

    def _forget(self, cells: set[tuple[RowKey, ColumnKey]]) -> None:
        """Drop the drawings of `cells` and of their rows, so the next frame draws only those cells again (a changed
        approvals cell on screen used to move the counter on and redraw every visible cell)."""
        rows = {row for row, _ in cells}
        drawn_cells, drawn_rows = self._cell_render_cache.keys(), self._row_render_cache.keys()
        for key in [key for key in drawn_cells if (key[0], key[1]) in cells]:
            self._cell_render_cache.discard(key)
        for row_key in [key for key in drawn_rows if key[0] in rows]:
            self._row_render_cache.discard(row_key)
        self._line_cache.clear()

    @property
    def _y_offsets(self) -> list[tuple[RowKey, int]]:
        """(row key, line in the row) for each line, as DataTable's, computed in one pass when every row is one line
        high (the queue's are): DataTable's builds a list of rows, then a list per row, after every counter move."""
        offsets = self._offset_cache.get(self._update_count)
        if offsets is None:
            rows, get_key = self.rows, self._row_locations.get_key
            keys = [get_key(index) for index in range(len(rows))]
            if all(key is not None and rows[key].height == 1 for key in keys):
                offsets = [(key, 0) for key in keys if key is not None]
            else:
                offsets = DataTable._y_offsets.fget(self)  # type: ignore[attr-defined]
            self._offset_cache[self._update_count] = offsets
        return offsets

    def _track(self) -> None:
        if self._read_at != self._update_count:
            self._read_at, self._read, self._drawn = self._update_count, set(), set()

    def _get_row_renderables(self, row_index: int) -> RowRenderables:
        """Every rendering and measurement of a row's cells starts here (and is cached by counter and index)."""
        self._track()
        self._read.add(row_index)
        return super()._get_row_renderables(row_index)

    def reorder(
        self,
        keys: Sequence[str],
        cells: Iterable[tuple[str, str, Text]],
        measure: Iterable[tuple[str, str]] = (),
    ) -> bool:
        """Show the rows in `keys` order and set `cells` ((row key, column key, value)) with one redraw; `measure`:
        the (row key, column key) of the new cells that may widen their column (a cell measured narrower than its
        column makes DataTable measure the whole column again: 5000 cells, ~100 ms). False, and nothing changed,
        unless the table holds exactly the rows of `keys`.

        `DataTable.sort` calls a key wrapper per row and `update_cell` refreshes per cell; a queue of 5000 took
        ~200 ms here on the UI thread."""
        rows = self.rows
        if len(keys) != len(rows):
            return False
        row_keys = {key.value: key for key in rows}
        try:
            order = [row_keys[key] for key in keys]
        except KeyError:
            return False
        columns = {key.value: key for key in self._column_locations}
        data = self._data
        wider = set(measure)
        console = self.app.console
        for row, column, value in cells:
            row_key, column_key = row_keys.get(row), columns.get(column)
            if row_key is None or column_key is None:
                raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
            data[row_key][column_key] = value
            if (row, column) in wider:  # measured now: widening on idle would draw the screen twice
                width = self.columns[column_key]
                width.content_width = max(width.content_width, measure_width(console, value, 1))
                self._require_update_dimensions = True
        self._row_locations = TwoWayDict({key: index for index, key in enumerate(order)})
        self._update_count += 1
        self.refresh()
        return True

    def show_row(self, index: int) -> None:
        """Put the cursor on row `index`, scrolled into view before the next frame. DataTable scrolls to the cursor
        after the next frame when the table's dimensions are pending (after a reorder they are): the reordered
        queue drew the rows at the old scroll position, then the cursor's, two screens of cells instead of one."""
        region = self._get_row_region(index)
        spacing = self._get_fixed_offset()
        visible = Region(int(self.scroll_x) + spacing.left, region.y, region.width - spacing.left, region.height)
        self.scroll_to_region(visible, animate=False, spacing=spacing, force=True, immediate=True)
        self.move_cursor(row=index)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """Drawn cells are cached by row key and counter (DataTable's key), lines by position and counter."""
        self._track()
        self._drawn.add(row_index)
        padding = self.cell_padding
        if row_index < self.fixed_rows or column_index < self.fixed_columns or width - 2 * padding < 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)  # header, label
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
               self._pseudo_class_state)
        cached: list[list[Segment]] | None = self._cell_render_cache.get(key)
        if cached is not None:
            return cached
        cell = self._get_row_renderables(row_index).cells[column_index]
        if type(cell) is not Text or self.rows[row_key].height != 1 or "\n" in cell.plain or "\t" in cell.plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component, post = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component
        lines = [single_line(cell, width, padding, pre, post, self.app.console)]
        self._cell_render_cache[key] = lines
        return lines

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        widths = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        if widths != [column.content_width for column in self.columns.values()]:
            self._update_count += 1  # a column got wider: every row is laid out again

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        widths = [column.content_width for column in self.columns.values()]
        super()._update_column_widths(updated_cells)
        if widths != [column.content_width for column in self.columns.values()]:
            self._update_count += 1


def single_line(
    text: Text, width: int, padding: int, pre: Style, post: Style | None, console: Console
) -> list[Segment]:
    """`text` drawn in `width` cells with `padding` blank cells each side, as DataTable draws a cell of a one-line
    row (`Styled(Padding(text, (0, padding)), pre, post)` rendered with `no_wrap` at height 1), for a text without
    newlines or tabs: justified and truncated by Rich's own methods, padded with the same unstyled blanks."""
    inner = width - 2 * padding
    segments = _fitting(text, inner, console)
    if segments is None:
        line = text.copy()
        overflow = text.overflow or "fold"
        Lines([line]).justify(console, inner, justify=text.justify or "default", overflow=overflow)
        line.truncate(inner, overflow=overflow)
        if line.style:  # as `Text.join` does before Rich renders a cell: the text's own style becomes its first span
            line.spans = [Span(0, len(line), line.style), *line.spans]
            line.style = ""
        segments = Segment.adjust_line_length(list(line.render(console)), inner, style=_NULL)
    if padding:
        side = Segment(" " * padding, _NULL)
        segments = [side, *segments, side]
    return list(Segment.apply_style(segments, pre, post))


def _fitting(text: Text, inner: int, console: Console) -> list[Segment] | None:
    """The common cell in one go: one style, no spans, fits its column, left/right/default justified (what Rich's
    justify, truncate and render come to for it); None for anything else."""
    plain = text.plain
    justify = text.justify or "default"
    if text.spans or justify not in ("default", "left", "right") or (justify == "right" and plain[-1:].isspace()):
        return None
    length = cell_len(plain)
    if length > inner:
        return None
    style = console.get_style(text.style, default=_NULL) if text.style else _NULL
    segments = [Segment(plain, style)] if plain else []
    if length < inner:
        pad = Segment(" " * (inner - length), _NULL if justify == "default" else style)
        segments = [pad, *segments] if justify == "right" else [*segments, pad]
    return segments
