"""`reviewtui` with no command: the TUI on the current repository."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from reviewtui.errors import ReviewtuiError
from reviewtui.rules.sarif import load_sarif
from reviewtui.workers import before_threads


def run(args: argparse.Namespace) -> int:
    return launch(args.repo, args.theme, pair=args.pair, keys=args.keys, sarif=args.tui_sarif)


def launch(
    repo: Path,
    theme: str | None,
    *,
    pair: bool = False,
    keys: Sequence[Path] = (),
    sarif: Sequence[Path] = (),
) -> int:
    if not sys.stdout.isatty():
        raise ReviewtuiError("the TUI needs a terminal; use `reviewtui queue` (or `--json`) in scripts")
    from reviewtui.ui.app import run as run_app

    for path in sarif:  # read before the screen opens, so a bad file is one line and exit 2, not a TUI error
        load_sarif(path)
    before_threads()
    return run_app(repo, theme=theme, pair=pair, keys=keys, sarif=sarif)
