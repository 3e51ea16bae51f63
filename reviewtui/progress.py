"""A progress line on stderr for long CLI runs (queue, scan, calibrate, audit over thousands of commits).

Shown only when stderr is a terminal: piped output, `--json` consumers and CI logs get nothing, so what a script
parses never changes with the way it was run. The line carries only counts, a rate and a fixed label (never text from
a change), and is redrawn at most ten times a second so drawing never costs more than the work it reports.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

_WIDTH = 24
_INTERVAL = 0.1


class Progress:
    def __init__(self, label: str, *, total: int | None = None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.active = _is_terminal(self.stream)
        self._start = time.monotonic()
        self._drawn = 0.0
        self._visible = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def advance(self, count: int = 1, *, total: int | None = None) -> None:
        self.done += count
        if total is not None:
            self.total = total
        now = time.monotonic()
        if self.active and (now - self._drawn >= _INTERVAL or self.done == self.total):
            self._drawn = now
            self._draw(now)

    def close(self) -> None:
        """Erase the line, so whatever the command prints next starts on a clean line."""
        if self._visible:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._visible = False

    def line(self, now: float | None = None) -> str:
        """The text shown: `label  [#####-----]  120/1000  45/s` (no bar when the total is unknown)."""
        elapsed = max(1e-9, (now if now is not None else time.monotonic()) - self._start)
        rate = f"{self.done / elapsed:.0f}/s"
        if self.total:
            filled = min(_WIDTH, self.done * _WIDTH // self.total)
            bar = "#" * filled + "-" * (_WIDTH - filled)
            return f"{self.label}  [{bar}]  {self.done}/{self.total}  {rate}"
        return f"{self.label}  {self.done}  {rate}"

    def _draw(self, now: float) -> None:
        self.stream.write("\r\x1b[2K" + self.line(now))
        self.stream.flush()
        self._visible = True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
