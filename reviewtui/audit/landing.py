"""Cut a branch's first-parent history into landed changes, and find the change each one proposed.

The first-parent line of a branch is the sequence of states it was in. Each step is one landing: a merge commit
(whose second parent is the proposed head), the approved head itself arriving by fast-forward, a squash or rebase
merge (new commits whose approvals sit on the reviewed branch head: recognised by an identical diff, the same
`git patch-id --verbatim` on a moved base, the same rebased commits, or the change id named in the message), or a
direct push that nobody proposed. Recognising a landing never makes it approved: the verdict and the tree
comparison decide that.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime

from reviewtui.approvals.binding import BINDING_CONFIG, BINDING_DIFF
from reviewtui.audit.decisions import DecisionIndex, Stored
from reviewtui.commitlog import read_commits
from reviewtui.model import Commit
from reviewtui.repository import Repository, run_git

_HINTS = (
    (re.compile(r"^Merge pull request #(\d+) from \S+?/(\S+)"), ("pr/{0}", "{1}")),
    (re.compile(r"^Merge (?:remote-tracking )?branch '(?:origin/)?([^']+)'"), ("{0}",)),
    (re.compile(r"See merge request \S*!(\d+)"), ("mr/{0}",)),
    (re.compile(r"\(#(\d+)\)\s*$", re.MULTILINE), ("pr/{0}",)),
)
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
"""The base of a root commit: git's empty tree."""
_BINDING_ENV = {
    "GIT_CONFIG_COUNT": str(len(BINDING_CONFIG)),
    **{f"GIT_CONFIG_KEY_{n}": key for n, (key, _) in enumerate(BINDING_CONFIG)},
    **{f"GIT_CONFIG_VALUE_{n}": value for n, (_, value) in enumerate(BINDING_CONFIG)},
}


@dataclass(frozen=True, slots=True)
class Landing:
    kind: str
    commits: tuple[str, ...]
    """The first-parent commits of this landing, oldest first."""
    base: str
    """What it landed onto: the first parent of the oldest of `commits`."""
    tip: str
    landed_at: datetime
    head: str
    """The proposed head: a merge's second parent, the recognised approved head, or `tip` when none."""
    found: str
    change_id: str | None
    message: str = ""


@dataclass(frozen=True, slots=True)
class _Step:
    sha: str
    parents: tuple[str, ...]
    time: int


def walk(
    repo: Repository, tip: str, since: datetime | None, until: datetime | None, index: DecisionIndex
) -> list[Landing]:
    """Landings on the first-parent line of `tip` whose landing commit's committer time falls in the period."""
    steps = _first_parent(repo, tip)
    position = {step.sha: n for n, step in enumerate(steps)}
    low = since.timestamp() if since else float("-inf")
    high = until.timestamp() if until else float("inf")
    chosen = [n for n, s in enumerate(steps) if low <= s.time <= high]
    if not chosen:
        return []
    oldest = max(chosen)
    commits = _commits(repo, steps, oldest, tip)
    matcher = _Matcher(repo, index)
    landings: list[Landing] = []
    consumed: set[int] = set()
    for n in chosen:
        if n in consumed:
            continue
        step = steps[n]
        commit = commits.get(step.sha)
        message = commit.message if commit else ""
        when = datetime.fromtimestamp(step.time, UTC)
        if len(step.parents) >= 2:
            head = step.parents[1]
            hints = hint_ids(message)
            known = [h for h in hints if h in index.by_change]
            cid = _id_from(index.by_commit.get(head, [])) or next(iter(known + hints), None)
            landings.append(Landing("merge", (step.sha,), step.parents[0], step.sha, when, head,
                                    "the merge's second parent", cid, message))
            continue
        run = _fast_forward(steps, position, n, index)
        if run is not None:
            consumed.update(run)
            first = steps[max(run)]
            base = first.parents[0] if first.parents else first.sha
            ids = tuple(steps[m].sha for m in sorted(run, reverse=True))
            landings.append(Landing("fast-forward", ids, base, step.sha, when, step.sha,
                                    "the approved head itself is on the branch", _id_from(index.by_commit[step.sha]),
                                    message))
            continue
        parent = step.parents[0] if step.parents else None
        found = matcher.match(parent, step.sha, commit) if parent and index else None
        if found is not None and found[0] == "rebase":
            run = [n]
            while run[-1] + 1 < len(steps) and run[-1] + 1 in chosen and len(steps[run[-1] + 1].parents) == 1:
                older = steps[run[-1] + 1]
                if matcher.rebased_head(commits.get(older.sha)) != found[1].record.binding.head:
                    break
                run.append(run[-1] + 1)
            consumed.update(run)
            first = steps[run[-1]]
            ids = tuple(steps[m].sha for m in reversed(run))
            stored = found[1]
            landings.append(Landing("rebase", ids, first.parents[0], step.sha, when, stored.record.binding.head or "",
                                    found[2], stored.record.change, message))
        elif found is not None and parent is not None:
            stored = found[1]
            landings.append(Landing("squash", (step.sha,), parent, step.sha, when, stored.record.binding.head or "",
                                    found[2], stored.record.change, message))
        else:
            named = hint_ids(message)
            landings.append(Landing("direct", (step.sha,), parent or EMPTY_TREE, step.sha, when, step.sha,
                                    "nothing was proposed: a direct push", named[0] if named else None, message))
    return landings


