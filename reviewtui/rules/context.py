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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar, cast

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
    _reader: BlobReader | None = field(default=None, repr=False)
    _ahead: dict[tuple[str, str], bytes | None] = field(default_factory=dict, repr=False)
    """Files read ahead (`read_ahead`) by (revision, path), until `read` asks for them."""

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
            # Read before the listing was (a check read the file, another then listed the tree): the same bytes.
            if key[0] == "" and (rev, path) in self._blobs:
                self._blobs[key] = self._blobs[(rev, path)]
                return self._blobs[key]
            _bound(self._blobs, _MAX_BLOBS)
            if (rev, path) in self._ahead:
                self._blobs[key] = self._ahead.pop((rev, path))
            else:
                self._blobs[key] = self._fetch(rev, [path]).get(path, None)
        return self._blobs[key]

    def read_ahead(self, rev: str | None, paths: Iterable[str]) -> None:
        """Read these files at `rev` now, in one request to git, for `read` to answer from: the checks ask for the
        files of a change one at a time, and each request waited for its own round trip to git (with every core
        busy, a third of the time of the checks that read whole files)."""
        if self.repo is None or rev is None:
            return
        listed = self._trees.get(rev)
        wanted = [
            path
            for path in dict.fromkeys(paths)
            if (rev, path) not in self._ahead
            and (rev, path) not in self._blobs
            and not (listed is not None and path in listed[1] and ("", listed[1][path]) in self._blobs)
        ]
        if not wanted:
            return
        if len(self._ahead) + len(wanted) > _MAX_AHEAD:
            self._ahead.clear()  # read ahead and never asked for (a check that stopped early): not worth keeping
        for path, content in self._fetch(rev, wanted[:_MAX_AHEAD]).items():
            self._ahead[(rev, path)] = content

    def drop_read_ahead(self) -> None:
        """Forget files read ahead and never asked for (the scan of a change is over)."""
        self._ahead.clear()

    def _fetch(self, rev: str, paths: list[str]) -> dict[str, bytes | None]:
        """The files at `rev` through the context's `cat-file --batch`, or one by one through the repository's
        when the batch cannot carry the name or has failed (the same git answer either way)."""
        assert self.repo is not None
        if self._reader is None:
            self._reader = BlobReader(self.repo)
        found = self._reader.read(rev, paths)
        for path in paths:
            if path not in found:
                found[path] = self.repo.show_file(rev, path)
        return found

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
        step: Callable[[T, frozenset[str], frozenset[str]], T] | None = None,
    ) -> T:
        """Something derived from the set of paths at `rev` alone (which files are manifests, which module names
        exist): computed once per distinct set. Most commits add and remove no file, and their listings then share
        one set object (see `_listing`). When `compute` depends only on the paths `relevant` accepts, a set that
        differs from its neighbour's only in other paths (a commit that adds a news file) reuses the neighbour's
        value, so a queue of 1000 commits computes it a handful of times, not 1000. With `step` (the neighbour's
        value, the paths added, the paths removed: exactly the two sets' differences) a set that differs in
        relevant paths is worked out from its neighbour's value too, instead of from every path again; `step` must
        give what `compute` gives. The neighbour is the nearest set back along the listings that has a value (a
        check asks at the heads it needs, and other checks listed the trees between): the paths that differ are
        among those the listings in between added or removed."""
        paths = self.tree(rev)
        slot = (key, paths)
        if slot not in self._per_tree:
            _bound(self._per_tree, _MAX_PER_TREE)
            found = self._computed_origin(key, paths) if relevant or step else None
            if found is not None and relevant and not any(map(relevant, found[1])):
                self._per_tree[slot] = self._per_tree[(key, found[0])]
            elif found is not None and step:
                old, changed = found
                added = frozenset(p for p in changed if p in paths and p not in old)
                removed = frozenset(p for p in changed if p in old and p not in paths)
                self._per_tree[slot] = step(cast(T, self._per_tree[(key, old)]), added, removed)
            else:
                self._per_tree[slot] = compute(paths)
        return cast(T, self._per_tree[slot])

    def _computed_origin(self, key: tuple[str, ...], paths: frozenset[str]) -> tuple[frozenset[str], set[str]] | None:
        """(the nearest set back along `_origins` with a value for `key`, every path added or removed on the way),
        or None within _MAX_ORIGIN_STEPS. The paths in which the two sets differ are among those."""
        changed: set[str] = set()
        for _ in range(_MAX_ORIGIN_STEPS):
            origin = self._origins.get(paths)
            if origin is None:
                return None
            paths = origin[0]
            changed.update(origin[1])
            if (key, paths) in self._per_tree:
                return paths, changed
        return None

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


