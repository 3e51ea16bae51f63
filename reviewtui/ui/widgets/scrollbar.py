"""A vertical scrollbar that is drawn again only when what it shows changes.

On a 100k-line diff a page moves the thumb by a fraction of an eighth of a cell, yet Textual's scrollbar repaints on
every change of its position: the whole bar went through Textual's render pipeline on every page-down (~2.5 ms, a
sixth of the frame). Here a new position repaints only when the bar it draws differs from the one on screen."""

from __future__ import annotations

from math import ceil
from typing import Any

from rich.segment import Segment
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar


class QuietScrollBar(ScrollBar):
    """ScrollBar whose position change repaints only when the drawn bar changes (size, window or colours changing
    repaint as usual)."""

    position: Reactive[float] = Reactive(0, repaint=False)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._drawn: list[Segment] | None = None
        """The bar at the position last drawn, with the size and window it was drawn at."""
        self._drawn_for: tuple[int, int, int] | None = None

    def watch_position(self, position: float) -> None:
        bar, shape = self._bar(position)
        if shape != self._drawn_for or bar != self._drawn:
            self._drawn, self._drawn_for = bar, shape
            self.refresh()

    def _bar(self, position: float) -> tuple[list[Segment], tuple[int, int, int]]:
        """The segments `render_bar` makes for `position` (colours aside: they do not move with it)."""
        virtual = ceil(self.window_virtual_size)
        window = ceil(self.window_size if self.window_size < self.window_virtual_size else 0)
        size = self.size.height if self.vertical else self.size.width
        shape = (size, virtual, window)
        bar = self.renderer.render_bar(
            size=size, virtual_size=virtual, window_size=window, position=position, vertical=self.vertical
        )
        return list(bar.segments), shape
