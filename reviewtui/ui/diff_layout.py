"""Where each row of a diff view comes from, computed without building the rows.

A change is laid out as blocks: change-level findings at the top, then per file a header block (blank line, title,
detail lines such as a rename, mode change, binary or submodule note, the banner of a collapsed file, findings about
the whole file) and one block per hunk (its header, its lines, and each finding right under the line it is anchored
to, in as many rows as its text needs at the view's width). Only each block's first row is stored; a row is found
by bisection.

In the default mode (unified, no wrap) a hunk's row count is known without looking at its lines, so opening a
100k-line change costs one pass over hunk headers, not one object per line. A hunk that carries findings gets a
compact table (`_Rows`: where each finding sits, found by a lookup of its line number), never one `Row` per line or
per wrapped piece. Side-by-side and wrap modes need each hunk's row count (one pass of cheap arithmetic over the
lines when the mode is switched on) and build the compact tables of displayed hunks on demand, in a bounded cache.

Coverage is measured in one coordinate system whatever the mode: the rows of the canonical layout (unified, no
wrap, every file expanded). `canonical_spans` maps what is on screen now into that system, so switching modes or
expanding a file never credits or loses a hunk.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from itertools import accumulate
from operator import attrgetter

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
        self._finding_rows_of: FindingMeasure = finding_rows or (lambda _finding: 1)
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
        self._tables: dict[int, _Rows] = {}
        self._lazy: OrderedDict[int, _Rows] = OrderedDict()
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
        return start + table.offset_of(line)

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
                    table = _Rows(self, f, h, anchors)
                    self._tables[len(self._blocks)] = table
                    self.finding_rows += [row + offset for offset in table.finding_offsets()]
                    add(_Block(f, h, len(table)))
                elif self.split or self.wrap is not None:
                    table = _Rows(self, f, h, {})  # counting the rows is building the table: keep it for the screen
                    self._keep(len(self._blocks), table)
                    add(_Block(f, h, len(table)))
                else:
                    add(_Block(f, h, 1 + len(hunk.lines)))
                self.hunk_spans.append(HunkSpan(f, h, self._starts[-1], self._blocks[-1].rows))
        return row

    def _heights(self, findings: list[Finding]) -> list[int]:
        """Running totals of the rows the findings take (where each one ends)."""
        return list(accumulate(self._finding_height(finding) for finding in findings))

    def _finding_height(self, finding: Finding) -> int:
        parts = max(1, self._finding_rows_of(finding))
        self._tall = self._tall or parts > 1
        return parts

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

    def _table(self, block_index: int) -> _Rows | None:
        """A hunk's row table: built with the layout when it has findings, on demand (and cached) in split or
        wrap mode, and never in the default mode, where a row is arithmetic."""
        built = self._tables.get(block_index)
        if built is not None or (not self.split and self.wrap is None):
            return built
        lazy = self._lazy.get(block_index)
        if lazy is None:
            block = self._blocks[block_index]
            assert block.file is not None and block.hunk is not None
            lazy = _Rows(self, block.file, block.hunk, {})
            self._keep(block_index, lazy)
        else:
            self._lazy.move_to_end(block_index)
        return lazy

    def _keep(self, block_index: int, table: _Rows) -> None:
        self._lazy[block_index] = table
        if len(self._lazy) > 64:
            self._lazy.popitem(last=False)

    def _finding_row(self, f: int, h: int, finding: Finding) -> int:
        block_index = self._hunk_block[(f, h)]
        table = self._table(block_index)
        offset = table.finding_offset(finding) if table is not None else None
        return self._starts[block_index] + (offset or 0)

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


Placed = tuple[Finding, int | None, int]
"""A finding under a hunk line: the finding, the line it is anchored to (None: not shown by the hunk), its rows."""


class _Rows(Sequence[Row]):
    """The rows of one hunk without one object per row (a wrapped 10 MB line is 70k rows; a 100k-line hunk with one
    finding is 100k): its units (lines, or side-by-side pairs), their running row totals when wrapping, and its
    findings, each placed under the unit showing its line. A row is found by bisection, first among the findings'
    rows, then among the units'.

    Building it is one pass over the hunk's units in split or wrap mode, and in the default mode (one row per line)
    a lookup of each finding's line (`list.index` over the line numbers), so opening a huge hunk with a finding
    creates no object per line."""

    def __init__(self, layout: DiffLayout, f: int, h: int, anchors: dict[tuple[Side, int], list[Finding]]) -> None:
        self.file = f
        self.hunk = h
        lines = layout.change.files[f].hunks[h].lines
        self.units: _Units | None = _Units(layout._units(f, h)) if layout.split else None
        """Side by side: (left, right) per row before wrapping; None in unified mode, where unit i is line i."""
        count = len(self.units) if self.units is not None else len(lines)
        self.ends: array[int] | None = None
        """Wrap mode: the running total of the units' rows; None when each unit is one row."""
        if layout.wrap is not None and self.units is None:
            self.ends = array("q", accumulate(map(layout.wrap, lines)))  # the hot path of a huge hunk
        elif layout.wrap is not None and self.units is not None:
            wrap = layout.wrap

            def parts(unit: tuple[int | None, int | None]) -> int:
                left, right = unit
                if right is None or left == right:
                    return wrap(lines[left]) if left is not None else 1
                return wrap(lines[right]) if left is None else max(wrap(lines[left]), wrap(lines[right]))

            self.ends = array("q", accumulate(map(parts, self.units)))
        self._unit_rows = self.ends[-1] if self.ends else (0 if self.ends is not None else count)
        self._where: dict[int, int] | None = None
        self.inserts: list[tuple[int, list[Placed]]] = self._place(layout, lines, anchors, count) if anchors else []
        """Findings after unit `u` (the last unit for findings whose line the hunk does not show), in view order."""
        self._insert_units = [unit for unit, _ in self.inserts]
        self._insert_rows: list[int] = []
        """Where each insert starts, in rows after the hunk header."""
        self._through: list[int] = []
        """Finding rows up to and including each insert."""
        total = 0
        for unit, placed in self.inserts:
            self._insert_rows.append(self._rows_through(unit) + total)
            total += sum(parts for _, _, parts in placed)
            self._through.append(total)

    def _place(
        self, layout: DiffLayout, lines: Sequence[DiffLine], anchors: dict[tuple[Side, int], list[Finding]], count: int
    ) -> list[tuple[int, list[Placed]]]:
        olds = list(map(_OLD_NO, lines))
        news = list(map(_NEW_NO, lines))
        spots: list[tuple[int, int, list[Placed]]] = []
        orphans: list[Placed] = []
        for (side, number), findings in anchors.items():
            line = _find(olds if side is Side.OLD else news, number)
            if line is not None and (lines[line].kind is LineKind.REMOVED) != (side is Side.OLD):
                line = None
            placed = [(finding, line, layout._finding_height(finding)) for finding in findings]
            if line is None:
                orphans += [(finding, None, parts) for finding, _, parts in placed]
                continue
            unit = self._unit_of(line)
            left = self.units[unit][0] if self.units is not None else line
            spots.append((unit, 0 if left == line else 1, placed))
        spots.sort(key=lambda spot: (spot[0], spot[1]))
        inserts = [(unit, placed) for unit, _, placed in spots]
        if orphans:  # anchored to a line this hunk does not show: keep, never drop
            inserts.append((count - 1, orphans))
        return inserts

    def __len__(self) -> int:
        return 1 + self._unit_rows + (self._through[-1] if self._through else 0)

    def _rows_through(self, unit: int) -> int:
        """Rows of units 0..`unit` (findings not counted)."""
        if unit < 0:
            return 0
        return self.ends[unit] if self.ends is not None else unit + 1

    def _unit_of(self, line: int) -> int:
        if self.units is None:
            return line
        if self._where is None:
            self._where = {}
            for unit, (left, right) in enumerate(self.units):
                for index in (left, right):
                    if index is not None:
                        self._where.setdefault(index, unit)
        return self._where.get(line, 0)

    def offset_of(self, line: int) -> int:
        """The offset of the first row showing `line` (without walking the rows)."""
        unit = self._unit_of(line)
        inserts = bisect.bisect_left(self._insert_units, unit)
        return 1 + self._rows_through(unit - 1) + (self._through[inserts - 1] if inserts else 0)

    def finding_offsets(self) -> list[int]:
        """The offset of each finding's first row, in view order."""
        out = []
        for start, (_, placed) in zip(self._insert_rows, self.inserts, strict=True):
            for _, _, parts in placed:
                out.append(1 + start)
                start += parts
        return out

    def finding_offset(self, finding: Finding) -> int | None:
        for start, (_, placed) in zip(self._insert_rows, self.inserts, strict=True):
            for candidate, _, parts in placed:
                if candidate is finding:
                    return 1 + start
                start += parts
        return None

    def __getitem__(self, offset: int) -> Row:  # type: ignore[override]
        if offset == 0:
            return Row(RowKind.HUNK, self.file, self.hunk)
        at = offset - 1
        k = bisect.bisect_right(self._insert_rows, at) - 1
        before = 0
        if k >= 0:
            start = self._insert_rows[k]
            if at < start + self._through[k] - (self._through[k - 1] if k else 0):
                for finding, line, parts in self.inserts[k][1]:
                    if at < start + parts:
                        return Row(RowKind.FINDING, self.file, self.hunk, line, finding, None, at - start, parts)
                    start += parts
            before = self._through[k]
        at -= before
        if self.ends is None:
            unit, part, parts = at, 0, 1
        else:
            unit = bisect.bisect_right(self.ends, at)
            first = self.ends[unit - 1] if unit else 0
            part, parts = at - first, self.ends[unit] - first
        left, right = self.units[unit] if self.units is not None else (unit, None)
        return Row(RowKind.LINE, self.file, self.hunk, left, None, right, part, parts)