class BlobReader:
    """Files at commits through one long-lived `git cat-file --batch`, many per request: the rule checks read each
    changed code file at the change's head, and asking the repository's cat-file for one file at a time (plus its
    top-level folder, see `Repository.show_file`) cost a round trip each, which on a busy machine is a wait for git
    to be scheduled.

    Each request is the name `REV:PATH` on a line, REV a full commit id and PATH free of line breaks (git would read
    another name); anything else is left to the caller. Requests go out in chunks small enough to sit in the pipe
    while git writes its answers (git stops reading while its output is full), then the answers are read in order:
    `<id> <type> <size>`, the content and a newline, or `<name> missing`. Whatever else happens (git exits, an
    answer of another shape) ends the pipe for the run; the caller then reads through the repository, which asks
    the same git question."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo
        self._process: subprocess.Popen[bytes] | None = None
        self._broken = False
        self._lock = threading.Lock()
        _LIVE.add(self)

    def read(self, rev: str, paths: list[str]) -> dict[str, bytes | None]:
        """Content of each file it could ask for (None: not a file at `rev`); the rest are left out."""
        if self._broken or not _FULL_ID.fullmatch(rev):
            return {}
        requests = [(path, request) for path in paths if (request := _request(rev, path)) is not None]
        found: dict[str, bytes | None] = {}
        with self._lock:
            try:
                process = self._process or self._start()
                assert process.stdin is not None and process.stdout is not None
                for chunk in _chunks(requests):
                    process.stdin.write(b"".join(request for _, request in chunk))
                    process.stdin.flush()
                    for path, _ in chunk:
                        found[path] = self._answer(process.stdout)
            except (OSError, ValueError, _OutOfStep):
                self._broken = True
                self.close()
                return {}
        return found

    @staticmethod
    def _answer(out: IO[bytes]) -> bytes | None:
        header = out.readline()
        if header.endswith(b" missing\n"):
            return None
        parts = header.split()
        if len(parts) != 3 or not _FULL_ID.fullmatch(parts[0].decode("ascii", "replace")) or not parts[2].isdigit():
            raise _OutOfStep
        size = int(parts[2])
        content = out.read(size + 1)
        if len(content) != size + 1 or not content.endswith(b"\n"):
            raise _OutOfStep
        return content[:-1] if parts[1] == b"blob" else None  # a folder or a submodule is not a file

    def _start(self) -> subprocess.Popen[bytes]:
        self._process = self._repo.pipe("cat-file", "--batch")
        weakref.finalize(self, _end, self._process)
        return self._process

    def close(self) -> None:
        if self._process is not None:
            _end(self._process)
            self._process = None

    def _disown(self) -> None:
        """In a forked child: let go of the parent's git without ending it (it is the parent's to end)."""
        process, self._process = self._process, None
        self._lock = threading.Lock()
        if process is not None:
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()


def _request(rev: str, path: str) -> bytes | None:
    """The request line for `rev:path`, or None for a name the batch cannot carry as the repository's cat-file does:
    a line break or carriage return (git reads a line, dropping a CR before its end), or a name that is not UTF-8
    (the repository's reader refuses it: not a file)."""
    if not path or "\n" in path or "\r" in path:
        return None
    try:
        return f"{rev}:{path}\n".encode()
    except UnicodeEncodeError:
        return None


_CHUNK_BYTES = 16 << 10
"""Requests written before reading answers: well under the 64 KB a pipe holds, so writing never waits for git."""


def _chunks(requests: list[tuple[str, bytes]]) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    size = 0
    for item in requests:
        if chunk and size + len(item[1]) > _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(item)
        size += len(item[1])
    if chunk:
        yield chunk


_LIVE: weakref.WeakSet[TreeDiffer | BlobReader] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked worker inherits the parent's pipe to each git it left running, and git only sees the end of its
    input when every copy is closed: without this, the parent ending its git mid-run waited for the worker's copy
    until the 5 s timeout, then killed it."""
    for live in list(_LIVE):
        live._disown()


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
_MAX_AHEAD = 1024
_MAX_MEMO = 4096
_MAX_PER_TREE = 256
_MAX_ORIGIN_STEPS = 64


def _bound(cache: dict[Any, Any], limit: int) -> None:
    """Keep a per-run cache small: a `--commits` run over 12,000 revisions once held 8 GB of trees and files.
    Dropping the oldest half keeps recent revisions (a queue's changes share a few bases) cheap."""
    if len(cache) >= limit:
        for key in list(cache)[: limit // 2]:
            del cache[key]
