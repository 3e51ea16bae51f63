"""Bare apps that open one change on the review screen, or show one DiffView, so each is tested alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from reviewtui.analysis import Analysis
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.session import Session
from reviewtui.ui.widgets.diff_view import DiffView
from tests.ui.conftest import FakeClock


class ViewHost(App[None]):
    """A bare app showing one DiffView, so the view is tested without a screen or a repository around it."""

    def __init__(self, view: DiffView) -> None:
        super().__init__()
        self.view = view
        self.animation_level = "none"  # an animated jump would draw the rows it passes

    def compose(self) -> ComposeResult:
        yield self.view


class ReviewHost(App[None]):
    """Pushes a ReviewScreen for `analysis`; the session runs on a fake clock so nothing depends on time."""

    def __init__(self, analysis: Analysis, repo: Path | None = None, session: Session | None = None) -> None:
        super().__init__()
        if repo is not None:  # a private copy of the demo: viewed marks are written to its git dir
            analysis = replace(analysis, change=replace(analysis.change, repo=str(repo)))
        self.analysis = analysis
        self.clock = FakeClock()
        self.session = session if session is not None else Session(clock=self.clock)
        self.session.clock = self.clock
        self.animation_level = "none"

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.analysis, session=self.session))

    @property
    def review(self) -> ReviewScreen:
        screen = self.screen
        assert isinstance(screen, ReviewScreen), screen
        return screen


async def opened(pilot: Pilot[None]) -> ReviewScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    app = pilot.app
    assert isinstance(app, ReviewHost)
    return app.review
