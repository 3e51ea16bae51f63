"""The command line: the second front door over the same core as the TUI, built for scripts and CI.

Contract: results on stdout (a table, JSON with `--json`/`--format json`, or SARIF), diagnostics on stderr; exit
code 0 on success, 1 when a gate fails (`scan --fail-on`), 2 on any problem with the input or environment, reported
as one line naming what and where, never a traceback. Each command lives in `reviewtui/commands/<name>.py`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from reviewtui import __version__
from reviewtui.commands import approve, audit, calibrate, demo, init, queue, rules, scan, sync, tui, verify
from reviewtui.errors import ReviewtuiError
from reviewtui.text import inert

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler: Handler = getattr(args, "handler", tui.run)
    try:
        return handler(args)
    except ReviewtuiError as exc:
        print(f"reviewtui: {inert(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("reviewtui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`reviewtui queue | head`); that is not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="reviewtui",
        description="Review the queue of AI-generated changes: ranked, rule-checked, signed two-person approvals.",
    )
    root.add_argument("--version", action="version", version=f"reviewtui {__version__}")
    root.add_argument("--repo", type=Path, default=Path("."), help="repository or workspace folder (default: .)")
    root.add_argument("--theme", help="UI theme name")
    root.add_argument("--pair", action="store_true", help="pair mode: switch reviewers within one session")
    root.add_argument("--key", type=Path, action="append", default=[], dest="keys",
                      help="SSH key to sign with in the TUI (repeat for pair mode)")
    root.add_argument("--sarif", type=Path, action="append", default=[], dest="tui_sarif", metavar="FILE",
                      help="show another scanner's SARIF 2.1.0 results with the findings in the TUI (repeatable)")
    commands = root.add_subparsers(title="commands", metavar="COMMAND")
    for command in (queue, scan, approve, verify, sync, audit, calibrate, rules, init, demo):
        command.register(commands)
    return root
