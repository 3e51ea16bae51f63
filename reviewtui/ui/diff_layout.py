"""Where each row of a diff view comes from, computed without building the rows.

A change is laid out as blocks: change-level findings at the top, then per file a header block (blank line, title,
detail lines such as a rename, mode change, binary or submodule note, the banner of a collapsed file, findings about
the whole file) and one block per hunk (its header, its lines, and each finding right under the line it is anchored
to, in as many rows as its text needs at the view's width). Only each block's first row is stored; a row is found
by bisection.

In the default mode (unified, no wrap) a hunk's row count is known without looking at its lines, so opening a
100k-line change costs one pass over hunk headers, not one object per line; only hunks that carry findings get a
per-row table. Side-by-side and wrap modes need each hunk's row count (one pass of cheap arithmetic over the lines
when the mode is switched on) but still build per-row tables only for hunks that are displayed, in a bounded cache.

Coverage is measured in one coordinate system whatever the mode: the rows of the canonical layout (unified, no
wrap, every file expanded). `canonical_spans` maps what is on screen now into that system, so switching modes or
expanding a file never credits or loses a hunk.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from itertools import accumulate

from reviewtui.model import Change, DiffLine, FileChange, FileStatus, LineKind
from reviewtui.rules.finding import Finding, Side


class RowKind(Enum):
    BLANK = "blank"
    FILE = "file"
    NOTE = "note"
    COLLAPSED = "collapsed"
    HUNK = "hunk"
    LINE = "line"
    FINDING = "finding"


@dataclass(frozen=True, slots=True)
class Row:
    kind: RowKind
    file: int | None = None
    hunk: int | None = None
    line: int | None = None
    """The line (unified), or the left/old line of a side-by-side row; for a NOTE row, which detail line."""
    finding: Finding | None = None
    right: int | None = None
    """Side-by-side rows: the right/new line (a context line is on both sides)."""
    part: int = 0
    """Wrap mode: which piece of a wrapped line this row shows."""
    parts: int = 1


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


Measure = Callable[[DiffLine], int]
"""How many rows a line needs when wrapped (1 when it fits)."""
FindingMeasure = Callable[[Finding], int]
"""How many rows a finding needs at the view's width (its whole message and fix hint)."""


