"""The JSON shape of a change, the contract `queue --json` gives to scripts and later stages.

Keys are only ever added, never renamed or removed: CI jobs and dashboards parse this.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reviewtui.approvals.verdict import Verdict
from reviewtui.model import Agent, Change, Commit, FileChange, Person
from reviewtui.risk.score import RiskScore
from reviewtui.rules.finding import Finding


def change_summary(change: Change) -> dict[str, Any]:
    """Everything about a change except its hunks (those are for `show`/the TUI, not for listing)."""
    stats = change.stats
    return {
        "id": change.id,
        "repo": change.repo,
        "title": change.title,
        "description": change.description,
        "source": change.source.value,
        "ref": change.ref,
        "aliases": list(change.aliases),
        "base_ref": change.base_ref,
        "base": change.base,
        "merge_base": change.merge_base,
        "head": change.head,
        "authors": [_person(p) for p in change.authors],
        "agent": _agent(change.agent),
        "human_only": change.human_only,
        "created": _time(change.created),
        "updated": _time(change.updated),
        "stats": {"files": stats.files, "added": stats.added, "deleted": stats.deleted},
        "commits": [_commit(c) for c in change.commits],
        "files": [_file(f) for f in change.files],
        "origin": change.origin,
        "notes": list(change.notes),
    }


def _person(person: Person) -> dict[str, str]:
    return {"name": person.name, "email": person.email}


def _agent(agent: Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {"name": agent.name, "operator": agent.operator, "signal": agent.signal, "kind": agent.kind}


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _commit(commit: Commit) -> dict[str, Any]:
    return {
        "sha": commit.sha,
        "parents": list(commit.parents),
        "subject": commit.subject,
        "author": _person(commit.author),
        "authored": _time(commit.authored),
        "committer": _person(commit.committer),
        "committed": _time(commit.committed),
        "trailers": [{"key": t.key, "value": t.value} for t in commit.trailers],
    }


def _file(file: FileChange) -> dict[str, Any]:
    return {
        "path": file.path,
        "old_path": file.old_path,
        "new_path": file.new_path,
        "status": file.status.value,
        "similarity": file.similarity,
        "old_mode": file.old_mode,
        "new_mode": file.new_mode,
        "binary": file.binary,
        "submodule": file.submodule,
        "symlink": file.symlink,
        "language": file.language,
        "hunks": file.hunk_count,
        "added": file.added,
        "deleted": file.deleted,
        "decode_errors": file.decode_errors,
    }


def finding_dict(finding: Finding, repo: str) -> dict[str, Any]:
    """The JSON shape of a finding (`scan --format json`); keys are only ever added."""
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "change": finding.change,
        "repo": repo,
        "path": finding.path,
        "line": finding.line,
        "side": finding.side.value if finding.side else None,
        "span": list(finding.span) if finding.span else None,
        "hunk": finding.hunk,
        "title": finding.title,
        "message": finding.message,
        "fix": finding.fix,
        "docs": finding.docs,
        "source": finding.source,
        "tool": finding.tool,
    }


def risk_dict(risk: RiskScore) -> dict[str, Any]:
    """The risk keys of `queue --json`: the score, every point of it, and what would lower it."""
    return {
        "score": risk.score,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "impact_reason": risk.impact_reason,
        "effort_aware": risk.effort_aware,
        "systems": [{"name": name, "tier": tier} for name, tier in risk.systems],
        "tier1": risk.tier1,
        "breakdown": [
            {"feature": c.feature, "label": c.label, "value": c.value, "points": c.points} for c in risk.breakdown
        ],
        "hints": [{"text": h.text, "saves": h.saves} for h in risk.hints],
        "flags": list(risk.flags),
    }


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    """`approvals` in `queue --json` and the body of `verify --json`."""
    return {
        "satisfied": verdict.satisfied,
        "valid": len(verdict.approvers),
        "required": verdict.required,
        "approvers": list(verdict.approvers),
        "stale": list(verdict.stale),
        "rejected": list(verdict.rejected),
        "blocking": list(verdict.blocking),
        "missing": list(verdict.missing),
        "label": verdict.label(),
        "reviews": [
            {
                "principal": r.principal,
                "decision": r.decision,
                "status": r.status,
                "reasons": list(r.reasons),
                "timestamp": r.timestamp,
                "head": r.record.binding.head if r.record else None,
            }
            for r in verdict.reviews
        ],
    }
