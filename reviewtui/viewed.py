"""Which hunks and files a reviewer marked as viewed, kept on disk so the marks survive restarts and re-pushes.

A mark names content, not position: a hunk's key is sha256 over its path and its lines (kind, text, line ending),
so when a change is re-pushed, every hunk whose content did not change keeps its mark wherever it moved, and the
reviewer re-reads only what changed. A file's key also covers its blob ids and modes, so a file marked viewed
whose content changed is no longer viewed (its unchanged hunks still are). Marks are per reviewer, in
`<git dir>/reviewtui/viewed/<reviewer>.json`, written atomically (a crash leaves the old file or the new one).
They are a reading aid only: an approval's coverage comes from what was displayed, never from these marks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from reviewtui.errors import ReviewtuiError
from reviewtui.model import FileChange, Hunk

VERSION = 1
LIMIT = 100_000
"""Marks kept per reviewer; the oldest are forgotten first (a mark on a long-merged change is dead weight)."""


def hunk_key(path: str, hunk: Hunk) -> str:
    return _sha("hunk", path, hunk.digest())


def file_key(file: FileChange) -> str:
    parts = [file.path, file.old_path or "", file.old_blob or "", file.new_blob or ""]
    parts += [file.old_mode or "", file.new_mode or "", file.status.value]
    return _sha("file", *parts, *(hunk.digest() for hunk in file.hunks))


def store_path(git_dir: Path, reviewer: str) -> Path:
    """One file per reviewer; the name is made safe for any file system and stays unique for any reviewer name."""
    slug = re.sub(r"[^A-Za-z0-9._@+-]", "_", reviewer)[:80].strip(".") or "reviewer"
    if slug != reviewer:
        slug += "-" + hashlib.sha256(reviewer.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return git_dir / "reviewtui" / "viewed" / f"{slug}.json"


class ViewedMarks:
    """One reviewer's marks; `save` after changing them."""

    def __init__(self, path: Path | None, marks: list[str] | None = None) -> None:
        self.path = path
        """Where the marks are kept; None keeps them in memory only (e.g. a patch outside any repository)."""
        self._marks: dict[str, None] = dict.fromkeys(marks or ())

    @classmethod
    def load(cls, path: Path | None) -> ViewedMarks:
        """Read the marks; a missing file is no marks, a damaged one is an error naming the file."""
        if path is None or not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ReviewtuiError(f"{path}: cannot read viewed marks: {exc}") from None
        marks = data.get("marks") if isinstance(data, dict) else None
        if data.get("version") != VERSION or not isinstance(marks, list) or not all(isinstance(m, str) for m in marks):
            raise ReviewtuiError(f"{path}: not a reviewtui viewed-marks file (version {VERSION})")
        return cls(path, marks)

    def __len__(self) -> int:
        return len(self._marks)

    # -- hunks -----------------------------------------------------------------------------------------------------

    def hunk_viewed(self, path: str, hunk: Hunk) -> bool:
        return hunk_key(path, hunk) in self._marks

    def set_hunk(self, path: str, hunk: Hunk, viewed: bool) -> None:
        self._set(hunk_key(path, hunk), viewed)

    def toggle_hunk(self, path: str, hunk: Hunk) -> bool:
        """Flip one hunk's mark; returns the new state."""
        viewed = not self.hunk_viewed(path, hunk)
        self.set_hunk(path, hunk, viewed)
        return viewed

    # -- files -----------------------------------------------------------------------------------------------------

    def file_viewed(self, file: FileChange) -> bool:
        """Marked as a whole with this exact content, or every one of its hunks is."""
        if file_key(file) in self._marks:
            return True
        return bool(file.hunks) and all(self.hunk_viewed(file.path, hunk) for hunk in file.hunks)

    def hunks_viewed(self, file: FileChange) -> int:
        return sum(1 for hunk in file.hunks if self.hunk_viewed(file.path, hunk))

    def toggle_file(self, file: FileChange) -> bool:
        """Mark the file and all its hunks viewed, or clear them all; returns the new state."""
        viewed = not self.file_viewed(file)
        self._set(file_key(file), viewed)
        for hunk in file.hunks:
            self.set_hunk(file.path, hunk, viewed)
        return viewed

    # -- storage ---------------------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.path is None:
            return
        marks = list(self._marks)[-LIMIT:]
        text = json.dumps({"version": VERSION, "marks": marks}, indent=0) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ReviewtuiError(f"{self.path}: cannot write viewed marks: {exc.strerror}") from None

    def _set(self, key: str, viewed: bool) -> None:
        self._marks.pop(key, None)
        if viewed:
            self._marks[key] = None  # re-inserted last: the most recent marks are the ones kept


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()
