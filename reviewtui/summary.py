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

import functools
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pygments

from reviewtui import __version__
from reviewtui.cache import code_fingerprint
from reviewtui.jsonstore import JsonStore, array, boolean, integer, mapping, optional, string
from reviewtui.model import FileChange, FileStatus, LineCounts
from reviewtui.repository import DIFF_OPTIONS

SCHEMA = 1
SUMMARY_DIR = Path("reviewtui") / "cache" / "summary"


class SummaryCache:
    def __init__(self, git_dir: Path) -> None:
        self._store = JsonStore(git_dir / SUMMARY_DIR)

    def files(self, old: str | None, new: str) -> tuple[FileChange, ...] | None:
        """The summarised files of the diff `old`..`new` (`old` None: against the empty tree), or None."""
        key = _key("files", old, new)
        try:
            return _decode_files(self._store.read(key), key)
        except (KeyError, TypeError, ValueError):
            return None

    def put_files(self, old: str | None, new: str, files: tuple[FileChange, ...]) -> None:
        key = _key("files", old, new)
        self._store.write(key, {"schema": SCHEMA, "key": key, "files": [_encode_file(f.summarised()) for f in files]})

    def landed(self, base: str, old: str | None, new: str) -> bool | None:
        """Whether `base` already holds every file as the diff leaves it (cached `refs._content_in`), or None."""
        key = _key("landed", old, new, base)
        data = self._store.read(key)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("key") != key:
            return None
        value = data.get("landed")
        return value if isinstance(value, bool) else None

    def put_landed(self, base: str, old: str | None, new: str, landed: bool) -> None:
        key = _key("landed", old, new, base)
        self._store.write(key, {"schema": SCHEMA, "key": key, "landed": landed})


def _key(kind: str, *commits: str | None) -> str:
    parts = [kind, SCHEMA, __version__, code_fingerprint(), _tools(), list(DIFF_OPTIONS), list(commits)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@functools.cache
def _tools() -> list[str]:
    """What else shapes a summary: git's version (its diff and rename detection) and Pygments' (the language of
    each file comes from its lexer table)."""
    try:
        git = subprocess.run(["git", "--version"], capture_output=True, check=False).stdout
    except OSError:
        git = b"?"  # no git: nothing will be read from git either
    return [git.decode("ascii", "replace").strip(), pygments.__version__]


def _encode_file(file: FileChange) -> list[Any]:
    counts = file.counts or LineCounts(0, 0, 0)
    return [
        file.old_path,
        file.new_path,
        file.status.value,
        file.similarity,
        file.old_mode,
        file.new_mode,
        file.old_blob,
        file.new_blob,
        file.binary,
        file.language,
        file.decode_errors,
        counts.hunks,
        counts.added,
        counts.deleted,
    ]


def _decode_files(data: Any, key: str) -> tuple[FileChange, ...]:
    entry = mapping(data)
    if entry["schema"] != SCHEMA or entry["key"] != key:
        raise ValueError("foreign or old entry")
    files = []
    for item in array(entry["files"]):
        fields = array(item)
        if len(fields) != 14:
            raise ValueError("a file record of the wrong length")
        old_path, new_path, status, similarity, old_mode, new_mode, old_blob, new_blob = fields[:8]
        binary, language, decode_errors, hunks, added, deleted = fields[8:]
        files.append(
            FileChange(
                old_path=optional(string, old_path),
                new_path=optional(string, new_path),
                status=FileStatus(string(status)),
                similarity=optional(integer, similarity),
                old_mode=optional(string, old_mode),
                new_mode=optional(string, new_mode),
                old_blob=optional(string, old_blob),
                new_blob=optional(string, new_blob),
                binary=boolean(binary),
                language=optional(string, language),
                decode_errors=integer(decode_errors),
                counts=LineCounts(integer(hunks), integer(added), integer(deleted)),
            )
        )
    return tuple(files)
