"""A virtual diff view: the cost of a frame depends on the rows on screen, not on the size of the change.

The change is laid out by `DiffLayout` (ui/diff_layout.py) as blocks, and `render_line` finds a row's block by
bisection. Rendered rows are cached by everything that changes their look; Pygments highlighting and word-level
emphasis are computed only for lines that are drawn, and cached. Every piece of text from the change passes through
`inert` before it becomes a Segment, so no diff content can reach the terminal as a sequence.

Modes: unified or side by side (`s`), wrapped or truncated with a visible `…` marker (`w`; wrap shows the full
line). Switching a large change (`LAYOUT_IN_THREAD` lines) into split or wrap measures its lines in a thread; the old
layout stays on screen and usable until the new one goes in, with the line at the top kept at the top.
Generated, lock and vendored files start collapsed behind a banner (`e` expands). `/` searches the lines.

The view reports which rows are on screen (`DiffView.Displayed`, in the canonical coordinates coverage uses)
whenever that changes, which is how the review screen learns which hunks a reviewer has actually seen, and it keeps
a selected finding (the one `f`/`F` jumped to, else the first one on screen) for keys that act on "this finding".

Colours follow the app's theme: the `$primary`, `$panel`, `$warning`... variables, plus these optional theme
variables for what Textual has no name for: `diff-added-background`, `diff-removed-background`,
`diff-added-word`, `diff-removed-word`, `diff-search-match`, `diff-syntax-style` (a Pygments style name) and
`severity-critical` / `-high` / `-medium` / `-low` / `-info`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from reviewtui.approvals.statement import Acknowledgement
from reviewtui.filekind import FileKind
from reviewtui.intraline import Span, changed_spans, pairs_around
from reviewtui.model import Change, DiffLine, FileChange, Hunk, LineKind
from reviewtui.rules.finding import Finding
from reviewtui.table import clip
from reviewtui.text import inert
from reviewtui.ui.diff_layout import DiffLayout, FindingMeasure, Measure, Row, RowKind, wrapped_rows
from reviewtui.ui.display_line import CHUNK, DisplayLine
from reviewtui.ui.finding_text import FindingLine, Part, finding_lines
from reviewtui.ui.pool import released
from reviewtui.ui.widgets.scrollbar import QuietScrollBar
from reviewtui.viewed import ViewedMarks

_GUTTER = 13  # "12345 12345 " plus the finding mark and the +/- mark
_SIDE_GUTTER = 8  # "12345" + finding mark + "+/-" + space, per side in split mode
LEX_LIMIT = 4000
"""Characters of a line given to Pygments: a longer line (a minified file) is highlighted up to here, plain after."""
TRUNCATED = "…"
PAIRS_KEPT = 50_000
"""Lines whose partner (or lack of one) is remembered per hunk."""
NO_NEWLINE = "  (no newline at end of file)"
LAYOUT_IN_THREAD = 20_000
"""Lines shown side by side or wrapped above which a new layout is built in a thread (measuring 100k lines is
100-250 ms of Python) while the old one stays on screen and keeps answering keys."""
CHARS_IN_THREAD = 1_000_000
"""Characters wrapped above which the layout is built in a thread too (preparing a 10 MB line is a pass over it)."""
HUGE_KEPT = 64
"""Lines longer than CHUNK whose display form is kept for measuring (shared with the layout thread)."""
SEVERITY_COLOURS = {"critical": "#ff5f87", "high": "#ff8700", "medium": "#ffd75f", "low": "#87afff", "info": "#a8a8a8"}


@dataclass(frozen=True)
class Palette:
    """The view's styles, derived from the app's theme once per theme change."""

    added: Style
    removed: Style
    added_word: Style
    removed_word: Style
    match: Style
    header: Style
    hunk: Style
    gutter: Style
    note: Style
    banner: Style
    selected: Style
    ack: Style
    fix: Style
    fix_label: Style
    marker: Style
    viewed: Style
    syntax: StyleMeta
    severity: dict[str, str]


def palette(variables: dict[str, str], dark: bool) -> Palette:
    try:
        background = Color.parse(variables.get("background") or ("#000000" if dark else "#ffffff"))
    except ColorParseError:
        background = Color.parse("#000000" if dark else "#ffffff")

    def colour(name: str, fallback: str) -> str:
        """A theme variable as an opaque colour (translucent ones, like `$boost`, laid over the background)."""
        value = variables.get(name)
        if value:
            try:
                return (background + Color.parse(value)).hex6
            except ColorParseError:
                pass
        return fallback

    try:
        syntax = get_style_by_name(variables.get("diff-syntax-style") or ("monokai" if dark else "default"))
    except ClassNotFound:
        syntax = get_style_by_name("monokai" if dark else "default")
    added = colour("diff-added-background", "#12361f" if dark else "#dafbe1")
    removed = colour("diff-removed-background", "#3d1418" if dark else "#ffebe9")
    return Palette(
        added=Style(bgcolor=added),
        removed=Style(bgcolor=removed),
        added_word=Style(bgcolor=colour("diff-added-word", "#2c7a45" if dark else "#aceebb")),
        removed_word=Style(bgcolor=colour("diff-removed-word", "#8a2b36" if dark else "#ffc1c0")),
        match=Style(bgcolor=colour("diff-search-match", "#8a6d00" if dark else "#fff19c"), underline=True),
        header=Style(bold=True, color=colour("foreground", "#e6e6e6"), bgcolor=colour("panel", "#30364a")),
        hunk=Style(color=colour("primary", "#7aa2f7"), bgcolor=colour("surface", "#1d2030")),
        gutter=Style(color=colour("text-muted", "#6c7086" if dark else "#8c8fa1")),
        note=Style(color=colour("text-muted", "#a6adc8" if dark else "#5c5f77"), italic=True),
        banner=Style(color=colour("warning", "#ffd75f"), bold=True),
        selected=Style(bgcolor=colour("boost", "#3a3f58")),
        ack=Style(color=colour("success", "#87d787")),
        fix=Style(color=colour("foreground", "#e6e6e6" if dark else "#1e1e2e")),
        fix_label=Style(color=colour("accent", "#87afff" if dark else "#1e66f5"), bold=True),
        marker=Style(color=colour("warning", "#ffd75f"), bold=True, reverse=True),
        viewed=Style(color=colour("success", "#87d787"), bold=True),
        syntax=syntax,
        severity={k: colour(f"severity-{k}", v) for k, v in SEVERITY_COLOURS.items()},
    )


class DiffView(ScrollView, can_focus=True):
    """Scrollable diff of one change, unified or side by side."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Down", show=False, id="diff.down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="diff.up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="diff.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="diff.page_up"),
        Binding("n", "next_hunk", "Next hunk", id="diff.next_hunk"),
        Binding("N", "previous_hunk", "Prev hunk", show=False, id="diff.previous_hunk"),
        Binding("right_square_bracket", "next_file", "Next file", id="diff.next_file"),
        Binding("left_square_bracket", "previous_file", "Prev file", show=False, id="diff.previous_file"),
        Binding("f", "next_finding", "Next finding", id="diff.next_finding"),
        Binding("F", "previous_finding", "Prev finding", show=False, id="diff.previous_finding"),
        Binding("g,home", "scroll_home", "Top", show=False, id="diff.top"),
        Binding("G,end", "scroll_end", "Bottom", show=False, id="diff.bottom"),
        Binding("s", "toggle_split", "Split", id="diff.split"),
        Binding("w", "toggle_wrap", "Wrap", show=False, id="diff.wrap"),
        Binding("e", "toggle_collapse", "Expand file", show=False, id="diff.expand"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `j` / `k` | Scroll down / up. |
    | `pagedown` / `pageup` | Scroll a page down / up. |
    | `n` / `N` | Next / previous hunk. |
    | `]` / `[` | Next / previous file. |
    | `f` / `F` | Next / previous finding; it becomes the selected one (`▶`) that `A` and `W` act on. |
    | `g` / `G` | Top / bottom. |
    | `s` | Side-by-side or unified. |
    | `w` | Wrap long lines (shows every character) or truncate them with a `…` marker. |
    | `e` | Expand (or collapse again) the generated, lock or vendored file at the top of the view. |
    """

    class Displayed(Message):
        """The rows on screen changed (scroll, resize, mode, first layout); handled by `on_diff_view_displayed`."""

        def __init__(self, view: DiffView, top: int, bottom: int, scrolled: bool, spans: list[tuple[int, int]]) -> None:
            super().__init__()
            self.view = view
            self.top = top
            """First row on screen."""
            self.bottom = bottom
            """One past the last row on screen."""
            self.scrolled = scrolled
            """The reviewer moved the view (activity), as opposed to a resize or the first layout."""
            self.spans = spans
            """The rows on screen as intervals of the canonical layout (what coverage counts in)."""

        @property
        def control(self) -> DiffView:
            return self.view

    class Moved(Message):
        """The file at the top of the view changed; handled by `on_diff_view_moved` (the file tree follows)."""

        def __init__(self, view: DiffView, file: int | None) -> None:
            super().__init__()
            self.view = view
            self.file = file

        @property
        def control(self) -> DiffView:
            return self.view

    class _LaidOut(Message):
        """A layout built in the thread is ready (`generation` says which request it answers)."""

        def __init__(self, generation: int, layout: DiffLayout) -> None:
            super().__init__()
            self.generation = generation
            self.layout = layout

    def __init__(
        self,
        change: Change,
        findings: tuple[Finding, ...] = (),
        *,
        kinds: list[FileKind] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.change = change
        self.findings = findings
        self.kinds = kinds or []
        self.split = False
        """Side by side was asked for (what is drawn is `layout_map.split`: a new layout may still be building)."""
        self.wrap = False
        """Wrap was asked for (drawn: `layout_map.wrap`)."""
        self.collapsed = frozenset(i for i, kind in enumerate(self.kinds) if kind.collapsible)
        self.layout_map = DiffLayout(change, findings, collapsed=self.collapsed)
        self.total_rows = self.layout_map.total_rows
        self.virtual_size = Size(0, self.total_rows)
        self.viewed: ViewedMarks | None = None
        self.search_term = ""
        self.matches: list[tuple[int, int, int]] = []
        self.match_index: int | None = None
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(2048)
        self._lines: LRUCache[tuple[int, int, int], list[Segment]] = LRUCache(1024)
        """Lexed lines (their first LEX_LIMIT characters), one per line drawn."""
        self._shown: LRUCache[int, tuple[DiffLine, DisplayLine]] = LRUCache(1024)
        self._huge: dict[int, tuple[DiffLine, DisplayLine]] = {}
        """Lines longer than CHUNK, prepared once for whichever thread measures or draws them first (a plain dict:
        its single operations are atomic, unlike the LRU caches, which only the UI thread touches)."""
        self._generation = 0
        """Layout requests so far; a layout from the thread is installed only if it answers the latest one."""
        self.layout_pending = False
        """A layout is being built in the thread; the one on screen still answers everything."""
        self._after_layout: list[Callable[[], None]] = []
        self._spans: LRUCache[tuple[int, int, int], list[Span]] = LRUCache(1024)
        self._pairs: LRUCache[tuple[int, int], dict[int, int | None]] = LRUCache(256)
        """Per hunk, the partners found so far (None: unpaired) of the lines drawn."""
        self._lexers: dict[str, Lexer | None] = {}
        self._finding_text: LRUCache[tuple[Finding, Acknowledgement | None, int], list[FindingLine]] = LRUCache(512)
        self._palette: Palette | None = None
        self._selected: int | None = None
        self._acknowledgement: Callable[[Finding], Acknowledgement | None] = lambda _finding: None
        self._window = (0, 0)
        self._pieces: dict[Row, set[int]] = {}
        """Which pieces of each wrapped line or tall finding have been on screen (for coverage; per layout)."""
        self._top_file: int | None = None
        self._pointer: int | None = None
        """The row the reviewer last jumped to (`n`, `]`, a file, a match): near the end of a diff the view cannot
        scroll it to the top, and it is still the file or hunk that keys like `v` act on while it is on screen."""
        self._measured_width = 0
        """The content width the current layout measured wrapped lines and findings at."""
        self.rendered_rows = 0
        """Rows rendered so far (not served from the cache): what a frame cost."""
        self._frame: tuple[int, int, int | None] | None = None
        """Top row, content width and selected finding row while a frame is rendered (`render_lines`)."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's, except that scrolling repaints it only when its thumb moves on screen (`QuietScrollBar`)."""
        if self._vertical_scrollbar is None:
            bar = QuietScrollBar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def on_resize(self) -> None:
        if self.wrap or self.findings:  # wrapped lines and findings take as many rows as the width needs
            self._relayout()
        self._cache.clear()
        self.virtual_size = Size(self.scrollable_content_region.width, self.total_rows)
        self._report(scrolled=False)

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        """The scrollbar takes columns from the rows: wrapped lines and findings were measured without it (or with
        it), so lay them out again, or the last pieces of a long wrapped line would never be shown."""
        if self.is_mounted and (self.wrap or self.findings):
            self.call_after_refresh(self._fit_width)

    def _fit_width(self) -> None:
        if self.scrollable_content_region.width != self._measured_width:
            self._relayout()

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._theme_changed, init=False)
        self.call_after_refresh(self._report, scrolled=False)

    def _theme_changed(self, _theme: str) -> None:
        self._palette = None
        self._forget()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._report(scrolled=True)

    @property
    def colours(self) -> Palette:
        if self._palette is None:
            self._palette = palette(self.app.get_css_variables(), self.app.current_theme.dark)
        return self._palette

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
            spans = self.layout_map.canonical_spans(*window, self._pieces)
            self.post_message(self.Displayed(self, window[0], window[1], scrolled, spans))
        file = self.current_file()
        if file != self._top_file:
            self._top_file = file
            self.post_message(self.Moved(self, file))

    def announce(self) -> None:
        """Report the rows on screen again (e.g. to a reviewer who just took over the keyboard)."""
        self._window = (0, 0)
        self._report(scrolled=False)

    @property
    def here(self) -> int:
        """The row keys act on: the one last jumped to while it is on screen, else the top row."""
        top, bottom = self.window
        if self._pointer is not None and top <= self._pointer < bottom:
            return self._pointer
        return top

    def current_file(self) -> int | None:
        """The file at `here` (the first one when the view starts with change-level findings)."""
        if not self.change.files:
            return None
        found = self.layout_map.file_at(self.here)
        return 0 if found is None else found

    def current_hunk(self) -> tuple[int, int] | None:
        """The hunk at `here`, else the first hunk that starts on screen."""
        top, bottom = self.window
        top = self.here
        here = self.layout_map.hunk_at(top) if top < self.total_rows else None
        if here is not None:
            return here
        rows = self.layout_map.hunk_rows
        index = bisect.bisect_left(rows, top)
        if index < len(rows) and rows[index] < max(bottom, top + 1):
            return self.layout_map.hunk_at(rows[index])
        return None

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
        """Mark findings acknowledged or waived by the active reviewer (called again when that changes); the
        reason is shown under the finding, so its rows are laid out again."""
        self._acknowledgement = lookup
        if self.findings and self.is_mounted and self.scrollable_content_region.width:
            self._relayout()
        else:
            self._forget()

    def show_viewed(self, marks: ViewedMarks | None) -> None:
        """Show this reviewer's viewed marks on file and hunk headers (called again when they change)."""
        self.viewed = marks
        self._forget()

    # -- modes -------------------------------------------------------------------------------------------------------

    def set_mode(self, *, split: bool | None = None, wrap: bool | None = None) -> None:
        if split is not None:
            self.split = split
        if wrap is not None:
            self.wrap = wrap
        self._relayout()

    def set_collapsed(self, file: int, collapsed: bool) -> None:
        self.collapsed = self.collapsed | {file} if collapsed else self.collapsed - {file}
        self._relayout()

    def _relayout(self) -> None:
        """Lay the change out again for the asked modes and width. A large layout is built in a thread while the
        one on screen keeps being drawn and used; either way the line at the top of the view when the new layout
        goes in stays at the top, and the selected finding stays selected."""
        self._generation += 1
        self._measured_width = self.scrollable_content_region.width
        if not self._heavy():
            self.layout_pending = False
            self._install(self._layout(self._finding_measure())())
            return
        self.layout_pending = True
        acks = {finding: self._acknowledgement(finding) for finding in self.findings}
        width = self.scrollable_content_region.width or self.app.size.width
        room = max(1, width - _GUTTER)

        def rows(finding: Finding) -> int:  # no shared cache: this runs in the thread
            return len(finding_lines(finding, acks.get(finding), room))

        self._build_in_thread(self._generation, self._layout(rows))

    def _layout(self, finding_rows: FindingMeasure) -> Callable[[], DiffLayout]:
        """What builds the layout for the asked modes, with every input captured now, so that a thread running it
        reads nothing the UI thread changes meanwhile."""
        split, collapsed = self.split, self.collapsed
        wrap = self._measure() if self.wrap else None

        def make() -> DiffLayout:
            return DiffLayout(
                self.change, self.findings, split=split, wrap=wrap, collapsed=collapsed, finding_rows=finding_rows
            )

        return make

    def _heavy(self) -> bool:
        """Would measuring the asked layout keep the UI thread busy long enough to be felt?"""
        if not self.split and not self.wrap:
            return False  # rows are arithmetic on the hunk headers
        hunks = [h for f, file in enumerate(self.change.files) if f not in self.collapsed for h in file.hunks]
        lines = sum(len(hunk.lines) for hunk in hunks)
        if lines > LAYOUT_IN_THREAD:
            return True
        return self.wrap and sum(len(line.text) for hunk in hunks for line in hunk.lines) > CHARS_IN_THREAD

    @work(thread=True, exclusive=True, group="diff-layout")
    @released
    def _build_in_thread(self, generation: int, make: Callable[[], DiffLayout]) -> None:
        self.post_message(self._LaidOut(generation, make()))

    def on_diff_view__laid_out(self, message: _LaidOut) -> None:
        message.stop()
        if message.generation == self._generation and self.is_mounted:
            self.layout_pending = False
            self._install(message.layout)

    def when_laid_out(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the layout asked for is on screen (now, unless one is being built)."""
        if self.layout_pending:
            self._after_layout.append(callback)
        else:
            callback()

    def _install(self, layout: DiffLayout) -> None:
        anchor = self._anchor()
        selected = self.layout_map.row(self._selected).finding if self._selected is not None else None
        self.layout_map = layout
        self.total_rows = self.layout_map.total_rows
        self.virtual_size = Size(self.scrollable_content_region.width, self.total_rows)
        self._pieces = {}
        rows = self.layout_map.finding_rows if selected is not None else []
        self._selected = next((r for r in rows if self.layout_map.row(r).finding is selected), None)
        self._pointer = None
        self._forget()
        target = self._row_of(anchor)
        self.scroll_to(y=target, animate=False, immediate=True)
        self.call_after_refresh(self._report, scrolled=False)
        waiting, self._after_layout = self._after_layout, []
        for callback in waiting:
            callback()

    def _finding_measure(self) -> FindingMeasure:
        width = self.scrollable_content_region.width or self.app.size.width
        return lambda finding: len(self._finding_lines(finding, width))

    def _finding_lines(self, finding: Finding, width: int) -> list[FindingLine]:
        ack = self._acknowledgement(finding)
        key = (finding, ack, width)
        lines = self._finding_text.get(key)
        if lines is None:
            lines = finding_lines(finding, ack, max(1, width - _GUTTER))
            self._finding_text[key] = lines
        return lines

    def _anchor(self) -> tuple[int | None, int | None, int | None]:
        top = self.window[0]
        if top >= self.total_rows:
            return (None, None, None)
        row = self.layout_map.row(top)
        line = row.line if row.kind is RowKind.LINE else None
        if row.kind is RowKind.LINE and line is None:
            line = row.right
        return (row.file, row.hunk if row.kind in (RowKind.LINE, RowKind.HUNK) else None, line)

    def _row_of(self, anchor: tuple[int | None, int | None, int | None]) -> int:
        file, hunk, line = anchor
        if file is None:
            return 0
        if hunk is not None:
            found = (
                self.layout_map.line_row(file, hunk, line) if line is not None else self.layout_map.hunk_row(file, hunk)
            )
            if found is not None:
                return found
        return self.layout_map.file_rows[file]

    def _measure(self) -> Measure:
        """Rows each line needs at the current width in the asked mode; safe to call from the layout thread."""
        width = self.scrollable_content_region.width or self.app.size.width
        room = max(8, (width - 1) // 2 - _SIDE_GUTTER if self.split else width - _GUTTER)
        rows = wrapped_rows(room)

        def measure(line: DiffLine) -> int:
            text = line.text
            if len(text) <= room:
                if text.isascii() and text.isprintable():
                    return 1  # the common case, without making the text inert
            elif len(text) <= CHUNK and text.isascii() and text.isprintable():
                return rows(len(text))
            if len(text) > CHUNK:
                return rows(self._huge_line(line).cells)  # a huge line is scanned once, not once per layout
            return rows(DisplayLine(text).cells)

        return measure

    def _forget(self) -> None:
        self._cache.clear()
        self._lines.clear()
        self._spans.clear()
        self.refresh()

    # -- search ------------------------------------------------------------------------------------------------------

    def search(self, term: str) -> int:
        """Find `term` (case-insensitive) in every line of the change; returns the number of matching lines."""
        self.search_term = term
        self.matches = []
        self.match_index = None
        if term:
            needle = term.casefold()
            for f, file in enumerate(self.change.files):
                for h, hunk in enumerate(file.hunks):
                    self.matches += [(f, h, i) for i, line in enumerate(hunk.lines) if needle in line.text.casefold()]
        self._forget()
        return len(self.matches)

    def next_match(self, forward: bool = True) -> tuple[int, int, int] | None:
        """Move to the next (or previous) match after the current one, or after the top of the view."""
        if not self.matches:
            return None
        if self.match_index is None:
            top = self.window[0]
            rows = [self._match_row(m) for m in self.matches]
            if forward:
                index = next((i for i, row in enumerate(rows) if row >= top), 0)
            else:
                index = next((i for i in reversed(range(len(rows))) if rows[i] < top), len(rows) - 1)
        else:
            index = (self.match_index + (1 if forward else -1)) % len(self.matches)
        self.match_index = index
        f, h, i = self.matches[index]
        if f in self.collapsed:
            self.set_collapsed(f, False)
        self.when_laid_out(lambda: self._show_match((f, h, i)))
        return self.matches[index]

    def _show_match(self, match: tuple[int, int, int]) -> None:
        row = self._match_row(match)
        self.scroll_to(y=max(0, row - 3), animate=False, immediate=True)
        self._pointer = row
        self._forget()

    def _match_row(self, match: tuple[int, int, int]) -> int:
        f, h, i = match
        found = self.layout_map.line_row(f, h, i)
        return found if found is not None else self.layout_map.file_rows[f]

    # -- rendering ---------------------------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        """Scroll offset, width and selected finding are the same for every line of a frame: worked out once here
        (per line they were a fifth of the view's own cost per page-down)."""
        self._frame = (int(self.scroll_offset.y), self.scrollable_content_region.width, self._selected_row())
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        if self._frame is None:
            top, width, selected = int(self.scroll_offset.y), self.scrollable_content_region.width, self._selected_row()
        else:
            top, width, selected = self._frame
        row = top + y
        if row >= self.total_rows or width <= 0:
            return Strip.blank(width)
        key = (row, width, selected is not None and selected <= row < selected + self.layout_map.row(selected).parts)
        cached = self._cache.get(key)
        if cached is None:
            self.rendered_rows += 1
            cached = self._render_row(self.layout_map.row(row), width, key[2])
            self._cache[key] = cached
        return cached

    def _render_row(self, row: Row, width: int, selected: bool = False) -> Strip:
        colours = self.colours
        if row.kind is RowKind.FINDING:
            assert row.finding is not None
            lines = self._finding_lines(row.finding, width)
            acknowledged = self._acknowledgement(row.finding) is not None
            return _finding_row(row, lines[min(row.part, len(lines) - 1)], width, colours, acknowledged, selected)
        if row.file is None or row.kind is RowKind.BLANK:
            return Strip.blank(width)
        file = self.change.files[row.file]
        if row.kind is RowKind.FILE:
            return self._file_header(row.file, file, width)
        if row.kind is RowKind.NOTE:
            note = self.layout_map.notes(row.file)[row.line or 0]
            return _fill([Segment(clip(" " * _GUTTER + inert(note, keep_tabs=False), width), colours.note)], width)
        if row.kind is RowKind.COLLAPSED:
            kind = self.kinds[row.file]
            text = f"{kind.kind.value} file collapsed ({kind.reason}) — press e to expand"
            return _fill([Segment(clip(" " * _GUTTER + "▸ " + text, width), colours.banner)], width)
        assert row.hunk is not None
        hunk = file.hunks[row.hunk]
        if row.kind is RowKind.HUNK:
            return self._hunk_header(row.file, row.hunk, hunk, width)
        if self.layout_map.split:
            return self._split_row(row, file, width)
        assert row.line is not None
        return self._unified_row(row, file, width)

    def _file_header(self, index: int, file: FileChange, width: int) -> Strip:
        colours = self.colours
        segments = [Segment(" " + file_title(file), colours.header)]
        if self.viewed is not None and file.hunks:
            seen = self.viewed.hunks_viewed(file)
            if self.viewed.file_viewed(file):
                segments.append(Segment("  ✓ viewed", colours.header + colours.viewed))
            elif seen:
                segments.append(Segment(f"  {seen}/{len(file.hunks)} hunks viewed", colours.header))
        elif self.viewed is not None and self.viewed.file_viewed(file):
            segments.append(Segment("  ✓ viewed", colours.header + colours.viewed))
        return _fill(list(Strip(segments).crop(0, width)), width, colours.header)

    def _hunk_header(self, f: int, h: int, hunk: Hunk, width: int) -> Strip:
        colours = self.colours
        segments = [Segment(_hunk_header(hunk), colours.hunk)]
        if self.viewed is not None and self.viewed.hunk_viewed(self.change.files[f].path, hunk):
            segments.insert(0, Segment("✓ ", colours.hunk + colours.viewed))
        return _fill(list(Strip(segments).crop(0, width)), width, colours.hunk)

    def _base(self, line: DiffLine) -> Style:
        if line.kind is LineKind.ADDED:
            return self.colours.added
        if line.kind is LineKind.REMOVED:
            return self.colours.removed
        return Style()

    def _unified_row(self, row: Row, file: FileChange, width: int) -> Strip:
        assert row.file is not None and row.hunk is not None and row.line is not None
        line = file.hunks[row.hunk].lines[row.line]
        base = self._base(line)
        gutter = self.colours.gutter + base
        if row.part == 0:
            segments = [Segment(f"{_num(line.old_no)} {_num(line.new_no)}", gutter)]
            segments.append(self._finding_mark(row.file, row.hunk, row.line, base))
            segments.append(Segment(_mark(line), gutter))
        else:
            segments = [Segment(" " * (_GUTTER - 2) + "↪ ", gutter)]
        room = max(1, width - _GUTTER)
        segments += self._text(row, row.line, room, base)
        return _fill(segments, width, base)

    def _split_row(self, row: Row, file: FileChange, width: int) -> Strip:
        assert row.file is not None and row.hunk is not None
        half = (width - 1) // 2
        segments: list[Segment] = []
        for side, index in ((0, row.line), (1, row.right)):
            side_width = half if side == 0 else width - 1 - half
            if index is None:
                segments.append(Segment(" " * side_width, self.colours.gutter))
            else:
                line = file.hunks[row.hunk].lines[index]
                base = self._base(line)
                gutter = self.colours.gutter + base
                number = line.old_no if side == 0 else line.new_no
                if row.part == 0:
                    cell = [Segment(_num(number), gutter), self._finding_mark(row.file, row.hunk, index, base)]
                    cell.append(Segment(_mark(line) + " ", gutter))
                else:
                    cell = [Segment(" " * (_SIDE_GUTTER - 2) + "↪ ", gutter)]
                cell += self._text(row, index, max(1, side_width - _SIDE_GUTTER), base)
                segments += list(Strip(cell).adjust_cell_length(side_width, base))
            if side == 0:
                segments.append(Segment("│", self.colours.gutter))
        return _fill(segments, width)

    def _finding_mark(self, f: int, h: int, i: int, base: Style) -> Segment:
        marked = self.layout_map.findings_on(f, h, i)
        if not marked:
            return Segment(" ", base)
        worst = max(finding.severity for finding in marked)
        return Segment("●", Style(color=self.colours.severity[worst.value], bold=True) + base)

    def _text(self, row: Row, index: int, room: int, base: Style) -> list[Segment]:
        """The line's text for this row: the piece `row.part` when wrapping, else truncated with a marker.

        A truncated line whose first changed word (or search match) lies beyond the cut is shown from a little
        before it, with a `…` marker at both cut ends: otherwise a long removed line and its added twin look the
        same, and the edit a reviewer must judge is exactly what is hidden (half a side-by-side view is narrow).
        Only the cells this row shows are built: a 10 MB line costs a row's worth of characters per row."""
        assert row.file is not None and row.hunk is not None
        f, h = row.file, row.hunk
        line = self.change.files[f].hunks[h].lines[index]
        length = self._display_line(line).cells + (cell_len(NO_NEWLINE) if line.no_newline else 0)
        if self.layout_map.wrap is not None:
            return self._cells(f, h, index, base, row.part * room, (row.part + 1) * room)
        if length <= room:
            return self._cells(f, h, index, base, 0, length)
        marker = Segment(TRUNCATED, self.colours.marker)
        focus = self._focus(f, h, index)
        if focus is None or focus[1] <= room - 1 or room < 8:  # nothing to find, or it shows anyway
            return [*self._cells(f, h, index, base, 0, max(0, room - 1)), marker]
        start = max(1, min(focus[0] - room // 3, length - (room - 1)))
        if start + room - 1 >= length:
            return [marker, *self._cells(f, h, index, base, start, length)]
        return [marker, *self._cells(f, h, index, base, start, start + room - 2), marker]

    def _focus(self, f: int, h: int, i: int) -> tuple[int, int] | None:
        """Where the line gets interesting (start and end cell): the first search match, else the first changed
        word."""
        shown = self._display_line(self.change.files[f].hunks[h].lines[i])
        span = _find_first(shown.text, self.search_term) if self.search_term else None
        if span is None:
            words = self._word_spans(f, h, i)
            span = words[0] if words else None
        return (shown.cell_of(span[0]), shown.cell_of(span[1])) if span else None

    def _display_line(self, line: DiffLine) -> DisplayLine:
        """The line's display text and cell geometry, made once per line drawn or measured (not once per row)."""
        cached = self._shown.get(id(line))
        if cached is not None and cached[0] is line:
            return cached[1]
        shown = self._huge_line(line) if len(line.text) > CHUNK else DisplayLine(line.text)
        self._shown[id(line)] = (line, shown)
        return shown

    def _huge_line(self, line: DiffLine) -> DisplayLine:
        known = self._huge.get(id(line))
        if known is not None and known[0] is line:
            return known[1]
        shown = DisplayLine(line.text)
        if len(self._huge) >= HUGE_KEPT:
            self._huge.clear()
        self._huge[id(line)] = (line, shown)
        return shown

    def _cells(self, f: int, h: int, i: int, base: Style, start: int, end: int) -> list[Segment]:
        """Cells `start`..`end` of a line (and of its "no newline" note), highlighted, with changed words and
        search matches emphasised; built from the characters those cells cover and nothing else."""
        line = self.change.files[f].hunks[h].lines[i]
        shown = self._display_line(line)
        out: list[Segment] = []
        if start < shown.cells and end > start:
            stop = min(end, shown.cells)
            first, last, before = shown.span(start, stop)
            segments = self._chars(f, h, i, shown, base, first, last)
            if start != before or stop - before < sum(segment.cell_length for segment in segments):
                segments = list(Strip(segments).crop(start - before, stop - before))
            out += segments
        if line.no_newline and end > shown.cells:
            note = Segment(NO_NEWLINE, self.colours.note + base)
            out += Strip([note]).crop(max(0, start - shown.cells), end - shown.cells)
        return out

    def _chars(self, f: int, h: int, i: int, shown: DisplayLine, base: Style, first: int, last: int) -> list[Segment]:
        """Characters `first`..`last` of the display text as segments: Pygments styles over the first LEX_LIMIT
        characters (lexed once per line), plain beyond, then word and search emphasis inside the window."""
        lexed = self._lines.get((f, h, i))
        if lexed is None:
            lexed = self._highlight(self.change.files[f], shown.text[:LEX_LIMIT], base)
            self._lines[(f, h, i)] = lexed
        segments = _slice(lexed, first, min(last, LEX_LIMIT))
        if last > LEX_LIMIT:
            segments.append(Segment(shown.text[max(first, LEX_LIMIT) : last], base))
        kind = self.change.files[f].hunks[h].lines[i].kind
        emphasis = self.colours.added_word if kind is LineKind.ADDED else self.colours.removed_word
        segments = _emphasise(segments, _within(self._word_spans(f, h, i), first, last), emphasis)
        if self.search_term:
            segments = _emphasise(segments, _find_within(shown.text, self.search_term, first, last), self.colours.match)
        return segments

    def _word_spans(self, f: int, h: int, i: int) -> list[Span]:
        """The changed words of a paired line (display characters), computed once per line, not per row."""
        cached = self._spans.get((f, h, i))
        if cached is not None:
            return cached
        lines = self.change.files[f].hunks[h].lines
        partner = self._partner(f, h, i)
        spans: list[Span] = []
        if partner is not None:
            text = self._display_line(lines[i]).text
            other = self._display_line(lines[partner]).text
            if lines[i].kind is LineKind.REMOVED:
                spans = changed_spans(text, other)[0]
            else:
                spans = changed_spans(other, text)[1]
        self._spans[(f, h, i)] = spans
        return spans

    def _partner(self, f: int, h: int, i: int) -> int | None:
        """The line paired with line `i` for word emphasis; each answer covers the lines around it (its block, or a
        stretch of an over-long run), so scrolling through a hunk walks each line about once."""
        known = self._pairs.get((f, h))
        if known is None or len(known) > PAIRS_KEPT:  # scrolled through a huge hunk: start over
            known = {}
            self._pairs[(f, h)] = known
        if i not in known:
            pairs, covered = pairs_around(self.change.files[f].hunks[h].lines, i)
            known.update(dict.fromkeys(covered))
            known.update(pairs)
        return known[i]

    def _highlight(self, file: FileChange, text: str, base: Style) -> list[Segment]:
        lexer = self._lexer(file.language)
        if lexer is None or len(text) > LEX_LIMIT:
            return [Segment(text, base)] if text else []
        segments = []
        for _, token, value in lexer.get_tokens_unprocessed(text):  # no filters, no newline added: ~10 % less
            value = value.rstrip("\n") if value.endswith("\n") else value
            if value:
                segments.append(Segment(value, base + _token_style(self.colours.syntax, token)))
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
        here = self.here
        if forward:
            target = next((r for r in rows if r > here), None)
        else:
            target = next((r for r in reversed(rows) if r < here), None)
        if target is not None:
            self._go(target)

    def _go(self, row: int) -> None:
        self._pointer = row
        self.scroll_to(y=row, animate=False, immediate=True)
        self._report(scrolled=True)

    def jump_to_file(self, index: int) -> None:
        """Put file `index`'s header at the top of the view (or as high as the view can scroll)."""
        if 0 <= index < len(self.layout_map.file_rows):
            self._go(self.layout_map.file_rows[index])

    def action_next_hunk(self) -> None:
        self._jump(self.layout_map.hunk_rows, True)

    def action_previous_hunk(self) -> None:
        self._jump(self.layout_map.hunk_rows, False)

    def action_next_file(self) -> None:
        self._jump(self.layout_map.file_rows, True)

    def action_previous_file(self) -> None:
        self._jump(self.layout_map.file_rows, False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_toggle_split(self) -> None:
        self.set_mode(split=not self.split)
        self.notify("side by side" if self.split else "unified", timeout=2)

    def action_toggle_wrap(self) -> None:
        self.set_mode(wrap=not self.wrap)
        self.notify("long lines wrapped" if self.wrap else "long lines truncated (…)", timeout=2)

    def action_toggle_collapse(self) -> None:
        """Expand the collapsed file at the top of the view (or the first one on screen); collapse it again."""
        file = self._collapsible_on_screen()
        if file is None:
            self.notify("No generated, lock or vendored file here.", timeout=3)
            return
        self.set_collapsed(file, file not in self.collapsed)

    def _collapsible_on_screen(self) -> int | None:
        top, bottom = self.window
        current = self.current_file()
        candidates = [current] if current is not None else []
        candidates += [i for i, row in enumerate(self.layout_map.file_rows) if top <= row < bottom]
        for file in candidates:
            if file < len(self.kinds) and self.kinds[file].collapsible:
                return file
        return None

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

    def long_lines(self) -> list[tuple[str, DiffLine]]:
        """The lines on screen too long to show whole without wrapping: (where, line), for the long-line panel."""
        top, bottom = self.window
        room = (
            (self.scrollable_content_region.width - 1) // 2 - _SIDE_GUTTER
            if self.layout_map.split
            else (self.scrollable_content_region.width - _GUTTER)
        )
        out: list[tuple[str, DiffLine]] = []
        seen: set[tuple[int, int, int]] = set()
        for index in range(top, bottom):
            row = self.layout_map.row(index)
            if row.kind is not RowKind.LINE or row.file is None or row.hunk is None:
                continue
            for i in {row.line, row.right} - {None}:
                assert i is not None
                line = self.change.files[row.file].hunks[row.hunk].lines[i]
                if (row.file, row.hunk, i) not in seen and self._display_line(line).cells > room:
                    seen.add((row.file, row.hunk, i))
                    number = line.new_no if line.new_no is not None else line.old_no
                    out.append((f"{self.change.files[row.file].path}:{number}", line))
        return out


def _mark(line: DiffLine) -> str:
    return {LineKind.ADDED: "+", LineKind.REMOVED: "-", LineKind.CONTEXT: " "}[line.kind]


def _find_all(text: str, term: str) -> list[Span]:
    haystack = text.casefold()
    needle = inert(term).casefold()
    spans: list[Span] = []
    if not needle or len(haystack) != len(text):
        return spans  # case folding changed lengths (e.g. "ß"): offsets would not line up, so no emphasis
    start = haystack.find(needle)
    while start >= 0:
        spans.append((start, start + len(needle)))
        start = haystack.find(needle, start + len(needle))
    return spans


def _find_first(text: str, term: str) -> Span | None:
    """The first match of `term` in the line (one pass in C, no list of every match of a one-letter term)."""
    needle = inert(term).casefold()
    haystack = text.casefold()
    if not needle or len(haystack) != len(text):
        return None
    start = haystack.find(needle)
    return (start, start + len(needle)) if start >= 0 else None


def _find_within(text: str, term: str, first: int, last: int) -> list[Span]:
    """Matches of `term` touching characters `first`..`last`, relative to `first` and clipped to the window."""
    reach = max(0, len(inert(term)) - 1)
    origin = max(0, first - reach)
    spans = [(s + origin, e + origin) for s, e in _find_all(text[origin : last + reach], term)]
    return _within(spans, first, last)


def _within(spans: list[Span], first: int, last: int) -> list[Span]:
    """The parts of `spans` inside characters `first`..`last`, relative to `first`."""
    return [(max(s, first) - first, min(e, last) - first) for s, e in spans if s < last and e > first]


def _slice(segments: list[Segment], first: int, last: int) -> list[Segment]:
    """Characters `first`..`last` of the text the segments spell out."""
    out: list[Segment] = []
    offset = 0
    for segment in segments:
        end = offset + len(segment.text)
        if end > first and offset < last:
            out.append(Segment(segment.text[max(0, first - offset) : last - offset], segment.style))
        if end >= last:
            break
        offset = end
    return out


def _emphasise(segments: list[Segment], spans: list[Span], style: Style) -> list[Segment]:
    """Add `style` over characters `spans` (sorted, disjoint) of the text the segments spell out, splitting segments
    at the edges; one walk over both, so a row full of matches of a one-letter search stays linear."""
    if not spans:
        return segments
    out: list[Segment] = []
    offset = 0
    k = 0
    for segment in segments:
        text, seg_style = segment.text, segment.style
        end = offset + len(text)
        at = offset
        while at < end:
            while k < len(spans) and spans[k][1] <= at:
                k += 1
            if k < len(spans) and spans[k][0] <= at:
                stop = min(end, spans[k][1])
                piece_style: Style | None = (seg_style or Style()) + style
            else:
                stop = min(end, spans[k][0]) if k < len(spans) else end
                piece_style = seg_style
            out.append(Segment(text[at - offset : stop - offset], piece_style))
            at = stop
        offset = end
    return out


def _finding_row(
    row: Row, line: FindingLine, width: int, colours: Palette, acknowledged: bool = False, selected: bool = False
) -> Strip:
    """One row of a finding: `▲ HIGH rule: message`, then `fix: …`, then `✓ acknowledged: reason`, each wrapped
    under the first; the selected finding (`▶`) is highlighted on all its rows."""
    assert row.finding is not None
    colour = colours.severity[row.finding.severity.value]
    base = colours.selected if selected else Style()
    marker = ("▶ " if selected else "▲ ") if row.part == 0 else "  "
    segments = [Segment(" " * (_GUTTER - 2) + marker, Style(color=colour, bold=True) + base)]
    text = line.text
    if line.part is Part.HEAD:
        segments.append(Segment(text, Style(color=colour, dim=acknowledged) + base))
    elif line.part is Part.FIX:
        if line.first and text.startswith("fix:"):
            segments.append(Segment("fix:", colours.fix_label + base))
            text = text[4:]
        segments.append(Segment(text, colours.fix + Style(dim=acknowledged) + base))
    else:
        segments.append(Segment(text, colours.ack + base))
    return _fill(segments, width, base)


def file_title(file: FileChange) -> str:
    path = inert(file.path, keep_tabs=False)
    if file.old_path and file.new_path and file.old_path != file.new_path:
        path = f"{inert(file.old_path, keep_tabs=False)} → {inert(file.new_path, keep_tabs=False)}"
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


def _hunk_header(hunk: Hunk) -> str:
    section = inert(hunk.section, keep_tabs=False)
    return f"@@ -{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count} @@ {section}"


def _num(number: int | None) -> str:
    return f"{number:>5}" if number is not None else "     "


def _fill(segments: list[Segment], width: int, style: Style | None = None) -> Strip:
    return Strip(segments).adjust_cell_length(width, style)


def _lexer_alias(language: str) -> str:
    """Lexer names ("Python", "Text only") are not always aliases; the lower-cased first word usually is."""
    return {"Text only": "text", "Docker": "docker", "CODEOWNERS": "text"}.get(language, language.lower())


_STYLE_CACHE: dict[tuple[int, _TokenType], Style] = {}


def _token_style(syntax: StyleMeta, token: _TokenType) -> Style:
    key = (id(syntax), token)
    style = _STYLE_CACHE.get(key)
    if style is None:
        spec = syntax.style_for_token(token)
        style = Style(
            color=f"#{spec['color']}" if spec["color"] else None,
            bold=spec["bold"] or None,
            italic=spec["italic"] or None,
        )
        _STYLE_CACHE[key] = style
    return style
