"""Signs that an approval was given without reading: too fast for its size, hunks never shown, two approvals signed
within seconds of each other, a reviewer approving faster than anyone can read. Thresholds come from the policy's
`[rubber_stamp]` table at the change's base; an indicator informs the audit, it never changes a verdict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from reviewtui.approvals.policy import RubberStamp
from reviewtui.audit.landed import Indicator, LandedChange, ReviewFact

HOUR = 3600.0


def indicators(change: LandedChange, limits: RubberStamp, busy: dict[str, set[str]]) -> tuple[Indicator, ...]:
    """The indicators of one change's standing approvals; `busy` maps a reviewer to approval timestamps that fell
    in an hour with more than the allowed number of approvals (from `busy_hours`)."""
    found: list[Indicator] = []
    approvals = _approvals(change.reviews)
    lines = change.added + change.deleted
    for review in approvals:
        who = review.principal or "?"
        pace = review.seconds_per_100_lines
        if limits.min_seconds_per_100_lines and lines and pace is not None and pace < limits.min_seconds_per_100_lines:
            found.append(Indicator("fast", who, (
                f"{review.seconds:.0f}s for {lines} changed lines ({pace:.1f}s per 100; the policy expects at least "
                f"{limits.min_seconds_per_100_lines:g})"
            )))
        if limits.min_coverage and review.hunks_total:
            share = review.hunks_displayed / review.hunks_total
            if share < limits.min_coverage:
                found.append(Indicator("coverage", who, (
                    f"shown {review.hunks_displayed} of {review.hunks_total} hunks ({share:.0%}; the policy expects "
                    f"{limits.min_coverage:.0%})"
                )))
        if review.timestamp in busy.get(who, set()):
            found.append(Indicator("busy", who, (
                f"approved more than {limits.max_approvals_per_hour} changes within the hour around this one"
            )))
    if limits.approvals_within_seconds:
        moments = sorted((_moment(r.timestamp), r.principal or "?") for r in approvals)
        for (a, first), (b, second) in pairwise(moments):
            if first != second and b - a <= limits.approvals_within_seconds:
                found.append(Indicator("together", f"{first}, {second}", (
                    f"both approvals signed {b - a:.0f}s apart (the policy flags {limits.approvals_within_seconds:g}s "
                    "or less)"
                )))
    return tuple(found)


def busy_hours(changes: Sequence[LandedChange], limit_of: dict[str, int]) -> dict[str, set[str]]:
    """Per reviewer, the approval timestamps that have more than the allowed approvals within one hour of them.

    `limit_of` maps a change id to the policy's `max_approvals_per_hour` at that change's base (0: not checked).
    """
    times: dict[str, list[tuple[float, str, int]]] = defaultdict(list)
    for change in changes:
        for review in _approvals(change.reviews):
            times[review.principal or "?"].append((_moment(review.timestamp), review.timestamp, limit_of[change.id]))
    busy: dict[str, set[str]] = defaultdict(set)
    for who, items in times.items():
        items.sort()
        start = 0
        for end, (moment, _, _) in enumerate(items):
            while moment - items[start][0] > HOUR:
                start += 1
            window = items[start : end + 1]
            limit = min((lim for _, _, lim in window if lim), default=0)
            if limit and len(window) > limit:
                busy[who].update(stamp for _, stamp, _ in window)
    return busy


def _approvals(reviews: Sequence[ReviewFact]) -> list[ReviewFact]:
    """The approvals that stand: valid, on this change, not replaced by the reviewer's later decision."""
    return [r for r in reviews if r.decision == "approve" and r.status in ("counted", "not-counted")]


def _moment(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
