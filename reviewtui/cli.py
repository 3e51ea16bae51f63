"""The command line: the second front door over the same core as the TUI, built for scripts and CI.

Contract: results on stdout (a table, JSON with `--json`/`--format json`, or SARIF), diagnostics on stderr; exit
code 0 on success, 1 when a gate fails (`scan --fail-on`), 2 on any problem with the input or environment, reported
as one line naming what and where, never a traceback. Each command lives in `reviewtui/commands/<name>.py`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from reviewtui import __version__
from reviewtui.errors import ReviewtuiError
from reviewtui.text import inert

Handler = Callable[[argparse.Namespace], int]

COMMANDS = ("queue", "scan", "approve", "verify", "sync", "audit", "calibrate", "rules", "init", "demo")
"""In the order `--help` lists them; each is `reviewtui/commands/<name>.py` with `register` and `run`."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    args = parser(_named_command(arguments)).parse_args(arguments)
    handler: Handler = getattr(args, "handler", None) or _command("tui").run
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


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (`only`) the root options and that one command: a command's module imports what
    it runs on, and a warm `reviewtui queue` answered from its memo must not first import the TUI and every other
    command (0.2 s, more than the whole answer)."""
    root = _root_options(argparse.ArgumentParser(
        prog="reviewtui",
        description="Review the queue of AI-generated changes: ranked, rule-checked, signed two-person approvals.",
    ))
    commands = root.add_subparsers(title="commands", metavar="COMMAND")
    for name in (only,) if only else COMMANDS:
        _command(name).register(commands)
    return root


def _root_options(root: argparse.ArgumentParser) -> argparse.ArgumentParser:
    root.add_argument("--version", action="version", version=f"reviewtui {__version__}")
    root.add_argument("--repo", type=Path, default=Path("."), help="repository or workspace folder (default: .)")
    root.add_argument("--theme", help="UI theme name")
    root.add_argument("--pair", action="store_true", help="pair mode: switch reviewers within one session")
    root.add_argument("--key", type=Path, action="append", default=[], dest="keys",
                      help="SSH key to sign with in the TUI (repeat for pair mode)")
    root.add_argument("--sarif", type=Path, action="append", default=[], dest="tui_sarif", metavar="FILE",
                      help="show another scanner's SARIF 2.1.0 results with the findings in the TUI (repeatable)")
    return root


def _named_command(arguments: Sequence[str]) -> str | None:
    """The command `arguments` name, found with the root options alone; None when there is none (the TUI, `--help`)
    or the line does not parse: the whole parser then reads it again and reports the problem in full."""
    probe = _root_options(argparse.ArgumentParser(add_help=False, exit_on_error=False))
    probe.add_argument("command", nargs="?")
    probe.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        found, _ = probe.parse_known_args(arguments)
    except argparse.ArgumentError:
        return None
    if found.command not in COMMANDS:
        return None
    before = arguments[: list(arguments).index(found.command)]
    if any(arg in ("-h", "--help", "--") for arg in before):
        return None  # `reviewtui -h queue` asks for the whole help; after `--` the whole parser decides
    return str(found.command)


def _command(name: str) -> ModuleType:
    return importlib.import_module(f"reviewtui.commands.{name}")
