"""Every non-merge commit of a range as a change against its first parent (`queue --commits`).

Used to look back over history (to evaluate the risk model, or to audit what landed), so it must scale to tens of
thousands of commits: git is asked per batch, never per commit. Without a summary cache that is one streaming
`git log -p` for the whole range; with one, the range is listed without diffs and only the commits whose summary is
not cached have their diffs read (one `git log --no-walk -p` per batch), so a warm queue parses no diff at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from reviewtui.commitlog import iter_commit_diffs, iter_commits, read_commit_diffs
from reviewtui.diff import decode_notes
from reviewtui.errors import GitError
from reviewtui.model import Change, Commit, FileChange, SourceKind
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import Repository
from reviewtui.sources.full import Unread
from reviewtui.summary import SummaryCache

SHORT_SHA = 12
BATCH = 256
"""Commits per `git log --no-walk` of missing diffs: few processes, and never more than this many parsed diffs held
at once."""


def iter_commit_changes(
    repo: Repository,
    rev_range: str,
    detector: ProvenanceDetector,
    summaries: SummaryCache | None = None,
    *,
    defer: bool = False,
) -> Iterator[Change | Unread]:
    """Changes for `rev_range` (e.g. `v1.0..main` or `HEAD~1000..HEAD`), newest first, as git walks them; with
    `summaries`, a commit whose diff summary is cached comes back summarised (files with counts, no hunks). With
    `defer` (and `summaries`), every commit comes back `Unread`, for whoever analyses it to take its files from the
    analysis cache or to read them (`sources/full.read_unread`); without, every item is a Change."""
    if summaries is None:
        for commit, files in iter_commit_diffs(repo, rev_range):
            yield _change(repo, commit, files, detector)
        return
    if defer:
        # Whoever analyses an unread change looks its analysis up first, and the entry lists its files: reading the
        # summary here as well would read two files per change on a warm run instead of one.
        for commit in iter_commits(repo, rev_range):
            yield Unread(_change(repo, commit, (), detector))
        return
    for batch in _batches(iter_commits(repo, rev_range), BATCH):
        known = {c.sha: summaries.files(_parent(c), c.sha) for c in batch}
        missing = [c for c in batch if known[c.sha] is None]
        read = read_commit_diffs(repo, [c.sha for c in missing])
        for commit in missing:
            if commit.sha not in read:
                raise GitError(f"{repo.root}: git log printed no diff for commit {commit.sha}")
            summaries.put_files(_parent(commit), commit.sha, read[commit.sha])
        for commit in batch:
            cached = known[commit.sha]
            yield _change(repo, commit, read[commit.sha] if cached is None else cached, detector)


def _change(
    repo: Repository, commit: Commit, files: tuple[FileChange, ...], detector: ProvenanceDetector
) -> Change:
    parent = _parent(commit)
    return Change(
        id=commit.sha[:SHORT_SHA],
        title=commit.subject,
        description=commit.body,
        source=SourceKind.COMMIT,
        repo=str(repo.root),
        files=files,
        commits=(commit,),
        base=parent,
        merge_base=parent,
        head=commit.sha,
        agent=detector.detect([commit]),
        created=commit.authored,
        updated=commit.committed,
        notes=decode_notes(files),
    )


def _parent(commit: Commit) -> str | None:
    return commit.parents[0] if commit.parents else None


def _batches(commits: Iterable[Commit], size: int) -> Iterator[list[Commit]]:
    iterator = iter(commits)
    while batch := list(islice(iterator, size)):
        yield batch