class DiffLayout:
    def __init__(
        self,
        change: Change,
        findings: tuple[Finding, ...] = (),
        *,
        split: bool = False,
        wrap: Measure | None = None,
        collapsed: frozenset[int] = frozenset(),
        finding_rows: FindingMeasure | None = None,
    ) -> None:
        """`wrap` turns wrapping on (rows a line needs); `collapsed` files show a banner instead of their hunks;
        `finding_rows` says how many rows each finding takes (one each without it)."""
        self.change = change
        self.findings = findings
        self.split = split
        self.wrap = wrap
        self.collapsed = collapsed
        self._finding_height: FindingMeasure = finding_rows or (lambda _finding: 1)
        self._tall = False
        """Some finding takes more than one row (so this layout differs from the canonical one)."""
        self._change_ends: list[int] = []
        self._file_ends: dict[int, list[int]] = {}
        self._change_findings = [f for f in findings if f.path is None]
        self._file_findings: dict[int, list[Finding]] = defaultdict(list)
        self._line_findings: dict[tuple[int, int], dict[tuple[Side, int], list[Finding]]] = {}
        self._anchor(findings)
        self._notes: dict[int, list[str]] = {}
        self._blocks: list[_Block] = []
        self._starts: list[int] = []
        self._tables: dict[int, list[Row]] = {}
        self._lazy: OrderedDict[int, Sequence[Row]] = OrderedDict()
        self.finding_rows: list[int] = []
        """The first row of every finding, in view order."""
        self.hunk_rows: list[int] = []
        self.file_rows: list[int] = []
        self.hunk_spans: list[HunkSpan] = []
        """Every displayed hunk's rows in view order."""
        self._hunk_block: dict[tuple[int, int], int] = {}
        self._canonical: DiffLayout | None = None
        self.total_rows = self._build()

    @property
    def plain(self) -> bool:
        """Unified, unwrapped, nothing collapsed, a row per finding: the canonical layout coverage is measured in."""
        return not self.split and self.wrap is None and not self.collapsed and not self._tall

    @property
    def canonical(self) -> DiffLayout:
        if self.plain:
            return self
        if self._canonical is None:
            self._canonical = DiffLayout(self.change, self.findings)
        return self._canonical

    def row(self, index: int) -> Row:
        block_index = bisect.bisect_right(self._starts, index) - 1
        block = self._blocks[block_index]
        offset = index - self._starts[block_index]
        if block.file is None:
            return self._top_row(offset)
        if block.hunk is None:
            return self._file_row(block.file, offset)
        table = self._table(block_index)
        if table is not None:
            return table[offset]
        return (
            Row(RowKind.HUNK, block.file, block.hunk)
            if offset == 0
            else Row(RowKind.LINE, block.file, block.hunk, offset - 1)
        )

    def notes(self, file: int) -> list[str]:
        """The header notes of a file (rename, mode, binary, collapsed banner...), as the NOTE rows show them."""
        return self._notes.get(file, [])

    def findings_on(self, file: int, hunk: int, line: int) -> list[Finding]:
        """Findings anchored to one diff line (for the gutter marker)."""
        anchors = self._line_findings.get((file, hunk))
        if not anchors:
            return []
        diff_line = self.change.files[file].hunks[hunk].lines[line]
        return anchors.get(_key(diff_line.kind, diff_line.old_no, diff_line.new_no), [])

    def line_row(self, file: int, hunk: int, line: int) -> int | None:
        """The first row showing a line, or None when its file is collapsed."""
        block_index = self._hunk_block.get((file, hunk))
        if block_index is None:
            return None
        start = self._starts[block_index]
        table = self._table(block_index)
        if table is None:
            return start + 1 + line
        if isinstance(table, _Rows):
            return start + table.offset_of(line)
        for offset, row in enumerate(table):
            if row.kind is RowKind.LINE and row.part == 0 and line in (row.line, row.right):
                return start + offset
        return start

    def hunk_row(self, file: int, hunk: int) -> int | None:
        block_index = self._hunk_block.get((file, hunk))
        return None if block_index is None else self._starts[block_index]

    def hunk_at(self, row: int) -> tuple[int, int] | None:
        """The hunk a row belongs to (its header, lines or findings), if any."""
        found = self.row(row)
        if found.file is None or found.hunk is None:
            return None
        return found.file, found.hunk

    def file_at(self, row: int) -> int | None:
        """The file whose header or hunks a row belongs to."""
        index = bisect.bisect_right(self.file_rows, row) - 1
        return index if index >= 0 else None

    def canonical_spans(
        self, top: int, bottom: int, pieces: dict[Row, set[int]] | None = None
    ) -> list[tuple[int, int]]:
        """Rows `top`..`bottom` of this layout as intervals of canonical rows (only rows inside hunks count).

        A wrapped line or a finding of several rows counts once all its pieces are on screen together, or, with
        `pieces` (the caller's record of the pieces shown so far, kept between calls), once each piece has been
        on screen at some point: paging down through a wrapped line that straddles the page edge still shows it
        all. Without that record, a line taller than the screen counts at its last piece."""
        if self.plain:
            return [(top, bottom)]
        canon = self.canonical
        rows: set[int] = set()
        height = bottom - top
        for index in range(top, min(bottom, self.total_rows)):
            row = self.row(index)
            if row.file is None or row.hunk is None:
                continue
            if row.parts > 1:
                complete = index - row.part >= top and index - row.part + row.parts <= bottom
                if pieces is not None and not complete:
                    shown = pieces.setdefault(replace(row, part=0), set())
                    shown.add(row.part)
                    complete = len(shown) == row.parts
                if not complete and not (row.parts > height and row.part == row.parts - 1):
                    continue
            start = canon.hunk_row(row.file, row.hunk)
            assert start is not None
            if row.kind is RowKind.HUNK:
                rows.add(start)
            elif row.kind is RowKind.LINE:
                for line in {row.line, row.right} - {None}:
                    assert line is not None
                    found = canon.line_row(row.file, row.hunk, line)
                    if found is not None:
                        rows.add(found)
            elif row.kind is RowKind.FINDING and row.finding is not None:
                rows.add(canon._finding_row(row.file, row.hunk, row.finding))
        return _intervals(sorted(rows))

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
            elif finding.line is None or finding.hunk is None or file in self.collapsed:
                self._file_findings[file].append(finding)  # a collapsed file still shows every finding
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
            self._change_ends = self._heights(self._change_findings)
            self.finding_rows += [row + start for start in [0, *self._change_ends[:-1]]]
            add(_Block(None, None, self._change_ends[-1] + 1))
        for f, file in enumerate(self.change.files):
            notes = file_details(file)
            self._notes[f] = notes
            head = 2 + len(notes) + (1 if f in self.collapsed else 0)
            ends = self._heights(self._file_findings.get(f, []))
            if ends:
                self._file_ends[f] = ends
            self.file_rows.append(row)
            self.finding_rows += [row + head + start for start in [0, *ends[:-1]]] if ends else []
            add(_Block(f, None, head + (ends[-1] if ends else 0)))
            if f in self.collapsed:
                continue
            for h, hunk in enumerate(file.hunks):
                self.hunk_rows.append(row)
                self._hunk_block[(f, h)] = len(self._blocks)
                anchors = self._line_findings.get((f, h))
                if anchors:
                    table = self._hunk_table(f, h)
                    self._tables[len(self._blocks)] = table
                    self.finding_rows += [
                        row + i for i, r in enumerate(table) if r.kind is RowKind.FINDING and r.part == 0
                    ]
                    add(_Block(f, h, len(table)))
                elif self.split or self.wrap is not None:
                    add(_Block(f, h, self._count(f, h)))
                else:
                    add(_Block(f, h, 1 + len(hunk.lines)))
                self.hunk_spans.append(HunkSpan(f, h, self._starts[-1], self._blocks[-1].rows))
        return row

    def _heights(self, findings: list[Finding]) -> list[int]:
        """Running totals of the rows the findings take (where each one ends)."""
        heights = [max(1, self._finding_height(finding)) for finding in findings]
        self._tall = self._tall or any(height > 1 for height in heights)
        return list(accumulate(heights))

    def _finding_parts(self, f: int, h: int, line: int | None, findings: list[Finding]) -> list[Row]:
        rows = []
        for finding in findings:
            parts = max(1, self._finding_height(finding))
            self._tall = self._tall or parts > 1
            rows += [Row(RowKind.FINDING, f, h, line, finding, None, part, parts) for part in range(parts)]
        return rows

    def _units(self, f: int, h: int) -> Iterator[tuple[int | None, int | None]]:
        """The hunk's lines as rows before wrapping: (line, None) unified; (left, right) side by side, where a run
        of removed lines faces the run of added lines after it."""
        lines = self.change.files[f].hunks[h].lines
        if not self.split:
            for i in range(len(lines)):
                yield i, None
            return
        i = 0
        while i < len(lines):
            if lines[i].kind is LineKind.CONTEXT:
                yield i, i
                i += 1
                continue
            removed = []
            while i < len(lines) and lines[i].kind is LineKind.REMOVED:
                removed.append(i)
                i += 1
            added = []
            while i < len(lines) and lines[i].kind is LineKind.ADDED:
                added.append(i)
                i += 1
            for k in range(max(len(removed), len(added))):
                yield (removed[k] if k < len(removed) else None), (added[k] if k < len(added) else None)

    def _parts(self, f: int, left: int | None, right: int | None, h: int) -> int:
        if self.wrap is None:
            return 1
        lines = self.change.files[f].hunks[h].lines
        return max(self.wrap(lines[i]) for i in (left, right) if i is not None)

    def _count(self, f: int, h: int) -> int:
        if not self.split and self.wrap is not None:
            return 1 + sum(map(self.wrap, self.change.files[f].hunks[h].lines))  # the hot path of a huge hunk
        return 1 + sum(self._parts(f, left, right, h) for left, right in self._units(f, h))

    def _hunk_table(self, f: int, h: int) -> list[Row]:
        anchors = self._line_findings.get((f, h), {})
        lines = self.change.files[f].hunks[h].lines
        rows = [Row(RowKind.HUNK, f, h)]
        placed: set[tuple[Side, int]] = set()
        for left, right in self._units(f, h):
            parts = self._parts(f, left, right, h)
            rows += [Row(RowKind.LINE, f, h, left, None, right, p, parts) for p in range(parts)]
            for i in (left, right):
                if i is None:
                    continue
                key = _key(lines[i].kind, lines[i].old_no, lines[i].new_no)
                if key in anchors and key not in placed:
                    placed.add(key)
                    rows += self._finding_parts(f, h, i, anchors[key])
        for key, findings in anchors.items():  # anchored to a line this hunk does not show: keep, never drop
            if key not in placed:
                rows += self._finding_parts(f, h, None, findings)
        return rows

    def _table(self, block_index: int) -> Sequence[Row] | None:
        """A hunk's row table: built with the layout when it has findings, on demand (and cached) in split or
        wrap mode, and never in the default mode, where a row is arithmetic."""
        built = self._tables.get(block_index)
        if built is not None or (not self.split and self.wrap is None):
            return built
        lazy = self._lazy.get(block_index)
        if lazy is None:
            block = self._blocks[block_index]
            assert block.file is not None and block.hunk is not None
            lazy = _Rows(self, block.file, block.hunk)
            self._lazy[block_index] = lazy
            if len(self._lazy) > 64:
                self._lazy.popitem(last=False)
        else:
            self._lazy.move_to_end(block_index)
        return lazy

    def _finding_row(self, f: int, h: int, finding: Finding) -> int:
        block_index = self._hunk_block[(f, h)]
        table: Sequence[Row] = self._table(block_index) or []
        for offset, row in enumerate(table):
            if row.finding is finding:
                return self._starts[block_index] + offset
        return self._starts[block_index]

    def _top_row(self, offset: int) -> Row:
        found = _piece(self._change_findings, self._change_ends, offset)
        if found is not None:
            finding, part, parts = found
            return Row(RowKind.FINDING, finding=finding, part=part, parts=parts)
        return Row(RowKind.BLANK)

    def _file_row(self, f: int, offset: int) -> Row:
        if offset == 0:
            return Row(RowKind.BLANK, f)
        if offset == 1:
            return Row(RowKind.FILE, f)
        notes = len(self._notes.get(f, []))
        if offset - 2 < notes:
            return Row(RowKind.NOTE, f, line=offset - 2)
        banner = 1 if f in self.collapsed else 0
        if banner and offset - 2 == notes:
            return Row(RowKind.COLLAPSED, f)
        found = _piece(self._file_findings[f], self._file_ends[f], offset - 2 - notes - banner)
        assert found is not None
        finding, part, parts = found
        return Row(RowKind.FINDING, f, finding=finding, part=part, parts=parts)


