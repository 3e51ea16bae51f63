"""The application: opens the queue screen on a repository (or workspace) and owns global keys."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from reviewtui.errors import ReviewtuiError
from reviewtui.queue import QueueRequest
from reviewtui.ui.screens.queue import QueueScreen


class ReviewApp(App[None]):
    """reviewtui's TUI."""

    TITLE = "reviewtui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `q` | Quit. |
    | `?` | Show the keys of the current screen. |
    """

    def __init__(self, request: QueueRequest, *, theme: str | None = None) -> None:
        super().__init__()
        self.request = request
        self._theme_name = theme

    def on_mount(self) -> None:
        if self._theme_name:
            if self._theme_name not in self.available_themes:
                names = ", ".join(sorted(self.available_themes))
                self.notify(f"unknown theme {self._theme_name!r}; available: {names}", severity="error")
            else:
                self.theme = self._theme_name
        self.push_screen(QueueScreen(self.request))

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def run(repo: Path, *, theme: str | None = None) -> int:
    """Run the TUI until the user quits; the queue loads in the background after the first paint."""
    if not repo.exists():
        raise ReviewtuiError(f"{repo}: no such directory")
    ReviewApp(QueueRequest(repo=repo), theme=theme).run()
    return 0
