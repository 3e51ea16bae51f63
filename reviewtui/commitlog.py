"""Read commits (and optionally their diffs) from `git log`, in one process per request.

One `git log` per batch instead of one git call per commit is what keeps `--commits` over tens of thousands of
commits feasible. Records are framed by a marker containing NUL bytes and a per-run random nonce: commit messages
cannot contain NUL, and diff text cannot predict the nonce, so no content can forge a record boundary.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from datetime import datetime

from reviewtui.diff import parse_git_diff
from reviewtui.errors import GitError
from reviewtui.logframe import format_option, new_marker, records
from reviewtui.model import Commit, FileChange, Person, Trailer
from reviewtui.repository import DIFF_OPTIONS, Repository

_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%(trailers:only,unfold,separator=%x1f)", "%B")


def read_commits(repo: Repository, *revs: str) -> tuple[Commit, ...]:
    """Commits reachable from `revs` (e.g. `base..head`), oldest first, merges included."""
    marker = new_marker()
    out = repo.run("log", "--reverse", "--topo-order", format_option(marker, _FIELDS), "--end-of-options", *revs, "--")
    return tuple(_parse_commit(record)[0] for record in records([out], marker))


def read_unmerged(repo: Repository, heads: Sequence[str], base: str) -> dict[str, Commit]:
    """Every commit reachable from any of `heads` but not from `base`, by sha, in one `git log` for the whole queue
    (the heads go through stdin, so thousands of refs fit). Callers walk parents to find each head's commits and
    merge-base instead of asking git per ref."""
    if not heads:
        return {}
    marker = new_marker()
    with tempfile.TemporaryFile() as stdin:
        stdin.write("".join(f"{sha}\n" for sha in heads).encode() + f"^{base}\n".encode())
        stdin.seek(0)
        out = repo.run("log", "--topo-order", format_option(marker, _FIELDS), "--stdin", "--", stdin=stdin)
    commits = (_parse_commit(record)[0] for record in records([out], marker))
    return {commit.sha: commit for commit in commits}


def iter_commit_diffs(repo: Repository, rev_range: str) -> Iterator[tuple[Commit, tuple[FileChange, ...]]]:
    """Every non-merge commit in `rev_range` with its diff against its first parent, streamed newest first."""
    marker = new_marker()
    args = ["log", "--no-merges", "--topo-order", format_option(marker, _FIELDS), *DIFF_OPTIONS]
    for record in records(repo.stream(*args, "--end-of-options", rev_range, "--"), marker):
        yield _with_diff(record)


def iter_commits(repo: Repository, rev_range: str) -> Iterator[Commit]:
    """Every non-merge commit in `rev_range`, newest first as `iter_commit_diffs` walks them, without diffs: the
    listing a summary-cached queue starts from (`read_commit_diffs` then fetches only the diffs it lacks)."""
    marker = new_marker()
    args = ["log", "--no-merges", "--topo-order", format_option(marker, _FIELDS)]
    for record in records(repo.stream(*args, "--end-of-options", rev_range, "--"), marker):
        yield _parse_commit(record)[0]


def read_commit_diffs(repo: Repository, shas: Sequence[str]) -> dict[str, tuple[FileChange, ...]]:
    """The diff of each of these (non-merge) commits against its first parent, in one `git log --no-walk` for all
    of them: exactly what `iter_commit_diffs` reads for the same commits."""
    if not shas:
        return {}
    marker = new_marker()
    with tempfile.TemporaryFile() as stdin:
        stdin.write("".join(f"{sha}\n" for sha in shas).encode())
        stdin.seek(0)
        args = ["log", "--no-walk=unsorted", format_option(marker, _FIELDS), *DIFF_OPTIONS, "--stdin", "--"]
        out = repo.run(*args, stdin=stdin)
    found: dict[str, tuple[FileChange, ...]] = {}
    for record in records([out], marker):
        commit, files = _with_diff(record)
        found[commit.sha] = files
    return found


def read_pair_diffs(repo: Repository, pairs: Sequence[tuple[str, str]]) -> list[tuple[FileChange, ...]]:
    """The diff `old..new` of each (old, new) pair of commits, in one `git diff-tree --stdin` for all of them: what
    `git diff old new` with the same options shows, without a process per pair (a queue of refs asked one `git
    diff` per ref). A stdin line "new old" means "new against its parent old"; `--always` prints the header of an
    empty diff too, so every pair has exactly one record, checked against the pair it answers."""
    if not pairs:
        return []
    marker = new_marker()
    with tempfile.TemporaryFile() as stdin:
        stdin.write("".join(f"{new} {old}\n" for old, new in pairs).encode())
        stdin.seek(0)
        args = ["diff-tree", "--stdin", "--always", "-r", format_option(marker, ("%H",)), *DIFF_OPTIONS]
        out = repo.run(*args, stdin=stdin)
    found = list(records([out], marker))
    if len(found) != len(pairs):
        raise GitError(f"{repo.root}: git diff-tree answered {len(found)} of {len(pairs)} diffs")
    diffs = []
    for (old, new), record in zip(pairs, found, strict=True):
        head, _, rest = record.partition(b"\x00")
        if head.decode("ascii", "replace") != new:
            raise GitError(f"{repo.root}: git diff-tree answered {head[:40]!r} where {new} was asked")
        diffs.append(parse_git_diff(rest.rstrip(b"\x00"), context=f"{repo.root}: {old[:12]}..{new[:12]}"))
    return diffs


def _with_diff(record: bytes) -> tuple[Commit, tuple[FileChange, ...]]:
    commit, rest = _parse_commit(record)
    return commit, parse_git_diff(rest.rstrip(b"\x00"), context=f"commit {commit.sha[:12]}")


def _parse_commit(record: bytes) -> tuple[Commit, bytes]:
    parts = record.split(b"\x00", len(_FIELDS))
    if len(parts) < len(_FIELDS):
        raise GitError(f"git log printed a record reviewtui cannot read: {record[:80]!r}")
    text = [part.decode("utf-8", "replace") for part in parts[: len(_FIELDS)]]
    sha, parents, an, ae, ad, cn, ce, cd, trailers, message = text
    commit = Commit(
        sha=sha,
        parents=tuple(parents.split()),
        author=Person(an, ae),
        authored=datetime.fromisoformat(ad),
        committer=Person(cn, ce),
        committed=datetime.fromisoformat(cd),
        message=message.strip("\n"),
        trailers=_parse_trailers(trailers),
    )
    rest = parts[len(_FIELDS)] if len(parts) > len(_FIELDS) else b""
    return commit, rest


def _parse_trailers(text: str) -> tuple[Trailer, ...]:
    """Git has already found and unfolded the trailers; split each `Key: value` once."""
    trailers = []
    for item in text.strip("\n").split("\x1f"):
        key, sep, value = item.partition(":")
        if sep and key.strip():
            trailers.append(Trailer(key.strip(), value.strip()))
    return tuple(trailers)
