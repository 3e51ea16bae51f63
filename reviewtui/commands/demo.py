"""`reviewtui demo`: build the demo shop workspace, then open it."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from reviewtui.commands import tui
from reviewtui.errors import ReviewtuiError
from reviewtui.text import inert


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help="build the demo shop workspace and open it")
    parser.add_argument("--dir", type=Path, help="build here instead of a new temporary folder")
    parser.add_argument("--no-open", action="store_true", help="print the path instead of opening the TUI")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from reviewtui.demo import build_demo

    target = args.dir if args.dir is not None else Path(tempfile.mkdtemp(prefix="reviewtui-demo-"))
    try:
        workspace = build_demo(target)
    except ValueError as exc:
        raise ReviewtuiError(str(exc)) from None
    if args.no_open:
        print(workspace.repo)
        return 0
    # The demo's reviewers are ready to sign: pair mode with their keys unless the user chose others.
    keys = args.keys or [reviewer.key for reviewer in workspace.reviewers]
    status = tui.launch(workspace.repo, args.theme, pair=True, keys=keys)
    print(f"The demo workspace stays at {inert(str(workspace.root))} (reviewer keys in reviewers/).")
    return status
