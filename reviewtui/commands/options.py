"""Options several commands share, so `queue` and `scan` select changes the same way."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from reviewtui.cores import default_jobs

if TYPE_CHECKING:
    from reviewtui.queue import QueueRequest


def add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository or workspace folder")
    parser.add_argument("--commits", metavar="RANGE", help="every non-merge commit of RANGE, each against its parent")
    parser.add_argument("--patches", metavar="DIR", type=Path, help="a folder of patch files instead of refs")
    parser.add_argument("--workspace", metavar="FILE", type=Path, help="a TOML file listing more repositories")


def queue_request(args: argparse.Namespace) -> QueueRequest:
    from reviewtui.queue import QueueRequest  # the loader is imported by the commands that load, not by the parser

    return QueueRequest(repo=args.repo, commits=args.commits, patches=args.patches, workspace=args.workspace)


def add_jobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=default_jobs(),
        metavar="N",
        help=f"analyse changes the cache lacks in N processes (default: one per core, here {default_jobs()})",
    )


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"--jobs must be between 1 and 64, not {value}")
    return value
