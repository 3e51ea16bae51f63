"""A folder of JSON entries under the git dir, one file per key: the storage both caches share.

Entries are JSON, never pickle: the folder is writable by anything that can write the repository, so an entry is
data to check, never code to run. Reads return the decoded JSON or None (absent, unreadable, not JSON); the caller
checks every field with the converters below and ignores an entry that does not fit. Writes go to a temporary file
renamed into place, so two processes writing the same key at once each leave a complete entry, and a cache that
cannot be written (read-only repository, full disk) only costs speed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class JsonStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def read(self, key: str) -> Any:
        try:
            return json.loads(self.path(key).read_bytes())
        except (OSError, ValueError):
            return None

    def write(self, key: str, data: Any) -> None:
        path = self.path(key)
        encoded = json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(encoded)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"


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
