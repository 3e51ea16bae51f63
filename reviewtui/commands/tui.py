"""`reviewtui` with no command: the TUI on the current repository."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from reviewtui.errors import ReviewtuiError


def run(args: argparse.Namespace) -> int:
    return launch(args.repo, args.theme, pair=args.pair, keys=args.keys)


def launch(repo: Path, theme: str | None, *, pair: bool = False, keys: Sequence[Path] = ()) -> int:
    if not sys.stdout.isatty():
        raise ReviewtuiError("the TUI needs a terminal; use `reviewtui queue` (or `--json`) in scripts")
    from reviewtui.ui.app import run as run_app

    return run_app(repo, theme=theme, pair=pair, keys=keys)
