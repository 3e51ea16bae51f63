"""A virtual diff view: the cost of a frame depends on the rows on screen, not on the size of the change.

The change is laid out as blocks (a file header, or a hunk: its header plus its lines). Only the start row of each
block is stored, so opening a 100k-line diff costs one pass over its hunks, and `render_line` finds a row's block
by bisection. Rendered rows are cached by everything that changes their look. Every piece of text from the change
passes through `inert` before it becomes a Segment, so no diff content can reach the terminal as a sequence.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reviewtui.model import Change, DiffLine, FileChange, Hunk, LineKind
from reviewtui.rules.finding import Finding
from reviewtui.table import clip, text_width
from reviewtui.text import inert
from reviewtui.ui.diff_layout import DiffLayout, Row, RowKind

_GUTTER = 13  # "12345 12345 " plus the +/- mark
_PYGMENTS_STYLE = get_style_by_name("monokai")
_ADDED_BG = "#12361f"
_REMOVED_BG = "#3d1418"
_HEADER_STYLE = Style(bold=True, color="#e6e6e6", bgcolor="#30364a")
_HUNK_STYLE = Style(color="#7aa2f7", bgcolor="#1d2030")
_GUTTER_STYLE = Style(color="#6c7086")
_NOTE_STYLE = Style(color="#a6adc8", italic=True)
SEVERITY_COLOURS = {"critical": "#ff5f87", "high": "#ff8700", "medium": "#ffd75f", "low": "#87afff", "info": "#a8a8a8"}


class DiffView(ScrollView, can_focus=True):
    """Scrollable unified diff of one change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Down", show=False, id="diff.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="diff.up"),
        Binding("n", "next_hunk", "Next hunk", id="diff.next_hunk"),
        Binding("N", "previous_hunk", "Prev hunk", id="diff.previous_hunk"),
        Binding("right_square_bracket", "next_file", "Next file", id="diff.next_file"),
        Binding("left_square_bracket", "previous_file", "Prev file", id="diff.previous_file"),
        Binding("f", "next_finding", "Next finding", id="diff.next_finding"),
        Binding("F", "previous_finding", "Prev finding", id="diff.previous_finding"),
        Binding("g,home", "scroll_home", "Top", show=False, id="diff.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="diff.bottom"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `j` / `k` | Scroll down / up. |
    | `n` / `N` | Next / previous hunk. |
    | `]` / `[` | Next / previous file. |
    | `f` / `F` | Next / previous finding. |
    | `g` / `G` | Top / bottom. |
    """

    def __init__(self, change: Change, findings: tuple[Finding, ...] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.change = change
        self.layout_map = DiffLayout(change, findings)
        self.total_rows = self.layout_map.total_rows
        self.virtual_size = Size(0, self.total_rows)
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._lexers: dict[str, Lexer | None] = {}

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, self.total_rows)

    # -- rendering ---------------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if row >= self.total_rows or width <= 0:
            return Strip.blank(width)
        key = (row, width)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render_row(self.layout_map.row(row), width)
            self._cache[key] = cached
        return cached

    def _render_row(self, row: Row, width: int) -> Strip:
        if row.kind is RowKind.FINDING:
            assert row.finding is not None
            return _finding_row(row.finding, width)
        if row.file is None or row.kind is RowKind.BLANK:
            return Strip.blank(width)
        file = self.change.files[row.file]
        if row.kind is RowKind.FILE:
            return _fill([Segment(clip(" " + file_title(file), width), _HEADER_STYLE)], width, _HEADER_STYLE)
        if row.kind is RowKind.NOTE:
            return _fill([Segment(clip(" " * _GUTTER + file_note(file), width), _NOTE_STYLE)], width)
        assert row.hunk is not None
        hunk = file.hunks[row.hunk]
        if row.kind is RowKind.HUNK:
            return _fill([Segment(clip(_hunk_header(hunk), width), _HUNK_STYLE)], width, _HUNK_STYLE)
        assert row.line is not None
        marked = self.layout_map.findings_on(row.file, row.hunk, row.line)
        return self._line_row(file, hunk.lines[row.line], width, marked)

    def _line_row(self, file: FileChange, line: DiffLine, width: int, findings: list[Finding]) -> Strip:
        bg = {LineKind.ADDED: _ADDED_BG, LineKind.REMOVED: _REMOVED_BG}.get(line.kind)
        base = Style(bgcolor=bg) if bg else Style()
        mark = {LineKind.ADDED: "+", LineKind.REMOVED: "-", LineKind.CONTEXT: " "}[line.kind]
        segments = [Segment(f"{_num(line.old_no)} {_num(line.new_no)}", _GUTTER_STYLE + base)]
        if findings:
            worst = max(f.severity for f in findings)
            segments.append(Segment("●", Style(color=SEVERITY_COLOURS[worst.value], bold=True) + base))
        else:
            segments.append(Segment(" ", base))
        segments.append(Segment(mark, _GUTTER_STYLE + base))
        room = width - _GUTTER
        text = inert(line.text.expandtabs(4))
        if text_width(text) > room:
            text = clip(text, room)
        segments += self._highlight(file, text, base)
        if line.no_newline:
            segments.append(Segment("  (no newline at end of file)", _NOTE_STYLE + base))
        return _fill(segments, width, base)

    def _highlight(self, file: FileChange, text: str, base: Style) -> list[Segment]:
        lexer = self._lexer(file.language)
        if lexer is None:
            return [Segment(text, base)]
        segments = []
        for token, value in lexer.get_tokens(text):
            value = value.rstrip("\n") if value.endswith("\n") else value
            if value:
                segments.append(Segment(value, base + _token_style(token)))
        return segments

    def _lexer(self, language: str | None) -> Lexer | None:
        if language is None:
            return None
        if language not in self._lexers:
            try:
                self._lexers[language] = get_lexer_by_name(_lexer_alias(language), stripnl=False, ensurenl=False)
            except ClassNotFound:
                self._lexers[language] = None
        return self._lexers[language]

    # -- navigation --------------------------------------------------------------------------------------------------

    def _jump(self, rows: list[int], forward: bool) -> None:
        here = int(self.scroll_offset.y)
        if forward:
            target = next((r for r in rows if r > here), None)
        else:
            target = next((r for r in reversed(rows) if r < here), None)
        if target is not None:
            self.scroll_to(y=target, animate=False)

    def action_next_hunk(self) -> None:
        self._jump(self.layout_map.hunk_rows, True)

    def action_previous_hunk(self) -> None:
        self._jump(self.layout_map.hunk_rows, False)

    def action_next_file(self) -> None:
        self._jump(self.layout_map.file_rows, True)

    def action_previous_file(self) -> None:
        self._jump(self.layout_map.file_rows, False)

    def action_next_finding(self) -> None:
        self._jump([max(0, r - 3) for r in self.layout_map.finding_rows], True)

    def action_previous_finding(self) -> None:
        self._jump([max(0, r - 3) for r in self.layout_map.finding_rows], False)


def _finding_row(finding: Finding, width: int) -> Strip:
    colour = SEVERITY_COLOURS[finding.severity.value]
    tool = f" [{finding.tool}]" if finding.tool else ""
    text = f"{finding.severity.value.upper()} {finding.rule}{tool}: {finding.message}"
    if finding.fix:
        text += f" — {finding.fix}"
    segments = [
        Segment(" " * (_GUTTER - 2) + "▲ ", Style(color=colour, bold=True)),
        Segment(clip(inert(text, keep_tabs=False), max(1, width - _GUTTER)), Style(color=colour)),
    ]
    return _fill(segments, width)


def file_title(file: FileChange) -> str:
    path = inert(file.path)
    if file.old_path and file.new_path and file.old_path != file.new_path:
        path = f"{inert(file.old_path)} → {inert(file.new_path)}"
    flags = [file.status.value]
    if file.similarity is not None:
        flags.append(f"{file.similarity}% similar")
    if file.binary:
        flags.append("binary")
    if file.submodule:
        flags.append("submodule")
    if file.symlink:
        flags.append("symlink")
    return f"{path}  ({', '.join(flags)})  +{file.added} -{file.deleted}"


def file_note(file: FileChange) -> str:
    if file.binary:
        return "binary file: no text to show"
    if file.old_mode != file.new_mode and file.old_mode and file.new_mode:
        return f"mode {file.old_mode} → {file.new_mode}, content unchanged"
    return "no content change"


def _hunk_header(hunk: Hunk) -> str:
    return f"@@ -{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count} @@ {inert(hunk.section)}"


def _num(number: int | None) -> str:
    return f"{number:>5}" if number is not None else "     "


def _fill(segments: list[Segment], width: int, style: Style | None = None) -> Strip:
    return Strip(segments).adjust_cell_length(width, style)


def _lexer_alias(language: str) -> str:
    """Lexer names ("Python", "Text only") are not always aliases; the lower-cased first word usually is."""
    return {"Text only": "text", "Docker": "docker", "CODEOWNERS": "text"}.get(language, language.lower())


_STYLE_CACHE: dict[_TokenType, Style] = {}


def _token_style(token: _TokenType) -> Style:
    style = _STYLE_CACHE.get(token)
    if style is None:
        spec = _PYGMENTS_STYLE.style_for_token(token)
        style = Style(
            color=f"#{spec['color']}" if spec["color"] else None,
            bold=spec["bold"] or None,
            italic=spec["italic"] or None,
        )
        _STYLE_CACHE[token] = style
    return style
