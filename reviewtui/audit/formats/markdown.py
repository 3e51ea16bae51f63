"""Markdown for pasting into a document: the verdict, summary tables, then each change that needs attention.
Untrusted text is made inert and Markdown's own characters escaped, so a title cannot become a link or a table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from reviewtui.text import inert

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def render(data: dict[str, Any]) -> str:
    s = data["summary"]
    out = [
        f"# Audit of `{_code(data['branch'])}`",
        "",
        f"Repository {_md(data['repository'])}, tip `{data['tip'][:12]}`, landed from "
        f"{(data['since'] or '')[:10] or 'the beginning'} to {(data['until'] or '')[:10] or 'now'}"
        + (f", system {_md(data['system'])}" if data["system"] else "") + ".",
        "",
        f"**Gate: {'FAILED' if data['gate']['failed'] else 'passed'}** — {s['tier1_without_two_person_approval']} of "
        f"{s['tier1']} Tier-1 changes lack a valid two-person approval of what landed.",
        "",
        "## Summary",
        "",
        _table(["measure", "count"], [[k.replace("_", " "), str(v)] for k, v in s.items()]),
        "",
        "## By system",
        "",
        _table(["system", "tier", "landed", "approved", "differs", "stale", "insufficient", "unreviewed", "findings"],
               [[r["system"], _v(r["tier"]), *(str(r[k]) for k in ("landed", "approved", "differs", "stale",
                                                                    "insufficient", "unreviewed", "findings"))]
                for r in data["systems"]]),
        "",
        "## By reviewer",
        "",
        _table(["reviewer", "approvals", "counted", "median s / 100 lines", "no time recorded", "coverage", "flags"],
               [[r["reviewer"], str(r["approvals"]), str(r["counted"]), _v(r["median_seconds_per_100_lines"]),
                 str(r["no_time_recorded"]), _v(r["coverage"]), str(r["rubber_stamp_flags"])]
                for r in data["reviewers"]]),
        "",
        "## By agent",
        "",
        _table(["agent", "changes", "blocking findings", "rejections", "changes requested", "reverted"],
               [[a["agent"], *(str(a[k]) for k in ("changes", "blocking_findings", "rejections", "changes_requested",
                                                     "reverted"))] for a in data["agents"]]),
        "",
        "## Landed changes",
        "",
        _table(["landed", "change", "commit", "kind", "status", "tier", "approvers", "agent", "title"],
               [[c["landed_at"][:10], c["id"], c["landed"][:12], c["kind"], c["status_label"], _v(c["tier"]),
                 ", ".join(c["approvers"]) or "—", (c["agent"] or {}).get("name", "—"), c["title"]]
                for c in data["changes"]]),
    ]
    for c in data["changes"]:
        if not (c["reviews"] or c["findings"] or c["differing_files"]):
            continue
        out += ["", f"### {_md(c['id'])} — {_md(c['status_label'])}", "", f"{_md(c['comparison'])}."]
        out += [f"- differs: `{_code(path)}`" for path in c["differing_files"]]
        out += [f"- {r['decision'] or '?'} by {_md(r['principal'] or '(unknown signer)')}: {r['status']}"
                + (f" ({_md('; '.join(r['reasons']))})" if r["reasons"] else "") for r in c["reviews"]]
        out += [f"- finding {_md(f['rule'])} ({f['severity']}) at `{_code(f['path'])}`"
                + (f":{f['line']}" if f["line"] else "") for f in c["findings"]]
        out += [f"- {w['kind']} of {_md(w['rule'])} by {_md(w['reviewer'])}: {_md(w['reason'])}" for w in c["waivers"]]
        out += [f"- rubber stamp? {_md(i['reviewer'])}: {_md(i['detail'])}" for i in c["rubber_stamp"]]
    return "\n".join(out) + "\n"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    if not rows:
        return "_none_"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _md(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", inert(text, keep_tabs=False))


def _code(text: str) -> str:
    return inert(text, keep_tabs=False).replace("`", "'")


def _v(value: object) -> str:
    return "—" if value is None else str(value)
