"""Walk the lines of a change the way rules see them, with the anchors findings need."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reviewtui.model import DiffLine, FileChange, LineKind
from reviewtui.rules.finding import Hit, Side
from reviewtui.rules.rule import Scope

SCOPE_KINDS = {
    Scope.ADDED: frozenset({LineKind.ADDED}),
    Scope.REMOVED: frozenset({LineKind.REMOVED}),
    Scope.CONTEXT: frozenset({LineKind.CONTEXT}),
    Scope.LINES: frozenset({LineKind.ADDED, LineKind.REMOVED}),
}


@dataclass(slots=True, unsafe_hash=True)
class Located:
    """A line with the file and hunk it sits in. Not `frozen` only for speed (nothing assigns to one): every check
    that walks lines makes one per line, and a frozen dataclass costs ~2.5x more to build (a third of some checks'
    time on a 100k-line change)."""

    file: FileChange
    hunk: int
    line: DiffLine

    def hit(self, span: tuple[int, int] | None = None, detail: str | None = None) -> Hit:
        removed = self.line.kind is LineKind.REMOVED
        return Hit(
            path=self.file.path,
            line=self.line.old_no if removed else self.line.new_no,
            side=Side.OLD if removed else Side.NEW,
            span=span,
            hunk=self.hunk,
            detail=detail,
        )


def lines(files: Sequence[FileChange], scope: Scope) -> Iterator[Located]:
    """Lines of the given kinds, in diff order."""
    kinds = SCOPE_KINDS[scope]
    for file in files:
        for index, hunk in enumerate(file.hunks):
            for line in hunk.lines:
                if line.kind in kinds:
                    yield Located(file, index, line)


def every_line(files: Sequence[FileChange]) -> Iterator[Located]:
    """Every line of every hunk, in diff order."""
    for file in files:
        for index, hunk in enumerate(file.hunks):
            for line in hunk.lines:
                yield Located(file, index, line)


def added(files: Sequence[FileChange]) -> Iterator[Located]:
    return lines(files, Scope.ADDED)


def removed(files: Sequence[FileChange]) -> Iterator[Located]:
    return lines(files, Scope.REMOVED)


def file_hit(file: FileChange, detail: str | None = None) -> Hit:
    """A finding about a whole file (deleted, renamed, binary): anchored to the file, not a line."""
    return Hit(path=file.path, detail=detail)
