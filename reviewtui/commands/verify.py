"""`reviewtui verify`: does this change have the approvals the policy asks for? A required CI check.

Exit 0 when the policy is satisfied, 1 when it is not, 2 on error.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewtui.analysis import Analyzer
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.verdict import Verdict
from reviewtui.commands.changes import find_change
from reviewtui.commands.options import add_selection
from reviewtui.export import verdict_dict
from reviewtui.text import inert


def register(commands: Any) -> None:
    parser = commands.add_parser("verify", help="check the signed decisions on a change against the policy")
    parser.add_argument("change", metavar="CHANGE_ID|REV")
    add_selection(parser)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    change = find_change(args, args.change)
    analyzer = Analyzer()
    verdict = Clerk(analyzer).verdict(analyzer.analyze(change))
    if args.json:
        print(json.dumps({"change": change.id, "head": change.head, **verdict_dict(verdict)}, indent=1))
    else:
        print(_text(change.id, verdict))
    return 0 if verdict.satisfied else 1


def _text(change_id: str, verdict: Verdict) -> str:
    lines = [f"{inert(change_id)}: {verdict.label()} — {'satisfied' if verdict.satisfied else 'NOT satisfied'}"]
    for review in verdict.reviews:
        who = review.principal or "(unknown signer)"
        lines.append(f"  {review.status:<12} {review.decision or '?':<16} {inert(who)}")
        lines += [f"               {inert(reason)}" for reason in review.reasons]
    lines += [f"  missing: {inert(item)}" for item in verdict.missing]
    return "\n".join(lines)
