"""One self-contained HTML file: summary, charts (inline SVG), sortable tables, a drill-down per change.

No network assets: styles and the small sorting script are inline, and a Content-Security-Policy allows nothing
else (the script by its hash), so neither the file nor any hostile title in it can fetch or run anything. Every
untrusted string is made inert and HTML-escaped. `#sort=<table>:<column>[:desc]` in the address sorts on load.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from html import escape
from typing import Any

from reviewtui.audit.formats.charts import bars
from reviewtui.text import inert

_SCRIPT = """
function sortTable(table, col, desc) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const key = r => { const c = r.cells[col]; return c.dataset.sort !== undefined ? c.dataset.sort : c.textContent; };
  const num = v => v !== "" && !isNaN(Number(v));
  rows.sort((a, b) => { const x = key(a), y = key(b);
    const r = num(x) && num(y) ? Number(x) - Number(y) : x.localeCompare(y); return desc ? -r : r; });
  rows.forEach(r => body.appendChild(r));
  table.dataset.sorted = col + (desc ? ":desc" : "");
}
document.querySelectorAll("table.sortable").forEach(table => {
  Array.from(table.tHead.rows[0].cells).forEach((th, col) => th.addEventListener("click", () => {
    const desc = table.dataset.sorted === String(col);
    sortTable(table, col, desc);
  }));
});
const m = /^#sort=([\\w-]+):(\\d+)(:desc)?$/.exec(location.hash);
if (m) { const t = document.getElementById(m[1]); if (t) sortTable(t, Number(m[2]), !!m[3]); }
document.body.dataset.ready = "1";
"""
_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1d1d1f}h1{font-size:1.5em}
.gate{padding:.6em 1em;border-radius:6px;font-weight:600}.failed{background:#fde2e1}.passed{background:#dff5e1}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}.card{border:1px solid #ddd;border-radius:6px;padding:.6em 1em}
.card b{display:block;font-size:1.6em}table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border-bottom:1px solid #e5e5e5;padding:.3em .6em;text-align:left;vertical-align:top}
th{cursor:pointer;background:#f5f5f7}.chart{display:inline-block;margin:0 2em 1em 0}.bar{fill:#4a78c2}
svg text{font-size:12px}.s-approved{color:#1b7a2e}.s-differs,.s-unreviewed{color:#b3261e}
.s-stale,.s-insufficient{color:#a15c00}details{margin:.3em 0}code{font-size:12px}
"""


