"""The command line: the second front door over the same core as the TUI, built for scripts and CI.

Contract: results on stdout (a table, or JSON with `--json`), diagnostics on stderr, exit code 0 on success and 2
on any problem with the input or environment, reported as one line naming what and where, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from reviewtui import __version__
from reviewtui.clock import age_label
from reviewtui.config import REPO_CONFIG, starter_config, write_new_file
from reviewtui.errors import ReviewtuiError
from reviewtui.export import change_summary
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.repository import Repository
from reviewtui.sources.refs import resolve_base
from reviewtui.table import Column, render_table
from reviewtui.text import inert

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler = getattr(args, "handler", _open_tui)
    try:
        return handler(args)
    except ReviewtuiError as exc:
        print(f"reviewtui: {inert(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`reviewtui queue | head`); that is not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewtui",
        description="Review the queue of AI-generated changes: ranked, rule-checked, signed two-person approvals.",
    )
    parser.add_argument("--version", action="version", version=f"reviewtui {__version__}")
    parser.add_argument("--repo", type=Path, default=Path("."), help="repository or workspace folder (default: .)")
    parser.add_argument("--theme", help="UI theme name")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    queue = commands.add_parser("queue", help="list the pending changes")
    queue.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository or workspace folder")
    queue.add_argument("--commits", metavar="RANGE", help="every non-merge commit of RANGE, each against its parent")
    queue.add_argument("--patches", metavar="DIR", type=Path, help="a folder of patch files instead of refs")
    queue.add_argument("--workspace", metavar="FILE", type=Path, help="a TOML file listing more repositories")
    queue.add_argument("--json", action="store_true", help="print a JSON array, one object per change")
    queue.set_defaults(handler=_queue)

    demo = commands.add_parser("demo", help="build the demo shop workspace and open it")
    demo.add_argument("--dir", type=Path, help="build here instead of a new temporary folder")
    demo.add_argument("--no-open", action="store_true", help="print the path instead of opening the TUI")
    demo.set_defaults(handler=_demo)

    init = commands.add_parser("init", help=f"write a starter {REPO_CONFIG} in the repository")
    init.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository (default: .)")
    init.set_defaults(handler=_init)
    return parser


# -- queue ---------------------------------------------------------------------------------------------------------

_QUEUE_COLUMNS = (
    Column("ID"),
    Column("REPO"),
    Column("AGENT"),
    Column("+", ">"),
    Column("-", ">"),
    Column("FILES", ">"),
    Column("AGE", ">"),
    Column("TITLE", flexible=True),
)


def _queue(args: argparse.Namespace) -> int:
    loader = QueueLoader(
        QueueRequest(repo=args.repo, commits=args.commits, patches=args.patches, workspace=args.workspace)
    )
    if args.json:
        _write_json_stream(loader)
    else:
        changes = list(loader.ordered())
        several = len(loader.report.repos) > 1
        columns = [c for c in _QUEUE_COLUMNS if several or c.title != "REPO"]
        rows = [_queue_row(change, several) for change in changes]
        if rows:
            width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
            print(render_table(columns, rows, width=width))
        print(loader.report.summary())
    for warning in loader.report.warnings:
        print(f"reviewtui: warning: {inert(warning)}", file=sys.stderr)
    return 0


def _write_json_stream(loader: QueueLoader) -> None:
    """Write the array as changes arrive, so `--commits` over a long history never holds every hunk at once."""
    out = sys.stdout
    count = 0
    for change in loader.ordered():
        out.write(",\n" if count else "[\n")
        out.write(json.dumps(change_summary(change), ensure_ascii=True))
        count += 1
    out.write("\n]\n" if count else "[]\n")
    print(f"reviewtui: {loader.report.summary()}", file=sys.stderr)


def _queue_row(change: Change, several: bool) -> list[str]:
    stats = change.stats
    agent = change.agent.name if change.agent else "human"
    row = [
        change.id,
        Path(change.repo).name,
        agent,
        f"+{stats.added}",
        f"-{stats.deleted}",
        str(stats.files),
        age_label(change.created),
        change.title,
    ]
    return row if several else row[:1] + row[2:]




# -- demo ----------------------------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    from reviewtui.demo import build_demo

    target = args.dir if args.dir is not None else Path(tempfile.mkdtemp(prefix="reviewtui-demo-"))
    try:
        workspace = build_demo(target)
    except ValueError as exc:
        raise ReviewtuiError(str(exc)) from None
    if args.no_open:
        print(workspace.repo)
        return 0
    status = _launch_tui(workspace.repo, args.theme)
    print(f"The demo workspace stays at {inert(str(workspace.root))} (reviewer keys in reviewers/).")
    return status


# -- init ----------------------------------------------------------------------------------------------------------


def _init(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    try:
        base: str | None = resolve_base(repo, None).name
    except ReviewtuiError:
        base = None
    path = repo.root / REPO_CONFIG
    write_new_file(path, starter_config(base))
    print(f"wrote {inert(str(path))}")
    return 0


# -- the TUI -------------------------------------------------------------------------------------------------------


def _open_tui(args: argparse.Namespace) -> int:
    return _launch_tui(args.repo, args.theme)


def _launch_tui(repo: Path, theme: str | None) -> int:
    if not sys.stdout.isatty():
        raise ReviewtuiError("the TUI needs a terminal; use `reviewtui queue` (or `--json`) in scripts")
    from reviewtui.ui.app import run

    return run(repo, theme=theme)
