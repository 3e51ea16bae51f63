"""The queue worked out: every change analysed, judged against the approval policy and ranked, into what
`reviewtui queue` prints (`memo.Answer`), and whether the queue memo may keep it.

Apart from the command so that a question the memo answers never loads any of this.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.approvals.clerk import Clerk
from reviewtui.cache import keyable
from reviewtui.commands.options import queue_request
from reviewtui.export import change_summary, risk_dict, verdict_dict
from reviewtui.memo import Answer, CentralUse, QueueMemo
from reviewtui.model import SourceKind
from reviewtui.progress import Progress
from reviewtui.queue import QueueLoader
from reviewtui.ranking import SORTS, RankKey, rank_key
from reviewtui.risk.bands import banding
from reviewtui.rules.rule import Severity
from reviewtui.text import inert

Keep = tuple[Answer, list[CentralUse]]
"""The answer as the memo keeps it, and the central packs (paths, digest of the bytes compiled) it must check first."""


@dataclass(slots=True)
class _Entry:
    """What the listing needs of an analysed change; hunks are dropped as soon as each change is analysed."""

    summary: dict[str, Any]
    key: RankKey
    row: list[str]
    """The table row; AGE is left blank and filled in when printed (from `created`), so a kept table never shows
    the ages of the day it was kept."""
    created: str | None


def work_out(args: argparse.Namespace, memo: QueueMemo | None) -> tuple[Answer, Keep | None]:
    """The answer, worked out; and what the memo may keep of it, or None when it must not keep it."""
    loader = QueueLoader(queue_request(args), summaries=not args.no_cache)
    analyzer = Analyzer(cache=not args.no_cache)
    clerk = Clerk(analyzer, snapshot=True)
    entries = []
    from_git = True
    with Progress("analysing") as progress:
        for analysis in loader.analysed(analyzer, jobs=args.jobs):
            entries.append(_entry(analysis, clerk))
            from_git = from_git and _fixed(analysis)
            progress.advance()
    bands = banding([e.key.score for e in entries])
    order = SORTS[args.sort]
    entries.sort(key=lambda e: order(e.key))
    for rank, entry in enumerate(entries, 1):
        entry.summary["rank"] = rank
        entry.summary["band"] = bands.band(entry.key.score)
        entry.summary["band_thresholds"] = dict(bands.thresholds)
        entry.row[0], entry.row[2] = str(rank), entry.summary["band"]
    several = len(loader.report.repos) > 1
    for warning in loader.report.warnings:
        print(f"reviewtui: warning: {inert(warning)}", file=sys.stderr)
    answer = Answer(
        # dumps, not dump: json.dump writes chunk by chunk through the pure-Python encoder (1.4 s for 1000 changes)
        json.dumps([e.summary for e in entries], ensure_ascii=True, indent=None).encode() + b"\n",
        [e.row if several else e.row[:4] + e.row[5:] for e in entries],
        [e.created for e in entries],
        loader.report.summary(),
        bands.describe() if bands.thresholds else "",
        several,
    )
    keepable = (
        memo is not None
        and memo.top is not None
        and loader.report.repos == [str(memo.top)]
        and not loader.report.warnings
        and not loader.report.patch_folders
        and from_git
        and not clerk.time_bound
    )
    if not keepable:
        return answer, None
    loader.report.workers = 0  # the summary says how this run went; the same question answered again needs none
    return answer, (answer._replace(summary=loader.report.summary()), analyzer.central_uses())


def _entry(analysis: Analysis, clerk: Clerk) -> _Entry:
    change, risk = analysis.change, analysis.risk
    summary = change_summary(change)
    summary["findings"] = analysis.counts()
    summary.update(risk_dict(risk))
    verdict = clerk.verdict(analysis)
    summary["approvals"] = verdict_dict(verdict)
    stats = change.stats
    systems = ",".join(f"{name}{'*' if tier == 1 else ''}" for name, tier in risk.systems) or "-"
    row = [
        "",
        f"{risk.score:.0f}",
        "",
        change.id,
        Path(change.repo).name,
        systems,
        change.agent.name if change.agent else "human",
        f"+{stats.added}",
        f"-{stats.deleted}",
        counts_label(analysis.counts()),
        verdict.label(),
        "",
        change.title,
    ]
    created = change.created.isoformat() if change.created else None
    return _Entry(summary, rank_key(analysis), row, created)


def _fixed(analysis: Analysis) -> bool:
    """Whether the change's analysis is fixed by commits alone, never by the clock or a file: read from git, and
    judged at a moment of its own (`analysis._moment` falls back to now only without one)."""
    change = analysis.change
    return keyable(change) and (change.source is SourceKind.COMMIT or change.updated is not None)


def counts_label(counts: dict[str, int]) -> str:
    """`2C 1H` style: the severities that matter first, "-" when clean."""
    parts = [f"{counts[s.value]}{s.value[0].upper()}" for s in sorted(Severity, reverse=True) if counts.get(s.value)]
    return " ".join(parts) or "-"
