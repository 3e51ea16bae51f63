"""A screen whose main widget is one DataTable (the queue, the audit): the moves its j/k/g/G keys call.

The keys themselves stay in each screen's BINDINGS (their ids differ per screen so each can be remapped); only the
actions are shared, so the two screens cannot drift apart in how they move.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import DataTable


class TableScreen(Screen[None]):
    """Cursor moves over the screen's DataTable."""

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_top(self) -> None:
        self.query_one(DataTable).move_cursor(row=0)

    def action_bottom(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.row_count - 1))
