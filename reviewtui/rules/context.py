"""What checks may consult beyond the diff: the repository at the change's base, and the system map.

Checks that need the repository (is this import defined anywhere? which manifests declare dependencies?) read it
through here, so every lookup is cached per run and a change loaded from a patch file (no repository) still scans,
with those checks seeing an empty tree.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from reviewtui.errors import GitError
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
    _per_tree: dict[tuple[tuple[str, ...], frozenset[str]], Any] = field(default_factory=dict, repr=False)
    _last: str | None = field(default=None, repr=False)
    _origins: dict[frozenset[str], tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=dict, repr=False)
    """A path set built from a neighbour's: (the neighbour's set, the paths added or removed)."""
    _differ: TreeDiffer | None = field(default=None, repr=False)

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

    def per_tree(
        self,
        rev: str | None,
        key: tuple[str, ...],
        compute: Callable[[frozenset[str]], T],
        relevant: Callable[[str], object] | None = None,
    ) -> T:
        """Something derived from the set of paths at `rev` alone (which files are manifests, which module names
        exist): computed once per distinct set. Most commits add and remove no file, and their listings then share
        one set object (see `_listing`). When `compute` depends only on the paths `relevant` accepts, a set that
        differs from its neighbour's only in other paths (a commit that adds a news file) reuses the neighbour's
        value, so a queue of 1000 commits computes it a handful of times, not 1000."""
        paths = self.tree(rev)
        slot = (key, paths)
        if slot not in self._per_tree:
            _bound(self._per_tree, _MAX_PER_TREE)
            origin = self._origins.get(paths)
            near = (key, origin[0]) if origin is not None else None
            if relevant and origin and near in self._per_tree and not any(map(relevant, origin[1])):
                self._per_tree[slot] = self._per_tree[near]
            else:
                self._per_tree[slot] = compute(paths)
        return cast(T, self._per_tree[slot])

    def is_tier1(self, path: str) -> bool:
        return self.systems.is_tier1(path)

    def _listing(self, rev: str | None) -> tuple[frozenset[str], dict[str, str]]:
        if self.repo is None or rev is None:
            return _EMPTY
        if rev not in self._trees:
            _bound(self._trees, _MAX_TREES)
            last = self._last
            near = self._trees.get(last) if last is not None else None
            if self._differ is None:
                self._differ = TreeDiffer(self.repo)
            changed = self._changed_listing(self._differ, near, last, rev) if near is not None and last else None
            if changed is not None:
                listed, delta = changed
                if near is not None and listed[0] is not near[0]:
                    _bound(self._origins, _MAX_TREES)
                    self._origins[listed[0]] = (near[0], delta)
            else:
                listed = self._full_listing(self.repo, rev)
            self._trees[rev] = listed
            self._last = rev
        return self._trees[rev]

    @staticmethod
    def _full_listing(repo: Repository, rev: str) -> tuple[frozenset[str], dict[str, str]]:
        out = repo.run("ls-tree", "-r", "-z", "--full-tree", rev, check=False)
        ids: dict[str, str] = {}
        for record in out.split(b"\x00"):
            meta, tab, name = record.partition(b"\t")
            if tab:
                ids[name.decode("utf-8", "surrogateescape")] = meta.rsplit(b" ", 1)[-1].decode()
        return frozenset(ids), ids

    @staticmethod
    def _changed_listing(
        differ: TreeDiffer, near: tuple[frozenset[str], dict[str, str]], near_rev: str, rev: str
    ) -> tuple[tuple[frozenset[str], dict[str, str]], tuple[str, ...]] | None:
        """(listing, paths added or removed): the listing at `rev` as the one at `near_rev` plus what `git diff-tree`
        says changed between them. A queue's revisions are neighbours, and listing a 15,000-file tree per revision
        was most of the cost of the checks that need it. Exactly the entries `ls-tree -r` gives (blobs and
        gitlinks); None if git refuses."""
        fields = differ.fields(near_rev, rev)
        if fields is None:
            return None  # not a revision: the full listing says what ls-tree says about it
        paths, ids = near
        ids = dict(ids)
        delta: list[str] = []
        for meta, name in zip(fields[::2], fields[1::2], strict=False):
            if not meta.startswith(b":"):
                return None
            path = name.decode("utf-8", "surrogateescape")
            parts = meta.split(b" ")
            status = parts[4][:1]
            if status == b"D":
                del ids[path]
                delta.append(path)
            else:
                if path not in ids:
                    delta.append(path)
                ids[path] = parts[3].decode()
        return ((frozenset(ids) if delta else paths), ids), tuple(delta)


_DIFF_TREE = ("diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", "--ignore-submodules=none")
_FULL_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class TreeDiffer:
    """`git diff-tree -r OLD NEW` for many pairs through one long-lived `git diff-tree --stdin`: a queue of 1000
    commits lists ~300 neighbouring trees, and a process per listing was ~3 ms of fork and exec each against ~0.1 ms
    per request.

    Each request is the line `NEW OLD`, then `OLD OLD`, then a blank line, OLD being a commit (checked once per
    revision: git would read any other object as an empty parent): the answer is the header NEW, the records, the
    header OLD (`--always` prints it for the empty diff) and the blank line, which git echoes and flushes. git skips
    a line whose NEW it cannot read (printing only to stderr), so then OLD's header or the blank comes first: no
    answer, and that process is ended (a tree for NEW switches it to reading pairs of trees); the next pair starts
    another. Only full object ids are sent (nothing else can reach git's stdin as a request). Whatever else goes
    wrong (git exits, an answer out of step) ends the pipe for the run and every later pair is asked with a `git
    diff-tree` of its own, which says what it always said."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._process: subprocess.Popen[bytes] | None = None
        self._commits: set[str] = set()
        """Revisions known to be commits: the first revision of a pair (its parent, to git) must be one."""
        self._broken = False
        self._lock = threading.Lock()
        self._buffer = b""
        _LIVE.add(self)

    def fields(self, old: str, new: str) -> list[bytes] | None:
        """The NUL-separated fields (meta, path, meta, path, ...) `git diff-tree -r -z OLD NEW` prints, or None if
        git cannot diff them."""
        with self._lock:
            answer = self._piped(old, new)
        if answer is not None:
            return answer
        try:
            # `--`: a file named like NEW in the work tree made git read NEW as a path (an empty answer, or none);
            # `--end-of-options`: a revision is never an option.
            out = self._repo.run(*_DIFF_TREE, "--end-of-options", old, new, "--")
        except GitError:
            return None
        return out.split(b"\x00")[:-1] if out else []

    def _piped(self, old: str, new: str) -> list[bytes] | None:
        if self._broken or not (_FULL_ID.fullmatch(old) and _FULL_ID.fullmatch(new)):
            return None
        if not self._commit(old):
            return None  # `--stdin` reads a parent that is not a commit as an empty tree: asked the old way
        try:
            process = self._process or self._start()
            assert process.stdin is not None
            process.stdin.write(f"{new} {old}\n{old} {old}\n\n".encode())
            process.stdin.flush()
            answer = self._answer(process, new.encode(), old.encode())
        except (OSError, ValueError, _OutOfStep):
            self._broken = True
            self.close()
            return None
        if answer is None:
            self.close()  # git refused NEW and may now read lines differently (a tree switches it to pairs of trees)
        else:
            self._commits.add(new)  # git answered for it: a commit
        return answer

    def _commit(self, rev: str) -> bool:
        """Whether `rev` names a commit: known from an earlier answer, else asked once."""
        if rev not in self._commits:
            if len(self._commits) >= _MAX_TREES * 64:
                self._commits.clear()
            if self._repo.resolve(rev) != rev:
                return False
            self._commits.add(rev)
        return True

    def _start(self) -> subprocess.Popen[bytes]:
        self._process = self._repo.pipe(*_DIFF_TREE, "--stdin", "--always")
        weakref.finalize(self, _end, self._process)
        return self._process

    def _answer(self, process: subprocess.Popen[bytes], new: bytes, old: bytes) -> list[bytes] | None:
        """Read one answer through the echo of the blank line that ends the request (git flushes there)."""
        assert process.stdout is not None
        fd = process.stdout.fileno()
        if self._blank(fd):
            return None  # neither line answered
        tokens = self._tokens(fd)
        first = next(tokens)
        if first != new:
            if first == old and self._blank(fd):
                return None  # git could not read NEW: it said so on stderr
            raise _OutOfStep
        fields: list[bytes] = []
        while True:
            meta = next(tokens)
            if not meta.startswith(b":"):
                if meta != old or not self._blank(fd) or self._buffer:
                    raise _OutOfStep
                return fields
            fields += [meta, next(tokens)]

    def _blank(self, fd: int) -> bool:
        """Whether the echoed blank line comes next (consumed if so)."""
        if not self._buffer:
            self._fill(fd)
        if self._buffer.startswith(b"\n"):
            self._buffer = self._buffer[1:]
            return True
        return False

    def _tokens(self, fd: int) -> Iterator[bytes]:
        """NUL-terminated tokens of the answer, read as git writes them (never past the end of the answer, which
        is the last thing git printed)."""
        while True:
            end = self._buffer.find(b"\x00")
            while end < 0:
                self._fill(fd)
                end = self._buffer.find(b"\x00")
            token, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
            yield token

    def _fill(self, fd: int) -> None:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            raise _OutOfStep  # git exited
        self._buffer += chunk

    def close(self) -> None:
        if self._process is not None:
            _end(self._process)
            self._process = None
            self._buffer = b""


    def _disown(self) -> None:
        """In a forked child: let go of the parent's git without ending it (it is the parent's to end)."""
        process, self._process = self._process, None
        self._lock, self._buffer = threading.Lock(), b""  # another thread may have held it at the fork
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()


_LIVE: weakref.WeakSet[TreeDiffer] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked worker inherits the parent's pipe to each git it left running, and git only sees the end of its
    input when every copy is closed: without this, the parent ending its git mid-run waited for the worker's copy
    until the 5 s timeout, then killed it."""
    for differ in list(_LIVE):
        differ._disown()


os.register_at_fork(after_in_child=_after_fork_in_child)


class _OutOfStep(Exception):
    """The pipe's answer is not what was asked for (or git exited): stop using it."""


def _end(process: subprocess.Popen[bytes]) -> None:
    """Close git's stdin (it exits at end of input) and reap it."""
    try:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=5)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()


_EMPTY: tuple[frozenset[str], dict[str, str]] = (frozenset(), {})
_MAX_TREES = 64
_MAX_BLOBS = 4096
_MAX_MEMO = 4096
_MAX_PER_TREE = 256


def _bound(cache: dict[Any, Any], limit: int) -> None:
    """Keep a per-run cache small: a `--commits` run over 12,000 revisions once held 8 GB of trees and files.
    Dropping the oldest half keeps recent revisions (a queue's changes share a few bases) cheap."""
    if len(cache) >= limit:
        for key in list(cache)[: limit // 2]:
            del cache[key]
