"""The real Textual app driven by Pilot: the queue fills in, a change opens, nothing hostile reaches the terminal."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.screens.queue import QueueScreen
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.widgets.diff_view import DiffView
from tests.gitrepo import GitRepo

HOSTILE = "evil \x1b[2J\x1b]52;c;cHduZWQ=\x07 [bold red]markup[/] \u202eesrever"


def make_queue(repo: GitRepo) -> None:
    for name, text in (("ai/one", f"one\nsafe\n{HOSTILE}\n"), ("claude/two", f"safe\n{HOSTILE}\n")):
        repo.checkout(name, new=True, start="main")
        repo.write(f"{name.replace('/', '_')}.py", text)
        repo.commit(f"Add {name} {HOSTILE}")
        repo.checkout("main")


async def wait_loaded(pilot: object, app: ReviewApp) -> QueueScreen:
    screen = app.screen
    assert isinstance(screen, QueueScreen)
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    return screen


async def test_queue_loads_and_opens_a_change(repo: GitRepo) -> None:
    make_queue(repo)
    app = ReviewApp(QueueRequest(repo=repo.path))
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await wait_loaded(pilot, app)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        status = str(screen.query_one("#status", Static).render())
        assert "2 pending change(s) in 1 repository" in status
        await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        opened = app.screen.change
        assert opened.id in ("ai/one", "claude/two")
        view = app.screen.query_one(DiffView)
        findings = app.screen.findings
        top = 1 if any(f.path is None for f in findings) else 0
        diff_rows = sum(2 + sum(1 + len(h.lines) for h in f.hunks) for f in opened.files)
        assert view.layout_map.canonical.total_rows == diff_rows + len(findings) + top  # a row per finding
        assert len(view.layout_map.finding_rows) == len(findings)
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_load_failure_is_shown_not_raised(tmp_path: Path) -> None:
    app = ReviewApp(QueueRequest(repo=tmp_path))
    async with app.run_test() as pilot:
        screen = await wait_loaded(pilot, app)
        assert "not a git repository" in str(screen.query_one("#details", Static).render())


async def test_hostile_text_never_reaches_the_terminal(repo: GitRepo) -> None:
    """Assert on the rendered frames: the raw control sequences from content are never part of the output."""
    make_queue(repo)
    app = ReviewApp(QueueRequest(repo=repo.path))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(pilot, app)
        frames = [app.export_screenshot()]
        await pilot.press("j", "enter")
        await pilot.pause()
        frames.append(app.export_screenshot())
    for frame in frames:
        assert "\x1b[2J" not in frame and "\x1b]52" not in frame and "\u202e" not in frame
    assert "&lt;U+202E&gt;esrever" in frames[1]
    assert "[bold" in frames[1]  # markup shown literally, not interpreted


async def test_diff_view_is_virtual(repo: GitRepo) -> None:
    """A 20k-line change renders its first screen by touching only the visible rows."""
    repo.checkout("ai/big", new=True)
    repo.write("big.txt", "".join(f"line {i}\n" for i in range(20_000)))
    repo.commit("Big file")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    view = DiffView(change)
    assert view.total_rows == 20_000 + 3
    assert len(view.layout_map._blocks) == 2  # one file header block and one hunk block, not 20k row objects
    assert view.layout_map._tables == {}  # no per-row table for a hunk without findings


def test_terminal_bytes_from_a_real_pty(repo: GitRepo) -> None:
    """Run the real CLI in a pseudo-terminal and read every byte it sends: no content sequence gets through."""
    import fcntl
    import os
    import pty
    import re
    import select
    import struct
    import subprocess
    import sys
    import termios
    import time

    make_queue(repo)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "40"}
    proc = subprocess.Popen([sys.executable, "-m", "reviewtui", "--repo", str(repo.path)], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    output = bytearray()

    def visible() -> bytes:
        """The text the terminal shows, with the app's own control sequences removed."""
        return re.sub(rb"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07]*\x07", b"", bytes(output))

    def read_until(marker: bytes, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and marker not in visible():
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    output.extend(os.read(master, 65536))
                except OSError:
                    return

    try:
        read_until(b"esrever", 20)
        read_until(b"claude/two", 20)  # both rows are in before the cursor moves
        read_until(b"pending change(s)", 20)
        os.write(master, b"\r")
        read_until(b"safe", 10)
        time.sleep(0.5)
        read_until(b"\x00never", 0.5)
        os.write(master, b"q")
        try:
            proc.wait(timeout=30)  # a loaded CI machine may take a while; exiting is not what this test checks
        except subprocess.TimeoutExpired:
            proc.kill()
        read_until(b"\x00never", 0.5)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    shown = visible()
    assert b"esrever" in shown and b"safe" in shown, shown[-2000:]
    assert b"\x1b]52;c;cHduZWQ=" not in output
    assert "\u202e".encode() not in output
    assert b"<U+202E>esrever" in shown
    assert b"\\e]52;c;cHduZWQ=" in shown  # shown as inert text instead
