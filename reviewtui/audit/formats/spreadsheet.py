"""CSV for tooling: one table whose first column, `record`, says what each row is (summary, change, review, finding,
waiver, indicator, reviewer, agent, system), so one file carries every fact of the JSON and a spreadsheet filters it
by that column. Lists inside a cell are joined with "; "."""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = (
    "record", "change", "landed", "landed_at", "kind", "status", "tier", "systems", "agent", "approvers", "required",
    "landed_equals_approved", "differing_files", "title", "authors", "reviewer", "decision", "review_status",
    "timestamp", "seconds", "seconds_per_100_lines", "hunks_displayed", "hunks_total", "rule", "severity", "path",
    "line", "blocking", "reason", "name", "value", "reverted_by", "gate_failed", "approvals", "counted",
    "median_seconds_per_100_lines", "coverage", "rubber_stamp_flags", "changes", "blocking_findings", "rejections",
    "changes_requested", "reverted", "findings", "approved", "no_time_recorded",
)


def render(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for key, value in data["summary"].items():
        writer.writerow({"record": "summary", "name": key, "value": value})
    writer.writerow({"record": "summary", "name": "gate_failed", "value": data["gate"]["failed"]})
    for c in data["changes"]:
        writer.writerow({
            "record": "change", "change": c["id"], "landed": c["landed"], "landed_at": c["landed_at"],
            "kind": c["kind"], "status": c["status"], "tier": c["tier"],
            "systems": "; ".join(s["name"] for s in c["systems"]), "agent": (c["agent"] or {}).get("name", ""),
            "approvers": "; ".join(c["approvers"]), "required": c["required"],
            "landed_equals_approved": c["landed_equals_approved"], "differing_files": "; ".join(c["differing_files"]),
            "title": c["title"], "authors": "; ".join(c["authors"]), "reverted_by": c["reverted_by"] or "",
            "gate_failed": c["gate_failed"],
        })
        for r in c["reviews"]:
            writer.writerow({
                "record": "review", "change": c["id"], "reviewer": r["principal"], "decision": r["decision"],
                "review_status": r["status"], "timestamp": r["timestamp"], "seconds": r["seconds"],
                "seconds_per_100_lines": r["seconds_per_100_lines"], "hunks_displayed": r["hunks_displayed"],
                "hunks_total": r["hunks_total"], "reason": "; ".join(r["reasons"]),
            })
        for f in c["findings"]:
            writer.writerow({
                "record": "finding", "change": c["id"], "rule": f["rule"], "severity": f["severity"],
                "path": f["path"], "line": f["line"], "blocking": f["blocking"], "title": f["title"],
                "systems": "; ".join(f["systems"]),
            })
        for w in c["waivers"]:
            writer.writerow({
                "record": "waiver", "change": c["id"], "reviewer": w["reviewer"], "rule": w["rule"], "path": w["path"],
                "line": w["line"], "decision": w["kind"], "reason": w["reason"], "review_status":
                "counted" if w["counted"] else "not counted",
            })
        for i in c["rubber_stamp"]:
            writer.writerow({"record": "indicator", "change": c["id"], "reviewer": i["reviewer"], "name": i["kind"],
                             "reason": i["detail"]})
    for r in data["reviewers"]:
        writer.writerow({"record": "reviewer", **r})
    for a in data["agents"]:
        writer.writerow({"record": "agent", **a})
    for row in data["systems"]:
        writer.writerow({"record": "system", "name": row["system"], "tier": row["tier"], "changes": row["landed"],
                         "approved": row["approved"], "findings": row["findings"]})
    return out.getvalue()