class _Rows(Sequence[Row]):
    """The rows of a hunk without findings in split or wrap mode, without one object per row: the hunk's units
    (lines, or side-by-side pairs) and the running total of their rows; a row is found by bisection."""

    def __init__(self, layout: DiffLayout, f: int, h: int) -> None:
        self.file = f
        self.hunk = h
        self.units = list(layout._units(f, h))
        self.ends = list(accumulate(layout._parts(f, left, right, h) for left, right in self.units))

        self._where: dict[int, int] | None = None

    def __len__(self) -> int:
        return 1 + (self.ends[-1] if self.ends else 0)

    def offset_of(self, line: int) -> int:
        """The offset of the first row showing `line` (without walking the rows)."""
        if self._where is None:
            self._where = {}
            for unit, (left, right) in enumerate(self.units):
                for index in (left, right):
                    if index is not None:
                        self._where.setdefault(index, unit)
        unit = self._where.get(line, 0)
        return 1 + (self.ends[unit - 1] if unit else 0)

    def __getitem__(self, offset: int) -> Row:  # type: ignore[override]
        if offset == 0:
            return Row(RowKind.HUNK, self.file, self.hunk)
        unit = bisect.bisect_right(self.ends, offset - 1)
        start = self.ends[unit - 1] if unit else 0
        left, right = self.units[unit]
        parts = self.ends[unit] - start
        return Row(RowKind.LINE, self.file, self.hunk, left, None, right, offset - 1 - start, parts)


