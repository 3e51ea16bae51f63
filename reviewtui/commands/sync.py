"""`reviewtui sync`: exchange decisions with a remote; concurrent notes are merged line by line, never lost."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewtui.approvals.notes import NOTES_REF, sync
from reviewtui.errors import ReviewtuiError
from reviewtui.journal import Journal
from reviewtui.repository import Repository
from reviewtui.text import inert


def register(commands: Any) -> None:
    parser = commands.add_parser("sync", help="fetch, merge and push the signed decisions (git notes)")
    parser.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository (default: .)")
    parser.add_argument("--remote", default="origin")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    fetched, pushed = sync(repo, args.remote)
    print(f"{NOTES_REF}: fetched {fetched}, pushed {pushed} ({inert(args.remote)})")
    try:
        Journal().append("sync", repo=str(repo.root), remote=args.remote, fetched=fetched, pushed=pushed)
    except ReviewtuiError as exc:
        # The decisions were exchanged; only the record of having done so is missing, so say it and succeed.
        print(f"reviewtui: warning: {inert(str(exc))}", file=sys.stderr)
    return 0
