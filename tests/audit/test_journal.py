"""The action journal: appends chain, and edits, deletions and reorderings are named by `audit --journal`."""

from __future__ import annotations

import json
from pathlib import Path

from reviewtui.journal import Journal
from tests.approvals.kit import cli


def _journal(tmp_path: Path, n: int = 5) -> Journal:
    journal = Journal(tmp_path / "journal.jsonl")
    for i in range(n):
        journal.append("hunk-displayed", reviewer="alice@example.com", head="abc", hunk=f"h{i}")
    return journal


def _lines(journal: Journal) -> list[str]:
    return journal.path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_an_intact_chain_verifies(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    report = journal.verify()
    assert (report.ok, report.entries) == (True, 5)
    done = cli("audit", "--journal", str(journal.path), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["entries"] == 5


def test_an_edited_entry_is_named(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    lines = _lines(journal)
    lines[2] = lines[2].replace('"h2"', '"h9"')
    journal.path.write_text("".join(lines), encoding="utf-8")
    report = journal.verify()
    assert not report.ok and report.line == 3 and "entry 2 (line 3) was edited" in (report.problem or "")
    done = cli("audit", "--journal", str(journal.path))
    assert done.returncode == 1 and "entry 2 (line 3) was edited" in done.stdout


def test_a_deleted_entry_is_named(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    lines = _lines(journal)
    del lines[1]
    journal.path.write_text("".join(lines), encoding="utf-8")
    assert "entry 1 is missing" in (journal.verify().problem or "")


def test_reordered_entries_are_named(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    lines = _lines(journal)
    lines[1], lines[3] = lines[3], lines[1]
    journal.path.write_text("".join(lines), encoding="utf-8")
    assert journal.verify().problem == "entries out of order: line 2 holds entry 3, and entry 1 is on line 4"


def test_a_truncated_tail_is_caught_by_the_head_file(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.path.write_text("".join(_lines(journal)[:3]), encoding="utf-8")
    assert "entries 3 to 4 missing from the end" in (journal.verify().problem or "")


def test_activity_feeds_coverage_and_time(tmp_path: Path) -> None:
    journal = _journal(tmp_path, 3)
    journal.append("finding-waived", reviewer="alice@example.com", head="abc", rule="tls-off", reason="sandbox")
    activity = journal.activity("alice@example.com", "abc")
    assert activity.hunks_displayed == ("h0", "h1", "h2")
    assert activity.acknowledged[0]["kind"] == "waive"
    assert journal.activity("bob@example.com", "abc").hunks_displayed == ()
