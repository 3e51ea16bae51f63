"""Fixtures for the TUI tests: a private copy of the demo (decisions are written to its git notes), a fake clock,
and helpers that drive the real app with Pilot and read what is on screen."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable

from reviewtui.demo import DemoWorkspace, Reviewer
from reviewtui.queue import QueueRequest
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.screens.review import ReviewScreen


@dataclass(frozen=True)
class Workspace:
    """A copy of the demo whose repository the test may write to; the reviewers' keys are the session's own."""

    repo: Path
    alice: Reviewer
    bob: Reviewer
    carol: Reviewer

    def app(self, *reviewers: Reviewer, pair: bool = True) -> ReviewApp:
        """The real app on this copy; animations off, so a scroll lands at once (tests move time by hand)."""
        app = ReviewApp(QueueRequest(repo=self.repo), pair=pair, keys=[r.key for r in reviewers])
        app.animation_level = "none"
        return app

    def keep_only(self, *change_ids: str) -> None:
        """Drop every other pending change from this copy, so the queue (and its verdicts) load in a second."""
        keep = {f"refs/pull/{i[3:]}/head" if i.startswith("pr/") else f"refs/heads/{i}" for i in change_ids}
        refs = self._git("for-each-ref", "--format=%(refname)", "refs/heads", "refs/pull").split()
        for ref in refs:
            if ref not in keep and ref != "refs/heads/main":
                self._git("update-ref", "-d", ref)

    def commit(self, files: dict[str, str], message: str) -> None:
        """Commit on main (the base every pending change is judged against)."""
        for name, text in files.items():
            (self.repo / name).write_text(text, encoding="utf-8")
        self._git("add", *files)
        self._git("commit", "-q", "-m", message)

    def _git(self, *args: str) -> str:
        identity = ["-c", "user.name=Test", "-c", "user.email=test@shop.example"]
        done = subprocess.run(["git", "-C", str(self.repo), *identity, *args], check=True, capture_output=True)
        return done.stdout.decode()


@pytest.fixture
def workspace(demo_workspace: DemoWorkspace, tmp_path: Path) -> Workspace:
    root = Path(shutil.copytree(demo_workspace.root, tmp_path / "ws", symlinks=True))
    people = {r.name: r for r in demo_workspace.reviewers}
    return Workspace(root / demo_workspace.repo.name, people["alice"], people["bob"], people["carol"])


class FakeClock:
    """Monotonic time the test moves by hand, so review seconds are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle(pilot: Pilot[None]) -> None:
    """Wait for every worker (queue, verdicts, facts, signing) and the messages they post."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def loaded_queue(pilot: Pilot[None]) -> QueueScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


async def open_change(pilot: Pilot[None], change_id: str) -> ReviewScreen:
    queue = pilot.app.screen
    assert isinstance(queue, QueueScreen)
    table = queue.query_one(DataTable)
    key = next(k for k, a in queue.changes.items() if a.change.id == change_id)
    table.move_cursor(row=table.get_row_index(key))
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen) and screen.change.id == change_id
    assert screen.facts is not None, screen.facts_error
    return screen


def approvals_cell(queue: QueueScreen, change_id: str) -> str:
    table = queue.query_one(DataTable)
    key = next(k for k, a in queue.changes.items() if a.change.id == change_id)
    return str(table.get_cell(key, "approvals"))


def screen_text(app: App[Any]) -> str:
    """The plain text of the whole screen (modal and the screens under it), as a terminal would show it.

    Exported without styles, so any control character in it came from content, not from Textual's own output.
    """
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)
