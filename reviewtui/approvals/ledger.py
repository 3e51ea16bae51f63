"""Decisions on changes that have no commits (patch files): a ledger file per diff, same envelope format.

The file is keyed by the sha256 the decisions are bound to, so a decision can never attach to another patch. Lines
are appended under an exclusive lock and synced to disk before the write is reported done.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from reviewtui.errors import ReviewtuiError


def ledger_path(root: Path, diff_sha256: str) -> Path:
    return root / "reviewtui" / "ledger" / f"{diff_sha256}.intoto.jsonl"


def read_ledger(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewtuiError(f"{path}: cannot read the ledger: {exc}") from None


def append_ledger(path: Path, line: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # A writer killed mid-line left no newline: start on a fresh line so its fragment stays alone
            # (it reads as a malformed envelope, never as a decision) and this line stays whole.
            size = os.fstat(fd).st_size
            prefix = b""
            if size:
                with open(path, "rb") as reader:
                    reader.seek(size - 1)
                    prefix = b"" if reader.read(1) == b"\n" else b"\n"
            data = prefix + (line + "\n").encode("utf-8")
            try:
                if os.write(fd, data) != len(data):  # a full disk (or a file-size limit) can write part of it
                    raise OSError(errno.ENOSPC, "the disk is full: only part of the line was written")
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # leave the ledger exactly as it was: no half line
                raise
        finally:
            os.close(fd)
    except OSError as exc:
        raise ReviewtuiError(f"{path}: cannot write the ledger: {exc.strerror}; nothing was recorded") from None
