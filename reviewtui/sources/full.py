"""The full change behind a summarised one, or behind one whose diff was not read yet: its diff read and parsed,
for whatever needs the lines.

A queue read from the summary cache holds changes whose files carry counts but no hunks. The rule scan (on an
analysis-cache miss), the diff view, and an approval's coverage need the lines; they ask here, for one change at a
time, which costs what the loader would have paid for it (one git process and a parse). What git says now is what
is returned: the summary only ever stood in for it.

A queue analysed through `QueueLoader.analysed` (the `queue` command, the TUI, `calibrate`) does not read diffs
while listing: the loader hands out `Unread` changes (everything but the files); whoever analyses one takes its files
from its analysis entry, or on a miss reads its batch with `read_unread`, one git process per batch (a worker, when
there are workers), so git and the parse run on every core instead of being the main process's bottleneck.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reviewtui.cache import keyable
from reviewtui.commitlog import read_commit_diffs, read_pair_diffs
from reviewtui.diff import decode_notes
from reviewtui.errors import GitError
from reviewtui.model import Change, FileChange, SourceKind
from reviewtui.repository import Repository
from reviewtui.sources.refs import ref_diff

_Reader = Callable[[Repository, Sequence[Change]], list[tuple[FileChange, ...]]]


def rereadable(change: Change) -> bool:
    """Whether `full_change` can read this change again from git: commits and refs, not patch files (a file may
    have changed since it was analysed; a summary must only ever stand for exactly what was analysed). The same
    test as for caching at all: what (merge-base, head) pins."""
    return keyable(change)


def full_change(change: Change, repo: Repository | None = None) -> Change:
    """`change` with its hunks; the change itself when it is not summarised. `repo`: the change's repository when
    the caller has it open (the analyser), else it is opened here."""
    if not change.summarised:
        return change
    if change.head is None:
        raise GitError(f"{change.id}: a summarised change without a head commit cannot be read again")
    repo = repo if repo is not None else Repository(change.repo)
    if change.source is SourceKind.COMMIT:
        files = read_commit_diffs(repo, [change.head]).get(change.head)
        if files is None:
            raise GitError(f"{repo.root}: git log printed no diff for commit {change.head}")
    elif change.merge_base is not None:
        files = ref_diff(repo, change.merge_base, change.head, change.ref or change.id)
    else:
        raise GitError(f"{change.id}: a summarised change without a merge-base cannot be read again")
    return dataclasses.replace(change, files=files)


@dataclass(frozen=True, slots=True)
class Unread:
    """A change from git whose diff is still to be read: `change` has everything but its files (and the notes
    about them). Only the loader makes these (`QueueLoader.items`), and only `Analyzer.cached` and the workers'
    readers take them: nothing else ever sees a change without its files."""

    change: Change

    def filled(self, files: tuple[FileChange, ...]) -> Change:
        """The change with its files (full or summarised) and what the reviewer must be told about them."""
        return dataclasses.replace(self.change, files=files, notes=decode_notes(files))


def read_unread(repo: Repository, items: Sequence[Unread]) -> list[Change | GitError]:
    """Each unread change with its full diff, read in one git process per kind (commits against their parent,
    merge-base..head of refs); a batch that fails (an object git cannot read) is read again change by change, so
    only the unreadable change comes back as its GitError. No diff summary is stored: whoever reads an unread
    change analyses it, and the analysis entry lists its files (one file per change, not two)."""
    out: list[Change | GitError | None] = [None] * len(items)
    commits = [i for i, item in enumerate(items) if item.change.source is SourceKind.COMMIT]
    pairs = [i for i, item in enumerate(items) if item.change.source is not SourceKind.COMMIT]
    for chosen, read in ((commits, _read_commits), (pairs, _read_pairs)):
        if not chosen:
            continue
        found: list[tuple[FileChange, ...] | GitError]
        try:
            found = list(read(repo, [items[i].change for i in chosen]))
        except GitError:
            found = [_one(repo, items[i].change, read) for i in chosen]
        for i, files in zip(chosen, found, strict=True):
            if isinstance(files, GitError):
                out[i] = files
                continue
            out[i] = items[i].filled(files)
    return [item for item in out if item is not None]


def _one(repo: Repository, change: Change, read: _Reader) -> tuple[FileChange, ...] | GitError:
    try:
        return read(repo, [change])[0]
    except GitError as exc:
        return exc


def _read_commits(repo: Repository, changes: Sequence[Change]) -> list[tuple[FileChange, ...]]:
    shas = [_head(change) for change in changes]
    read = read_commit_diffs(repo, shas)
    missing = [sha for sha in shas if sha not in read]
    if missing:
        raise GitError(f"{repo.root}: git log printed no diff for commit {missing[0]}")
    return [read[sha] for sha in shas]


def _read_pairs(repo: Repository, changes: Sequence[Change]) -> list[tuple[FileChange, ...]]:
    pairs = []
    for change in changes:
        if change.merge_base is None:
            raise GitError(f"{change.id}: a change without a merge-base cannot be read")
        pairs.append((change.merge_base, _head(change)))
    return read_pair_diffs(repo, pairs)


def _head(change: Change) -> str:
    if change.head is None:
        raise GitError(f"{change.id}: a change without a head commit cannot be read")
    return change.head

