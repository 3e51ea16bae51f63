"""`reviewtui queue`: the pending changes ranked by risk, as a table or as JSON for scripts.

A question asked again while nothing it depends on has moved is answered from the queue memo (`memo.py`) without
loading the analysis code at all; this module therefore imports the loader, the analyser and the clerk only when it
has to run the queue.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reviewtui.commands.options import add_jobs, add_selection
from reviewtui.memo import Answer, Question, QueueMemo
from reviewtui.ranking import SORTS
from reviewtui.text import inert

_CONTROLS = bytes(c for c in range(32) if c != ord("\n"))
_COLUMNS = (
    ("#", ">"), ("SCORE", ">"), ("BAND", "<"), ("ID", "<"), ("REPO", "<"), ("SYSTEMS", "<"), ("AGENT", "<"),
    ("+", ">"), ("-", ">"), ("FINDINGS", "<"), ("APPROVALS", "<"), ("AGE", ">"), ("TITLE", "<"),
)
"""(title, alignment) of the table's columns; TITLE, the last, takes what the terminal width leaves."""


def register(commands: Any) -> None:
    parser = commands.add_parser("queue", help="list the pending changes, riskiest first")
    add_selection(parser)
    parser.add_argument(
        "--sort",
        choices=tuple(SORTS),
        default="score",
        help="score (default), effort (risk per changed line), age (oldest first), system",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array, one object per change")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="work everything out afresh (neither read nor write the caches or the queue memo)",
    )
    add_jobs(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    memo = _memo(args)
    answer = memo.recall(table=not args.json) if memo is not None else None
    if answer is not None and args.json and not _shown_safely(answer.json):
        answer = None
    if answer is None:
        from reviewtui.commands.listing import work_out  # the analysis code, loaded only when there is work

        answer, keep = work_out(args, memo)
        if keep is not None and memo is not None:
            memo.keep(*keep)
    _print(answer, as_json=args.json)
    return 0


def _memo(args: argparse.Namespace) -> QueueMemo | None:
    """The memo for this question, when it can have one: not for patch folders or workspace files (files the
    state does not cover), nor with `--no-cache`."""
    if args.no_cache or args.patches is not None or args.workspace is not None:
        return None
    return QueueMemo(Question(args.repo, args.commits, args.sort))


def _shown_safely(data: bytes) -> bool:
    """Whether JSON bytes may reach stdout: always when a program reads them (the memo checked they are ASCII, and
    `json.dumps` escapes every control character); on a terminal, only without any control byte but the newline."""
    return not sys.stdout.isatty() or len(data.translate(None, _CONTROLS)) == len(data)


def _print(answer: Answer, *, as_json: bool) -> None:
    """Everything printed is inert (a kept answer is read back from a folder anything that can write the repository
    can write): table cells, summary and bands through `inert`, the JSON by `_shown_safely`."""
    if as_json:
        sys.stdout.flush()
        sys.stdout.buffer.write(answer.json)
        sys.stdout.flush()
        print(f"reviewtui: {inert(answer.summary)}", file=sys.stderr)
        return
    _print_table(answer)
    print(inert(answer.summary))
    if answer.bands:
        print(f"bands: {inert(answer.bands)}")


def _print_table(answer: Answer) -> None:
    # The table's modules are imported here: `--json` (scripts, CI) is the answer asked for most, and fastest.
    import shutil
    from datetime import datetime

    from reviewtui.clock import age_label
    from reviewtui.table import Column, render_table

    if not answer.rows:
        return
    wanted = [(title, align) for title, align in _COLUMNS if answer.several or title != "REPO"]
    columns = [Column(title, align, flexible=title == "TITLE") for title, align in wanted]
    age = next(i for i, c in enumerate(columns) if c.title == "AGE")
    rows = []
    for row, created in zip(answer.rows, answer.created, strict=True):
        cells = list(row)
        cells[age] = age_label(datetime.fromisoformat(created) if created else None)
        rows.append(cells)
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    print(render_table(columns, rows, width=width))