class _Units(Sequence[tuple[int | None, int | None]]):
    """Side-by-side rows before wrapping, (left, right) line indexes, kept in two integer arrays: a 100k-line hunk
    is 1.6 MB and two objects, not 100k tuples for the garbage collector to walk (leaving split+wrap for split on
    a 100k-line hunk stalled the UI thread 124 ms with tuples, 48 ms with arrays)."""

    __slots__ = ("_left", "_right")

    def __init__(self, units: Iterator[tuple[int | None, int | None]]) -> None:
        self._left = array("q")
        self._right = array("q")
        for left, right in units:
            self._left.append(-1 if left is None else left)
            self._right.append(-1 if right is None else right)

    def __len__(self) -> int:
        return len(self._left)

    def __getitem__(self, unit: int) -> tuple[int | None, int | None]:  # type: ignore[override]
        left, right = self._left[unit], self._right[unit]
        return (None if left < 0 else left), (None if right < 0 else right)

    def __iter__(self) -> Iterator[tuple[int | None, int | None]]:
        for left, right in zip(self._left, self._right, strict=True):
            yield (None if left < 0 else left), (None if right < 0 else right)


_OLD_NO = attrgetter("old_no")
_NEW_NO = attrgetter("new_no")


def _find(numbers: list[int | None], number: int) -> int | None:
    try:
        return numbers.index(number)
    except ValueError:
        return None


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
