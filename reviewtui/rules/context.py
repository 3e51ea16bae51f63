"""What checks may consult beyond the diff: the repository at the change's base, and the system map.

Checks that need the repository (is this import defined anywhere? which manifests declare dependencies?) read it
through here, so every lookup is cached per run and a change loaded from a patch file (no repository) still scans,
with those checks seeing an empty tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from reviewtui.repository import Repository
from reviewtui.systems import SystemMap

T = TypeVar("T")


@dataclass
class ScanContext:
    repo: Repository | None = None
    systems: SystemMap = field(default_factory=SystemMap)
    _trees: dict[str, tuple[frozenset[str], dict[str, str]]] = field(default_factory=dict, repr=False)
    _blobs: dict[tuple[str, str], bytes | None] = field(default_factory=dict, repr=False)
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, repr=False)

    def tree(self, rev: str | None) -> frozenset[str]:
        """Every file path at `rev` (one `ls-tree` per revision per run)."""
        return self._listing(rev)[0]

    def blob_id(self, rev: str | None, path: str) -> str | None:
        """The object id of `path` at `rev` from the same listing: files that did not change between two revisions
        have the same id, so whatever is derived from their content can be shared (see `read`, `memo`)."""
        return self._listing(rev)[1].get(path)

    def read(self, rev: str | None, path: str) -> bytes | None:
        """A file's content at `rev`, or None when absent (or when there is no repository). Cached by blob id when
        the revision's tree is listed, so a queue whose commits share a manifest reads it once."""
        if self.repo is None or rev is None:
            return None
        listed = self._trees.get(rev)
        key = ("", listed[1][path]) if listed is not None and path in listed[1] else (rev, path)
        if key not in self._blobs:
            _bound(self._blobs, _MAX_BLOBS)
            self._blobs[key] = self.repo.show_file(rev, path)
        return self._blobs[key]

    def memo(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """Derived data shared by every change of a run (e.g. parsed manifests at one base): computed once."""
        if key not in self._memo:
            _bound(self._memo, _MAX_MEMO)
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def is_tier1(self, path: str) -> bool:
        return self.systems.is_tier1(path)

    def _listing(self, rev: str | None) -> tuple[frozenset[str], dict[str, str]]:
        if self.repo is None or rev is None:
            return _EMPTY
        if rev not in self._trees:
            _bound(self._trees, _MAX_TREES)
            out = self.repo.run("ls-tree", "-r", "-z", "--full-tree", rev, check=False)
            ids: dict[str, str] = {}
            for record in out.split(b"\x00"):
                meta, tab, name = record.partition(b"\t")
                if tab:
                    ids[name.decode("utf-8", "surrogateescape")] = meta.rsplit(b" ", 1)[-1].decode()
            self._trees[rev] = (frozenset(ids), ids)
        return self._trees[rev]


_EMPTY: tuple[frozenset[str], dict[str, str]] = (frozenset(), {})
_MAX_TREES = 64
_MAX_BLOBS = 4096
_MAX_MEMO = 4096


def _bound(cache: dict[Any, Any], limit: int) -> None:
    """Keep a per-run cache small: a `--commits` run over 12,000 revisions once held 8 GB of trees and files.
    Dropping the oldest half keeps recent revisions (a queue's changes share a few bases) cheap."""
    if len(cache) >= limit:
        for key in list(cache)[: limit // 2]:
            del cache[key]
