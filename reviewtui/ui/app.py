"""The application: opens the queue screen on a repository (or workspace), owns global keys and the reviewers.

Who signs is decided here, once: the signing keys are found in a worker at start-up (`identities.discover`), the
first is the active reviewer, and in pair mode (`--pair`) the palette's "Switch reviewer" command hands the
keyboard to another. Every screen is told (`ReviewerChanged`) and follows; the evidence each reviewer gathers is
kept apart in the shared `Session`.

The look and the keys are the reviewer's own (`Preferences`): themes from `themes/` and the user's theme folder,
`[ui] theme` and `[keys]` from the user config, checked before the first paint so a typo stops the start with one
line instead of leaving a default silently in place. A theme picked in the palette is written back to the user
config.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.theme import Theme

from reviewtui.config import load_config, save_theme
from reviewtui.errors import ReviewtuiError
from reviewtui.journal import Journal
from reviewtui.places import user_config_path
from reviewtui.queue import QueueRequest
from reviewtui.repository import Repository
from reviewtui.ui.commands import FileJumps, FilterCommands, ReviewerCommands, ScreenActions
from reviewtui.ui.identities import Identity, discover
from reviewtui.ui.keymap import keymap
from reviewtui.ui.messages import ReviewerChanged
from reviewtui.ui.pool import released
from reviewtui.ui.screens.help import HelpScreen
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.session import Session
from reviewtui.ui.themes import DEFAULT_THEME, ThemeSet, load_themes, user_folder, variable_defaults

SWITCH_INTERVAL = 0.001
"""Seconds a thread waiting for the GIL waits before it asks the holder to let go (Python's default: 0.005), while
the app runs. The queue's loader and the review screen's workers are threads running Python for seconds on end; the
UI thread gives the GIL up at every system call its event loop makes and each time waited up to the whole interval to
get it back, so one turn of the loop took tens of milliseconds and a repaint a hundred and more (measured with the
loader's thread holding the GIL 50-90 ms of every 100 ms while the UI thread slept, waiting for it)."""


@dataclass(frozen=True, slots=True)
class Preferences:
    """The reviewer's theme and keys, read from the user config and theme folder and checked."""

    themes: ThemeSet
    theme: str
    keymap: dict[str, str]
    user_file: Path
    saved_theme: str | None = None
    """`[ui] theme` as the user file says it: what the palette's choice is compared with before writing."""

    @classmethod
    def load(cls, user_file: Path | None = None, theme: str | None = None) -> Preferences:
        """Raise one line (ConfigError, exit 2) for an unknown theme, binding id or key."""
        path = user_file if user_file is not None else user_config_path()
        config = load_config(None, user_file=path)
        themes = load_themes(user_folder(path))
        if theme:
            themes.require(theme, "--theme")
        elif config.theme:
            themes.require(config.theme, f"{path}: ui.theme")
        chosen = theme or config.theme or DEFAULT_THEME
        return cls(themes, chosen, keymap(config.keys), path, config.theme)


class ReviewApp(App[None]):
    """reviewtui's TUI."""

    TITLE = "reviewtui"
    COMMANDS = App.COMMANDS | {ScreenActions, FileJumps, FilterCommands, ReviewerCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Keys", id="app.help"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `q` | Quit. |
    | `?` | Show every key of the current screen (and its id for `[keys]`). |
    | `ctrl+p` | Command palette: every action of the screen, "Jump to file", "Theme", "Switch reviewer" (pair mode). |
    """

    def __init__(
        self,
        request: QueueRequest,
        *,
        theme: str | None = None,
        pair: bool = False,
        keys: Sequence[Path] = (),
        preferences: Preferences | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """`keys` are `--key` paths (first = default reviewer); `pair` offers every found key as a reviewer.
        `preferences` default to the user config's (`request.user_config`); `now` freezes ages (snapshots)."""
        super().__init__()
        self.request = request
        self.preferences = preferences or Preferences.load(request.user_config, theme)
        self.pair = pair
        self.keys = tuple(keys)
        self.session = Session(journal=Journal())
        self.now = now
        for found in self.preferences.themes.themes:
            self.register_theme(found)
        self.theme = self.preferences.theme
        self.set_keymap(self.preferences.keymap)
        self._remembered_theme = self.preferences.theme
        self._switch_interval = sys.getswitchinterval()

    def on_mount(self) -> None:
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        # Everything alive now (imported modules, Textual's widgets and styles: some 100k objects) lives as long as
        # the app. Frozen, the cycle collector's full collections no longer walk it: the first one otherwise came
        # while the queue's first rows were being read, on the loader's thread, and took 45-70 ms.
        gc.freeze()
        for problem in self.preferences.themes.problems:
            self.notify(problem, title="theme skipped", severity="warning", markup=False, timeout=8)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(QueueScreen(self.request, self.session, now=self.now))
        self.find_reviewers()

    def on_unmount(self) -> None:
        sys.setswitchinterval(self._switch_interval)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """reviewtui's colour variables for themes that do not set them (Textual's own), so CSS using them works
        under every theme."""
        return variable_defaults(self.current_theme.dark)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.screen))

    # -- theme -------------------------------------------------------------------------------------------------------

    def _remember_theme(self, theme: Theme) -> None:
        """A theme chosen in the palette becomes the user config's `[ui] theme` (start-up themes are not written)."""
        if theme.name != self._remembered_theme:
            self._remembered_theme = theme.name
            self.save_theme(theme.name)

    @work(thread=True, exclusive=True, group="theme")
    @released
    def save_theme(self, name: str) -> None:
        try:
            path = save_theme(name, self.preferences.user_file)
        except ReviewtuiError as exc:
            self.call_from_thread(self.notify, str(exc), title="theme not saved", severity="warning", markup=False)
            return
        self.call_from_thread(self.notify, f"theme {name} saved in {path}", markup=False, timeout=3)

    # -- reviewers ---------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="reviewers")
    @released
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


def run(
    repo: Path,
    *,
    theme: str | None = None,
    pair: bool = False,
    keys: Sequence[Path] = (),
    sarif: Sequence[Path] = (),
) -> int:
    """Run the TUI until the user quits; the queue loads in the background after the first paint."""
    if not repo.exists():
        raise ReviewtuiError(f"{repo}: no such directory")
    preferences = Preferences.load(None, theme)
    request = QueueRequest(repo=repo, sarif=tuple(sarif))
    ReviewApp(request, pair=pair, keys=keys, preferences=preferences).run()
    return 0