def hint_ids(message: str) -> list[str]:
    """Change ids a merge or squash message names (`Merge pull request #12 from x/y` → pr/12 and y)."""
    found: list[str] = []
    for pattern, shapes in _HINTS:
        for match in pattern.finditer(message):
            found += [shape.format(*match.groups()) for shape in shapes]
    return list(dict.fromkeys(found))


def binding_digest(repo: Repository, base: str, head: str) -> tuple[str, str | None]:
    """sha256 of the pinned binding diff (docs/approval-format.md) and its `git patch-id --verbatim`."""
    diff = repo.run(*BINDING_DIFF, base, head, "--", env=_BINDING_ENV)
    patch_id = None
    if diff:
        with tempfile.TemporaryFile() as stdin:
            stdin.write(diff)
            stdin.seek(0)
            out = run_git(None, ["patch-id", "--verbatim"], stdin=stdin, check=False).decode("ascii", "replace")
        patch_id = out.split()[0] if out.split() else None
    return hashlib.sha256(diff).hexdigest(), patch_id


class _Matcher:
    """Finds the approved change behind a new commit on the branch (squash or rebase merge)."""

    def __init__(self, repo: Repository, index: DecisionIndex) -> None:
        self.repo = repo
        self.index = index
        self._identities: dict[tuple[str, str, str], str] | None = None

    def match(self, parent: str, sha: str, commit: Commit | None) -> tuple[str, Stored, str] | None:
        digest, patch_id = binding_digest(self.repo, parent, sha)
        for item in self.index.by_diff.get(digest, []):
            if self._exists(item):
                return "squash", item, "the landed diff is byte for byte an approved diff"
        for item in self.index.by_patch.get(patch_id or "", []):
            if self._exists(item):
                return "squash", item, "same changes as an approved diff (patch-id), on a base that moved on"
        head = self.rebased_head(commit)
        if head is not None:
            return "rebase", self.index.heads()[head], "its commits are an approved change's commits, rebased"
        for cid in hint_ids(commit.message if commit else ""):
            for item in self.index.by_change.get(cid, []):
                if self._exists(item):
                    return "squash", item, f"the message names {cid}, which has decisions"
        return None

    def rebased_head(self, commit: Commit | None) -> str | None:
        if commit is None:
            return None
        if self._identities is None:
            self._identities = {}
            for head, item in self.index.heads().items():
                if not self._exists(item) or item.record.binding.merge_base is None:
                    continue
                for old in read_commits(self.repo, f"{item.record.binding.merge_base}..{head}"):
                    self._identities.setdefault(_identity(old), head)
        return self._identities.get(_identity(commit))

    def _exists(self, item: Stored) -> bool:
        head = item.record.binding.head
        return head is not None and self.repo.resolve(head) == head


def _identity(commit: Commit) -> tuple[str, str, str]:
    """What a rebase keeps of a commit: its author, author date and message."""
    return commit.author.email.lower(), commit.authored.isoformat(), commit.message


def _fast_forward(steps: list[_Step], position: dict[str, int], n: int, index: DecisionIndex) -> list[int] | None:
    """The run of first-parent commits that arrived by fast-forward with an approved head at `steps[n]`."""
    for item in index.by_commit.get(steps[n].sha, []):
        merge_base = item.record.binding.merge_base
        if item.record.binding.head == steps[n].sha and merge_base in position and position[merge_base] > n:
            run = list(range(n, position[merge_base]))
            if all(len(steps[m].parents) == 1 for m in run):
                return run
    return None


def _id_from(items: list[Stored]) -> str | None:
    return items[0].record.change if items else None


def _first_parent(repo: Repository, tip: str) -> list[_Step]:
    out = repo.run("log", "--first-parent", "--format=%H %ct %P", tip, "--")
    steps = []
    for line in out.decode().splitlines():
        sha, time, *parents = line.split()
        steps.append(_Step(sha, tuple(parents), int(time)))
    return steps


def _commits(repo: Repository, steps: list[_Step], oldest: int, tip: str) -> dict[str, Commit]:
    """Every commit that landed from the oldest landing in the period to the tip, in one `git log`."""
    start = steps[oldest].parents[0] if steps[oldest].parents else None
    revs = (f"{start}..{tip}",) if start else (tip,)
    return {c.sha: c for c in read_commits(repo, *revs)}


