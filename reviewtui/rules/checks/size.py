"""Checks about the change as a whole."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import Scope


@check("large-change", scopes={Scope.CHANGE}, options={"lines": int, "files": int})
def large_change(data: CheckInput) -> Iterator[Hit]:
    """More changed lines or files than a reviewer can hold in mind (generated files count too)."""
    stats = data.change.stats
    lines = stats.added + stats.deleted
    max_lines = int(data.option("lines", 1000))
    max_files = int(data.option("files", 50))
    if lines > max_lines or stats.files > max_files:
        yield Hit(
            detail=f"{lines} changed lines in {stats.files} files; thresholds {max_lines} lines, {max_files} files"
        )
