"""Snapshots of the review screen (unified, side by side, collapsed file with the risk panel, a 100x30 terminal with
wrapped findings) on the demo.

Deterministic: the demo's pull requests have fixed shas, the session runs on a fake clock, animations are off and
every worker (policy facts) has finished before the picture is taken. Update with `pytest --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from reviewtui.analysis import Analysis
from tests.ui.conftest import Workspace
from tests.ui.review_host import ReviewHost, opened

SIZE = (150, 42)


async def _settled(pilot: Pilot[None]) -> None:
    await opened(pilot)


def test_review_unified(snap_compare: Any, demo_analyses: dict[str, Analysis], workspace: Workspace) -> None:
    app = ReviewHost(demo_analyses["pr/101"], workspace.repo)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settled, press=["n"])


def test_review_split(snap_compare: Any, demo_analyses: dict[str, Analysis], workspace: Workspace) -> None:
    app = ReviewHost(demo_analyses["pr/101"], workspace.repo)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settled, press=["n", "s"])


def test_review_collapsed_file_and_risk_panel(
    snap_compare: Any, demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["pr/105"], workspace.repo)
    assert snap_compare(app, terminal_size=SIZE, run_before=_settled, press=["G", "r"])


def test_review_narrow_with_whole_findings(
    snap_compare: Any, demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["codex/drop-legacy-payment-columns"], workspace.repo)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_settled, press=["f"])
