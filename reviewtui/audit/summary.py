"""The numbers a director asks for first: how much landed, how much of it was properly approved, and where not."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from reviewtui.audit.landed import STATUSES, UNREVIEWED, LandedChange


def summary(changes: Sequence[LandedChange]) -> dict[str, int]:
    counts = {"landed": len(changes), **{status: 0 for status in STATUSES}}
    for change in changes:
        counts[change.status] += 1
    counts["landed_differs_from_approved"] = sum(1 for c in changes if c.differs)
    counts["direct_pushes"] = sum(1 for c in changes if c.kind == "direct" and c.status == UNREVIEWED)
    counts["tier1"] = sum(1 for c in changes if c.tier1)
    counts["tier1_without_two_person_approval"] = sum(1 for c in changes if c.gate_failed)
    counts["rubber_stamp_flags"] = sum(len(c.indicators) for c in changes)
    counts["findings"] = sum(len(c.findings) for c in changes)
    counts["waivers"] = sum(1 for c in changes for w in c.waivers if w.kind == "waive")
    counts["reverted"] = sum(1 for c in changes if c.reverted_by)
    return counts


def by_system(changes: Sequence[LandedChange]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, int | None], dict[str, Any]] = {}
    for change in changes:
        for name, tier in change.systems or (("(no system)", None),):
            row = rows.setdefault((name, tier), {"system": name, "tier": tier, "landed": 0,
                                                 **{s: 0 for s in STATUSES}, "findings": 0})
            row["landed"] += 1
            row[change.status] += 1
            row["findings"] += sum(1 for f in change.findings if name in f.systems or not change.systems)
    return sorted(rows.values(), key=lambda r: (r["tier"] is None, r["tier"] or 0, r["system"]))


def by_tier(changes: Sequence[LandedChange]) -> list[dict[str, Any]]:
    rows: dict[int | None, dict[str, Any]] = {}
    for change in changes:
        row = rows.setdefault(change.tier, {"tier": change.tier, "landed": 0, **{s: 0 for s in STATUSES}})
        row["landed"] += 1
        row[change.status] += 1
    return sorted(rows.values(), key=lambda r: (r["tier"] is None, r["tier"] or 0))


def by_reviewer(changes: Sequence[LandedChange]) -> list[dict[str, Any]]:
    """Approvals per reviewer on the landed changes; time and coverage as their decisions recorded them."""
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {"approvals": 0, "counted": 0, "paces": [], "shares": [],
                                                          "unrecorded": 0, "flags": 0, "rejections": 0})
    for change in changes:
        for review in change.reviews:
            if review.principal is None or review.status == "invalid":
                continue
            row = acc[review.principal]
            if review.decision != "approve":
                row["rejections"] += 1
                continue
            row["approvals"] += 1
            row["counted"] += review.status == "counted"
            if review.seconds > 0 and review.seconds_per_100_lines is not None:
                row["paces"].append(review.seconds_per_100_lines)
            elif review.seconds == 0:
                row["unrecorded"] += 1
            if review.hunks_total:
                row["shares"].append(review.hunks_displayed / review.hunks_total)
        for indicator in change.indicators:
            for who in indicator.reviewer.split(", "):
                acc[who]["flags"] += 1
    return [
        {
            "reviewer": who,
            "approvals": row["approvals"],
            "counted": row["counted"],
            "median_seconds_per_100_lines": round(statistics.median(row["paces"]), 1) if row["paces"] else None,
            "no_time_recorded": row["unrecorded"],
            "coverage": round(statistics.fmean(row["shares"]), 3) if row["shares"] else None,
            "rejections": row["rejections"],
            "rubber_stamp_flags": row["flags"],
        }
        for who, row in sorted(acc.items())
    ]


def by_agent(changes: Sequence[LandedChange]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for change in changes:
        name = change.agent.name if change.agent else "(human)"
        row = rows.setdefault(name, {"agent": name, "changes": 0, "blocking_findings": 0, "rejections": 0,
                                     "changes_requested": 0, "reverted": 0})
        row["changes"] += 1
        row["blocking_findings"] += sum(1 for f in change.findings if f.blocking)
        row["rejections"] += sum(1 for r in change.reviews if r.decision == "reject" and r.status != "invalid")
        row["changes_requested"] += sum(
            1 for r in change.reviews if r.decision == "request-changes" and r.status != "invalid"
        )
        row["reverted"] += bool(change.reverted_by)
    return sorted(rows.values(), key=lambda r: (r["agent"] == "(human)", r["agent"]))
