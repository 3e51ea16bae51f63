"""The application: opens the queue screen on a repository (or workspace), owns global keys and the reviewers.

Who signs is decided here, once: the signing keys are found in a worker at start-up (`identities.discover`), the
first is the active reviewer, and in pair mode (`--pair`) the palette's "Switch reviewer" command hands the
keyboard to another. Every screen is told (`ReviewerChanged`) and follows; the evidence each reviewer gathers is
kept apart in the shared `Session`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType

from reviewtui.config import load_config
from reviewtui.errors import ReviewtuiError
from reviewtui.queue import QueueRequest
from reviewtui.repository import Repository
from reviewtui.ui.commands import ReviewerCommands
from reviewtui.ui.identities import Identity, discover
from reviewtui.ui.messages import ReviewerChanged
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.session import Session


class ReviewApp(App[None]):
    """reviewtui's TUI."""

    TITLE = "reviewtui"
    COMMANDS = App.COMMANDS | {ReviewerCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `q` | Quit. |
    | `?` | Show the keys of the current screen. |
    | `ctrl+p` | Command palette; "Switch reviewer" hands the keyboard to another reviewer in pair mode. |
    """

    def __init__(
        self,
        request: QueueRequest,
        *,
        theme: str | None = None,
        pair: bool = False,
        keys: Sequence[Path] = (),
    ) -> None:
        """`keys` are `--key` paths (first = default reviewer); `pair` offers every found key as a reviewer."""
        super().__init__()
        self.request = request
        self._theme_name = theme
        self.pair = pair
        self.keys = tuple(keys)
        self.session = Session()

    def on_mount(self) -> None:
        if self._theme_name:
            if self._theme_name not in self.available_themes:
                names = ", ".join(sorted(self.available_themes))
                self.notify(f"unknown theme {self._theme_name!r}; available: {names}", severity="error")
            else:
                self.theme = self._theme_name
        self.push_screen(QueueScreen(self.request, self.session))
        self.find_reviewers()

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    # -- reviewers ---------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="reviewers")
    def find_reviewers(self) -> None:
        """Resolve the signing keys (git config, ssh-keygen calls) off the UI thread."""
        problems: list[str] = []
        try:
            repo: Repository | None = Repository(self.request.repo)
        except ReviewtuiError:
            repo = None
        try:
            configured = load_config(repo.root if repo else None, user_file=self.request.user_config).approvals_key
        except ReviewtuiError as exc:
            configured = None
            problems.append(str(exc))
        identities, found_problems = discover(self.keys, configured, repo)
        self.call_from_thread(self._reviewers_found, identities, problems + found_problems)

    def _reviewers_found(self, identities: list[Identity], problems: list[str]) -> None:
        self.session.identities = identities if self.pair else identities[:1]
        self.session.active_index = 0
        self.session.problems = problems
        for problem in problems:
            self.notify(problem, title="signing key", severity="warning", markup=False, timeout=8)
        if self.pair and len(identities) > 1:
            names = ", ".join(self.session.name(identity) for identity in identities)
            self.notify(
                f"pair mode: {names}. Reviewing now: {self.session.name(self.session.active)}. "
                "Switch with ctrl+p → Switch reviewer.",
                markup=False,
                timeout=6,
            )
        self._broadcast()

    def switch_reviewer(self, index: int) -> None:
        """Hand the keyboard to reviewer `index`; their own clock, coverage and acknowledgements take over."""
        identity = self.session.switch(index)
        self.notify(f"Reviewing now: {self.session.name(identity)}", markup=False, timeout=4)
        self._broadcast()

    def _broadcast(self) -> None:
        for screen in self.screen_stack:
            screen.post_message(ReviewerChanged())


def run(repo: Path, *, theme: str | None = None, pair: bool = False, keys: Sequence[Path] = ()) -> int:
    """Run the TUI until the user quits; the queue loads in the background after the first paint."""
    if not repo.exists():
        raise ReviewtuiError(f"{repo}: no such directory")
    ReviewApp(QueueRequest(repo=repo), theme=theme, pair=pair, keys=keys).run()
    return 0
