"""A folder of entries under the git dir, one file per key: the storage every cache shares.

Entries are JSON (the queue memo's: a JSON header line, then the answer's bytes), never pickle, each sealed with
the reviewer's own key (`seal.py`): the folder is writable by anything that can write the repository, so an entry
is data to check, never code to run, and one this user's reviewtui did not write is not read at all. Reads return
the entry or None (absent, unreadable, not JSON); the caller checks every field with the converters below and
ignores an entry that does not fit. Writes go to a temporary file renamed into place, so two processes writing the
same key at once each leave a complete entry, and a cache that cannot be written (read-only repository, full disk,
no key) only costs speed.

A queue of a thousand changes a day writes a few MB a day, and entries of changes that merged (or of an older
version of the tool) are never read again, so the store prunes itself: an entry read is marked used (its mtime,
refreshed at most daily), and at most once a day the first store opened walks the folder and deletes entries unused
for KEEP_DAYS, and temporary files a killed writer left.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

from reviewtui.seal import seal, unseal

DAY = 24 * 3600.0
KEEP_DAYS = 30
"""Entries not read or written for this many days are deleted."""
_MARKER = ".pruned"
_TEMP_PREFIX = ".tmp-"
_FOLDER = re.compile(r"[0-9a-f]{2}")


class JsonStore:
    def __init__(self, root: Path, suffix: str = ".json") -> None:
        self.root = root
        self.suffix = suffix
        self._entry = re.compile(r"[0-9a-f]{64}" + re.escape(suffix))
        self._folders: set[Path] = set()
        self.prune_daily()

    def read(self, key: str) -> Any:
        """The entry's JSON, or None (absent, unreadable, not JSON)."""
        data = self.read_bytes(key)
        if data is None:
            return None
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            return None

    def read_bytes(self, key: str) -> bytes | None:
        """The entry's bytes, or None (absent, unreadable, not sealed by this user: `seal.py`). Only a regular file
        in the store's own folders is read: the folder is writable by anything that can write the repository, and a
        planted symlink (to /dev/zero, to forged data elsewhere), FIFO (open would wait for a writer forever) or
        deeply nested document (RecursionError) must not be followed, waited on or crash the run."""
        path = self.path(key)
        try:
            entry, modified = _read_regular(self.root, path.parent.name, path.name)
        except OSError:
            return None
        data = unseal(entry)
        if data is not None and time.time() - modified > DAY:
            with contextlib.suppress(OSError):  # a read-only store still answers
                os.utime(path, follow_symlinks=False)  # in use: kept by `prune`
        return data

    def prune_daily(self, now: float | None = None) -> int:
        """`prune` unless this folder was pruned in the last day; how many files went."""
        now = time.time() if now is None else now
        marker = self.root / _MARKER
        try:
            if now - marker.stat().st_mtime < DAY:
                return 0
        except FileNotFoundError:
            if not self.root.is_dir():
                return 0  # nothing stored yet
        except OSError:
            return 0
        removed = self.prune(now)
        try:
            marker.touch()
            os.utime(marker, (now, now))
        except OSError:
            pass
        return removed

    def prune(self, now: float | None = None) -> int:
        """Delete entries unused for KEEP_DAYS and temporary files older than an hour; how many files went.

        Only what this store writes is touched: two-hex-digit folders (never a symlink) holding `<key>.json` and
        `.tmp-*` files (never a symlink either), so a link planted in the cache cannot make it delete elsewhere."""
        now = time.time() if now is None else now
        removed = 0
        if self.root.is_symlink():
            return 0
        try:
            folders = [e for e in os.scandir(self.root) if _FOLDER.fullmatch(e.name)]
            folders = [e for e in folders if e.is_dir(follow_symlinks=False)]
        except OSError:
            return 0
        for folder in folders:
            try:
                entries = list(os.scandir(folder.path))
            except OSError:
                continue
            for entry in entries:
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    age = now - entry.stat(follow_symlinks=False).st_mtime
                    if entry.name.startswith(_TEMP_PREFIX):
                        stale = age > 3600
                    else:
                        stale = self._entry.fullmatch(entry.name) is not None and age > KEEP_DAYS * DAY
                    if stale:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue
        return removed

    def write(self, key: str, data: Any) -> None:
        self.write_bytes(key, json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode())

    def write_bytes(self, key: str, data: bytes) -> bool:
        """Store `data` sealed (`seal.py`); whether it was stored (not without a key, nor on a full or read-only
        disk: a cache that cannot be written only costs speed)."""
        encoded = seal(data)
        if encoded is None:
            return False
        path = self.path(key)
        try:
            fd, tmp = self._temporary(path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(encoded)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return False
        return True

    def _temporary(self, folder: Path) -> tuple[int, str]:
        """A new temporary file in `folder`; the folder is made once per run (256 of them), not before every write,
        and again if something removed it meanwhile. A folder that is a symlink is refused (OSError): entries are
        never written through a link planted in the cache."""
        import tempfile  # only writers need it (4 ms to import): a warm `queue` answered from its memo never writes

        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            if folder.is_symlink() or self.root.is_symlink():
                raise OSError(f"{folder}: a symlink, not the cache's own folder")
            self._folders.add(folder)
        try:
            return tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=folder)
        except FileNotFoundError:
            folder.mkdir(parents=True, exist_ok=True)
            return tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=folder)

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}{self.suffix}"