def file_details(file: FileChange) -> list[str]:
    """What a file header says beyond the path and counts: how the file moved, changed type or mode, and why
    there may be no text to show. Raw (untrusted) text: the view makes it inert."""
    notes = []
    if file.status is FileStatus.RENAMED or file.status is FileStatus.COPIED:
        verb = "renamed" if file.status is FileStatus.RENAMED else "copied"
        similar = f" ({file.similarity}% similar)" if file.similarity is not None else ""
        notes.append(f"{verb} from {file.old_path}{similar}")
    if file.submodule:
        old = (file.old_blob or "")[:12] or "none"
        new = (file.new_blob or "")[:12] or "none"
        notes.append(f"submodule commit {old} → {new}")
    elif file.status is FileStatus.TYPE_CHANGED:
        notes.append(f"type changed: mode {file.old_mode} → {file.new_mode}")
    elif file.old_mode and file.new_mode and file.old_mode != file.new_mode:
        notes.append(f"mode {file.old_mode} → {file.new_mode}" + ("" if file.hunks else ", content unchanged"))
    if file.symlink and not file.submodule:
        notes.append("symbolic link: the lines are its target")
    if file.binary:
        notes.append("binary file: no text to show")
    if file.decode_errors:
        notes.append(f"{file.decode_errors} undecodable byte sequence(s) shown as U+FFFD")
    if not notes and not file.hunks:
        notes.append("no content change")
    return notes


def wrapped_rows(width: int) -> Callable[[int], int]:
    """Rows a text of `cells` cells needs at `width` cells per row."""
    return lambda cells: max(1, math.ceil(cells / max(1, width)))


def _piece(findings: list[Finding], ends: list[int], offset: int) -> tuple[Finding, int, int] | None:
    """Which finding (and which of its rows) sits `offset` rows into a run of findings that end at `ends`."""
    index = bisect.bisect_right(ends, offset)
    if index >= len(findings):
        return None
    start = ends[index - 1] if index else 0
    return findings[index], offset - start, ends[index] - start


def _intervals(rows: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for row in rows:
        if out and out[-1][1] == row:
            out[-1] = (out[-1][0], row + 1)
        else:
            out.append((row, row + 1))
    return out


def _key(kind: LineKind, old_no: int | None, new_no: int | None) -> tuple[Side, int]:
    if kind is LineKind.REMOVED:
        return (Side.OLD, old_no or 0)
    return (Side.NEW, new_no or 0)
