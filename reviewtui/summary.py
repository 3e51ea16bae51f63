"""The summary cache: what the diff between two commits contains, without its hunks.

Listing a queue needs each change's files and line counts, not its lines; yet producing and parsing the diffs was
most of a warm `reviewtui queue` (git's diff, then unidiff over every line). A diff is fixed by its two commits (and
the diff options and parser, part of the key through the tool's version and code fingerprint), so its summary is
cached once and a warm run reads one small JSON file per change instead. The squash check of a ref against a moved
base (is every file of the change already in the base?) is fixed by the summary and the base, and cached with it.

Entries sit beside the analysis cache under the git dir and are checked field by field like it: an entry that does
not decode, belongs to another key or has the wrong shape is ignored (the diff is read again), never trusted.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from reviewtui import __version__
from reviewtui.filerecord import decode_files, encode_file
from reviewtui.fingerprint import code_fingerprint, tool_versions
from reviewtui.jsonstore import JsonStore, mapping
from reviewtui.model import FileChange
from reviewtui.repository import DIFF_OPTIONS

SCHEMA = 1
SUMMARY_DIR = Path("reviewtui") / "cache" / "summary"


class SummaryCache:
    def __init__(self, git_dir: Path, shape: str = "-") -> None:
        """`shape`: `Repository.shape` (replace refs, grafts and attributes change a diff under the same ids)."""
        self._store = JsonStore(git_dir / SUMMARY_DIR)
        self._shape = shape

    def files(self, old: str | None, new: str) -> tuple[FileChange, ...] | None:
        """The summarised files of the diff `old`..`new` (`old` None: against the empty tree), or None."""
        key = self._key("files", old, new)
        try:
            return _decode_files(self._store.read(key), key)
        except (KeyError, TypeError, ValueError):
            return None

    def put_files(self, old: str | None, new: str, files: tuple[FileChange, ...]) -> None:
        key = self._key("files", old, new)
        self._store.write(key, {"schema": SCHEMA, "key": key, "files": [encode_file(f) for f in files]})

    def landed(self, base: str, old: str | None, new: str) -> bool | None:
        """Whether `base` already holds every file as the diff leaves it (cached `refs._content_in`), or None."""
        key = self._key("landed", old, new, base)
        data = self._store.read(key)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("key") != key:
            return None
        value = data.get("landed")
        return value if isinstance(value, bool) else None

    def _key(self, kind: str, *commits: str | None) -> str:
        return _key(kind, self._shape, *commits)

    def put_landed(self, base: str, old: str | None, new: str, landed: bool) -> None:
        key = self._key("landed", old, new, base)
        self._store.write(key, {"schema": SCHEMA, "key": key, "landed": landed})


def _key(kind: str, shape: str, *commits: str | None) -> str:
    parts = [kind, SCHEMA, __version__, code_fingerprint(), tool_versions(), list(DIFF_OPTIONS), shape, list(commits)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _decode_files(data: Any, key: str) -> tuple[FileChange, ...]:
    entry = mapping(data)
    if entry["schema"] != SCHEMA or entry["key"] != key:
        raise ValueError("foreign or old entry")
    return decode_files(entry["files"])
