"""What a rule is. Rules are data (TOML packs); this module gives them types and validates nothing but shape."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(Enum):
    """Ordered: a CI gate fails "at or above" a severity."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank


_RANK = {s: i for i, s in enumerate(Severity)}


class Scope(Enum):
    """What a rule looks at."""

    ADDED = "added"
    REMOVED = "removed"
    CONTEXT = "context"
    LINES = "lines"
    """Added and removed lines."""
    FILE = "file"
    """File events (added, deleted, renamed, mode change, ...); a pattern, if any, is matched against the path."""
    CHANGE = "change"
    """The change as a whole; only built-in checks can look at it."""


LONG_LINE = 10_000
"""Characters above which a line is treated as minified or generated. Rules with `skip_long_lines` do not read such
lines: their patterns (`.*?` between two names, call-following checks) are written for code a person wrote, and on a
10 MB line they cost seconds to minutes and report nothing a reviewer could act on. The `long-line` check says so in
one finding per file instead; secret and terminal-control rules still read every character."""

FILE_EVENTS = ("added", "deleted", "modified", "renamed", "copied", "mode-changed", "type-changed")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: Severity
    message: str
    scope: Scope
    source: str
    """Where the rule came from: "builtin", "central", "local" (or "sarif:<tool>" for imported findings)."""
    origin: str
    """The pack file it was read from, for messages."""
    rationale: str = ""
    docs: str | None = None
    fix: str | None = None
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    tier1_only: bool = False
    events: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    keywords: tuple[str, ...] = ()
    """Case-folded strings of which a line must contain one before the pattern runs on it (gitleaks' cheap guard:
    most lines contain none of a token rule's prefixes, and a substring test costs far less than a regex)."""
    check: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    skip_long_lines: bool = False
    """Lines longer than LONG_LINE are left out (blanked for checks, so line numbers stay right)."""

    def canonical(self) -> dict[str, Any]:
        """Everything that changes what the rule finds or says, for the rule-set digest."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "message": self.message,
            "scope": self.scope.value,
            "source": self.source,
            "rationale": self.rationale,
            "docs": self.docs,
            "fix": self.fix,
            "paths": list(self.paths),
            "exclude": list(self.exclude),
            "languages": list(self.languages),
            "tier1_only": self.tier1_only,
            "events": list(self.events),
            "pattern": self.pattern.pattern if self.pattern else None,
            "flags": self.pattern.flags if self.pattern else None,
            "keywords": list(self.keywords),
            "check": self.check,
            "options": self.options,
            "skip_long_lines": self.skip_long_lines,
        }
