"""A change whose hunks remember what costs a pass over their lines: content digest and added/removed counts.

`Hunk.digest()` hashes every line and `Hunk.added` counts them, on every call. The review screen asks for them
again and again with the same answer: the coverage places, every file-tree label and file header (viewed marks are
keyed by digest), the title's `+N -M`, the progress line's policy arithmetic once a second. On a 100k-line hunk a
digest is a 17 MB pass (50 ms), and opening the screen made about fifteen of them (3.4 s to the first screen). A
`MemoHunk` is the same frozen hunk (same fields, same digest, sharing its lines tuple) that computes its digest
once and both counts in one pass, so every later question is O(hunks).

This is a UI concern (the core computes each of these about once per change), so it lives here rather than in the
model."""

from __future__ import annotations

from dataclasses import fields, replace
from operator import attrgetter

from reviewtui.model import Change, FileChange, Hunk, LineKind

_FIELDS = tuple(field.name for field in fields(Hunk))
_KIND = attrgetter("kind")


class MemoHunk(Hunk):
    """A `Hunk` that computes its digest and line counts once (the hunk is frozen, so they never change)."""

    __slots__ = ("_memo_counts", "_memo_digest")
    _memo_digest: str
    _memo_counts: tuple[int, int]

    digests_computed = 0
    """How many digests were computed (not served from memory), over all memo hunks: what opening a change cost."""

    @classmethod
    def of(cls, hunk: Hunk) -> MemoHunk:
        if isinstance(hunk, MemoHunk):
            return hunk
        return cls(**{name: getattr(hunk, name) for name in _FIELDS})

    def digest(self) -> str:
        try:
            return self._memo_digest
        except AttributeError:
            MemoHunk.digests_computed += 1
            object.__setattr__(self, "_memo_digest", super().digest())
            return self._memo_digest

    @property
    def added(self) -> int:
        return self._counts()[0]

    @property
    def deleted(self) -> int:
        return self._counts()[1]

    def _counts(self) -> tuple[int, int]:
        """Added and removed lines, counted together in one pass (the kinds listed in C, counted in C)."""
        try:
            return self._memo_counts
        except AttributeError:
            kinds = list(map(_KIND, self.lines))
            object.__setattr__(self, "_memo_counts", (kinds.count(LineKind.ADDED), kinds.count(LineKind.REMOVED)))
            return self._memo_counts


def memoised(change: Change) -> Change:
    """`change` with every hunk a `MemoHunk` (O(files + hunks); the lines are shared, not copied)."""
    if all(isinstance(hunk, MemoHunk) for file in change.files for hunk in file.hunks):
        return change
    return replace(change, files=tuple(_file(file) for file in change.files))


def _file(file: FileChange) -> FileChange:
    if not file.hunks:
        return file
    return replace(file, hunks=tuple(MemoHunk.of(hunk) for hunk in file.hunks))
