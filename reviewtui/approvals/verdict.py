"""Count the decisions on a change under the policy: who approved, what counts, and what is missing.

Every stored envelope is checked the same way, in this order, and the first failure is the reason shown:
well-formed; signed by a key that ssh-keygen accepts for reviewtui's namespace under the base's allowed_signers;
the signer is the reviewer the statement names; made for this repository and this change; bound to the current
head, tree, merge-base and diff (else it is stale); made by someone who may approve (not an author, committer,
co-author, agent or operator of the change); and, for Tier-1 changes, acknowledged every blocking finding, saw
every Tier-1 hunk and took long enough. Distinct principals count once, however many keys or envelopes they have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reviewtui.approvals.binding import Binding
from reviewtui.approvals.dsse import PAYLOAD_TYPE, EnvelopeError, parse_envelope
from reviewtui.approvals.policy import Policy
from reviewtui.approvals.statement import Decision, StatementError, parse_statement
from reviewtui.approvals.verifier import verify_signature
from reviewtui.model import Change
from reviewtui.model import Person as GitPerson
from reviewtui.provenance import ProvenanceDetector, parse_identity
from reviewtui.rules.finding import Finding


@dataclass(frozen=True, slots=True)
class Review:
    """One stored envelope and what it amounts to."""

    principal: str | None
    decision: str | None
    status: str
    """"counted", "not-counted" (valid but excluded), "stale" (an older head), or "invalid"."""
    reasons: tuple[str, ...]
    timestamp: str = ""
    record: Decision | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    required: int
    reviews: tuple[Review, ...]
    approvers: tuple[str, ...]
    blocking: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())

    @property
    def satisfied(self) -> bool:
        return len(self.approvers) >= self.required and not self.blocking

    @property
    def stale(self) -> tuple[str, ...]:
        return tuple(sorted({r.principal for r in self.reviews if r.status == "stale" and r.principal}))

    @property
    def rejected(self) -> tuple[str, ...]:
        """Who rejects the change now: whose latest decision is a reject (as `blocking` counts it)."""
        return tuple(sorted(p for p, r in _latest(self.reviews).items() if r.decision == "reject"))

    def label(self) -> str:
        """What the queue shows: 0/2, 1/2, 2/2, stale, rejected."""
        if self.rejected:
            return "rejected"
        if self.blocking:
            return "changes requested"
        if not self.approvers and self.stale:
            return "stale"
        return f"{len(self.approvers)}/{self.required}"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the verdict is computed against, all as of the change's base (and its current head)."""

    change: Change
    binding: Binding
    policy: Policy
    allowed_signers: bytes | None
    revoked_keys: bytes | None
    findings: Sequence[Finding]
    tier: int | None
    tier1_paths: frozenset[str]
    detector: ProvenanceDetector


def evaluate(facts: Facts, lines: Sequence[str]) -> Verdict:
    reviews = [_review(facts, line) for line in dict.fromkeys(lines)]
    required = facts.policy.required_for(facts.tier)
    latest = _latest(reviews)
    approvers = tuple(sorted(p for p, r in latest.items() if r.status == "counted" and r.decision == "approve"))
    blocking = tuple(
        sorted(f"{p} {r.decision}" for p, r in latest.items() if r.decision in ("reject", "request-changes"))
    )
    missing = []
    if facts.allowed_signers is None:
        missing.append(f"no allowed_signers file at {facts.policy.allowed_signers} in the base commit")
    if len(approvers) < required:
        missing.append(f"{required - len(approvers)} more approval(s) from distinct eligible reviewers")
    missing += [f"blocked: {b}" for b in blocking]
    return Verdict(required, tuple(reviews), approvers, blocking, tuple(missing))


