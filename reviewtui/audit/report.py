"""The audit as one dictionary (the `--format json` contract); every other format renders this same dictionary, so
all formats carry the same facts. Keys are only ever added."""

from __future__ import annotations

from typing import Any

from reviewtui import __version__
from reviewtui.audit import summary as counts
from reviewtui.audit.auditor import Audit
from reviewtui.audit.landed import STATUS_LABELS, LandedChange


def report(audit: Audit) -> dict[str, Any]:
    changes = audit.changes
    request = audit.request
    return {
        "tool": {"name": "reviewtui", "version": __version__},
        "generated": audit.generated.isoformat(),
        "repository": audit.repo,
        "branch": audit.branch,
        "tip": audit.tip,
        "since": request.since.isoformat() if request.since else None,
        "until": request.until.isoformat() if request.until else None,
        "system": request.system,
        "gate": {
            "failed": audit.gate_failed,
            "changes": [c.id for c in changes if c.gate_failed],
            "rule": "every landed Tier-1 change has valid approvals of exactly what landed by two distinct people",
        },
        "summary": counts.summary(changes),
        "systems": counts.by_system(changes),
        "tiers": counts.by_tier(changes),
        "reviewers": counts.by_reviewer(changes),
        "agents": counts.by_agent(changes),
        "changes": [change_dict(c) for c in changes],
    }


def change_dict(c: LandedChange) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "kind": c.kind,
        "status": c.status,
        "status_label": STATUS_LABELS[c.status],
        "landed": c.landed,
        "landed_at": c.landed_at.isoformat(),
        "base": c.base,
        "head": c.head,
        "merge_base": c.merge_base,
        "found": c.found,
        "commits": list(c.commits),
        "authors": list(c.authors),
        "agent": {"name": c.agent.name, "operator": c.agent.operator, "signal": c.agent.signal, "kind": c.agent.kind}
        if c.agent else None,
        "systems": [{"name": name, "tier": tier} for name, tier in c.systems],
        "tier": c.tier,
        "tier1": c.tier1,
        "gate_failed": c.gate_failed,
        "required": c.required,
        "approvers": list(c.approvers),
        "lines": {"added": c.added, "deleted": c.deleted},
        "landed_equals_approved": c.match.equal,
        "comparison": c.match.how,
        "differing_files": list(c.match.files),
        "reviews": [
            {
                "principal": r.principal, "decision": r.decision, "status": r.status, "reasons": list(r.reasons),
                "timestamp": r.timestamp, "head": r.head, "seconds": r.seconds,
                "seconds_per_100_lines": r.seconds_per_100_lines, "hunks_displayed": r.hunks_displayed,
                "hunks_total": r.hunks_total,
            }
            for r in c.reviews
        ],
        "findings": [
            {
                "rule": f.rule, "severity": f.severity, "path": f.path, "line": f.line, "title": f.title,
                "blocking": f.blocking, "systems": list(f.systems),
                "acknowledged_by": [{"reviewer": w.reviewer, "kind": w.kind, "reason": w.reason} for w in
                                    f.acknowledged_by],
            }
            for f in c.findings
        ],
        "waivers": [
            {"reviewer": w.reviewer, "rule": w.rule, "path": w.path, "line": w.line, "kind": w.kind,
             "reason": w.reason, "counted": w.counted}
            for w in c.waivers
        ],
        "rubber_stamp": [{"kind": i.kind, "reviewer": i.reviewer, "detail": i.detail} for i in c.indicators],
        "reverted_by": c.reverted_by,
        "notes": list(c.notes),
    }
