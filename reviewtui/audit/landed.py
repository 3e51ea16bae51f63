"""The facts an audit establishes about one landed change; every output format renders exactly these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from reviewtui.model import Agent

APPROVED = "approved"
DIFFERS = "differs"
STALE = "stale"
INSUFFICIENT = "insufficient"
UNREVIEWED = "unreviewed"
STATUSES = (APPROVED, DIFFERS, STALE, INSUFFICIENT, UNREVIEWED)
"""One per landed change: approved (valid approvals of exactly what landed); differs (valid approvals, but what
landed is not what they approved); stale (approvals only of older heads); insufficient (decisions exist but the
policy is not met); unreviewed (no decision at all)."""
STATUS_LABELS = {
    APPROVED: "approved",
    DIFFERS: "landed differs from approved",
    STALE: "stale approval",
    INSUFFICIENT: "insufficient approval",
    UNREVIEWED: "no review",
}

KINDS = ("merge", "fast-forward", "squash", "rebase", "direct")


@dataclass(frozen=True, slots=True)
class ReviewFact:
    principal: str | None
    decision: str | None
    status: str
    """As `reviewtui verify` says: counted, not-counted, stale, invalid."""
    reasons: tuple[str, ...]
    timestamp: str
    head: str | None
    seconds: float
    hunks_displayed: int
    hunks_total: int
    seconds_per_100_lines: float | None
    """Recorded review time per 100 changed lines; None when the change has no changed lines."""


@dataclass(frozen=True, slots=True)
class Waiver:
    reviewer: str
    rule: str
    path: str | None
    line: int | None
    kind: str
    """"ack" (accepted as is) or "waive" (not applicable)."""
    reason: str
    counted: bool
    """Whether the decision carrying it counts under the policy."""


@dataclass(frozen=True, slots=True)
class FindingFact:
    rule: str
    severity: str
    path: str
    line: int | None
    title: str
    blocking: bool
    """Of a severity the policy makes Tier-1 approvers acknowledge."""
    systems: tuple[str, ...]
    acknowledged_by: tuple[Waiver, ...] = ()


@dataclass(frozen=True, slots=True)
class Indicator:
    """A sign that an approval may have been a rubber stamp."""

    kind: str
    reviewer: str
    detail: str


@dataclass(frozen=True, slots=True)
class Match:
    """Whether what landed is what was approved."""

    equal: bool | None
    """None when there was nothing to compare (no proposed head other than what landed)."""
    how: str
    files: tuple[str, ...] = ()
    """Files whose landed content differs from the approved content."""


@dataclass(frozen=True, slots=True)
class LandedChange:
    id: str
    title: str
    kind: str
    status: str
    landed: str
    """The commit on the branch's first-parent line that brought the change."""
    landed_at: datetime
    base: str
    """What it landed onto (the first parent); the policy, allowed_signers and system map are read there."""
    head: str
    """The proposed head the approvals are judged against."""
    merge_base: str | None
    commits: tuple[str, ...]
    authors: tuple[str, ...]
    agent: Agent | None
    systems: tuple[tuple[str, int], ...]
    tier: int | None
    required: int
    approvers: tuple[str, ...]
    reviews: tuple[ReviewFact, ...]
    match: Match
    findings: tuple[FindingFact, ...]
    waivers: tuple[Waiver, ...]
    indicators: tuple[Indicator, ...] = ()
    reverted_by: str | None = None
    added: int = 0
    deleted: int = 0
    found: str = ""
    """How the approved change was recognised (second parent, identical diff, same patch-id, ...)."""
    notes: tuple[str, ...] = field(default=())

    @property
    def tier1(self) -> bool:
        return self.tier == 1

    @property
    def two_person(self) -> bool:
        """Valid approvals of exactly what landed, by at least two distinct people."""
        return self.status == APPROVED and len(self.approvers) >= 2

    @property
    def gate_failed(self) -> bool:
        return self.tier1 and not self.two_person

    @property
    def differs(self) -> bool:
        """What landed is not what someone approved (counted whatever the status)."""
        return self.match.equal is False and any(r.decision == "approve" for r in self.reviews)
