"""The review screen: one change, its provenance at the top, its diff below."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from reviewtui.model import Change
from reviewtui.rules.finding import Finding
from reviewtui.ui.safe import safe_text
from reviewtui.ui.widgets.diff_view import DiffView


class ReviewScreen(Screen[None]):
    """Read one change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `escape` | Back to the queue. |
    """

    DEFAULT_CSS = """
    ReviewScreen #summary { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    ReviewScreen DiffView { height: 1fr; }
    """

    def __init__(self, change: Change, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__()
        self.change = change
        self.findings = findings

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(summary(self.change), id="summary")
        yield DiffView(self.change, self.findings)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.change.id
        self.query_one(DiffView).focus()


def summary(change: Change) -> Text:
    stats = change.stats
    out = Text()
    out.append_text(safe_text(change.title, "bold"))
    out.append("\n")
    out.append_text(safe_text(f"{change.id}  ", "bold cyan"))
    out.append(f"+{stats.added} ", "green")
    out.append(f"-{stats.deleted} ", "red")
    out.append(f"in {stats.files} file(s)", "dim")
    if change.merge_base and change.head:
        out.append(f"   {change.merge_base[:10]}..{change.head[:10]}", "dim")
    out.append("\n")
    if change.agent:
        out.append("agent ", "dim")
        out.append_text(safe_text(change.agent.name, "magenta"))
        out.append("  operator ", "dim")
        out.append_text(safe_text(change.agent.operator or "unknown"))
        out.append("  signal ", "dim")
        out.append_text(safe_text(change.agent.signal, "dim"))
    else:
        out.append("human-only change", "dim")
    return out
