"""Walk the lines of a change the way rules see them, with the anchors findings need."""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

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


class ScopeLines:
    """The lines of one file that a scope reads, in diff order, and what several rules ask of all of them at once:
    the text they make together (a check can skip a file whose lines hold nothing it looks for: no character
    outside ASCII, no line long enough, no key header) and which lines contain a keyword (`Folded`). Shared by the
    regex rules and the checks of one scan through `scope_lines`, so the lines are collected and joined once per
    file, not once per rule."""

    __slots__ = ("_ends", "_folded", "_text", "file", "lines", "texts")

    def __init__(self, file: FileChange, kinds: frozenset[LineKind]) -> None:
        self.file = file
        # Filtered and read in C (`compress`, `attrgetter`), and no object made per line: a tuple per line made the
        # garbage collector walk every parsed line of the queue again and again (most of the cost of this step).
        self.lines: list[DiffLine] = []
        self._ends: list[int] = []
        """Position one past the last line of each hunk."""
        for hunk in file.hunks:
            self.lines += itertools.compress(hunk.lines, map(kinds.__contains__, map(_KIND, hunk.lines)))
            self._ends.append(len(self.lines))
        self.texts: list[str] = list(map(_TEXT, self.lines))
        self._text: str | None = None
        self._folded: Folded | None = None

    def hunk_of(self, position: int) -> int:
        """The index of the hunk the line at `position` sits in."""
        return bisect.bisect_right(self._ends, position)

    @property
    def text(self) -> str:
        """The lines joined by line breaks: a substring of a line is a substring of this (not the other way round)."""
        if self._text is None:
            self._text = "\n".join(self.texts)
        return self._text

    def folded(self) -> Folded:
        if self._folded is None:
            self._folded = Folded(self.texts)
        return self._folded

    def located(self, position: int) -> Located:
        return Located(self.file, self.hunk_of(position), self.lines[position])


T = TypeVar("T")
_KIND = operator.attrgetter("kind")
_TEXT = operator.attrgetter("text")
_PER_FILE: dict[tuple[int, object], tuple[FileChange, Any]] = {}
_MAX_PER_FILE = 1024


def per_file(file: FileChange, key: object, compute: Callable[[FileChange], T]) -> T:
    """`compute(file)` once per file per scan, for what several rules derive from the same lines; memoised by the
    file's identity (the entry holds the file, so its id is never another's) and `key`, until `release`."""
    slot = (id(file), key)
    found = _PER_FILE.get(slot)
    if found is None or found[0] is not file:
        if len(_PER_FILE) >= _MAX_PER_FILE:
            _PER_FILE.clear()
        found = _PER_FILE[slot] = (file, compute(file))
    return cast(T, found[1])


def scope_lines(file: FileChange, scope: Scope) -> ScopeLines:
    """The lines of `file` that `scope` reads (see `per_file`)."""
    kinds = SCOPE_KINDS[scope]
    found = _PER_FILE.get((id(file), kinds))
    if found is not None and found[0] is file:
        return cast(ScopeLines, found[1])  # asked once per rule per file: the common case, without a closure
    return per_file(file, kinds, functools.partial(ScopeLines, kinds=kinds))


def release() -> None:
    """Drop what `per_file` holds (the scan of a change is over: its text need not stay in memory)."""
    _PER_FILE.clear()


class Folded:
    """The case-folded lines of a file as one text; where each line starts in it is worked out on first need."""

    def __init__(self, texts: list[str]) -> None:
        self._texts = texts
        self.text = "\n".join(texts).casefold()  # = the folded lines joined: case folding maps each character alone
        self._starts: list[int] | None = None

    def lines_with(self, keywords: Iterable[str]) -> list[int]:
        """In order, the lines whose case-folded text contains one of `keywords` (what a per-line `k in line` says:
        an occurrence that runs across a line break does not count)."""
        found: set[int] = set()
        text = self.text
        count = len(self._texts)
        ascii_only = text.isascii()  # O(1) for str
        for keyword in keywords:
            if ascii_only and not keyword.isascii():
                continue  # cannot occur (the bidi rule's twelve keywords, in nearly every file)
            at = text.find(keyword)
            while at >= 0 and count:
                starts = self._line_starts()
                line = bisect.bisect_right(starts, at) - 1
                if keyword in text[starts[line] : starts[line + 1] - 1]:
                    found.add(line)
                    at = text.find(keyword, starts[line + 1]) if line + 1 < count else -1
                else:
                    at = text.find(keyword, at + 1)
        return sorted(found)

    def _line_starts(self) -> list[int]:
        """Offsets of the lines in `text`, and one past the end. Folding never maps a character to nothing, so when
        the folded text is as long as the raw one every line kept its length and the raw lengths serve."""
        if self._starts is None:
            sizes: Iterable[int] = map(len, self._texts)
            if len(self.text) != sum(map(len, self._texts)) + len(self._texts) - 1:
                sizes = [len(t.casefold()) for t in self._texts]
            self._starts = list(itertools.accumulate(map(operator.add, sizes, itertools.repeat(1)), initial=0))
        return self._starts
