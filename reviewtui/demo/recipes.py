"""Declarative descriptions of the demo history: commits, pending changes, merges, reverts, and the changes that
landed with signed reviews after the two-person policy.

Content modules only say *what* happened; `builder` alone decides how git records it. Keeping the two
apart is what lets the history be read (and reviewed) as a story rather than as git plumbing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reviewtui.demo.operations import Operation
from reviewtui.demo.people import Person

PULL_PREFIX = "pr/"


@dataclass(frozen=True)
class CommitRecipe:
    """One commit; `mark` names it so later recipes can branch from it or revert it."""

    message: str
    author: Person
    operations: tuple[Operation, ...]
    committer: Person | None = None
    mark: str | None = None

    @property
    def title(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True)
class ChangeRecipe:
    """A change proposed against main: a GitHub PR ref (`pr/<N>`) or a local agent branch.

    `base` is the mark of the main commit it was started from; `None` means the tip of main, the usual
    case, while older bases give the queue differing merge-bases and stale changes to show.
    """

    change_id: str
    description: str
    commits: tuple[CommitRecipe, ...]
    base: str | None = None

    @property
    def is_pull_request(self) -> bool:
        return self.change_id.startswith(PULL_PREFIX)

    @property
    def ref(self) -> str:
        if self.is_pull_request:
            return f"refs/pull/{self.change_id.removeprefix(PULL_PREFIX)}/head"
        return f"refs/heads/{self.change_id}"

    @property
    def title(self) -> str:
        return self.commits[0].title


@dataclass(frozen=True)
class Merge:
    """A change that already landed on main with `git merge --no-ff`, so its head is an ancestor of main."""

    change: ChangeRecipe
    merger: Person
    message: str


@dataclass(frozen=True)
class Revert:
    """`git revert` of the main commit carrying `mark`, so the message cites that commit's real sha."""

    mark: str
    author: Person


HistoryEntry = CommitRecipe | Merge | Revert


@dataclass(frozen=True)
class ReviewRecipe:
    """One signed decision, as a reviewer would have made it in the TUI on the date given.

    `seconds` is the active review time and `shown` the share of the change's hunks displayed, which the TUI
    records and the audit weighs; `waive` lists (rule id, reason) for findings the reviewer waived.
    """

    reviewer: str
    at: datetime
    seconds: float
    shown: float = 1.0
    decision: str = "approve"
    waive: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Landing:
    """A change proposed after the two-person policy was adopted, reviewed with signed decisions, then landed.

    The story each one tells in `reviewtui audit` is `expected` (an audit status); the build checks every review
    counted when signed, so only what happened later (a push, an edit in the merge) can spoil it. `repush` is
    committed after the reviews; `slipped` are edits the merger made inside the merge commit; `squash` lands the
    change as one new commit instead of a merge.
    """

    change: ChangeRecipe
    expected: str
    opened: datetime
    reviews: tuple[ReviewRecipe, ...]
    merger: Person
    merged: datetime
    message: str
    repush: tuple[CommitRecipe, datetime] | None = None
    slipped: tuple[Operation, ...] = ()
    squash: bool = False


@dataclass(frozen=True)
class DirectPush:
    """A commit pushed straight to main, which nobody proposed or reviewed."""

    commit: CommitRecipe
    at: datetime


LandedEntry = Landing | DirectPush
