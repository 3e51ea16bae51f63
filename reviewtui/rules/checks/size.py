"""Checks about size: the change as a whole, and lines too long to be code a person wrote."""

from __future__ import annotations

from collections.abc import Iterator

from reviewtui.model import FileChange
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import LONG_LINE, Scope
from reviewtui.rules.walk import Located, scope_lines


@check("large-change", scopes={Scope.CHANGE}, options={"lines": int, "files": int})
def large_change(data: CheckInput) -> Iterator[Hit]:
    """More changed lines or files than a reviewer can hold in mind (generated files count too)."""
    files = len(data.change.files)
    lines = sum(_changed(file) for file in data.change.files)
    max_lines = int(data.option("lines", 1000))
    max_files = int(data.option("files", 50))
    if lines > max_lines or files > max_files:
        yield Hit(detail=f"{lines} changed lines in {files} files; thresholds {max_lines} lines, {max_files} files")


def _changed(file: FileChange) -> int:
    """Added plus deleted lines (`Change.stats`), counted from the lines the regex rules collect anyway
    (`scope_lines`) instead of two more walks over every line of the change."""
    if file.counts is not None:
        return file.counts.added + file.counts.deleted
    return len(scope_lines(file, Scope.LINES).lines)


@check("long-line", scopes={Scope.ADDED, Scope.REMOVED, Scope.LINES})
def long_line(data: CheckInput) -> Iterator[Hit]:
    """Lines over 10,000 characters (minified or generated), which code rules skip: one finding per file."""
    for file in data.files:
        view = scope_lines(file, data.rule.scope)
        if len(view.text) <= LONG_LINE:
            continue  # no line can be longer than all of them together (nearly every file)
        longest: Located | None = None
        count = 0
        for position, text in enumerate(view.texts):
            if len(text) > LONG_LINE:
                count += 1
                if longest is None or len(text) > len(longest.line.text):
                    longest = view.located(position)
        if longest is not None:
            yield longest.hit(detail=_long_detail(len(longest.line.text), count))


def _long_detail(length: int, count: int) -> str:
    size = f"{length / 1e6:.1f} MB" if length >= 1_000_000 else f"{length:,} characters"
    others = f"; {count} lines over {LONG_LINE:,} characters in this file" if count > 1 else ""
    return f"longest line {size}{others}"
