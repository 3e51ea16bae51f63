"""Every non-merge commit of a range as a change against its first parent (`queue --commits`).

Used to look back over history (to evaluate the risk model, or to audit what landed), so it must scale to tens of
thousands of commits: one streaming `git log -p` for the whole range, never a git call per commit.
"""

from __future__ import annotations

from collections.abc import Iterator

from reviewtui.commitlog import iter_commit_diffs
from reviewtui.diff import decode_notes
from reviewtui.model import Change, SourceKind
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import Repository

SHORT_SHA = 12


def iter_commit_changes(repo: Repository, rev_range: str, detector: ProvenanceDetector) -> Iterator[Change]:
    """Changes for `rev_range` (e.g. `v1.0..main` or `HEAD~1000..HEAD`), newest first, as git walks them."""
    for commit, files in iter_commit_diffs(repo, rev_range):
        parent = commit.parents[0] if commit.parents else None
        yield Change(
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
