"""A virtual diff view: the cost of a frame depends on the rows on screen, not on the size of the change.

The change is laid out as blocks (a file header, or a hunk: its header plus its lines). Only the start row of each
block is stored, so opening a 100k-line diff costs one pass over its hunks, and `render_line` finds a row's block
by bisection. Rendered rows are cached by everything that changes their look. Every piece of text from the change
passes through `inert` before it becomes a Segment, so no diff content can reach the terminal as a sequence.

The view also reports which rows are on screen (`DiffView.Displayed`) whenever that changes, which is how the review
screen learns which hunks a reviewer has actually seen, and it keeps a selected finding (the one `f`/`F` jumped to,
else the first one on screen) for keys that act on "this finding".
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
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
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reviewtui.approvals.statement import Acknowledgement
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
_SELECTED_STYLE = Style(bgcolor="#3a3f58")
_ACK_STYLE = Style(color="#87d787")
SEVERITY_COLOURS = {"critical": "#ff5f87", "high": "#ff8700", "medium": "#ffd75f", "low": "#87afff", "info": "#a8a8a8"}


class DiffView(ScrollView, can_focus=True):
    """Scrollable unified diff of one change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Down", show=False, id="diff.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="diff.up"),
        Binding("n", "next_hunk", "Next hunk", id="diff.next_hunk"),
        Binding("N", "previous_hunk", "Prev hunk", show=False, id="diff.previous_hunk"),
        Binding("right_square_bracket", "next_file", "Next file", id="diff.next_file"),
        Binding("left_square_bracket", "previous_file", "Prev file", show=False, id="diff.previous_file"),
        Binding("f", "next_finding", "Next finding", id="diff.next_finding"),
        Binding("F", "previous_finding", "Prev finding", show=False, id="diff.previous_finding"),
        Binding("g,home", "scroll_home", "Top", show=False, id="diff.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="diff.bottom"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `j` / `k` | Scroll down / up. |
    | `n` / `N` | Next / previous hunk. |
    | `]` / `[` | Next / previous file. |
    | `f` / `F` | Next / previous finding; it becomes the selected one (`▶`) that `A` and `W` act on. |
    | `g` / `G` | Top / bottom. |
    """

    class Displayed(Message):
        """The rows on screen changed (scroll, resize, first layout); handled by `on_diff_view_displayed`."""

        def __init__(self, view: DiffView, top: int, bottom: int, scrolled: bool) -> None:
            super().__init__()
            self.view = view
            self.top = top
            """First row on screen."""
            self.bottom = bottom
            """One past the last row on screen."""
            self.scrolled = scrolled
            """The reviewer moved the view (activity), as opposed to a resize or the first layout."""

        @property
        def control(self) -> DiffView:
            return self.view

    def __init__(self, change: Change, findings: tuple[Finding, ...] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.change = change
        self.layout_map = DiffLayout(change, findings)
        self.total_rows = self.layout_map.total_rows
        self.virtual_size = Size(0, self.total_rows)
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(2048)
        self._lexers: dict[str, Lexer | None] = {}
        self._selected: int | None = None
        self._acknowledgement: Callable[[Finding], Acknowledgement | None] = lambda _finding: None
        self._window = (0, 0)

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, self.total_rows)
        self._report(scrolled=False)

    def on_mount(self) -> None:
        self.call_after_refresh(self._report, scrolled=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._report(scrolled=True)

    # -- what is on screen -------------------------------------------------------------------------------------------

    @property
    def window(self) -> tuple[int, int]:
        """The rows on screen: first, and one past the last."""
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        return top, max(top, min(self.total_rows, top + height))

    def _report(self, *, scrolled: bool) -> None:
        window = self.window
        if window[1] > window[0] and window != self._window:
            self._window = window
            self.post_message(self.Displayed(self, window[0], window[1], scrolled))

    def announce(self) -> None:
        """Report the rows on screen again (e.g. to a reviewer who just took over the keyboard)."""
        self._window = (0, 0)
        self._report(scrolled=False)

    def selected_finding(self) -> Finding | None:
        """The finding keys act on: the one `f`/`F` selected if still on screen, else the first one on screen."""
        row = self._selected_row()
        if row is None:
            return None
        return self.layout_map.row(row).finding

    def _selected_row(self) -> int | None:
        top, bottom = self.window
        if self._selected is not None and top <= self._selected < bottom:
            return self._selected
        start = bisect.bisect_left(self.layout_map.finding_rows, top)
        if start < len(self.layout_map.finding_rows) and self.layout_map.finding_rows[start] < bottom:
            return self.layout_map.finding_rows[start]
        return None

    def show_acknowledgements(self, lookup: Callable[[Finding], Acknowledgement | None]) -> None:
        """Mark findings acknowledged or waived by the active reviewer (called again when that changes)."""
        self._acknowledgement = lookup
        self._cache.clear()
        self.refresh()

    # -- rendering ---------------------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if row >= self.total_rows or width <= 0:
            return Strip.blank(width)
        key = (row, width, row == self._selected_row())
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render_row(self.layout_map.row(row), width, key[2])
            self._cache[key] = cached
        return cached

    def _render_row(self, row: Row, width: int, selected: bool = False) -> Strip:
        if row.kind is RowKind.FINDING:
            assert row.finding is not None
            return _finding_row(row.finding, width, self._acknowledgement(row.finding), selected)
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
        self._select_finding(True)

    def action_previous_finding(self) -> None:
        self._select_finding(False)

    def _select_finding(self, forward: bool) -> None:
        """Select the next finding after (or before) the selected one, and scroll it to the fourth row.

        Without a selection on screen the search starts from that fourth row, which is where a jump leaves the
        finding; near the end of the diff, where the view cannot scroll further, findings are still selected.
        """
        rows = self.layout_map.finding_rows
        top, _ = self.window
        current = self._selected if self._selected is not None and self._selected == self._selected_row() else None
        if forward:
            anchor = current if current is not None else top + 2
            target = next((r for r in rows if r > anchor), None)
        else:
            anchor = current if current is not None else top + 3
            target = next((r for r in reversed(rows) if r < anchor), None)
        if target is None:
            return
        self._selected = target
        self._cache.clear()
        self.scroll_to(y=max(0, target - 3), animate=False)
        self.refresh()


def _finding_row(finding: Finding, width: int, ack: Acknowledgement | None = None, selected: bool = False) -> Strip:
    """`▲ HIGH rule: message — fix`; the selected finding is highlighted, an acknowledged one says so first."""
    colour = SEVERITY_COLOURS[finding.severity.value]
    base = _SELECTED_STYLE if selected else Style()
    tool = f" [{finding.tool}]" if finding.tool else ""
    text = f"{finding.severity.value.upper()} {finding.rule}{tool}: {finding.message}"
    if finding.fix:
        text += f" — {finding.fix}"
    marker = "▶ " if selected else "▲ "
    segments = [Segment(" " * (_GUTTER - 2) + marker, Style(color=colour, bold=True) + base)]
    room = max(1, width - _GUTTER)
    if ack is not None:
        verb = "acknowledged" if ack.kind == "ack" else "waived"
        label = clip(f"✓ {verb}: {inert(ack.reason, keep_tabs=False)} │ ", room)
        segments.append(Segment(label, _ACK_STYLE + base))
        room = max(1, room - text_width(label))
    segments.append(Segment(clip(inert(text, keep_tabs=False), room), Style(color=colour, dim=ack is not None) + base))
    return _fill(segments, width, base)


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
