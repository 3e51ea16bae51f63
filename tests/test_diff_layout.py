"""Row layout of the diff view: findings sit right under their line, change-level ones on top, nothing is dropped."""

from __future__ import annotations

from pathlib import Path

from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.rule import Severity
from reviewtui.ui.diff_layout import DiffLayout, RowKind
from tests.rules.ruletest import make_change


def finding(
    rule: str, path: str | None = None, line: int | None = None, side: Side | None = None, hunk: int | None = None
) -> Finding:
    return Finding(rule, Severity.HIGH, f"{rule} message", "ai/change", "builtin", path, line, side, None, hunk)


def test_rows_with_findings(tmp_path: Path) -> None:
    change, _ = make_change(
        tmp_path, {"a.py": "one\ntwo\nthree\n"}, {"a.py": "one\n2\nthree\n", "b.bin": b"\x00\x01"}, systems=None
    )
    on_added = finding("on-added", "a.py", 2, Side.NEW, 0)
    on_removed = finding("on-removed", "a.py", 2, Side.OLD, 0)
    whole_file = finding("whole-file", "b.bin")
    top = finding("change-level")
    stray = finding("outside-diff", "elsewhere.py", 9, Side.NEW, 0)
    layout = DiffLayout(change, (on_added, on_removed, whole_file, top, stray))

    rows = [layout.row(i) for i in range(layout.total_rows)]
    kinds = [r.kind for r in rows]
    assert kinds[:3] == [RowKind.FINDING, RowKind.FINDING, RowKind.BLANK]  # change-level + unmatched path on top
    assert {rows[0].finding, rows[1].finding} == {top, stray}
    a_rows = [(r.kind, r.line, r.finding.rule if r.finding else None) for r in rows if r.file == 0]
    assert a_rows == [
        (RowKind.BLANK, None, None),
        (RowKind.FILE, None, None),
        (RowKind.HUNK, None, None),
        (RowKind.LINE, 0, None),
        (RowKind.LINE, 1, None),  # "-two"
        (RowKind.FINDING, 1, "on-removed"),
        (RowKind.LINE, 2, None),  # "+2"
        (RowKind.FINDING, 2, "on-added"),
        (RowKind.LINE, 3, None),
    ]
    b_rows = [r.kind for r in rows if r.file == 1]
    assert b_rows == [RowKind.BLANK, RowKind.FILE, RowKind.NOTE, RowKind.FINDING]
    assert [rows[i].kind for i in layout.finding_rows] == [RowKind.FINDING] * 5
    assert layout.findings_on(0, 0, 2) == [on_added]
    assert layout.findings_on(0, 0, 0) == []
