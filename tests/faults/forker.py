"""A fork server for the kill -9 tests: imports reviewtui once, then forks one writer per run on command, so two
hundred runs cost two hundred forks rather than two hundred interpreter start-ups.

Protocol (one line each, on stdin/stdout):
    run KIND FIRST COUNT  ->  pid PID        (the child writes items FIRST..FIRST+COUNT-1, appending "KIND N" to
                                              done.log after each write has returned, i.e. was reported done)
    reap PID              ->  reaped PID STATUS  (after the test killed it)

KIND is `notes` (envelope lines appended to the head's git note, compare-and-swap on the ref), `ledger` (envelope
lines appended to a patch's ledger file) or `journal` (entries appended to the hash-chained action journal). Each
child starts its own session, so the test can kill it alone (`kill`) or with the git it is running (`killpg`).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from reviewtui.approvals import notes
from reviewtui.approvals.ledger import append_ledger
from reviewtui.journal import Journal
from reviewtui.repository import Repository


def write(kind: str, first: int, count: int, repo: Path, head: str, lines: list[str], ledger: Path) -> None:
    journal = Journal(repo.parent / "journal.jsonl")
    report = os.open(repo.parent / "done.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    repository = Repository(repo) if kind == "notes" else None
    for number in range(first, first + count):
        if kind == "notes":
            assert repository is not None
            notes.append_line(repository, head, lines[number])
        elif kind == "ledger":
            append_ledger(ledger, lines[number])
        else:
            journal.append("decision-signed", reviewer="alice@example.com", head=head, decision="approve", n=number)
        os.write(report, f"{kind} {number}\n".encode())  # one short O_APPEND write: whole or absent


def main() -> None:
    repo, head, lines_file, ledger = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    lines = lines_file.read_text(encoding="utf-8").splitlines()
    print("ready", flush=True)
    for command in sys.stdin:
        parts = command.split()
        if parts[0] == "run":
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                os.setsid()
                status = 0
                try:
                    write(parts[1], int(parts[2]), int(parts[3]), repo, head, lines, ledger)
                except BaseException:
                    traceback.print_exc()
                    status = 1
                finally:
                    os._exit(status)
            print(f"pid {pid}", flush=True)
        elif parts[0] == "reap":
            _, status = os.waitpid(int(parts[1]), 0)
            print(f"reaped {parts[1]} {status}", flush=True)


if __name__ == "__main__":
    main()
