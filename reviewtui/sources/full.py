"""The full change behind a summarised one: its diff read and parsed, for whatever needs the lines.

A queue read from the summary cache holds changes whose files carry counts but no hunks. The rule scan (on an
analysis-cache miss), the diff view, and an approval's coverage need the lines; they ask here, for one change at a
time, which costs what the loader would have paid for it (one git process and a parse). What git says now is what
is returned: the summary only ever stood in for it.
"""

from __future__ import annotations

import dataclasses

from reviewtui.cache import keyable
from reviewtui.commitlog import read_commit_diffs
from reviewtui.errors import GitError
from reviewtui.model import Change, SourceKind
from reviewtui.repository import Repository
from reviewtui.sources.refs import ref_diff


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

