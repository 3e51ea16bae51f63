"""Untrusted strings become Rich `Text` here and nowhere else in the UI.

Stock widgets interpret `str` cells as markup and pass control characters straight to the terminal (a DataTable
cell holding "x\\x1b[2J" clears the screen). A `Text` built from `inert` output is neither parsed nor obeyed.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from reviewtui.text import inert


def safe_text(value: str, style: str | Style = "") -> Text:
    return Text(inert(value, keep_tabs=False), style=style, no_wrap=True, end="")
