"""`reviewtui scan`: run the rules over changes; a CI gate with `--fail-on`.

Exit 1 when a finding at or above `--fail-on` exists, 0 otherwise, 2 on any error. Output goes to stdout, or
atomically to `--output FILE` (never a half-written report).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from reviewtui import __version__
from reviewtui.analysis import Analysis, Analyzer, with_imported
from reviewtui.commands.options import add_selection, queue_request
from reviewtui.errors import ReviewtuiError
from reviewtui.export import finding_dict
from reviewtui.progress import Progress
from reviewtui.queue import QueueLoader
from reviewtui.rules.rule import Severity
from reviewtui.text import inert

SEVERITIES = [s.value for s in Severity]


def register(commands: Any) -> None:
    parser = commands.add_parser("scan", help="check changes against the rules (a CI gate with --fail-on)")
    add_selection(parser)
    parser.add_argument("changes", nargs="*", metavar="CHANGE_ID", help="only these changes (default: all)")
    parser.add_argument(
        "--sarif",
        metavar="FILE",
        type=Path,
        action="append",
        default=[],
        help="import findings of another scanner (SARIF 2.1.0); repeatable",
    )
    parser.add_argument(
        "--sarif-filter",
        choices=("added", "diff_context", "file", "nofilter"),
        default="added",
        help="which imported results count (default: on added lines)",
    )
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help=f"exit 1 if a finding at or above this severity exists ({', '.join(SEVERITIES)})",
    )
    parser.add_argument("--output", metavar="FILE", type=Path, help="write the report here instead of stdout")
    parser.add_argument(
        "--no-cache", action="store_true", help="analyse every change afresh (neither read nor write the cache)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    analyses = _analyses(args)
    report = _render(args.format, analyses)
    if args.output is not None:
        _write_atomically(args.output, report)
    else:
        sys.stdout.write(report)
    if args.fail_on is None:
        return 0
    gate = Severity(args.fail_on)
    failing = [f for a in analyses for f in a.findings if f.severity >= gate]
    if failing:
        print(f"reviewtui: {len(failing)} finding(s) at or above {gate.value}", file=sys.stderr)
        return 1
    return 0


def _analyses(args: argparse.Namespace) -> list[Analysis]:
    # Full changes: SARIF output fingerprints findings by their line's text and `--sarif` places results on lines.
    loader = QueueLoader(queue_request(args), summaries=False)
    wanted = set(args.changes)
    analyzer = Analyzer(cache=not args.no_cache)
    logs = [_load_sarif(path) for path in args.sarif]
    analyses = []
    with Progress("scanning") as progress:
        chosen = (change for change in loader.ordered() if not wanted or change.id in wanted)
        for analysis in loader.analysed(analyzer, chosen):
            if logs:
                analysis = with_imported(analysis, logs, args.sarif_filter)
            analyses.append(analysis)
            progress.advance()
    for warning in loader.report.warnings:  # a change git could not read is skipped: say so, never silently
        print(f"reviewtui: warning: {inert(warning)}", file=sys.stderr)
    missing = sorted(wanted - {a.change.id for a in analyses})
    if missing:
        raise ReviewtuiError(f"{args.repo}: no pending change {missing[0]!r} (see `reviewtui queue`)")
    return analyses


def _load_sarif(path: Path) -> Any:
    from reviewtui.rules.sarif import load_sarif

    return load_sarif(path)


def _render(form: str, analyses: list[Analysis]) -> str:
    if form == "json":
        items = [finding_dict(f, a.change.repo) for a in analyses for f in a.findings]
        return json.dumps(items, indent=1, ensure_ascii=True) + "\n"
    if form == "sarif":
        from reviewtui.rules.sarif import to_sarif

        rules = {r.id: r for a in analyses for r in a.ruleset.rules}
        log = to_sarif(
            {a.change.id: a.findings for a in analyses},
            list(rules.values()),
            tool_version=__version__,
            repo_root=Path(analyses[0].change.repo) if analyses else None,
            changes={a.change.id: a.change for a in analyses},
        )
        return json.dumps(log, indent=1, ensure_ascii=True) + "\n"
    return _text(analyses)


def _text(analyses: list[Analysis]) -> str:
    lines = []
    total = 0
    for analysis in analyses:
        if not analysis.findings:
            continue
        lines.append(f"{inert(analysis.change.id)}  {inert(analysis.change.title)}")
        for f in analysis.findings:
            where = f.path or "(change)"
            if f.line is not None:
                where += f":{f.line}" + ("" if f.side is None or f.side.value == "new" else " (old)")
            tool = f" [{f.tool}]" if f.tool else ""
            lines.append(f"  {f.severity.value:<8} {inert(f.rule)}{inert(tool)}  {inert(where)}")
            lines.append(f"           {inert(f.message)}")
            total += 1
    lines.append(f"{total} finding(s) in {len(analyses)} change(s)")
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ReviewtuiError(f"{path}: cannot write: {exc.strerror}") from None
