"""Review of the issue-8 diff view changes (scroll offset, width and selected finding worked out once per frame;
cells cropped only when a row shows part of them; Pygments without its filters): after searches, finding jumps,
split and wrap toggles and resizes, every line on screen is what a view opened fresh in that state draws."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.pilot import Pilot

from reviewtui.analysis import Analysis
from reviewtui.ui.widgets.diff_view import DiffView
from tests.ui.review_host import ViewHost

MIGRATION = "codex/drop-legacy-payment-columns"


def _lines(view: DiffView) -> list[list[Segment]]:
    return [list(view.render_line(y)) for y in range(view.size.height)]


async def _settled(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def _fresh(analysis: Analysis, view: DiffView, size: tuple[int, int]) -> list[list[Segment]]:
    """A new view of the same change put straight into `view`'s state: mode, search, scroll, selected finding."""
    other = DiffView(analysis.change, analysis.findings)
    app = ViewHost(other)
    async with app.run_test(size=size) as pilot:
        await _settled(pilot)
        if view.split:
            other.action_toggle_split()
        if view.wrap:
            other.action_toggle_wrap()
        await _settled(pilot)
        if view.search_term:
            other.search(view.search_term)
        other._selected = view._selected
        other.scroll_to(y=view.scroll_offset.y, animate=False, immediate=True)
        await _settled(pilot)
        return _lines(other)


@pytest.mark.parametrize(
    "keys",
    [
        ("f", "f", "s", "w", "pagedown", "F"),
        ("w", "f", "pagedown", "s", "f"),
    ],
)
async def test_after_toggles_searches_and_resizes_the_view_draws_what_a_fresh_one_does(
    demo_analyses: dict[str, Analysis], keys: tuple[str, ...]
) -> None:
    analysis = demo_analyses[MIGRATION]
    assert analysis.findings
    view = DiffView(analysis.change, analysis.findings)
    app = ViewHost(view)
    async with app.run_test(size=(120, 24)) as pilot:
        await _settled(pilot)
        view.search("payment")
        for index, key in enumerate(keys):
            await pilot.press(key)
            await _settled(pilot)
            _lines(view)  # the frame as drawn now, cached at this width and mode
            if index == 2:
                await pilot.resize_terminal(70, 24)
                await _settled(pilot)
                _lines(view)
        await pilot.resize_terminal(150, 20)
        await _settled(pilot)
        drawn, size = _lines(view), (150, 20)
        assert drawn == await _fresh(analysis, view, size)
