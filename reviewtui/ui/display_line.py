"""A diff line as the view shows it, measured so that one row of it costs the row, not the line.

A minified file or a data blob can be one 10 MB line. Wrapping it by handing the whole line to Rich and cropping a
piece out per row walks all ten million characters for every row drawn (25 s per wrap toggle, measured). Here the
line is made inert once, its width in cells is known without a per-character walk (ASCII text: one cell per
character; other text: a running total per fixed chunk of characters), and a cell offset is turned into a character
offset by bisection plus a walk inside one chunk, so drawing a row looks at about a row's worth of characters.
"""

from __future__ import annotations

import bisect
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size

from reviewtui.text import inert

CHUNK = 4096
"""Characters per step of the cell index of a non-ASCII line (bounds the walk that finds one cell)."""


def display(text: str) -> str:
    """The text the view shows for a raw line: tabs expanded to 4, every unsafe character a visible escape."""
    if text.isascii() and text.isprintable():
        return text  # the common case, without a copy (isascii is O(1); isprintable is one pass in C)
    return inert(text.expandtabs(4))


class DisplayLine:
    """One line's display text and its geometry in terminal cells."""

    __slots__ = ("_ends", "cells", "text")

    def __init__(self, raw: str) -> None:
        self.text = display(raw)
        self._ends: list[int] | None = None
        """Running cell totals per CHUNK characters; None when every character is one cell (ASCII)."""
        if self.text.isascii():
            self.cells = len(self.text)
        else:
            text = self.text
            self._ends = list(accumulate(cell_len(text[k : k + CHUNK]) for k in range(0, len(text), CHUNK)))
            self.cells = self._ends[-1] if self._ends else 0

    def __len__(self) -> int:
        return len(self.text)

    def cell_of(self, char: int) -> int:
        """Cells before character `char`."""
        char = max(0, min(char, len(self.text)))
        if self._ends is None:
            return char
        chunk = char // CHUNK
        before = self._ends[chunk - 1] if chunk else 0
        return before + cell_len(self.text[chunk * CHUNK : char])

    def char_at(self, cell: int) -> tuple[int, int]:
        """The character that covers cell `cell` and the cells before it (len(text) and all cells past the end)."""
        if cell >= self.cells:
            return len(self.text), self.cells
        cell = max(0, cell)
        if self._ends is None:
            return cell, cell
        chunk = bisect.bisect_right(self._ends, cell)
        at = chunk * CHUNK
        count = self._ends[chunk - 1] if chunk else 0
        end = min(len(self.text), at + CHUNK)
        while at < end:
            width = get_character_cell_size(self.text[at])
            if count + width > cell:
                break
            count += width
            at += 1
        return at, count

    def span(self, start: int, end: int) -> tuple[int, int, int]:
        """Characters covering cells `start`..`end`: (first char, one past the last char, cells before the first)."""
        first, before = self.char_at(start)
        if end >= self.cells:
            return first, len(self.text), before
        last, _ = self.char_at(max(start, end - 1))
        return first, min(len(self.text), last + 1), before
