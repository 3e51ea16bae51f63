"""Row layout of the diff view: findings sit right under their line, change-level ones on top, nothing is dropped."""

from __future__ import annotations

from pathlib import Path

from reviewtui.model import LineKind
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.rule import Severity
from reviewtui.ui.diff_layout import DiffLayout, Row, RowKind
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


def every_row(layout: DiffLayout) -> list[Row]:
    return [layout.row(i) for i in range(layout.total_rows)]


def test_side_by_side_pairs_removed_runs_with_added_runs(tmp_path: Path) -> None:
    change, _ = make_change(
        tmp_path, {"a.py": "one\ntwo\nthree\nfour\n"}, {"a.py": "one\n2\n3\nthree\nfour\nfive\n"}, systems=None
    )
    layout = DiffLayout(change, split=True)
    lines = change.files[0].hunks[0].lines
    pairs = [(r.line, r.right) for r in every_row(layout) if r.kind is RowKind.LINE]
    texts = [(lines[a].text if a is not None else None, lines[b].text if b is not None else None) for a, b in pairs]
    assert texts == [("one", "one"), ("two", "2"), (None, "3"), ("three", "three"), ("four", "four"), (None, "five")]
    assert layout.total_rows == 2 + 1 + 6
    assert layout.line_row(0, 0, lines.index(next(x for x in lines if x.text == "3"))) == 2 + 1 + 2


