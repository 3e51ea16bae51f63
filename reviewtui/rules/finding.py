"""What a rule found, anchored to the exact diff line so the TUI can show it under that line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from reviewtui.rules.rule import Severity


class Side(Enum):
    NEW = "new"
    """The line number counts in the new file (added and context lines)."""
    OLD = "old"
    """The line number counts in the old file (removed lines)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check reports; the engine turns it into a Finding with the rule's metadata."""

    path: str | None = None
    line: int | None = None
    side: Side | None = None
    span: tuple[int, int] | None = None
    """0-based [start, end) columns in the line's text."""
    hunk: int | None = None
    detail: str | None = None
    """Specific facts appended to the rule's message (e.g. which token, which test)."""


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    change: str
    source: str
    path: str | None = None
    line: int | None = None
    side: Side | None = None
    span: tuple[int, int] | None = None
    hunk: int | None = None
    title: str = ""
    fix: str | None = None
    docs: str | None = None
    tool: str | None = None
    """For imported findings: the scanner that produced it (Semgrep, CodeQL, ...)."""

    def sort_key(self) -> tuple[int, str, int, int, int, str, int]:
        """Change-level findings first, then by place in the diff; the same input always gives the same order."""
        return (
            0 if self.path is None else 1,
            self.path or "",
            -1 if self.hunk is None else self.hunk,
            -1 if self.line is None else self.line,
            0 if self.side in (None, Side.NEW) else 1,
            self.rule,
            self.span[0] if self.span else -1,
        )
