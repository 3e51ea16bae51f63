"""An Input for what reviewers type into signed records (comments, reasons), which can never hold a control
character.

Text pasted from a diff, a chat or a web page may carry escape sequences or bidi controls; Textual's Input would
draw them to the terminal as they are, and the signed record would keep them. Here every way text gets in (typing,
pasting, setting `value`) passes through `inert`, so what the reviewer sees is exactly what will be signed.
"""

from __future__ import annotations

from textual.widgets import Input

from reviewtui.text import inert


class TextInput(Input):
    """A single-line Input whose value is always inert text."""

    def validate_value(self, value: str) -> str:
        return inert(value, keep_tabs=False)

    def insert_text_at_cursor(self, text: str) -> None:
        super().insert_text_at_cursor(inert(text, keep_tabs=False))

    def replace(self, text: str, start: int, end: int) -> None:
        super().replace(inert(text, keep_tabs=False), start, end)
