"""Incremental search in the diff: matches are counted and emphasised as you type; Enter (or ↓) goes to the next,
shift+Enter (or ↑) to the previous, Esc closes the bar and leaves the view where the search took it.

The query goes through `TextInput`, so a pasted control sequence is shown, not obeyed.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from reviewtui.ui.widgets.text_input import TextInput


class SearchBar(Horizontal):
    """`/` query input and match count, docked under the diff."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,down", "step(True)", "Next match", id="search.next"),
        Binding("shift+enter,up", "step(False)", "Previous match", id="search.previous"),
        Binding("escape", "close", "Close search", id="search.close"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `enter` / `down` | Next match. |
    | `shift+enter` / `up` | Previous match. |
    | `escape` | Close the search bar (matches stay emphasised until the next search). |
    """

    DEFAULT_CSS = """
    SearchBar { height: 1; display: none; background: $panel; }
    SearchBar.-shown { display: block; }
    SearchBar #search-label { width: 2; color: $primary; text-style: bold; }
    SearchBar TextInput, SearchBar TextInput:focus { width: 1fr; height: 1; border: none; padding: 0; }
    SearchBar #search-count { width: auto; min-width: 16; padding: 0 1; color: $text-muted; }
    """

    class Changed(Message):
        """The query changed; handled by `on_search_bar_changed`."""

        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    class Step(Message):
        """Go to the next (`forward`) or previous match; handled by `on_search_bar_step`."""

        def __init__(self, forward: bool) -> None:
            super().__init__()
            self.forward = forward

    class Closed(Message):
        """The bar was closed; handled by `on_search_bar_closed`."""

    def compose(self) -> ComposeResult:
        yield Static("/", id="search-label")
        yield TextInput(placeholder="search the diff", id="search-input")
        yield Static(id="search-count")

    def open(self) -> None:
        self.add_class("-shown")
        self.query_one(TextInput).focus()

    @property
    def query_text(self) -> str:
        return self.query_one(TextInput).value

    def show_count(self, current: int | None, total: int) -> None:
        if not self.query_text:
            label = Text("")
        elif total == 0:
            label = Text("no match", style="bold red")
        else:
            where = f"{current + 1}/" if current is not None else ""
            label = Text(f"{where}{total} match{'es' if total != 1 else ''}")
        self.query_one("#search-count", Static).update(label)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(True))

    def action_step(self, forward: bool) -> None:
        self.post_message(self.Step(forward))

    def action_close(self) -> None:
        self.remove_class("-shown")
        self.post_message(self.Closed())