def _latest(reviews: Sequence[Review]) -> dict[str, Review]:
    """Each principal's latest valid decision: a reviewer's newer decision replaces their older ones."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.principal is None or review.status == "invalid":
            continue
        known = latest.get(review.principal)
        if known is None or review.timestamp >= known.timestamp:
            latest[review.principal] = review
    return latest


def _review(facts: Facts, line: str) -> Review:
    try:
        envelope = parse_envelope(line)
    except EnvelopeError as exc:
        return Review(None, None, "invalid", (f"malformed envelope: {exc}",))
    if envelope.payload_type != PAYLOAD_TYPE:
        return Review(None, None, "invalid", (f"payload type {envelope.payload_type!r} is not {PAYLOAD_TYPE}",))
    try:
        record = parse_statement(envelope.payload)
    except StatementError as exc:
        return Review(None, None, "invalid", (str(exc),))
    if facts.allowed_signers is None:
        return Review(
            record.reviewer,
            record.decision,
            "invalid",
            ("no allowed_signers to verify against",),
            record.timestamp,
            record,
        )
    if facts.policy.revoked_keys and facts.revoked_keys is None:
        # Fail closed: a revocation list that the policy names but the base lacks could hide a revoked key.
        reason = f"the policy names revoked_keys {facts.policy.revoked_keys!r} but the base commit has no such file"
        return Review(record.reviewer, record.decision, "invalid", (reason,), record.timestamp, record)
    check = verify_signature(envelope, facts.allowed_signers, facts.revoked_keys)
    if check.principal is None:
        return Review(record.reviewer, record.decision, "invalid", (check.reason,), record.timestamp, record)
    principal = check.principal
    if principal != record.reviewer:
        reason = f"signed by {principal} but claims to be {record.reviewer}"
        return Review(principal, record.decision, "invalid", (reason,), record.timestamp, record)
    problem = _foreign(facts, record)
    if problem:
        return Review(principal, record.decision, "invalid", (problem,), record.timestamp, record)
    stale = _stale(facts.binding, record.binding)
    if stale:
        return Review(principal, record.decision, "stale", (stale,), record.timestamp, record)
    reasons = _ineligible(facts, principal)
    if record.decision == "approve" and facts.tier == 1:
        reasons += _tier1_gaps(facts, record)
    status = "not-counted" if reasons else "counted"
    return Review(principal, record.decision, status, tuple(reasons), record.timestamp, record)


def _foreign(facts: Facts, record: Decision) -> str:
    """An envelope copied from another repository or another change never counts here."""
    ours, theirs = facts.binding.repository, record.binding.repository
    if ours and theirs and ours != theirs:
        return "made for another repository"
    if record.change != facts.change.id and record.binding.head not in {c.sha for c in facts.change.commits}:
        return f"made for another change ({record.change})"
    return ""


def _stale(current: Binding, recorded: Binding) -> str:
    if recorded.head != current.head:
        short = (recorded.head or "?")[:12]
        return f"approves an older head {short}; the change was pushed again since"
    if recorded.tree != current.tree or recorded.diff_sha256 != current.diff_sha256:
        return "bound to a different diff (the base moved or the content changed)"
    if recorded.merge_base != current.merge_base:
        return "bound to a different merge-base"
    return ""


def _ineligible(facts: Facts, principal: str) -> list[str]:
    """Authors, committers, co-authors, the agent and its operator cannot count, under any of their identities."""
    person = facts.policy.person(principal)
    emails = {e.lower() for e in person.emails} | ({principal.lower()} if "@" in principal else set())
    names = {n.lower() for n in person.names}
    reasons = []
    for commit in facts.change.commits:
        roles = [("an author", commit.author), ("a committer", commit.committer)]
        roles += [
            ("a co-author", p)
            for t in commit.trailers
            if t.key.lower() == "co-authored-by"
            if (p := parse_identity(t.value)) is not None
        ]
        for role, who in roles:
            if who.email.lower() in emails or who.name.lower() in names:
                reasons.append(f"{principal} is {role} of the change")
    agent = facts.change.agent
    if agent is not None and agent.operator:
        operator = parse_identity(agent.operator)
        op_email = (operator.email if operator else agent.operator).lower()
        if op_email in emails or (operator is not None and operator.name.lower() in names):
            reasons.append(f"{principal} is the operator of the agent that wrote the change")
    identities = [GitPerson(principal, email) for email in sorted(emails)] or [GitPerson(principal, "")]
    if any(facts.detector.is_agent(identity) for identity in identities):
        reasons.append(f"{principal} is an agent identity")
    return list(dict.fromkeys(reasons))


def _tier1_gaps(facts: Facts, record: Decision) -> list[str]:
    policy = facts.policy
    gaps = []
    blocking = [f for f in facts.findings if f.severity.value in policy.acknowledge]
    acked = {(a.rule, a.path, a.line) for a in record.acknowledged if a.reason.strip()}
    missing = [f for f in blocking if (f.rule, f.path, f.line) not in acked and (f.rule, None, None) not in acked]
    if missing:
        rules = ", ".join(sorted({f.rule for f in missing}))
        gaps.append(f"{len(missing)} blocking finding(s) not acknowledged ({rules})")
    if policy.full_coverage:
        needed = {h.digest() for f in facts.change.files if f.path in facts.tier1_paths for h in f.hunks}
        unseen = needed - set(record.hunks_displayed)
        if unseen:
            gaps.append(f"{len(unseen)} of {len(needed)} Tier-1 hunk(s) never displayed to this reviewer")
    if policy.min_seconds_per_100_lines:
        lines = facts.change.stats.added + facts.change.stats.deleted
        needed_seconds = policy.min_seconds_per_100_lines * lines / 100
        if record.seconds < needed_seconds:
            gaps.append(f"reviewed in {record.seconds:.0f}s; the policy asks {needed_seconds:.0f}s for {lines} lines")
    return gaps
