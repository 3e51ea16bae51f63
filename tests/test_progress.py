"""The progress line: drawn on a terminal, absent otherwise (so `--json` output and CI logs stay clean)."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys

from reviewtui.progress import Progress
from tests.gitrepo import GitRepo


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress("analysing", stream=stream) as progress:
        for _ in range(50):
            progress.advance()
    assert stream.getvalue() == ""
    assert progress.done == 50


def test_draws_and_erases_on_a_terminal() -> None:
    stream = _Terminal()
    with Progress("analysing", total=4, stream=stream) as progress:
        for _ in range(4):
            progress.advance()
    out = stream.getvalue()
    assert "analysing  [########################]  4/4" in out
    assert out.endswith("\r\x1b[2K"), "the line is erased so later output starts clean"


def test_line_without_a_total_counts_only() -> None:
    progress = Progress("scanning", stream=io.StringIO())
    progress.advance(3)
    assert progress.line(now=progress._start + 1.0) == "scanning  3  3/s"
    progress.advance(total=12)
    assert progress.line(now=progress._start + 2.0) == "scanning  [########----------------]  4/12  2/s"


def test_a_closed_stream_is_not_a_terminal() -> None:
    stream = io.StringIO()
    stream.close()
    assert not Progress("x", stream=stream).active


def _queue(repo: GitRepo, *, tty: bool) -> tuple[bytes, bytes]:
    return _run(repo, ["queue", "--json", "--commits", "main"], tty=tty)


def _run(repo: GitRepo, args: list[str], *, tty: bool) -> tuple[bytes, bytes]:
    command = [sys.executable, "-m", "reviewtui", *args, "--repo", str(repo.path)]
    if not tty:
        done = subprocess.run(command, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL)
        os.close(follower)
        err = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        out, _ = proc.communicate(timeout=120)
    finally:
        os.close(leader)
    assert proc.returncode == 0, err
    return out, err


def test_cli_progress_only_on_a_terminal_and_never_in_stdout(repo: GitRepo) -> None:
    for n in range(3):
        repo.write(f"m{n}.py", f"x = {n}\n")
        repo.commit(f"Add m{n}")
    out_tty, err_tty = _queue(repo, tty=True)
    out_pipe, err_pipe = _queue(repo, tty=False)
    assert out_tty == out_pipe, "stdout (the JSON) is the same however stderr is connected"
    assert b"analysing" in err_tty and b"\x1b[2K" in err_tty
    assert b"analysing" not in err_pipe and b"\x1b" not in err_pipe


def test_audit_progress_only_on_a_terminal(repo: GitRepo) -> None:
    for n in range(3):
        repo.write(f"m{n}.py", f"x = {n}\n")
        repo.commit(f"Add m{n}")
    out_tty, err_tty = _run(repo, ["audit", "--json"], tty=True)
    out_pipe, err_pipe = _run(repo, ["audit", "--json"], tty=False)
    assert json.loads(out_tty)["summary"] == json.loads(out_pipe)["summary"]
    assert b"auditing" in err_tty and b"\x1b[2K" in err_tty
    assert b"auditing" not in err_pipe and b"\x1b" not in err_pipe
