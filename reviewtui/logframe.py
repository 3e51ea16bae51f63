"""Framing for `git log` output that no commit content can forge.

Records start with a marker of NUL bytes and a per-run random nonce. Commit messages and paths cannot contain NUL
and nobody can predict the nonce, so a hostile message or diff can never fake a record boundary. Every reader of
`git log` (commits with diffs, the history index) frames its records here.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence

from reviewtui.errors import GitError


def new_marker() -> bytes:
    return b"\x00\x00reviewtui-" + secrets.token_hex(8).encode() + b"\x00"


def format_option(marker: bytes, fields: Sequence[str]) -> str:
    """`--format=` that prints the marker, then the fields separated (and terminated) by NUL."""
    escaped = "".join(f"%x{byte:02x}" if byte < 0x20 else chr(byte) for byte in marker)
    return "--format=" + escaped + "%x00".join(fields) + "%x00"


def records(chunks: Iterable[bytes], marker: bytes) -> Iterator[bytes]:
    """Split streamed output into records (marker removed) without rescanning or copying what was already seen."""
    buffer = bytearray()
    for chunk in chunks:
        start = max(1, len(buffer) - len(marker) + 1)
        buffer += chunk
        pos = 0
        while (cut := buffer.find(marker, start)) >= 0:
            yield _unframe(buffer[pos:cut], marker)
            pos, start = cut, cut + 1
        del buffer[:pos]
    if buffer:
        yield _unframe(buffer, marker)


def _unframe(record: bytearray, marker: bytes) -> bytes:
    if not record.startswith(marker):
        raise GitError(f"git log printed output reviewtui cannot read: {bytes(record[:80])!r}")
    return bytes(record[len(marker) :])