def render(data: dict[str, Any]) -> str:
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    csp = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'"
    s = data["summary"]
    gate = data["gate"]
    title = f"Audit of {data['branch']}"
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(data['repository'])} · tip <code>{_e(data['tip'][:12])}</code> · "
        f"{_e((data['since'] or '')[:10] or 'the beginning')} to {_e((data['until'] or '')[:10] or 'now')}</p>",
        f'<p class="gate {"failed" if gate["failed"] else "passed"}" id="gate">Gate '
        f'{"FAILED" if gate["failed"] else "passed"}: {s["tier1_without_two_person_approval"]} of {s["tier1"]} '
        "Tier-1 changes lack a valid two-person approval of what landed.</p>",
        '<div class="cards" id="summary">' + "".join(
            f'<div class="card" data-key="{_e(k)}"><b>{v}</b>{_e(k.replace("_", " "))}</div>' for k, v in s.items()
        ) + "</div>",
        _charts(data),
        "<h2>By system</h2>",
        _table("systems", ["system", "tier", "landed", "approved", "differs", "stale", "insufficient", "unreviewed",
                           "findings"], [[r["system"], r["tier"], *(r[k] for k in ("landed", "approved", "differs",
                           "stale", "insufficient", "unreviewed", "findings"))] for r in data["systems"]]),
        "<h2>By reviewer</h2>",
        _table("reviewers", ["reviewer", "approvals", "counted", "median s / 100 lines", "no time recorded",
                             "coverage", "flags"],
               [[r["reviewer"], r["approvals"], r["counted"], r["median_seconds_per_100_lines"],
                 r["no_time_recorded"], r["coverage"], r["rubber_stamp_flags"]] for r in data["reviewers"]]),
        "<h2>By agent</h2>",
        _table("agents", ["agent", "changes", "blocking findings", "rejections", "changes requested", "reverted"],
               [[a["agent"], a["changes"], a["blocking_findings"], a["rejections"], a["changes_requested"],
                 a["reverted"]] for a in data["agents"]]),
        "<h2>Landed changes</h2>",
        _table("changes", ["landed", "change", "kind", "status", "tier", "approvers", "agent", "findings", "title"],
               [[c["landed_at"], c["id"], c["kind"], c["status_label"], c["tier"], ", ".join(c["approvers"]),
                 (c["agent"] or {}).get("name", ""), len(c["findings"]), c["title"]] for c in data["changes"]],
               classes=[f"s-{c['status']}" for c in data["changes"]]),
        "<h2>Details</h2>",
        *(_details(c) for c in data["changes"]),
    ]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body) + f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _charts(data: dict[str, Any]) -> str:
    weeks: Counter[str] = Counter()
    paces: Counter[str] = Counter()
    for c in data["changes"]:
        for r in c["reviews"]:
            if r["decision"] == "approve" and r["status"] != "invalid" and r["timestamp"]:
                weeks[r["timestamp"][:10]] += 1
                pace = r["seconds_per_100_lines"]
                if pace is not None:
                    bucket = next((b for b in (10, 30, 60, 120, 300) if pace < b), None)
                    paces[f"< {bucket}s" if bucket else "≥ 300s"] += 1
    order = ["< 10s", "< 30s", "< 60s", "< 120s", "< 300s", "≥ 300s"]
    findings = [(r["system"], float(r["findings"])) for r in data["systems"] if r["findings"]]
    return '<div id="charts">' + "".join([
        bars("Approvals per day", [(day, float(n)) for day, n in sorted(weeks.items())]),
        bars("Findings by system", findings),
        bars("Review time per 100 changed lines", [(b, float(paces[b])) for b in order if paces[b]], unit=""),
    ]) + "</div>"


def _table(ident: str, header: list[str], rows: list[list[Any]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    lines = []
    for n, row in enumerate(rows):
        cls = f' class="{classes[n]}"' if classes else ""
        lines.append(f"<tr{cls}>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
    return (f'<table class="sortable" id="{ident}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(lines)}</tbody></table>")


def _details(c: dict[str, Any]) -> str:
    items = [f"<li>{_e(c['comparison'])} ({_e(c['found'])})</li>"]
    items += [f"<li>differs: <code>{_e(p)}</code></li>" for p in c["differing_files"]]
    items += [f"<li>{_e(r['decision'] or '?')} by {_e(r['principal'] or '(unknown signer)')}: {_e(r['status'])} "
              f"{_e('; '.join(r['reasons']))} · {r['seconds']:g}s, {r['hunks_displayed']}/{r['hunks_total']} hunks "
              f"shown</li>" for r in c["reviews"]]
    items += [f"<li>finding {_e(f['rule'])} ({_e(f['severity'])}) at <code>{_e(f['path'])}"
              f"{':' + str(f['line']) if f['line'] else ''}</code></li>" for f in c["findings"]]
    items += [f'<li class="waiver">{_e(w["kind"])} of {_e(w["rule"])} by {_e(w["reviewer"])}: {_e(w["reason"])}</li>'
              for w in c["waivers"]]
    items += [f"<li>rubber stamp? {_e(i['reviewer'])}: {_e(i['detail'])}</li>" for i in c["rubber_stamp"]]
    return (f'<details id="change-{_e(c["landed"][:12])}"><summary>{_e(c["id"])} — {_e(c["status_label"])} — '
            f"{_e(c['title'])}</summary><ul>{''.join(items)}</ul></details>")


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    return _e(str(value))


def _e(text: str) -> str:
    return escape(inert(str(text), keep_tabs=False))
