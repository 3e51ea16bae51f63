"""Processes as /proc shows them: which are alive, whose children they are, what they run (psutil is not a test
dependency). A command name may hold ") ", so a stat line is split at its last ")"."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie (exited, not yet reaped) is not alive."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@contextlib.contextmanager
def forked_report(report: Callable[[], bytes]) -> Iterator[bytes]:
    """Fork as the workers are forked; the child writes what `report()` says (what it holds, what it can read) and
    stays alive while the caller checks the parent's side (e.g. that the parent's git sees the end of its input when
    the parent closes it, although a child was forked while it ran); the child is killed on leaving."""
    out, into = os.pipe()
    child = os.fork()
    if child == 0:  # the child
        try:
            os.close(out)
            os.write(into, report())
            os.close(into)
            signal.pause()
        finally:
            os._exit(0)
    try:
        os.close(into)
        yield os.read(out, 64)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        os.close(out)
