"""Every corpus item through the real TUI (Pilot): the queue, each change's review screen in unified, split and
wrapped layouts, top to bottom. What is on screen is exported as the terminal would show it, so any control,
bidi or invisible character in it came from content; and one run in a real pseudo-terminal reads every byte."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from reviewtui.queue import QueueRequest
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.screens.review import ReviewScreen
from tests.hostile.corpus import ITEMS, RAW, SLOW, Item, copy_item
from tests.ui.conftest import screen_text, settle

ALL = [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else []) for name in ITEMS]
OPEN_AT_MOST = 3


def assert_inert(shown: str, where: str) -> None:
    leaked = sorted({f"U+{ord(ch):04X}" for ch in RAW if ch in shown})
    assert not leaked, (where, leaked, shown[:3000])


@pytest.mark.parametrize("name", ALL)
async def test_every_item_renders_inert(name: str, corpus: Callable[[str], Item]) -> None:
    item = corpus(name)
    app = ReviewApp(QueueRequest(repo=item.repo, patches=item.patches))
    app.animation_level = "none"
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        assert_inert(screen_text(app), "queue")
        if item.queue_exit:
            shown = str(queue.query_one("#details", Static).render())
            assert item.message in shown, shown
            return
        table = queue.query_one(DataTable)
        if item.changes is not None:
            assert {a.change.id for a in queue.changes.values()} == item.changes
        for row in range(min(table.row_count, OPEN_AT_MOST)):
            table.move_cursor(row=row)
            await pilot.press("enter")
            await settle(pilot)
            review = app.screen
            assert isinstance(review, ReviewScreen), review
            where = f"{review.change.id!r}"
            assert_inert(screen_text(app), where)
            layouts = [("f", "G"), ("s", "g"), ("w", "G"), ("s", "w")]  # unified, split, wrapped; back
            for keys in layouts:
                await pilot.press(*keys)
                await pilot.pause()
                assert_inert(screen_text(app), f"{where} after {keys}")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)


async def test_markup_in_every_field_is_shown_literally(corpus: Callable[[str], Item]) -> None:
    item = corpus("hostile-text-in-every-field")
    app = ReviewApp(QueueRequest(repo=item.repo))
    app.animation_level = "none"
    async with app.run_test(size=(250, 50)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one(DataTable)
        key = next(k for k, a in queue.changes.items() if a.change.id == "ai/hostile")
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        shown = screen_text(app)
        assert "[bold red]markup[/]" in shown and "\\e[2J" in shown and "<U+202E>evil" in shown
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "[@click=app.quit]quit[/]" in shown and "<U+E0041>" in shown
        assert isinstance(app.screen, ReviewScreen)  # a [@click=app.quit] in content did not quit the app


CONTENT_SEQUENCES = (
    b"csi\x1b[2J",
    b"\x1b]52;c;cHduZWQ=",
    b"\x1b]8;;https://evil.example/",
    b"\x1bP+q544e",
    "\u009b2J".encode(),
    "\u009d0;title".encode(),
    "\u202e".encode(),
    "\u2066".encode(),
    "\u200b".encode(),
    "\U000e0041".encode(),
    b"bell\x07",
    b"bs\x08",
)
"""Byte strings only content could have produced (the app's own sequences never contain these)."""


def _run_in_pty(repo: Path, keys: list[tuple[bytes, bytes, float]], *, size: tuple[int, int] = (50, 200)) -> bytes:
    """Run the real CLI in a pseudo-terminal; for each (marker, key, seconds) wait up to `seconds` for `marker` on
    screen, then type `key`. Returns every byte the app wrote."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios
    import time

    master, slave = pty.openpty()
    rows, cols = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewtui", "--repo", str(repo)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    output = bytearray()

    def read_until(marker: bytes, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and marker not in visible(output):
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    output.extend(os.read(master, 65536))
                except OSError:
                    return

    try:
        for marker, key, seconds in keys:
            read_until(marker, seconds)
            os.write(master, key)
        read_until(b"\x00never", 1.0)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        read_until(b"\x00never", 0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        os.close(master)
    return bytes(output)


def visible(output: bytes | bytearray) -> bytes:
    """What the terminal shows as text, with the app's own CSI and OSC sequences removed."""
    import re

    return re.sub(rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07]*\x07", b"", bytes(output))


@pytest.mark.slow
def test_the_bytes_written_to_a_real_terminal(corpus: Callable[[str], Item], tmp_path: Path) -> None:
    """The real CLI in a pseudo-terminal on the hostile item: open the riskiest change, scroll it, split and wrap
    it, and read every byte the app writes. None of the content's sequences is among them; their inert forms are."""
    item = copy_item(corpus("hostile-text-in-every-field"), tmp_path)
    others = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname)", "refs/heads/ai/"],
        cwd=item.repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for ref in others:
        if ref != "refs/heads/ai/hostile":
            subprocess.run(["git", "update-ref", "-d", ref], cwd=item.repo, check=True)
    keys = [(b"pending change(s)", b"\r", 30.0), (b"<U+202E>", b"G", 20.0)]
    keys += [(b"\x00never", key, 0.7) for key in (b"s", b"g", b"w", b"G", b"\x1b")] + [(b"\x00never", b"q", 1.0)]
    output = _run_in_pty(item.repo, keys)
    leaked = [seq for seq in CONTENT_SEQUENCES if seq in output]
    assert leaked == [], leaked
    shown = visible(output)
    assert b"<U+202E>" in shown and b"\\e]52;c;cHduZWQ=" in shown and b"[bold red]markup[/]" in shown, shown[-3000:]
