"""Is what landed what was approved? Compared as trees, byte for byte, so whitespace and line endings count.

An approval is bound to a head and the diff from its merge-base. When that head lands, the branch tip's tree must be
exactly what merging the approved head into the base it landed on gives: `git merge-tree --write-tree base head`.
That one rule covers every way of landing. A merge commit's tree must equal the clean merge of its second parent (a
base that moved on elsewhere is fine; an edit slipped into the merge, or a conflict resolved by hand, is not). A
squash or rebase merge must leave the same tree the approved head would have; when the base did not move, this is
the approved diff exactly. Any difference is reported with the files that differ.
"""

from __future__ import annotations

from reviewtui.audit.landed import Match
from reviewtui.errors import GitError
from reviewtui.repository import Repository


def compare(repo: Repository, base: str, approved_head: str, landed: str, *, approved_diff: str | None = None,
            landed_diff: str | None = None) -> Match:
    """Compare the tree of `landed` with the merge of `approved_head` into `base`."""
    if approved_head == landed:
        return Match(True, "the approved head itself landed")
    if approved_diff is not None and approved_diff == landed_diff:
        return Match(True, "the landed diff is the approved diff, byte for byte")
    expected, conflicts = _merge_tree(repo, base, approved_head)
    actual = _tree(repo, landed)
    if expected == actual:
        return Match(True, "identical to merging the approved head into the base it landed on")
    changed = _changed_paths(repo, expected, actual) if expected else ()
    files = tuple(sorted({*conflicts, *changed}))
    how = "landed differs from approved"
    if conflicts:
        how += f" (the merge conflicted in {len(conflicts)} file(s), resolved by hand)"
    return Match(False, how, files)


def _merge_tree(repo: Repository, base: str, head: str) -> tuple[str | None, tuple[str, ...]]:
    """The tree git's merge would produce, and the paths that conflict (git 2.38+ `merge-tree --write-tree`)."""
    try:
        out = repo.run("merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", base, head, check=False)
    except GitError:
        return None, ()
    parts = [p.decode("utf-8", "surrogateescape") for p in out.split(b"\x00") if p]
    if not parts or len(parts[0]) < 40:
        raise GitError(f"{repo.root}: git merge-tree could not merge {head[:12]} into {base[:12]} (git 2.38+ needed)")
    return parts[0].strip(), tuple(dict.fromkeys(parts[1:]))


def _tree(repo: Repository, commit: str) -> str:
    return repo.run("rev-parse", "--verify", f"{commit}^{{tree}}").decode().strip()


def _changed_paths(repo: Repository, a: str, b: str) -> tuple[str, ...]:
    out = repo.run("diff-tree", "-r", "-z", "--name-only", "--no-renames", a, b, "--")
    return tuple(p.decode("utf-8", "surrogateescape") for p in out.split(b"\x00") if p)
