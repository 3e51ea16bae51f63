"""Where each row of a diff view comes from, computed without building the rows.

A change is laid out as blocks: change-level findings at the top, then per file a header block (blank line, title,
an explanatory note when there are no hunks, findings about the whole file) and one block per hunk (its header, its
lines, and each finding right under the line it is anchored to). Only each block's first row is stored; a row is
found by bisection, and only hunks that carry findings get a per-row table. Opening a 100k-line change therefore
costs one pass over hunk headers, not one object per line.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum

from reviewtui.model import Change, LineKind
from reviewtui.rules.finding import Finding, Side


class RowKind(Enum):
    BLANK = "blank"
    FILE = "file"
    NOTE = "note"
    HUNK = "hunk"
    LINE = "line"
    FINDING = "finding"


@dataclass(frozen=True, slots=True)
class Row:
    kind: RowKind
    file: int | None = None
    hunk: int | None = None
    line: int | None = None
    finding: Finding | None = None


@dataclass(frozen=True, slots=True)
class HunkSpan:
    """Where one hunk sits in the view: rows `start` to `start + rows` (its header, lines and findings)."""

    file: int
    hunk: int
    start: int
    rows: int


@dataclass(frozen=True, slots=True)
class _Block:
    file: int | None
    hunk: int | None
    rows: int


class DiffLayout:
    def __init__(self, change: Change, findings: tuple[Finding, ...] = ()) -> None:
        self.change = change
        self._change_findings = [f for f in findings if f.path is None]
        self._file_findings: dict[int, list[Finding]] = defaultdict(list)
        self._line_findings: dict[tuple[int, int], dict[tuple[Side, int], list[Finding]]] = {}
        self._anchor(findings)
        self._blocks: list[_Block] = []
        self._starts: list[int] = []
        self._tables: dict[int, list[Row]] = {}
        self.finding_rows: list[int] = []
        self.hunk_rows: list[int] = []
        self.file_rows: list[int] = []
        self.hunk_spans: list[HunkSpan] = []
        """Every hunk's rows in view order, for coverage: a hunk counts as seen once all of them were on screen."""
        self.total_rows = self._build()

    def row(self, index: int) -> Row:
        block_index = bisect.bisect_right(self._starts, index) - 1
        block = self._blocks[block_index]
        offset = index - self._starts[block_index]
        if block.file is None:
            return self._top_row(offset)
        if block.hunk is None:
            return self._file_row(block.file, offset)
        table = self._tables.get(block_index)
        if table is not None:
            return table[offset]
        return (
            Row(RowKind.HUNK, block.file, block.hunk)
            if offset == 0
            else Row(RowKind.LINE, block.file, block.hunk, offset - 1)
        )

    def findings_on(self, file: int, hunk: int, line: int) -> list[Finding]:
        """Findings anchored to one diff line (for the gutter marker)."""
        anchors = self._line_findings.get((file, hunk))
        if not anchors:
            return []
        diff_line = self.change.files[file].hunks[hunk].lines[line]
        return anchors.get(_key(diff_line.kind, diff_line.old_no, diff_line.new_no), [])

    # -- building ----------------------------------------------------------------------------------------------------

    def _anchor(self, findings: tuple[Finding, ...]) -> None:
        by_path = {f.path: i for i, f in enumerate(self.change.files)}
        by_path.update(
            {f.old_path: i for i, f in enumerate(self.change.files) if f.old_path and f.old_path not in by_path}
        )
        for finding in findings:
            if finding.path is None:
                continue
            file = by_path.get(finding.path)
            if file is None:
                self._change_findings.append(finding)  # e.g. an imported SARIF result outside the diff
            elif finding.line is None or finding.hunk is None:
                self._file_findings[file].append(finding)
            else:
                side = finding.side or Side.NEW
                slot = self._line_findings.setdefault((file, finding.hunk), {})
                slot.setdefault((side, finding.line), []).append(finding)

    def _build(self) -> int:
        row = 0

        def add(block: _Block) -> None:
            nonlocal row
            self._blocks.append(block)
            self._starts.append(row)
            row += block.rows

        if self._change_findings:
            self.finding_rows += range(row, row + len(self._change_findings))
            add(_Block(None, None, len(self._change_findings) + 1))
        for f, file in enumerate(self.change.files):
            extra = len(self._file_findings.get(f, ()))
            note = 0 if file.hunks else 1
            self.file_rows.append(row)
            self.finding_rows += range(row + 2 + note, row + 2 + note + extra)
            add(_Block(f, None, 2 + note + extra))
            for h, hunk in enumerate(file.hunks):
                self.hunk_rows.append(row)
                anchors = self._line_findings.get((f, h))
                if anchors:
                    table = self._hunk_table(f, h, anchors)
                    self._tables[len(self._blocks)] = table
                    self.finding_rows += [row + i for i, r in enumerate(table) if r.kind is RowKind.FINDING]
                    add(_Block(f, h, len(table)))
                else:
                    add(_Block(f, h, 1 + len(hunk.lines)))
                self.hunk_spans.append(HunkSpan(f, h, self._starts[-1], self._blocks[-1].rows))
        return row

    def _hunk_table(self, f: int, h: int, anchors: dict[tuple[Side, int], list[Finding]]) -> list[Row]:
        rows = [Row(RowKind.HUNK, f, h)]
        placed: set[tuple[Side, int]] = set()
        for i, line in enumerate(self.change.files[f].hunks[h].lines):
            rows.append(Row(RowKind.LINE, f, h, i))
            key = _key(line.kind, line.old_no, line.new_no)
            if key in anchors and key not in placed:
                placed.add(key)
                rows += [Row(RowKind.FINDING, f, h, i, finding) for finding in anchors[key]]
        for key, findings in anchors.items():  # anchored to a line this hunk does not show: keep, never drop
            if key not in placed:
                rows += [Row(RowKind.FINDING, f, h, None, finding) for finding in findings]
        return rows

    def _top_row(self, offset: int) -> Row:
        if offset < len(self._change_findings):
            return Row(RowKind.FINDING, finding=self._change_findings[offset])
        return Row(RowKind.BLANK)

    def _file_row(self, f: int, offset: int) -> Row:
        if offset == 0:
            return Row(RowKind.BLANK, f)
        if offset == 1:
            return Row(RowKind.FILE, f)
        if not self.change.files[f].hunks and offset == 2:
            return Row(RowKind.NOTE, f)
        start = 2 if self.change.files[f].hunks else 3
        return Row(RowKind.FINDING, f, finding=self._file_findings[f][offset - start])


def _key(kind: LineKind, old_no: int | None, new_no: int | None) -> tuple[Side, int]:
    if kind is LineKind.REMOVED:
        return (Side.OLD, old_no or 0)
    return (Side.NEW, new_no or 0)
