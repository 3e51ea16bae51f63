"""Pending changes that live as refs: pull/merge-request refs fetched from a host, and agent branches.

A ref becomes a change of `merge-base(base, head)..head`, which is what a pull-request page shows. The same work
often appears under several refs (a local branch, its remote-tracking twin, and the PR ref GitHub made for it); it
is listed once, under the most specific name, with the others kept as aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from reviewtui.commitlog import read_commits
from reviewtui.diff import decode_notes, parse_git_diff
from reviewtui.errors import ReviewtuiError, UnrelatedHistoryError
from reviewtui.model import Change, Commit, FileChange, SourceKind
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import DIFF_OPTIONS, Ref, Repository
from reviewtui.summary import SummaryCache

_GITHUB_PR = re.compile(r"^refs/pull/(?P<n>\d+)/head$")
_REMOTE_PR = re.compile(r"^refs/remotes/[^/]+/pr/(?P<n>\d+)$")
_GITLAB_MR = re.compile(r"^refs/merge-requests/(?P<n>\d+)/head$")
_REF_ROOTS = ("refs/heads", "refs/remotes", "refs/pull", "refs/merge-requests")


@dataclass(slots=True)
class Candidate:
    """A ref that may hold a pending change, before any diff is computed."""

    id: str
    kind: SourceKind
    ref: str
    sha: str
    branch: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Base:
    """The branch changes are compared with, resolved once per queue."""

    name: str
    ref: str
    sha: str


def resolve_base(repo: Repository, configured: str | None) -> Base:
    """The configured base branch, else origin's default, else main/master; the newer of local and origin wins."""
    names = [configured] if configured else [n for n in (repo.remote_head(), "main", "master") if n]
    for name in names:
        local = repo.ref_commit(f"refs/heads/{name}")
        remote = repo.ref_commit(f"refs/remotes/origin/{name}")
        if local and remote and local != remote and repo.is_ancestor(local, remote):
            return Base(name, f"refs/remotes/origin/{name}", remote)
        if local:
            return Base(name, f"refs/heads/{name}", local)
        if remote:
            return Base(name, f"refs/remotes/origin/{name}", remote)
    if configured:
        raise ReviewtuiError(
            f"{repo.root}: base branch '{configured}' not found (neither refs/heads/{configured} nor "
            f"refs/remotes/origin/{configured}); set queue.base in .reviewtui/config.toml"
        )
    raise ReviewtuiError(
        f"{repo.root}: no base branch found (tried {', '.join(names)}); set queue.base in .reviewtui/config.toml"
    )


def find_candidates(
    repo: Repository, *, pull_refs: bool, branch_globs: Sequence[str], remote_branches: bool, base: Base
) -> list[Candidate]:
    """Every ref that names a pending change, deduplicated, in one `for-each-ref` call."""
    prs: list[Candidate] = []
    branches: dict[str, Candidate] = {}
    patterns = [re.compile(_glob_regex(glob)) for glob in branch_globs]
    for ref in repo.refs(*_REF_ROOTS):
        if pull_refs and (pr := _pull_candidate(ref)) is not None:
            prs.append(pr)
            continue
        name = _branch_name(ref.name, remote_branches)
        if name is None or name == base.name or not any(p.fullmatch(name) for p in patterns):
            continue
        _merge_branch(repo, branches, Candidate(name, SourceKind.BRANCH, ref.name, ref.sha, branch=name))
    return _merge_by_head([*_dedupe_ids(prs), *branches.values()])


class Landed(Enum):
    """Why a ref is not pending: its head is in the base's history, or its content already is (squash/rebase)."""

    ANCESTOR = "ancestor"
    CONTENT = "content"


@dataclass(frozen=True, slots=True)
class Located:
    """Where a candidate's change starts: its merge-base with the base, and its commits when already known."""

    candidate: Candidate
    merge_base: str
    commits: tuple[Commit, ...] | None


