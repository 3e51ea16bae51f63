"""Judge every landed change of a period: approvals under the policy at its base, what landed versus what was
approved, systems and tier, findings and waivers, provenance, reverts and rubber-stamp indicators.

The judging reuses the approvals machinery unchanged (`Clerk.facts`, `evaluate`): an audit says what `reviewtui
verify` would have said about the proposed change at the moment it landed, plus whether the tree that landed is the
tree that was approved. The TUI's audit screen calls `Auditor(...).run(request)` like the CLI does.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.policy import Policy
from reviewtui.approvals.verdict import Review, Verdict, evaluate
from reviewtui.audit import rubberstamp
from reviewtui.audit.comparison import compare
from reviewtui.audit.decisions import DecisionIndex
from reviewtui.audit.landed import (
    APPROVED,
    DIFFERS,
    INSUFFICIENT,
    STALE,
    UNREVIEWED,
    FindingFact,
    LandedChange,
    Match,
    ReviewFact,
    Waiver,
)
from reviewtui.audit.landing import EMPTY_TREE, Landing, binding_digest, hint_ids, walk
from reviewtui.commitlog import read_commits
from reviewtui.config import load_config
from reviewtui.diff import decode_notes, parse_git_diff
from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change, SourceKind
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import DIFF_OPTIONS, Repository
from reviewtui.risk.history import HistoryIndex
from reviewtui.sources.refs import resolve_base


@dataclass(frozen=True, slots=True)
class AuditRequest:
    repo: Path
    branch: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Audit:
    repo: str
    branch: str
    tip: str
    request: AuditRequest
    changes: tuple[LandedChange, ...]
    generated: datetime

    @property
    def gate_failed(self) -> bool:
        """A landed Tier-1 change lacks a valid two-person approval of exactly what landed."""
        return any(c.gate_failed for c in self.changes)


class Auditor:
    def __init__(self, analyzer: Analyzer | None = None) -> None:
        self.analyzer = analyzer or Analyzer(history=False)
        self.clerk = Clerk(self.analyzer)

    def run(self, request: AuditRequest, *, advance: Callable[[], None] | None = None) -> Audit:
        """`advance` is told each time a landed change has been judged (the CLI's progress line)."""
        repo = Repository(request.repo)
        config = load_config(repo.root)
        branch, tip = _branch(repo, request.branch, config.queue.base)
        if request.system is not None:
            names = {s.name for s in self.analyzer.system_map(repo, tip).systems}
            if request.system not in names:
                known = ", ".join(sorted(names)) or "none"
                raise ReviewtuiError(f"{repo.root}: no system named {request.system!r} in .reviewtui/systems.toml at "
                                     f"{branch} (systems: {known})")
        index = DecisionIndex.load(repo)
        detector = ProvenanceDetector(config.agents)
        history = HistoryIndex.build(repo, tip)
        changes = []
        for landing in walk(repo, tip, request.since, request.until, index):
            change = self._judge(repo, landing, index, detector, history)
            if advance is not None:
                advance()
            if request.system is None or request.system in {name for name, _ in change.systems}:
                changes.append(change)
        return Audit(str(repo.root), branch, tip, request, tuple(self._flag(repo, changes)), datetime.now(UTC))

    # -- one landed change -------------------------------------------------------------------------------------------

    def _judge(
        self, repo: Repository, landing: Landing, index: DecisionIndex, detector: ProvenanceDetector,
        history: HistoryIndex,
    ) -> LandedChange:
        proposed = self._change(repo, landing, landing.head, detector)
        analysis = self.analyzer.analyze(proposed)
        policy = self.clerk.policy(repo, _commit_or_none(landing.base))
        verdict = self._verdict(analysis, index, policy)
        if landing.head == landing.tip:
            match = Match(True, "the approved head itself landed") if verdict.reviews else Match(None, landing.found)
        else:
            approved_diff = next((r.record.binding.diff_sha256 for r in verdict.reviews
                                  if r.record and r.record.binding.head == landing.head), None)
            landed_diff = binding_digest(repo, landing.base, landing.tip)[0] if approved_diff else None
            match = compare(repo, landing.base, landing.head, landing.tip, approved_diff=approved_diff,
                            landed_diff=landed_diff)
        findings_of = analysis
        if match.equal is False:
            landed = self._change(repo, landing, landing.tip, detector)
            findings_of = self.analyzer.analyze(landed)
        systems_map = self.analyzer.system_map(repo, _commit_or_none(landing.base))
        paths = {f.path for f in proposed.files} | {f.path for f in findings_of.change.files}
        systems = tuple((s.name, s.tier) for s in systems_map.systems_of(sorted(paths)))
        reviews = tuple(_review_fact(r, proposed) for r in verdict.reviews)
        waivers = tuple(
            Waiver(r.principal or "?", a.rule, a.path, a.line, a.kind, a.reason, r.status == "counted")
            for r in verdict.reviews if r.record is not None and r.status != "invalid"
            for a in r.record.acknowledged
        )
        findings = tuple(
            FindingFact(
                f.rule, f.severity.value, f.path or "", f.line, f.title, f.severity.value in policy.acknowledge,
                tuple(s.name for s in systems_map.systems_for(f.path)) if f.path else (),
                tuple(w for w in waivers if w.rule == f.rule and w.path in (None, f.path) and w.line in (None, f.line)),
            )
            for f in findings_of.findings
        )
        reverted = next((r for sha in (*landing.commits, *(c.sha for c in proposed.commits))
                         if (r := history.revert_of(sha)) is not None), None)
        stats = findings_of.change.stats
        return LandedChange(
            id=_change_id(landing, verdict),
            title=proposed.title,
            kind=landing.kind,
            status=_status(verdict, match),
            landed=landing.tip,
            landed_at=landing.landed_at,
            base=landing.base,
            head=landing.head,
            merge_base=proposed.merge_base,
            commits=tuple(c.sha for c in proposed.commits),
            authors=tuple(dict.fromkeys(str(c.author) for c in proposed.commits)),
            agent=proposed.agent,
            systems=systems,
            tier=min((tier for _, tier in systems), default=None),
            required=verdict.required,
            approvers=verdict.approvers,
            reviews=reviews,
            match=match,
            findings=findings,
            waivers=waivers,
            reverted_by=reverted,
            added=stats.added,
            deleted=stats.deleted,
            found=landing.found,
            notes=proposed.notes,
        )

    def _verdict(self, analysis: Analysis, index: DecisionIndex, policy: Policy) -> Verdict:
        change = analysis.change
        on_commits = [s.line for c in (change.head, *(c.sha for c in change.commits)) if c
                      for s in index.by_commit.get(c, [])]
        lines = list(dict.fromkeys([*on_commits, *index.lines_for(change.id)]))
        if not lines:
            tiers = [tier for _, tier in analysis.risk.systems]
            return Verdict(policy.required_for(min(tiers) if tiers else None), (), ())
        return evaluate(self.clerk.facts(analysis), lines)

    def _change(
        self, repo: Repository, landing: Landing, head: str, detector: ProvenanceDetector
    ) -> Change:
        """The change from the landing base to `head`: the proposed change, or (for `tip`) what really landed."""
        base = landing.base
        merge_base = base if base == EMPTY_TREE else (repo.merge_base(base, head) or base)
        raw = repo.run("diff", *DIFF_OPTIONS, merge_base, head, "--")
        files = parse_git_diff(raw, context=f"{repo.root}: {landing.tip[:12]}")
        found = read_commits(repo, f"{base}..{head}") if base != EMPTY_TREE else read_commits(repo, head)
        first = found[0] if found else None
        branch = next((h for h in hint_ids(landing.message) if not h.startswith(("pr/", "mr/"))), None)
        return Change(
            id=landing.change_id or landing.tip[:12],
            title=first.subject if first else landing.tip[:12],
            description=first.body if first else "",
            source=SourceKind.BRANCH if landing.kind == "merge" else SourceKind.COMMIT,
            repo=str(repo.root),
            files=files,
            commits=found,
            base=_commit_or_none(base),
            merge_base=merge_base,
            head=head,
            agent=detector.detect(found, branch),
            created=min((c.authored for c in found), default=None),
            updated=max((c.committed for c in found), default=None),
            notes=decode_notes(files),
        )

    # -- across changes ----------------------------------------------------------------------------------------------

    def _flag(self, repo: Repository, changes: list[LandedChange]) -> list[LandedChange]:
        limits = {c.id: self.clerk.policy(repo, _commit_or_none(c.base)).rubber_stamp for c in changes}
        busy = rubberstamp.busy_hours(changes, {cid: lim.max_approvals_per_hour for cid, lim in limits.items()})
        return [replace(c, indicators=rubberstamp.indicators(c, limits[c.id], busy)) for c in changes]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _status(verdict: Verdict, match: Match) -> str:
    if not verdict.reviews:
        return UNREVIEWED
    if verdict.satisfied:
        return DIFFERS if match.equal is False else APPROVED
    if not verdict.approvers and verdict.stale:
        return STALE
    return INSUFFICIENT


def _review_fact(review: Review, change: Change) -> ReviewFact:
    record = review.record
    lines = change.stats.added + change.stats.deleted
    seconds = record.seconds if record else 0.0
    return ReviewFact(
        principal=review.principal,
        decision=review.decision,
        status=review.status,
        reasons=review.reasons,
        timestamp=review.timestamp,
        head=record.binding.head if record else None,
        seconds=seconds,
        hunks_displayed=len(record.hunks_displayed) if record else 0,
        hunks_total=record.hunks_total if record else 0,
        seconds_per_100_lines=round(seconds * 100 / lines, 1) if lines and record else None,
    )


def _change_id(landing: Landing, verdict: Verdict) -> str:
    named = [r.record.change for r in verdict.reviews if r.record is not None and r.status != "invalid"]
    return landing.change_id or (named[0] if named else landing.tip[:12])


def _commit_or_none(sha: str) -> str | None:
    return None if sha == EMPTY_TREE else sha


def _branch(repo: Repository, wanted: str | None, configured: str | None) -> tuple[str, str]:
    if wanted is None:
        base = resolve_base(repo, configured)
        return base.name, base.sha
    for rev in (f"refs/heads/{wanted}", f"refs/remotes/origin/{wanted}", wanted):
        sha = repo.resolve(rev)
        if sha is not None:
            return wanted, sha
    raise ReviewtuiError(f"{repo.root}: no branch or revision {wanted!r} to audit")