_NO_FOLLOW = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def _read_regular(root: Path, folder: str, name: str) -> tuple[bytes, float]:
    """The bytes and mtime of root/folder/name, refusing (OSError) a symlink at any of the three and anything but a
    regular file at the end (O_NONBLOCK: opening a FIFO does not wait)."""
    fds: list[int] = []
    try:
        fds.append(os.open(root, _NO_FOLLOW | os.O_DIRECTORY))
        fds.append(os.open(folder, _NO_FOLLOW | os.O_DIRECTORY, dir_fd=fds[-1]))
        fds.append(os.open(name, _NO_FOLLOW, dir_fd=fds[-1]))
        status = os.fstat(fds[-1])
        if not stat.S_ISREG(status.st_mode):
            raise OSError(f"{root / folder / name}: not a regular file")
        os.set_blocking(fds[-1], True)
        with os.fdopen(fds.pop(), "rb") as handle:
            return handle.read(), status.st_mtime
    finally:
        for fd in fds:
            os.close(fd)


# -- converters: each returns the value with its type checked, or raises TypeError ----------------------------------


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def integer(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return value


def number(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def array(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def strings(value: Any) -> tuple[str, ...]:
    return tuple(string(v) for v in array(value))


def optional(convert: Any, value: Any) -> Any:
    return None if value is None else convert(value)


STR: tuple[type, ...] = (str,)
INT: tuple[type, ...] = (int,)
NUM: tuple[type, ...] = (int, float)
BOOL: tuple[type, ...] = (bool,)
OPT_STR: tuple[type, ...] = (str, type(None))
OPT_INT: tuple[type, ...] = (int, type(None))
"""Exact JSON types for `shaped` (a bool is not an int here, as in `integer`)."""


def shaped(value: Any, shape: tuple[tuple[type, ...], ...]) -> list[Any]:
    """A record stored as a JSON array, each item's exact type checked against its position in `shape`. The caches'
    hot records (a change's files, its risk contributions) are read thousands at a time, and one converter call per
    field was most of a warm queue's entry decoding."""
    if type(value) is not list or len(value) != len(shape):
        raise TypeError(f"expected a record of {len(shape)} items")
    for item, allowed in zip(value, shape, strict=True):
        if type(item) not in allowed:
            raise TypeError(f"expected {' or '.join(t.__name__ for t in allowed)}, got {type(item).__name__}")
    return value


def numbers(value: Any) -> dict[str, float]:
    """A JSON object of numbers (its keys are strings: JSON has no other)."""
    if type(value) is not dict or not all(type(v) in NUM for v in value.values()):
        raise TypeError("expected an object of numbers")
    return value