def load_ref_change(
    repo: Repository,
    candidate: Candidate,
    base: Base,
    detector: ProvenanceDetector,
    unmerged: Mapping[str, Commit] | None = None,
    summaries: SummaryCache | None = None,
) -> Change | Landed:
    """The change `candidate` proposes, or how it has already landed in the base (one ref; the queue batches the
    same steps over all of its refs: `locate`, the diffs, `build`)."""
    located = locate(repo, candidate, base, unmerged)
    if isinstance(located, Landed):
        return located
    files = summaries.files(located.merge_base, candidate.sha) if summaries is not None else None
    if files is None:
        files = ref_diff(repo, located.merge_base, candidate.sha, candidate.ref)
        if summaries is not None:
            summaries.put_files(located.merge_base, candidate.sha, files)
    return build(repo, located, files, base, detector, summaries)


def locate(
    repo: Repository, candidate: Candidate, base: Base, unmerged: Mapping[str, Commit] | None = None
) -> Located | Landed:
    """The candidate's merge-base (and commits), or Landed.ANCESTOR when its head is in the base's history.

    `unmerged` (from `commitlog.read_unmerged`, one `git log` for the whole queue) answers the merge-base and the
    commits without a git call when the change is a straight line of commits off the base; anything else (merges,
    a root commit, a shallow boundary) asks git."""
    known = _linear(candidate.sha, unmerged) if unmerged is not None else None
    if known is not None:
        return Located(candidate, known[0], known[1])
    found = repo.merge_base(base.sha, candidate.sha)
    if found is None:
        raise UnrelatedHistoryError(_no_history(repo, candidate, base))
    if found == candidate.sha:
        return Landed.ANCESTOR
    return Located(candidate, found, None)


def build(
    repo: Repository,
    located: Located,
    files: tuple[FileChange, ...],
    base: Base,
    detector: ProvenanceDetector,
    summaries: SummaryCache | None = None,
) -> Change | Landed:
    """The change from its diff (full or summarised), or Landed.CONTENT when the base already has its content."""
    candidate, merge_base = located.candidate, located.merge_base
    if merge_base != base.sha and _landed(repo, base.sha, merge_base, candidate.sha, files, summaries):
        return Landed.CONTENT
    commits = located.commits
    if commits is None:
        commits = read_commits(repo, f"{merge_base}..{candidate.sha}")
    first = commits[0] if commits else None
    branch = candidate.branch or next((_short_branch(a) for a in candidate.aliases if _short_branch(a)), None)
    return Change(
        id=candidate.id,
        title=first.subject if first else candidate.id,
        description=first.body if first else "",
        source=candidate.kind,
        repo=str(repo.root),
        files=files,
        commits=commits,
        base_ref=base.ref,
        base=base.sha,
        merge_base=merge_base,
        head=candidate.sha,
        ref=candidate.ref,
        aliases=tuple(candidate.aliases),
        agent=detector.detect(commits, branch),
        created=min((c.authored for c in commits), default=None),
        updated=max((c.committed for c in commits), default=None),
        notes=decode_notes(files),
    )


def ref_diff(repo: Repository, merge_base: str, head: str, label: str) -> tuple[FileChange, ...]:
    """The diff a ref's change shows (merge-base..head), read and parsed."""
    raw = repo.run("diff", *DIFF_OPTIONS, merge_base, head, "--")
    return parse_git_diff(raw, context=f"{repo.root}: {label}")


def _landed(
    repo: Repository,
    base: str,
    merge_base: str,
    head: str,
    files: Sequence[FileChange],
    summaries: SummaryCache | None,
) -> bool:
    """`_content_in`, remembered per (base, merge-base, head) when there is a summary cache."""
    known = summaries.landed(base, merge_base, head) if summaries is not None else None
    if known is None:
        known = _content_in(repo, base, files)
        if summaries is not None:
            summaries.put_landed(base, merge_base, head, known)
    return known


def _linear(head: str, unmerged: Mapping[str, Commit]) -> tuple[str, tuple[Commit, ...]] | None:
    """(merge-base, commits oldest first) when `head` is a chain of single-parent commits leaving the base's history
    at one commit, which is then the merge-base (every common ancestor lies behind it), and the chain is exactly
    `merge-base..head` in git's order; None when git must answer (a merge inside, or a root or shallow commit)."""
    chain: list[Commit] = []
    sha = head
    while (commit := unmerged.get(sha)) is not None:
        if len(commit.parents) != 1:
            return None
        chain.append(commit)
        sha = commit.parents[0]
    if not chain:
        return None  # the head is in the base's history: git confirms (Landed.ANCESTOR)
    return sha, tuple(reversed(chain))


