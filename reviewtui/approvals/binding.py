"""Exactly what a decision is about: the head commit and tree, the merge-base, and the sha256 of the full binary
diff between them.

The diff hash is what makes a decision non-transferable: a re-push, a rebase that changes content, or a single
whitespace edit (which changes Python's meaning) gives a different hash, and the old approval no longer counts.
`git patch-id --verbatim` is recorded only as a hint for recognising rebases; `--stable` is never used because it
ignores whitespace. The diff command is pinned (no renames, no external drivers, fixed prefixes) so anyone can
recompute the hash with plain git: docs/approval-format.md gives the command.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass

from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change
from reviewtui.repository import Repository, run_git

BINDING_DIFF = (
    "diff",
    "--full-index",
    "--binary",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--unified=3",
    "--inter-hunk-context=0",
    "--diff-algorithm=myers",
    "--indent-heuristic",
    f"-O{os.devnull}",
    "--no-relative",
    "--submodule=short",
    "--ignore-submodules=none",
)
"""Every option is git's default, spelled out: a reviewer's `diff.*` settings must not change the hash."""
BINDING_CONFIG = (
    ("core.quotePath", "false"),
    ("diff.suppressBlankEmpty", "false"),
    ("core.attributesFile", os.devnull),
)
"""Settings with no command-line switch, given as `git -c`: non-ASCII paths unquoted, blank context lines kept,
and no personal attributes file (whose `diff=` drivers would change the hunk headers)."""
_BINDING_ENV = {
    "GIT_ATTR_NOSYSTEM": "1",  # nor the machine's attributes file (`Repository` sets it for every git, too)
    "GIT_CONFIG_COUNT": str(len(BINDING_CONFIG)),
    **{f"GIT_CONFIG_KEY_{n}": key for n, (key, _) in enumerate(BINDING_CONFIG)},
    **{f"GIT_CONFIG_VALUE_{n}": value for n, (_, value) in enumerate(BINDING_CONFIG)},
}


@dataclass(frozen=True, slots=True)
class Binding:
    head: str | None
    tree: str | None
    merge_base: str | None
    base: str | None
    base_ref: str | None
    diff_sha256: str
    patch_id: str | None
    repository: str | None
    """The repository's identity: its root commit (stable across clones and forks, unlike a URL)."""


def bind(repo: Repository | None, change: Change, *, patch_bytes: bytes | None = None) -> Binding:
    """The binding of a change; patch-file changes without commits bind to the sha256 of the patch file."""
    if change.head is None or change.merge_base is None or repo is None or repo.resolve(change.head) is None:
        if patch_bytes is None:
            raise ReviewtuiError(f"{change.id}: cannot bind a decision: no commits and no patch file")
        digest = hashlib.sha256(patch_bytes).hexdigest()
        return Binding(None, None, None, change.base, change.base_ref, digest, None, _root(repo, None))
    diff = repo.run(*BINDING_DIFF, change.merge_base, change.head, "--", env=_BINDING_ENV)
    tree = repo.run("rev-parse", "--verify", f"{change.head}^{{tree}}").decode().strip()
    return Binding(
        head=change.head,
        tree=tree,
        merge_base=change.merge_base,
        base=change.base,
        base_ref=change.base_ref,
        diff_sha256=hashlib.sha256(diff).hexdigest(),
        patch_id=_patch_id(diff),
        repository=_root(repo, change.head),
    )


def _patch_id(diff: bytes) -> str | None:
    if not diff:
        return None
    with tempfile.TemporaryFile() as stdin:
        stdin.write(diff)
        stdin.seek(0)
        out = run_git(None, ["patch-id", "--verbatim"], stdin=stdin, check=False)
    first = out.decode("ascii", "replace").split()
    return first[0] if first else None


def _root(repo: Repository | None, rev: str | None) -> str | None:
    if repo is None:
        return None
    out = repo.run("rev-list", "--max-parents=0", rev or "HEAD", "--", check=False)
    roots = sorted(out.decode().split())
    return roots[0] if roots else None
