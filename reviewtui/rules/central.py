"""Central rule packs on disk: which files a configured path stands for, and a digest of what was read from them.

One definition for the rule library (which compiles them) and the queue memo (which must see the same files to
tell whether the packs a kept answer was made with are still the ones on disk); light, so the memo can ask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path


def pack_files(path: Path) -> list[Path]:
    """A folder's `*.toml` in name order, or the file itself."""
    return sorted(path.glob("*.toml")) if path.is_dir() else [path]


def pack_digest(sources: Iterable[tuple[str, bytes]]) -> str:
    """The digest of central packs as (file name, bytes), in the order they are compiled."""
    digest = hashlib.sha256()
    for name, data in sources:
        digest.update(f"{name}\0{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


class MissingPack(Exception):
    """A configured central pack path that does not exist."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def read_packs(paths: Iterable[Path]) -> list[tuple[str, bytes]]:
    """The packs at `paths` as (file name, bytes), in the order they are compiled. A missing path raises
    MissingPack; a file that cannot be read, OSError (naming it)."""
    sources: list[tuple[str, bytes]] = []
    for path in paths:
        if not path.exists():
            raise MissingPack(path)
        sources += [(str(file), file.read_bytes()) for file in pack_files(path)]
    return sources


def digest_on_disk(paths: Sequence[str]) -> str | None:
    """`pack_digest` of the packs now at `paths`; None when one is missing or unreadable."""
    try:
        return pack_digest(read_packs(Path(text) for text in paths))
    except (MissingPack, OSError):
        return None
