"""`reviewtui audit`: what landed on a branch in a period versus what two people approved; or, with `--journal`,
verify the reviewer's action journal.

Exit 0 when every landed Tier-1 change has a valid two-person approval of exactly what landed (or the journal's
chain is whole), 1 when not (a scheduled check), 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from reviewtui.audit.auditor import Auditor, AuditRequest
from reviewtui.audit.formats import markdown, spreadsheet, terminal, webpage
from reviewtui.audit.report import report
from reviewtui.errors import ReviewtuiError
from reviewtui.journal import Journal, default_path
from reviewtui.progress import Progress
from reviewtui.text import inert

FORMATS = ("table", "json", "csv", "markdown", "html")


def register(commands: Any) -> None:
    parser = commands.add_parser("audit", help="what landed versus what was approved; or verify the action journal")
    parser.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository")
    parser.add_argument("--branch", help="branch to audit (default: the configured base branch)")
    parser.add_argument("--since", type=_date, help="landed on or after DATE (YYYY-MM-DD or ISO 8601 time)")
    parser.add_argument("--until", type=_until, help="landed on or before DATE (a date includes the whole day)")
    parser.add_argument("--system", help="only changes touching this system of .reviewtui/systems.toml")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    parser.add_argument("--output", type=Path, help="write the report to FILE (atomically) instead of stdout")
    parser.add_argument("--journal", nargs="?", const=default_path(), type=Path, metavar="FILE",
                        help=f"verify the action journal's hash chain (default: {default_path()})")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    fmt = "json" if args.json else args.format
    if args.journal is not None:
        return _journal(args.journal, fmt)
    with Progress("auditing") as progress:
        audit = Auditor().run(AuditRequest(args.repo, args.branch, args.since, args.until, args.system),
                              advance=progress.advance)
    data = report(audit)
    if fmt == "json":
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = spreadsheet.render(data)
    elif fmt == "markdown":
        text = markdown.render(data)
    elif fmt == "html":
        text = webpage.render(data)
    else:
        text = terminal.render(data, shutil.get_terminal_size((120, 24)).columns) + "\n"
    if args.output is not None:
        write_atomic(args.output, text)
        s = data["summary"]
        print(f"wrote {inert(str(args.output))}: {s['landed']} landed, {s['approved']} approved, "
              f"gate {'FAILED' if audit.gate_failed else 'passed'}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if audit.gate_failed else 0


def _journal(path: Path, fmt: str) -> int:
    result = Journal(path).verify()
    if fmt == "json":
        print(json.dumps({"journal": str(result.path), "ok": result.ok, "entries": result.entries,
                          "problem": result.problem, "line": result.line, "head": result.head,
                          "warnings": list(result.warnings)}, indent=1))
    elif result.ok:
        print(f"{inert(str(path))}: chain intact, {result.entries} entries, head {(result.head or '')[:16]}")
    else:
        print(f"{inert(str(path))}: BROKEN after {result.entries} good entries: {inert(result.problem or '')}")
    for warning in result.warnings if fmt != "json" else ():
        print(f"warning: {inert(warning)}", file=sys.stderr)
    return 0 if result.ok else 1


def write_atomic(path: Path, text: str) -> None:
    """Write the whole report or nothing: a temporary file beside the target, fsynced, then renamed over it."""
    target = path.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReviewtuiError(f"{target}: cannot write the report: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ReviewtuiError(f"{target}: cannot write the report: {exc.strerror}") from None


def _date(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD or ISO 8601)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _until(text: str) -> datetime:
    moment = _date(text)
    if len(text) == 10 and moment.time() == time(0):
        moment += timedelta(days=1, microseconds=-1)
    return moment
