"""One reviewer's process for the concurrency test: waits for the start signal, then signs and records COUNT
decisions through the real clerk, alternating between the changes named, and prints each recorded timestamp."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from reviewtui.analysis import Analyzer
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.signer import resolve_key
from reviewtui.queue import QueueLoader, QueueRequest


def main() -> None:
    repo, key, start, count, changes = (
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        Path(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5:],
    )
    analyzer = Analyzer(history=False)
    found = {c.id: c for c in QueueLoader(QueueRequest(repo=repo)).changes()}
    analyses = [analyzer.analyze(found[name]) for name in changes]
    signing_key = resolve_key(key, None, None)
    clerk = Clerk(analyzer)
    print("ready", flush=True)
    while not start.exists():
        time.sleep(0.005)
    for number in range(count):
        analysis = analyses[number % len(analyses)]
        record, _ = clerk.record(analysis, signing_key, "approve", comment=f"decision {number}")
        print(f"recorded {analysis.change.id} {record.timestamp}", flush=True)


if __name__ == "__main__":
    main()