def test_wrap_gives_long_lines_more_rows_and_collapsed_files_keep_their_findings(tmp_path: Path) -> None:
    change, _ = make_change(
        tmp_path, {"a.py": "short\n", "b.json": "{}\n"}, {"a.py": "x" * 25 + "\n", "b.json": "[]\n"}, systems=None
    )
    wrap = DiffLayout(change, wrap=lambda line: max(1, -(-len(line.text) // 10)))
    parts = [(r.line, r.part, r.parts) for r in every_row(wrap) if r.kind is RowKind.LINE and r.file == 0]
    assert parts == [(0, 0, 1), (1, 0, 3), (1, 1, 3), (1, 2, 3)]
    on_b = finding("on-b", "b.json", 1, Side.NEW, 0)
    collapsed = DiffLayout(change, (on_b,), collapsed=frozenset({1}))
    b_rows = [r.kind for r in every_row(collapsed) if r.file == 1]
    assert b_rows == [RowKind.BLANK, RowKind.FILE, RowKind.COLLAPSED, RowKind.FINDING]
    assert [collapsed.row(i).finding for i in collapsed.finding_rows] == [on_b]
    assert collapsed.line_row(1, 0, 0) is None and len(collapsed.hunk_spans) == 1


def test_what_is_on_screen_maps_to_the_same_canonical_rows_in_every_mode(tmp_path: Path) -> None:
    change, _ = make_change(tmp_path, {"a.py": "one\ntwo\n"}, {"a.py": "one\n2\n", "b.py": "b\n"}, systems=None)
    on_two = finding("on-two", "a.py", 2, Side.NEW, 0)
    canonical = DiffLayout(change, (on_two,))
    whole = canonical.canonical_spans(0, canonical.total_rows)
    assert whole == [(0, canonical.total_rows)]
    hunk_rows = {(s.start, s.start + s.rows) for s in canonical.hunk_spans}
    for layout in (
        DiffLayout(change, (on_two,), split=True),
        DiffLayout(change, (on_two,), wrap=lambda _line: 2),
        DiffLayout(change, (on_two,), split=True, wrap=lambda _line: 3),
    ):
        spans = layout.canonical_spans(0, layout.total_rows)
        assert set(spans) == hunk_rows, layout  # every hunk row of the canonical layout, nothing outside hunks
    collapsed = DiffLayout(change, (on_two,), collapsed=frozenset({0}))
    b_hunk = sorted(hunk_rows)[1]
    assert collapsed.canonical_spans(0, collapsed.total_rows) == [b_hunk]  # file 0 collapsed: only b.py was shown
    wrapped = DiffLayout(change, wrap=lambda _line: 2)
    first_line = wrapped.line_row(0, 0, 0)
    assert first_line is not None
    assert wrapped.canonical_spans(first_line, first_line + 1) == []  # half a wrapped line is not the line


def full_table(layout: DiffLayout, f: int, h: int) -> list[Row]:
    """Every row of a hunk as one object each, built the plain way: the reference the compact tables must match."""
    hunk = layout.change.files[f].hunks[h]
    anchors: dict[tuple[Side, int], list[Finding]] = {}
    for found in layout.findings:
        if found.path == layout.change.files[f].path and found.hunk == h and found.line is not None:
            anchors.setdefault((found.side or Side.NEW, found.line), []).append(found)
    rows = [Row(RowKind.HUNK, f, h)]
    placed: set[tuple[Side, int]] = set()

    def under(line: int | None, findings: list[Finding]) -> list[Row]:
        out = []
        for found in findings:
            parts = max(1, layout._finding_rows_of(found))
            out += [Row(RowKind.FINDING, f, h, line, found, None, p, parts) for p in range(parts)]
        return out

    for left, right in layout._units(f, h):
        parts = layout._parts(f, left, right, h)
        rows += [Row(RowKind.LINE, f, h, left, None, right, p, parts) for p in range(parts)]
        for i in (left, right):
            if i is None:
                continue
            line = hunk.lines[i]
            key = (Side.OLD, line.old_no or 0) if line.kind is LineKind.REMOVED else (Side.NEW, line.new_no or 0)
            if key in anchors and key not in placed:
                placed.add(key)
                rows += under(i, anchors[key])
    for key, findings in anchors.items():
        if key not in placed:
            rows += under(None, findings)
    return rows


def test_rows_found_by_bisection_match_the_full_table_with_and_without_findings(tmp_path: Path) -> None:
    before = "".join(f"line {i}\n" for i in range(30))
    after = "".join(f"line {i}{' changed' * (i % 4)}\n" for i in range(0, 30, 2)) + "tail\n" * 3
    change, _ = make_change(tmp_path, {"a.py": before}, {"a.py": after}, systems=None)
    lines = [line for hunk in change.files[0].hunks for line in hunk.lines]
    added = [line.new_no for line in lines if line.kind is LineKind.ADDED]
    removed = [line.old_no for line in lines if line.kind is LineKind.REMOVED]
    context = [line.new_no for line in lines if line.kind is LineKind.CONTEXT]
    findings = (
        finding("on-added", "a.py", added[1], Side.NEW, 0),
        finding("on-added-too", "a.py", added[1], Side.NEW, 0),
        finding("on-removed", "a.py", removed[2], Side.OLD, 0),
        finding("on-context", "a.py", context[0], Side.NEW, 0),
        finding("on-last", "a.py", added[-1], Side.NEW, 0),
        finding("not-in-hunk", "a.py", 999, Side.NEW, 0),
    )
    heights = {"on-added": 3, "on-removed": 2}
    for shown in ((), findings):
        for split in (False, True):
            for wrap in (None, lambda line: 1 + len(line.text) // 12):
                layout = DiffLayout(
                    change, shown, split=split, wrap=wrap, finding_rows=lambda f: heights.get(f.rule, 1)
                )
                for h, hunk in enumerate(change.files[0].hunks):
                    start = layout.hunk_row(0, h)
                    assert start is not None
                    full = full_table(layout, 0, h)
                    assert [layout.row(start + i) for i in range(len(full))] == full, (split, wrap, h)
                    assert layout.hunk_row(0, h + 1) in (None, start + len(full))
                    for i in range(len(hunk.lines)):
                        row = layout.line_row(0, h, i)
                        assert row is not None and i in (layout.row(row).line, layout.row(row).right)
                        assert layout.row(row).part == 0 and layout.row(row).kind is RowKind.LINE
                first_rows = [r for r in range(layout.total_rows) if layout.row(r).finding and layout.row(r).part == 0]
                assert layout.finding_rows == first_rows
                assert len(first_rows) == len(shown)


def test_a_100k_line_hunk_with_a_finding_creates_no_object_per_line(tmp_path: Path) -> None:
    after = "".join(f"value_{i} = {i}\n" for i in range(100_000))
    change, _ = make_change(tmp_path, {"README": "x\n"}, {"README": "x\n", "big.py": after}, systems=None)
    big = next(i for i, file in enumerate(change.files) if file.path == "big.py")
    on_line = finding("deep", "big.py", 77_777, Side.NEW, 0)
    layout = DiffLayout(change, (on_line,))
    table = layout._tables[layout._hunk_block[(big, 0)]]
    assert table.units is None and table.ends is None  # unified, one row per line: nothing stored per line
    row = layout.finding_rows[0]
    assert layout.row(row).finding is on_line and layout.row(row - 1).line == 77_776
    assert layout.row(row + 1).line == 77_777
    assert layout.total_rows == layout.row(row).parts + sum(
        2 + len(f.hunks) + sum(len(h.lines) for h in f.hunks) for f in change.files
    )


def test_a_finding_takes_the_rows_its_text_needs_and_coverage_still_counts_canonical_rows(tmp_path: Path) -> None:
    change, _ = make_change(tmp_path, {"a.py": "one\ntwo\n"}, {"a.py": "one\n2\n", "b.bin": b"\x00\x01"}, systems=None)
    on_two = finding("on-two", "a.py", 2, Side.NEW, 0)
    on_b = finding("whole-file", "b.bin")
    top = finding("change-level")
    heights = {"on-two": 3, "whole-file": 2, "change-level": 4}
    layout = DiffLayout(change, (on_two, on_b, top), finding_rows=lambda f: heights[f.rule])
    rows = every_row(layout)
    pieces = [(r.finding.rule, r.part, r.parts) for r in rows if r.finding is not None]
    assert pieces == [
        ("change-level", 0, 4), ("change-level", 1, 4), ("change-level", 2, 4), ("change-level", 3, 4),
        ("on-two", 0, 3), ("on-two", 1, 3), ("on-two", 2, 3),
        ("whole-file", 0, 2), ("whole-file", 1, 2),
    ]  # fmt: skip
    assert rows[4].kind is RowKind.BLANK  # the change-level block ends after its four rows
    assert [rows[i].finding for i in layout.finding_rows] == [top, on_two, on_b]  # each finding's first row
    assert all(rows[i].part == 0 for i in layout.finding_rows)
    two = layout.line_row(0, 0, 2)
    assert two is not None and rows[two + 1].finding is on_two  # right under its line
    assert not layout.plain and layout.canonical.total_rows == layout.total_rows - 3 - 1 - 2
    canonical = layout.canonical
    hunk = canonical.hunk_spans[0]
    assert layout.canonical_spans(0, layout.total_rows) == [(hunk.start, hunk.start + hunk.rows)]
    assert layout.canonical_spans(two + 1, two + 3) == []  # two of its three rows: not yet the whole finding
    canonical_two = canonical.line_row(0, 0, 2)
    assert canonical_two is not None
    assert layout.canonical_spans(two + 1, two + 4) == [(canonical_two + 1, canonical_two + 2)]
    one_row = DiffLayout(change, (on_two, on_b, top), finding_rows=lambda _f: 1)
    assert one_row.plain and one_row.total_rows == canonical.total_rows


def test_pieces_seen_on_different_screens_add_up(tmp_path: Path) -> None:
    change, _ = make_change(tmp_path, {"a.py": "one\ntwo\n"}, {"a.py": "one\n2\n"}, systems=None)
    on_two = finding("on-two", "a.py", 2, Side.NEW, 0)
    layout = DiffLayout(change, (on_two,), finding_rows=lambda _f: 4)
    first = layout.finding_rows[0]
    canonical = layout.canonical.finding_rows[0]
    pieces: dict[Row, set[int]] = {}
    assert canonical not in {r for a, b in layout.canonical_spans(first - 2, first + 2, pieces) for r in range(a, b)}
    later = {r for a, b in layout.canonical_spans(first + 2, first + 6, pieces) for r in range(a, b)}
    assert canonical in later  # rows 0-1 on one page, 2-3 on the next: the finding was shown whole
    assert canonical not in {r for a, b in layout.canonical_spans(first + 2, first + 6) for r in range(a, b)}
