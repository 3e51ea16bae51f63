"""`reviewtui approve`: sign a decision on one change and store it in git notes (or the ledger for patches)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewtui.analysis import Analyzer
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.signer import SigningKey, resolve_key
from reviewtui.approvals.statement import DECISIONS, Acknowledgement
from reviewtui.commands.changes import find_change
from reviewtui.commands.options import add_selection
from reviewtui.config import load_config
from reviewtui.errors import ReviewtuiError
from reviewtui.journal import Journal
from reviewtui.model import Change
from reviewtui.text import inert


def register(commands: Any) -> None:
    parser = commands.add_parser("approve", help="sign a decision on a change (approve, request changes, reject)")
    parser.add_argument("change", metavar="CHANGE_ID")
    add_selection(parser)
    parser.add_argument("--key", type=Path, help="SSH private key (or .pub of an ssh-agent key) to sign with")
    parser.add_argument("--decision", choices=DECISIONS, default="approve")
    parser.add_argument("--comment", default="")
    parser.add_argument(
        "--ack",
        action="append",
        default=[],
        metavar="RULE:REASON",
        help="acknowledge every finding of RULE, with a reason; repeatable",
    )
    parser.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="RULE:REASON",
        help="waive every finding of RULE as not applicable, with a reason; repeatable",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    change = find_change(args, args.change)
    analyzer = Analyzer()
    analysis = analyzer.analyze(change)
    clerk = Clerk(analyzer)
    repo = clerk.repo(change.repo)
    key = resolve_key(args.key, load_config(repo.root if repo else None).approvals_key, repo)
    acks = tuple(_ack(item, "ack") for item in args.ack) + tuple(_ack(item, "waive") for item in args.waive)
    record, verdict = clerk.record(
        analysis, key, args.decision, acknowledged=acks, comment=args.comment, interactive=sys.stdin.isatty()
    )
    mine = [r for r in verdict.reviews if r.record is not None and r.record.timestamp == record.timestamp]
    _journal(change, key, record.reviewer, record.decision, counted=any(r.status == "counted" for r in mine))
    head = (record.binding.head or "")[:12] or "(patch)"
    print(
        f"recorded {record.decision} by {inert(record.reviewer)} on {inert(change.id)} "
        f"(head {head}, diff sha256 {record.binding.diff_sha256[:16]}…)"
    )
    for review in mine:
        if review.status != "counted":
            print(f"note: this decision does not count yet: {inert('; '.join(review.reasons))}")
    print(f"approvals: {verdict.label()} ({'satisfied' if verdict.satisfied else 'not satisfied'})")
    return 0


def _journal(change: Change, key: SigningKey, reviewer: str, decision: str, *, counted: bool) -> None:
    """The same `decision-signed` entry the TUI writes, so the reviewer's journal (`audit --journal`) holds every
    decision they signed, from either front door. The decision is in git already: a journal that cannot be written
    is reported, not fatal."""
    try:
        Journal().append(
            "decision-signed",
            reviewer=key.fingerprint,
            name=reviewer,
            repo=change.repo,
            change=change.id,
            head=change.head or "",
            decision=decision,
            counted=counted,
        )
    except ReviewtuiError as exc:
        print(f"reviewtui: warning: the decision is recorded, but not journaled: {inert(str(exc))}", file=sys.stderr)


def _ack(item: str, kind: str) -> Acknowledgement:
    rule, sep, reason = item.partition(":")
    if not sep or not rule.strip() or not reason.strip():
        raise ReviewtuiError(f"--{kind} {item!r}: expected RULE:REASON with a non-empty reason")
    return Acknowledgement(rule.strip(), None, None, kind, reason.strip())
