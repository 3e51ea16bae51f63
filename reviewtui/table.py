"""Plain-text tables for the CLI: aligned columns of untrusted text, made inert and cut to the terminal width.

Kept free of Rich and Textual so the CLI works wherever the core does, including in CI logs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

from reviewtui.text import inert

ELLIPSIS = "…"


class Column(NamedTuple):
    """A NamedTuple, not a dataclass: `queue` answered from its memo prints a table, and importing `dataclasses`
    (with `inspect` and `ast`) would be a tenth of that answer's time."""

    title: str
    align: str = "<"
    flexible: bool = False
    """A flexible column absorbs what the terminal width leaves; the others keep their natural width."""


def char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def clip(text: str, width: int) -> str:
    """Cut `text` to `width` terminal cells, marking the cut with an ellipsis."""
    if text_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + ELLIPSIS


def render_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int | None = None) -> str:
    """Lay out rows under headers; every cell passes through `inert` first, so no content can drive the terminal."""
    cells = [[inert(cell, keep_tabs=False) for cell in row] for row in rows]
    widths = [max([text_width(c.title)] + [text_width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    if width is not None:
        fixed = sum(w for w, c in zip(widths, columns, strict=True) if not c.flexible) + 2 * (len(columns) - 1)
        for i, column in enumerate(columns):
            if column.flexible:
                widths[i] = max(text_width(column.title), 24, min(widths[i], width - fixed))
    lines = [_line([c.title for c in columns], widths, columns)]
    lines += [_line(row, widths, columns) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _line(row: Sequence[str], widths: Sequence[int], columns: Sequence[Column]) -> str:
    parts = []
    for cell, width, column in zip(row, widths, columns, strict=True):
        cell = clip(cell, width)
        pad = " " * (width - text_width(cell))
        parts.append(pad + cell if column.align == ">" else cell + pad)
    return "  ".join(parts)
