"""Two reviewers' processes approving at the same moment, 50 decisions each, on one shared change and on a change
of their own: every decision is kept, exactly once, and counts (docs/security.md, section 5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.approvals.dsse import parse_envelope
from reviewtui.approvals.statement import parse_statement
from tests.approvals.kit import add_change, make_key, make_shop, note_lines, verdict

EACH = 50


@pytest.mark.slow
def test_two_processes_approving_concurrently_keep_every_decision(tmp_path: Path) -> None:
    alice = make_key(tmp_path / "keys", "alice", "alice@example.com")
    bob = make_key(tmp_path / "keys", "bob", "bob@example.com")
    repo = make_shop(tmp_path / "repo", alice.signer_line() + bob.signer_line())
    heads = {
        "ai/shared": add_change(repo, "ai/shared", {"cart.py": "x = 1\n"}),
        "ai/alice-own": add_change(repo, "ai/alice-own", {"a.py": "a = 1\n"}),
        "ai/bob-own": add_change(repo, "ai/bob-own", {"b.py": "b = 1\n"}),
    }
    start = tmp_path / "start"
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.faults.approver",
                str(repo.path),
                str(key.path),
                str(start),
                str(EACH),
                "ai/shared",
                own,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
            stdin=subprocess.DEVNULL,
        )
        for key, own in ((alice, "ai/alice-own"), (bob, "ai/bob-own"))
    ]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        start.touch()  # both go at once
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    recorded = [line.split()[1:] for out, _ in outputs for line in out.splitlines() if line.startswith("recorded ")]
    assert len(recorded) == 2 * EACH

    for change, head in heads.items():
        stored = note_lines(repo, head)
        assert len(stored) == len(set(stored)), change  # a line is never stored twice
        stamps = sorted(parse_statement(parse_envelope(line).payload).timestamp for line in stored)
        assert stamps == sorted(stamp for name, stamp in recorded if name == change), change
    assert len(note_lines(repo, heads["ai/shared"])) == EACH
    shared = verdict(repo.path, "ai/shared")
    assert {r.status for r in shared.reviews} == {"counted"}
    assert (shared.approvers, shared.satisfied) == (("alice@example.com", "bob@example.com"), True)
    assert "refs/notes/reviewtui/tmp/" not in repo.git("for-each-ref", "refs/notes/")
    log = repo.git("log", "--format=%H", "refs/notes/reviewtui/approvals").split()
    assert len(log) == 2 * EACH  # one notes commit per decision: no write replaced another
