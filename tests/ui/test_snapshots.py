"""Snapshots (pytest-textual-snapshot) of the queue in every shipped theme and of the key list.

Deterministic by construction: ages are measured against a frozen clock, the demo's shas and dates are fixed, no
signing key is configured (the header says so instead of naming a key), and every worker has finished before the
picture is taken. Update with `pytest tests/ui/test_snapshots.py --snapshot-update` after checking the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot

from reviewtui.demo import DemoWorkspace
from reviewtui.queue import QueueRequest
from reviewtui.ui.app import ReviewApp
from tests.ui.conftest import settle

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
SIZE = (160, 45)


def demo_app(demo_workspace: DemoWorkspace, theme: str | None = None) -> ReviewApp:
    return ReviewApp(QueueRequest(repo=demo_workspace.repo), theme=theme, now=lambda: NOW)


async def loaded(pilot: Pilot[None]) -> None:
    await settle(pilot)


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["dark", "light", "high-contrast", "colour-blind"])
def test_queue(snap_compare: Callable[..., bool], demo_workspace: DemoWorkspace, theme: str) -> None:
    assert snap_compare(demo_app(demo_workspace, theme), terminal_size=SIZE, run_before=loaded)


@pytest.mark.slow
def test_queue_grouped_and_filtered(snap_compare: Callable[..., bool], demo_workspace: DemoWorkspace) -> None:
    async def group_and_filter(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("s", "slash", *"tier:1", "enter")
        await pilot.pause()

    assert snap_compare(demo_app(demo_workspace), terminal_size=SIZE, run_before=group_and_filter)


@pytest.mark.slow
def test_help(snap_compare: Callable[..., bool], demo_workspace: DemoWorkspace) -> None:
    async def open_help(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(demo_app(demo_workspace), terminal_size=SIZE, run_before=open_help)
