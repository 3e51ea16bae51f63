"""`reviewtui queue`: the pending changes as a table, or as JSON for scripts."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from reviewtui.analysis import Analyzer
from reviewtui.clock import age_label
from reviewtui.commands.options import add_selection, queue_request
from reviewtui.export import change_summary
from reviewtui.model import Change
from reviewtui.queue import QueueLoader
from reviewtui.rules.rule import Severity
from reviewtui.table import Column, render_table
from reviewtui.text import inert

_COLUMNS = (
    Column("ID"),
    Column("REPO"),
    Column("AGENT"),
    Column("+", ">"),
    Column("-", ">"),
    Column("FILES", ">"),
    Column("FINDINGS"),
    Column("AGE", ">"),
    Column("TITLE", flexible=True),
)


def register(commands: Any) -> None:
    parser = commands.add_parser("queue", help="list the pending changes")
    add_selection(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON array, one object per change")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    loader = QueueLoader(queue_request(args))
    analyzer = Analyzer()
    if args.json:
        _write_json(loader, analyzer)
    else:
        rows = [_row(change, analyzer.analyze(change).counts()) for change in loader.ordered()]
        several = len(loader.report.repos) > 1
        columns = [c for c in _COLUMNS if several or c.title != "REPO"]
        if rows:
            width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
            print(render_table(columns, [row if several else row[:1] + row[2:] for row in rows], width=width))
        print(loader.report.summary())
    for warning in loader.report.warnings:
        print(f"reviewtui: warning: {inert(warning)}", file=sys.stderr)
    return 0


def _write_json(loader: QueueLoader, analyzer: Analyzer) -> None:
    """Write the array as changes arrive, so `--commits` over a long history never holds every hunk at once."""
    out = sys.stdout
    count = 0
    for change in loader.ordered():
        summary = change_summary(change)
        summary["findings"] = analyzer.analyze(change).counts()
        out.write(",\n" if count else "[\n")
        out.write(json.dumps(summary, ensure_ascii=True))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    print(f"reviewtui: {loader.report.summary()}", file=sys.stderr)


def _row(change: Change, counts: dict[str, int]) -> list[str]:
    stats = change.stats
    agent = change.agent.name if change.agent else "human"
    return [
        change.id,
        Path(change.repo).name,
        agent,
        f"+{stats.added}",
        f"-{stats.deleted}",
        str(stats.files),
        counts_label(counts),
        age_label(change.created),
        change.title,
    ]


def counts_label(counts: dict[str, int]) -> str:
    """`2C 1H` style: the severities that matter first, "-" when clean."""
    parts = [f"{counts[s.value]}{s.value[0].upper()}" for s in sorted(Severity, reverse=True) if counts.get(s.value)]
    return " ".join(parts) or "-"
