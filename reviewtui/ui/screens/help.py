"""`?`: every key of the screen underneath, with what it does, where it applies, and its id for `[keys]`.

Built from the screen's active bindings at the moment `?` is pressed, so it shows the reviewer's own keymap and
the keys of whatever widget has focus, not a list written by hand that could drift from the truth.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from reviewtui.ui.commands import active_actions


class HelpScreen(ModalScreen[None]):
    """The keys of one screen, grouped by where they apply."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `escape` / `?` / `q` | Close the key list. |
    """

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.keys_text = keys_table(screen)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.keys_text, id="keys")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def keys_table(screen: Screen[Any]) -> Text:
    """Key, action, id; the screen's keys first, then the focused widget's, then those that work everywhere."""
    app = screen.app
    groups: dict[str, list[tuple[str, ActiveBinding]]] = {}
    for keys, active in active_actions(screen.active_bindings):
        if active.node is app:
            where = "Everywhere"
        elif active.node is screen:
            where = "This screen"
        else:
            where = f"In the {type(active.node).__name__}"
        shown = " / ".join(app.get_key_display(active.binding.with_key(key)) for key in keys)
        groups.setdefault(where, []).append((shown, active))
    order = ["This screen", *sorted(g for g in groups if g.startswith("In the")), "Everywhere"]
    out = Text()
    out.append(f"Keys: {screen.__class__.__name__.removesuffix('Screen').lower() or 'screen'}\n", "bold")
    out.append("Change a key with [keys] in the user config, by id (docs/configuration.md).\n", "dim")
    width = max((len(shown) for rows in groups.values() for shown, _ in rows), default=4)
    for where in order:
        if where not in groups:
            continue
        out.append(f"\n{where}\n", "bold underline")
        for shown, active in groups[where]:
            binding = active.binding
            out.append(f"  {shown:>{width}}  ", "bold" if active.enabled else "dim")
            out.append(binding.description, "" if active.enabled else "dim")
            if binding.tooltip:
                out.append(f" — {binding.tooltip}", "dim")
            if binding.id:
                out.append(f"  [{binding.id}]", "dim italic")
            out.append("\n")
    return out
