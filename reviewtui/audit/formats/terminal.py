"""The audit for a terminal: the verdict first, then the numbers, then every landed change. All text made inert."""

from __future__ import annotations

from typing import Any

from reviewtui.table import Column, render_table
from reviewtui.text import inert

SYSTEM_COUNTS = ("landed", "approved", "differs", "stale", "insufficient", "unreviewed", "findings")
"""The per-system numbers, in column order (keys of the report's `systems` rows)."""


def render(data: dict[str, Any], width: int | None = None) -> str:
    lines = [*headline(data), ""]
    if data["systems"]:
        lines += [render_table(
            [Column("SYSTEM"), Column("TIER", ">"), Column("LANDED", ">"), Column("APPROVED", ">"),
             Column("DIFFERS", ">"), Column("STALE", ">"), Column("INSUFFICIENT", ">"), Column("UNREVIEWED", ">"),
             Column("FINDINGS", ">")],
            [[r["system"], str(r["tier"] or "-"), *(str(r[key]) for key in SYSTEM_COUNTS)] for r in data["systems"]],
            width), ""]
    if data["reviewers"]:
        lines += [render_table(
            [Column("REVIEWER"), Column("APPROVALS", ">"), Column("COUNTED", ">"), Column("MEDIAN s/100 LINES", ">"),
             Column("COVERAGE", ">"), Column("FLAGS", ">")],
            [[r["reviewer"], str(r["approvals"]), str(r["counted"]), number(r["median_seconds_per_100_lines"]),
              share(r["coverage"]), str(r["rubber_stamp_flags"])] for r in data["reviewers"]], width), ""]
    lines += [render_table(
        [Column("AGENT"), Column("CHANGES", ">"), Column("BLOCKING FINDINGS", ">"), Column("REJECTIONS", ">"),
         Column("REVERTED", ">")],
        [[a["agent"], str(a["changes"]), str(a["blocking_findings"]), str(a["rejections"]), str(a["reverted"])]
         for a in data["agents"]], width), ""]
    lines += [render_table(
        [Column("LANDED"), Column("CHANGE"), Column("KIND"), Column("STATUS"), Column("TIER", ">"),
         Column("APPROVERS"), Column("TITLE", flexible=True)],
        [[c["landed_at"][:10], c["id"], c["kind"], c["status_label"] + (" !" if c["gate_failed"] else ""),
          str(c["tier"] or "-"), ", ".join(c["approvers"]) or "-", c["title"]] for c in data["changes"]], width)]
    attention = [c for c in data["changes"] if c["differing_files"] or c["rubber_stamp"] or c["waivers"]]
    for c in attention:
        lines.append(f"\n{inert(c['id'])} ({c['landed'][:12]}): {inert(c['comparison'])}")
        lines += [f"  differs: {inert(path)}" for path in c["differing_files"]]
        lines += [f"  {w['kind']} {inert(w['rule'])} by {inert(w['reviewer'])}: {inert(w['reason'])}"
                  for w in c["waivers"]]
        lines += [f"  rubber stamp? {inert(i['reviewer'])}: {inert(i['detail'])}" for i in c["rubber_stamp"]]
    return "\n".join(lines)


def headline(data: dict[str, Any]) -> list[str]:
    """What was audited, then the verdict in three sentences; the TUI's audit screen shows these same lines."""
    s = data["summary"]
    period = f"{(data['since'] or '')[:10] or 'the beginning'} to {(data['until'] or '')[:10] or 'now'}"
    return [
        f"Audit of {inert(data['branch'])} in {inert(data['repository'])}, {period}"
        + (f", system {inert(data['system'])}" if data["system"] else ""),
        "",
        f"{s['landed']} changes landed: {s['approved']} approved by two people, {s['differs']} landed differently "
        f"from what was approved, {s['stale']} on stale approvals, {s['insufficient']} with insufficient approval, "
        f"{s['unreviewed']} never reviewed ({s['direct_pushes']} direct push{'' if s['direct_pushes'] == 1 else 'es'})"
        ".",
        f"Tier 1: {s['tier1']} changes, {s['tier1_without_two_person_approval']} without a valid two-person approval"
        + (" — GATE FAILED" if data["gate"]["failed"] else " — gate passed") + ".",
        f"Findings: {s['findings']}, waivers: {s['waivers']}, rubber-stamp flags: {s['rubber_stamp_flags']}, "
        f"reverted later: {s['reverted']}.",
    ]


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"