def _no_history(repo: Repository, candidate: Candidate, base: Base) -> str:
    """In a shallow clone "no common history" usually means the common history was not fetched: say so."""
    if repo.is_shallow():
        return (
            f"{candidate.ref} and {base.ref} meet no common commit in this shallow clone (history was cut at the "
            "clone's depth); `git fetch --unshallow` fetches the rest"
        )
    return f"{candidate.ref} shares no history with {base.ref}"


def _content_in(repo: Repository, base: str, files: Sequence[FileChange]) -> bool:
    """True when the base already has every file exactly as the change leaves it: a squash or rebase merge.

    GitHub keeps `refs/pull/N/head` after a squash merge, so without this check every fetched, long-merged PR would
    sit in the queue forever. One `ls-tree` over the change's paths answers it.
    """
    if not files:
        return False
    paths = sorted({p for f in files for p in (f.old_path, f.new_path) if p is not None})
    out = repo.run("--literal-pathspecs", "ls-tree", "-z", "--full-tree", base, "--", *paths)
    in_base: dict[str, str] = {}
    for entry in out.split(b"\x00"):
        if entry:
            meta, _, path = entry.partition(b"\t")
            in_base[path.decode("utf-8", "surrogateescape")] = meta.split(b" ")[2].decode()
    for file in files:
        if file.new_path is not None and in_base.get(file.new_path) != file.new_blob:
            return False
        if file.old_path is not None and file.old_path != file.new_path and file.old_path in in_base:
            return False
    return True


# -- classification ----------------------------------------------------------------------------------------------


def _pull_candidate(ref: Ref) -> Candidate | None:
    if (m := _GITHUB_PR.match(ref.name)) or (m := _REMOTE_PR.match(ref.name)):
        return Candidate(f"pr/{m.group('n')}", SourceKind.PULL_REQUEST, ref.name, ref.sha)
    if m := _GITLAB_MR.match(ref.name):
        return Candidate(f"mr/{m.group('n')}", SourceKind.MERGE_REQUEST, ref.name, ref.sha)
    return None


def _branch_name(refname: str, remote_branches: bool) -> str | None:
    if refname.startswith("refs/heads/"):
        return refname[len("refs/heads/") :]
    if remote_branches and refname.startswith("refs/remotes/"):
        _, _, rest = refname[len("refs/remotes/") :].partition("/")
        return rest if rest and rest != "HEAD" else None
    return None


def _short_branch(refname: str) -> str | None:
    return _branch_name(refname, remote_branches=True)


def _glob_regex(glob: str) -> str:
    """Branch globs: `*` matches anything, slashes included (`claude/*` covers `claude/fix/x`)."""
    return ".*".join(re.escape(part) for part in glob.split("*"))


# -- deduplication -----------------------------------------------------------------------------------------------


def _merge_branch(repo: Repository, branches: dict[str, Candidate], new: Candidate) -> None:
    """Local and remote-tracking twins are one change; the newer head wins, the local one when they diverged."""
    old = branches.get(new.id)
    if old is None:
        branches[new.id] = new
        return
    local_first = old.ref.startswith("refs/heads/") or not new.ref.startswith("refs/heads/")
    keep, drop = (old, new) if local_first else (new, old)
    if keep.sha != drop.sha and repo.is_ancestor(keep.sha, drop.sha):
        keep, drop = drop, keep
    keep.aliases += [drop.ref, *drop.aliases]
    branches[new.id] = keep


def _dedupe_ids(candidates: Iterable[Candidate]) -> list[Candidate]:
    """`refs/pull/7/head` and `refs/remotes/origin/pr/7` are the same PR."""
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.id in seen:
            seen[candidate.id].aliases.append(candidate.ref)
        else:
            seen[candidate.id] = candidate
    return list(seen.values())


def _merge_by_head(candidates: list[Candidate]) -> list[Candidate]:
    """A branch whose head is also a PR's head is that PR: keep the PR id, remember the branch."""
    by_head: dict[str, Candidate] = {}
    for candidate in candidates:
        existing = by_head.get(candidate.sha)
        if existing is None:
            by_head[candidate.sha] = candidate
        else:
            existing.aliases += [candidate.ref, *candidate.aliases]
            existing.branch = existing.branch or candidate.branch
    return list(by_head.values())
