"""The queue screen: every pending change in a table that fills in while the queue loads.

The screen paints at once; a thread worker walks the sources and hands changes to the UI thread in small batches,
so a queue of thousands never freezes the interface, and a progress bar shows how far it is. Once every change is
in, the same worker judges the stored decisions on each (signature checks under the base's policy) and fills the
APPROVALS column: 0/2, 1/2, 2/2, stale, rejected. The highlighted change's provenance, risk breakdown, files and
approvals are shown beside the table without opening it.

Rows are the queue in one order (`o`), narrowed by the filter bar (`/`, see `ui/filters.py`) and optionally
grouped under one header row per system (`s`). Every colour that carries meaning (band, severity, Tier-1, +/-,
approvals) comes from the theme's variables (`ui/themes.py`), so the colour-blind theme reaches the table too.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.theme import Theme
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static
from textual.worker import get_current_worker

from reviewtui.analysis import Analysis, Analyzer, with_imported
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.verdict import Verdict
from reviewtui.audit.auditor import AuditRequest
from reviewtui.clock import age_label
from reviewtui.cores import default_jobs
from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ranking import SORTS, rank_key
from reviewtui.risk.bands import Banding, banding
from reviewtui.rules.ruleset import builtin_rules
from reviewtui.rules.sarif import load_sarif
from reviewtui.sources.full import Unread, full_change, rereadable
from reviewtui.table import clip
from reviewtui.text import inert
from reviewtui.ui.filters import FACETS, QueueFilter
from reviewtui.ui.messages import ReviewerChanged
from reviewtui.ui.pool import released
from reviewtui.ui.safe import safe_text
from reviewtui.ui.screens.audit import AuditScreen
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.screens.table_screen import TableScreen
from reviewtui.ui.session import Session, queue_key
from reviewtui.ui.themes import Palette, palette
from reviewtui.ui.widgets.queue_table import QueueTable
from reviewtui.ui.widgets.text_input import TextInput

_FIRST_BATCH_SECONDS = 0.05
"""The first rows are posted this soon, so the table paints within a second however long the queue is."""
_BATCH_SECONDS = 0.5
"""Later batches at most this often: every batch makes the table render its visible rows again (cell by cell, in
Rich), which costs tens of milliseconds on the UI thread and holds the GIL the worker needs; batching every 50 ms
kept the UI thread rendering almost all the time and starved the worker."""
_BATCH_ROWS = 100
"""Changes per batch at most: making a row's cells and adding it costs ~0.1 ms on the UI thread and measuring it for
the column widths ~0.25 ms, and a warm cache delivers a thousand changes in half a second (one batch of them blocked
the UI thread 120-150 ms; 200 rows 30-60 ms)."""
_PAINT_WAIT = 1.0
"""Seconds the loader waits, after handing over a batch, for the screen to be painted with it. Painting while the
loader runs shares the GIL with it: a 45-row frame took 90-280 ms instead of ~50 (measured with 5000 PR refs)."""
GROUP_PREFIX = "group:"
"""Row keys of the system header rows in grouped mode (change rows are keyed by `queue_key`)."""
NO_SYSTEM = "(no system)"
COLUMNS = (
    ("#", "rank"),
    ("SCORE", "score"),
    ("FINDINGS", "findings"),
    ("APPROVALS", "approvals"),
    ("SYSTEMS", "systems"),
    ("TITLE", "title"),
    ("AGENT/AUTHOR", "agent"),
    ("+", "added"),
    ("-", "deleted"),
    ("FILES", "files"),
    ("AGE", "age"),
    ("CHANGE", "id"),
)
"""Label and key of each column; REPO (key "repo") is added once a second repository shows up."""


class QueueScreen(TableScreen):
    """The daily queue of pending changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="queue.open", priority=True),
        Binding("j", "cursor_down", "Down", show=False, id="queue.down"),
        Binding("k", "cursor_up", "Up", show=False, id="queue.up"),
        Binding("g", "top", "Top", show=False, id="queue.top"),
        Binding("G", "bottom", "Bottom", show=False, id="queue.bottom"),
        Binding("slash", "filter", "Filter", id="queue.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="queue.clear_filter"),
        Binding("o", "cycle_sort", "Order", id="queue.sort"),
        Binding("s", "toggle_group", "Group by system", id="queue.group"),
        Binding("d", "toggle_details", "Details", show=False, id="queue.details"),
        Binding("r", "reload", "Reload", id="queue.reload"),
        Binding("2", "toggle_awaiting", "Awaiting 2nd approval", id="queue.awaiting_second"),
        Binding("u", "audit", "Audit", id="queue.audit"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `enter` | Open the highlighted change. |
    | `j` / `k` | Move down / up (arrows, PgUp/PgDn work too). |
    | `g` / `G` | First / last row. |
    | `slash` (`/`) | Filter: free text and `system:` `tier:` `severity:` `agent:` `status:` `repo:` terms. |
    | `escape` | Clear the filter. |
    | `o` | Cycle the order: score, effort (risk per line), age, system. |
    | `s` | Group rows under one header per system (most critical system of each change); again to ungroup. |
    | `d` | Show / hide the details panel (provenance, approvals, risk breakdown, findings, files). |
    | `r` | Reload the queue from git. |
    | `2` | Show only changes awaiting a second approval (exactly one counted approval); again to show all. |
    | `u` | Audit what landed on the base branch of the highlighted change's repository (who approved what). |
    """

    AUTO_FOCUS = "#queue-table"
    DEFAULT_CSS = """
    QueueScreen #top { height: auto; max-height: 3; background: $panel; }
    QueueScreen #status { width: 1fr; height: auto; padding: 0 1; color: $text-muted; }
    QueueScreen #progress { width: 30; height: 1; }
    QueueScreen #progress Bar { width: 18; }
    QueueScreen #filter { height: 3; display: none; border: round $primary; padding: 0 1; }
    QueueScreen #filter.-shown { display: block; }
    QueueScreen #queue-table { width: 1fr; }
    QueueScreen #details { width: 32%; max-width: 60; min-width: 30; padding: 0 1; border-left: solid $primary-muted; }
    QueueScreen #details.-hidden { display: none; }
    """

    def __init__(
        self,
        request: QueueRequest,
        session: Session | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """`now` is the clock ages are measured against (tests and snapshots freeze it)."""
        super().__init__()
        self.request = request
        self.session = session if session is not None else Session()
        self.now = now or (lambda: datetime.now(UTC))
        self.changes: dict[str, Analysis] = {}
        self.sort = "score"
        self.bands = banding([])
        self.ranks: dict[str, int] = {}
        """Position of each change in the score order, whatever order and filter are shown."""
        self.awaiting_only = False
        """Show only changes with exactly one counted approval that still need another."""
        self.filter = QueueFilter()
        self.grouped = False
        self.in_progress = True
        """The queue is still being read (not `loading`: that is Textual's reactive that covers a widget)."""
        self.colours: Palette | None = None
        self.clerk = Clerk(Analyzer(user_file=request.user_config))
        self._repos: set[str] = set()
        self._summary = ""
        self._details_for: tuple[str, Verdict | str | None] | None = None
        """The change and verdict the details panel shows, so batches that change neither do not redraw it."""
        self._screen_closed = False
        """A screen above this one was closed since the last batch (see `_settle`)."""
        self._shown_before = False
        self._rules_ready = threading.Event()
        """Set once the built-in rule packs are compiled (in their own thread, while git lists the queue)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield Static(Text("loading the queue…"), id="status")
            yield ProgressBar(id="progress", show_eta=False)
        hint = f"filter: text, or {': '.join(FACETS)}:  (enter: keep · escape: clear)"
        yield TextInput(placeholder=hint, id="filter")
        with Horizontal():
            yield QueueTable(id="queue-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="details")
        yield Footer()

    def on_mount(self) -> None:
        self.colours = palette(self.app.current_theme)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._show_reviewer()
        self._reset_table()
        self._compile_rules()
        self.load_queue()

    def on_unmount(self) -> None:
        gc.unfreeze()  # what `_settle` froze goes back to the collector, cycles and all, when the queue closes

    def on_reviewer_changed(self, _message: ReviewerChanged) -> None:
        self._show_reviewer()

    def on_screen_resume(self) -> None:
        """Decisions made on the review screen (or verdicts it re-read) show in the table on return."""
        self._screen_closed = self._shown_before
        self._shown_before = True
        self._show_reviewer()
        self._show_approvals()

    def _theme_changed(self, theme: Theme) -> None:
        self.colours = palette(theme)
        if not self.in_progress:
            self._render_rows(rebuild=True)  # every cell carries theme colours
        else:
            for key, analysis in self.changes.items():
                self._update_row(key, analysis)
        self._show_details()

    def _show_reviewer(self) -> None:
        name = self.session.name(self.session.active)
        self.sub_title = inert(f"{self.request.repo.resolve().name} · reviewer {name}")

    @property
    def palette(self) -> Palette:
        if self.colours is None:
            self.colours = palette(self.app.current_theme)
        return self.colours

    def _reset_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        self.changes.clear()
        self.ranks.clear()
        self._repos.clear()
        self.in_progress = True

    # -- loading -----------------------------------------------------------------------------------------------------

    @work(thread=True, group="rules", exit_on_error=False)
    @released
    def _compile_rules(self) -> None:
        """Compile the built-in rule packs (~0.2 s: TOML, regexes, check modules) while the loader waits for git to
        list the queue, instead of after it, in front of the first row. The loader analyses nothing before this
        ends: two threads compiling at once could see the check registry half loaded. A failure is left for the
        loader's first analysis to report, as it would without this."""
        try:
            builtin_rules()
        finally:
            self._rules_ready.set()

    def _hand_over(self, callback: Callable[..., None], *args: object) -> None:
        """Run `callback` on the UI thread, then wait (at most `_PAINT_WAIT`) until the screen has been painted with
        its result, so the paint has the GIL to itself."""
        painted = threading.Event()

        def run() -> None:
            callback(*args)
            self.call_after_refresh(painted.set)

        self.app.call_from_thread(run)
        painted.wait(_PAINT_WAIT)

    @work(thread=True, exclusive=True, group="queue")
    @released
    def load_queue(self) -> None:
        """Walk every source in a thread and post rows in batches, so the first rows appear immediately; then
        judge each change's stored decisions, also in batches (signature checks run ssh-keygen)."""
        worker = get_current_worker()
        loader = QueueLoader(self.request, summaries=True)  # the queue keeps counts; `open_full` reads the lines
        analyzer = Analyzer(user_file=self.request.user_config)
        clerk = Clerk(analyzer)
        self.clerk = clerk
        analyses: list[Analysis] = []
        batch: list[Analysis] = []
        last, every = time.monotonic(), _FIRST_BATCH_SECONDS
        try:
            logs = [load_sarif(path) for path in self.request.sarif]
            for analysis in loader.analysed(analyzer, self._after_rules(loader), jobs=default_jobs()):
                if worker.is_cancelled:
                    return
                batch.append(listed(with_imported(analysis, logs)))
                analyses.append(batch[-1])
                if time.monotonic() - last > every or len(batch) >= _BATCH_ROWS:
                    self._hand_over(self._add_changes, batch, loader)
                    batch, last, every = [], time.monotonic(), _BATCH_SECONDS
        except ReviewtuiError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self._hand_over(self._add_changes, batch, loader)
        ranking = rank({queue_key(a.change): a for a in analyses}, self.palette)
        self._hand_over(self._finished, loader, ranking)  # the reordered screen is drawn before verdicts start
        if analyses:
            signers = _allowed_signers(clerk, analyses[0])
            if signers is not None:
                self.app.call_from_thread(self._learn_signers, signers)
        verdicts: list[tuple[str, Verdict | str]] = []
        ranks = dict(self.ranks)  # set by `_finished`; the rows on screen first, so later batches redraw nothing
        analyses.sort(key=lambda analysis: ranks.get(queue_key(analysis.change), len(ranks)))
        for analysis in analyses:
            if worker.is_cancelled:
                return
            try:
                verdict: Verdict | str = clerk.verdict(analysis)
            except ReviewtuiError as exc:
                verdict = str(exc)
            verdicts.append((queue_key(analysis.change), verdict))
            if time.monotonic() - last > _BATCH_SECONDS or len(verdicts) >= _BATCH_ROWS:
                self._hand_over(self._add_verdicts, verdicts)
                verdicts, last = [], time.monotonic()
        self.app.call_from_thread(self._add_verdicts, verdicts)
        # After `_ranked` (queued by `_finished` after a refresh), even when the wait for that paint timed out: run
        # before it, the final status kept its "checking approvals…".
        self.app.call_from_thread(self.call_after_refresh, self._verdicts_finished)

    def _after_rules(self, loader: QueueLoader) -> Iterator[Change | Unread]:
        """The loader's changes, each handed on once the rule packs are compiled: git lists the queue meanwhile.
        Some come `Unread`: their files come from the analysis cache, or whoever analyses them reads their diff (a
        worker process, once workers run), not this process's loader thread."""
        for item in loader.items():
            self._rules_ready.wait()
            yield item

    def _add_changes(self, analyses: list[Analysis], loader: QueueLoader) -> None:
        rows: list[tuple[str, tuple[Text, ...]]] = []
        for analysis in analyses:
            key = queue_key(analysis.change)
            self.changes[key] = analysis
            self._note_repo(analysis.change.repo)
            if self._shown(key, analysis):
                rows.append((key, self._cells(analysis)))
        self.query_one(QueueTable).append_rows(rows)
        self._set_status(f"loading… {loader.report.loaded} change(s) analysed")
        self._refresh_details()
        self._settle()

    def _finished(self, loader: QueueLoader, ranking: Ranking) -> None:
        """Every change is in: bands, ranks and the score order (computed by the loader, off the UI thread)."""
        self.in_progress = False
        self.bands = ranking.bands
        self.ranks = {key: index for index, (key, _) in enumerate(ranking.order, 1)}
        # A cursor still on the first row loaded was never placed by the reviewer: the ranked queue opens at its top
        # (rank 1), not wherever the first change loaded happens to rank.
        top = self.query_one(DataTable).cursor_row == 0
        self._render_rows(
            ordered=ranking.order if self.sort == "score" else None, cells=ranking.cells, top=top, details=False
        )
        # The rows in their new order are painted first, the rest in the next turn: in one turn, the reorder (~40 ms
        # for 5000 rows), the status line and the details panel (laid out again, ~70 ms with the repaint) kept the UI
        # thread 100-130 ms.
        self.call_after_refresh(self._ranked, loader)

    def _ranked(self, loader: QueueLoader) -> None:
        """The rest of `_finished`: the summary in the status line, warnings, the details of the change on top."""
        report = loader.report
        self._show_details()
        bands = f" · bands: {self.bands.describe()}" if self.bands.thresholds else ""
        self._summary = f"{report.summary()} · sorted by {self.sort}{bands}"
        self._set_status(self._summary + " · checking approvals…")
        progress = self.query_one(ProgressBar)
        progress.update(total=max(1, len(self.changes)), progress=0)
        for warning in report.warnings:
            self.notify(inert(warning), severity="warning", markup=False)
        if not report.loaded:
            self._write_details(Text("Nothing is waiting for review."))

    def _settle(self) -> None:
        """Take what the queue holds so far out of the cycle collector's full collections.

        A queue keeps ~250 container objects per change (its analysis, its table row's cells), and Python's full
        collection walks every one of them: 200 ms for 600 changes, far more for 5000, holding the GIL so the UI
        thread cannot run (the queue grows by a quarter again and again while it loads, so full collections keep
        coming). After each batch, the young generations are collected (cheap: only new objects) and everything
        alive is frozen (`gc.freeze`), so later collections only see what was created since.

        The price: a reference cycle among frozen objects that later becomes garbage is never reclaimed (objects
        without cycles are freed by reference counting as usual). The queue's data has no cycles. Nothing is frozen
        while another screen is on top, and the first batch after one was closed collects fully first (only what is
        not frozen yet: the closed screen, which is full of cycles, and what came since), so it is not kept."""
        if self.app.screen is not self:
            return
        gc.collect(2 if self._screen_closed else 1)
        self._screen_closed = False
        gc.freeze()

    def _learn_signers(self, allowed_signers: bytes) -> None:
        """Name reviewers by their allowed_signers principal from now on (in the header and the palette)."""
        self.session.allowed_signers = allowed_signers
        self._show_reviewer()

    def _add_verdicts(self, verdicts: list[tuple[str, Verdict | str]]) -> None:
        table = self.query_one(QueueTable)
        cells = []
        for key, verdict in verdicts:
            verdict = _newest(self.session.verdicts.get(key), verdict)
            self.session.verdicts[key] = verdict
            if key in table.rows:
                cells.append((key, "approvals", approvals_cell(verdict, self.palette)))
        table.update_cells(cells, measure=True)
        self.query_one(ProgressBar).advance(len(verdicts))
        self._refresh_details()
        self._settle()

    def _verdicts_finished(self) -> None:
        self.query_one(ProgressBar).display = False
        self._set_status(self._summary)
        if self.awaiting_only or any(facet == "status" for facet, _ in self.filter.facets):
            self._render_rows()

    def _show_approvals(self) -> None:
        """Bring the APPROVALS column (and the filters) up to date with the verdicts the session knows."""
        if self.awaiting_only or self.filter.active:
            self._render_rows()
        table = self.query_one(QueueTable)
        verdicts = self.session.verdicts
        cells = [(key, "approvals", approvals_cell(verdicts.get(key), self.palette)) for key in self.changes]
        table.update_cells([cell for cell in cells if cell[0] in table.rows], measure=True)
        self._show_details()

    def _failed(self, message: str) -> None:
        self.in_progress = False
        self.query_one(ProgressBar).display = False
        self._set_status("the queue could not be loaded")
        self._write_details(safe_text(message, "bold red"))
        self.notify(message, severity="error", markup=False, timeout=10)

    def _set_status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))

    def _note_repo(self, repo: str) -> None:
        """The REPO column appears with the second repository, filled in for the rows already shown."""
        if repo in self._repos:
            return
        self._repos.add(repo)
        table = self.query_one(DataTable)
        if len(self._repos) == 2 and "repo" not in table.columns:
            table.add_column("REPO", key="repo", default=Text(""))
            for key in table.rows:
                analysis = self.changes.get(str(key.value))
                if analysis is not None:
                    table.update_cell(key, "repo", safe_text(Path(analysis.change.repo).name))

    # -- rows --------------------------------------------------------------------------------------------------------

    def _shown(self, key: str, analysis: Analysis) -> bool:
        verdict = self.session.verdicts.get(key)
        if self.awaiting_only and not awaiting_second(verdict):
            return False
        return self.filter.matches(analysis, verdict)

    def _cells(self, analysis: Analysis) -> tuple[Text, ...]:
        key = queue_key(analysis.change)
        cells = row(
            analysis,
            None if self.in_progress else self.bands,
            self.session.verdicts.get(key),
            self.palette,
            rank=self.ranks.get(key),
            now=self.now(),
        )
        if len(self._repos) > 1:
            cells = (*cells, safe_text(Path(analysis.change.repo).name))
        return cells

    def _update_row(self, key: str, analysis: Analysis) -> None:
        table = self.query_one(DataTable)
        if key in table.rows:
            for (_, column), cell in zip(COLUMNS, self._cells(analysis), strict=False):
                table.update_cell(key, column, cell)

    def _render_rows(
        self,
        *,
        rebuild: bool = False,
        ordered: list[tuple[str, Analysis]] | None = None,
        cells: Mapping[str, tuple[Text, Text]] | None = None,
        top: bool = False,
        details: bool = True,
    ) -> None:
        """Lay the table out again: order, filter, grouping; the highlighted change stays highlighted (`top`: the
        cursor goes to the first row instead). Rows already in the table are only reordered unless `rebuild` asks
        for every cell to be made again. `ordered`: the changes already in the current order; `cells`: new rank and
        score cells for the rows (see `_reorder`); `details` off leaves the details panel to the caller."""
        table = self.query_one(DataTable)
        if ordered is None:
            order = SORTS[self.sort]
            ordered = sorted(self.changes.items(), key=lambda item: order(rank_key(item[1])))
        shown = [(k, a) for k, a in ordered if self._shown(k, a)]
        selected = None if top else self._selected()
        if rebuild or self.grouped or not self._reorder(table, shown, cells):
            self._rebuild(table, shown)
        if (selected is not None and queue_key(selected.change) in table.rows) or (top and table.row_count):
            index = table.get_row_index(queue_key(selected.change)) if selected is not None else 0
            if isinstance(table, QueueTable):
                table.show_row(index)
            else:
                table.move_cursor(row=index)
        self._show_filter_status(len(shown))
        if details:
            self._show_details()

    def _rebuild(self, table: DataTable[Text], shown: list[tuple[str, Analysis]]) -> None:
        table.clear()
        if self.grouped:
            for system, members in group_by_system(shown):
                table.add_row(*self._group_cells(system, members), key=f"{GROUP_PREFIX}{system}")
                for key, analysis in members:
                    table.add_row(*self._cells(analysis), key=key)
        else:
            for key, analysis in shown:
                table.add_row(*self._cells(analysis), key=key)

    def _reorder(
        self,
        table: DataTable[Text],
        shown: list[tuple[str, Analysis]],
        cells: Mapping[str, tuple[Text, Text]] | None = None,
    ) -> bool:
        """Put the rows already in the table into `shown`'s order without adding them again, when the table holds
        exactly those rows; False when it does not (grouped rows, another filter) and a rebuild is needed.

        A rebuild re-creates every cell and makes the table measure them all again: seconds for thousands of rows
        in one go on the UI thread. Here the rows only move; when loading ends, the two cells loading left
        provisional (rank and score band) are replaced by `cells`, made by the loader thread with the order, and
        only the widest rank is measured (no other can widen the column)."""
        if not isinstance(table, QueueTable):
            return False
        updates: list[tuple[str, str, Text]] = []
        measure: list[tuple[str, str]] = []
        if cells is not None:
            for key, _ in shown:
                rank_text, score_text = cells[key]
                updates += ((key, "rank", rank_text), (key, "score", score_text))
            measure = [(max((key for key, _ in shown), key=lambda key: self.ranks.get(key, 0), default=""), "rank")]
        return table.reorder([key for key, _ in shown], updates, measure=measure)

    def _group_cells(self, system: str, members: list[tuple[str, Analysis]]) -> tuple[Text, ...]:
        tiers = {tier for a in (m for _, m in members) for name, tier in a.risk.systems if name == system}
        label = Text()
        if 1 in tiers:
            label.append(" T1 ", f"bold reverse {self.palette['tier-1']}")
            label.append(" ")
        label.append_text(safe_text(system, "bold"))
        count = Text(f"{len(members)} change(s)", style="dim")
        blank = Text("")
        cells = [blank] * len(COLUMNS)
        cells[[k for _, k in COLUMNS].index("systems")] = label
        cells[[k for _, k in COLUMNS].index("title")] = count
        if len(self._repos) > 1:
            cells.append(blank)
        return tuple(cells)

    def _show_filter_status(self, shown: int) -> None:
        if self.in_progress:
            return
        total = len(self.changes)
        if self.awaiting_only:
            self._set_status(f"awaiting a second approval: {shown} of {total} change(s) · press 2 to show all")
            if not shown:
                self._write_details(Text("No change is awaiting a second approval."))
        elif self.filter.active:
            problems = f" · {'; '.join(self.filter.problems)}" if self.filter.problems else ""
            message = f"filter {self.filter.describe()}: {shown} of {total} change(s){problems} · escape clears"
            self.query_one("#status", Static).update(safe_text(message))
            if not shown:
                self._write_details(Text("No change matches the filter."))
        elif self._summary:
            grouped = " · grouped by system" if self.grouped else ""
            self._set_status(self._summary.replace(" · sorted by score", f" · sorted by {self.sort}") + grouped)

    # -- reacting ----------------------------------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._refresh_details()

    def _selected(self) -> Analysis | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.changes.get(key or "")

    def _write_details(self, message: Text) -> None:
        self._details_for = None
        self.query_one("#details", Static).update(message)

    def _refresh_details(self) -> None:
        """Redraw the details panel only when the highlighted change or its verdict differs from what it shows:
        batches arrive many times a second while loading and the panel is a large text to lay out."""
        analysis = self._selected()
        if analysis is None or self._details_for is None:
            self._show_details()
            return
        key = queue_key(analysis.change)
        shown_key, shown_verdict = self._details_for
        if shown_key != key or shown_verdict is not self.session.verdicts.get(key):
            self._show_details()

    def _show_details(self) -> None:
        self._details_for = None
        analysis = self._selected()
        if analysis is not None:
            key = queue_key(analysis.change)
            verdict = self.session.verdicts.get(key)
            self.query_one("#details", Static).update(details(analysis, verdict, self.palette))
            self._details_for = (key, verdict)
            return
        table = self.query_one(DataTable)
        if table.row_count:
            key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
            if key.startswith(GROUP_PREFIX):
                system = key.removeprefix(GROUP_PREFIX)
                out = Text()
                out.append_text(safe_text(system, "bold"))
                out.append("\nChanges touching this system, most critical system of each change first.", "dim")
                self.query_one("#details", Static).update(out)

    def action_open(self) -> None:
        if self.focused is self.query_one("#filter"):
            self.query_one(DataTable).focus()
            return
        analysis = self._selected()
        if analysis is None:
            return
        if analysis.change.summarised:
            self.open_full(analysis)  # listed from the summary cache: its lines are read now, off the UI thread
        else:
            self._review(analysis)

    @work(thread=True, exclusive=True, group="open")
    @released
    def open_full(self, analysis: Analysis) -> None:
        try:
            full = replace(analysis, change=full_change(analysis.change))
        except ReviewtuiError as exc:
            message = f"{analysis.change.id}: {exc}"
            self.app.call_from_thread(self.notify, inert(message), severity="error", markup=False, timeout=10)
            return
        if not get_current_worker().is_cancelled:  # Enter pressed again meanwhile: only the newest one opens
            self.app.call_from_thread(self._review, full)

    def _review(self, analysis: Analysis) -> None:
        self.app.push_screen(ReviewScreen(analysis, session=self.session, clerk=self.clerk))

    def action_audit(self) -> None:
        """The audit covers one repository: the highlighted change's, else the one the queue was opened on."""
        analysis = self._selected()
        repo = Path(analysis.change.repo) if analysis is not None else self.request.repo
        self.app.push_screen(AuditScreen(AuditRequest(repo=repo)))

    def action_toggle_awaiting(self) -> None:
        self.awaiting_only = not self.awaiting_only
        self._render_rows()

    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        if not self.in_progress:
            self._render_rows()
        self.notify(f"sorted by {self.sort}", timeout=2)

    def action_toggle_group(self) -> None:
        self.grouped = not self.grouped
        if not self.in_progress:
            self._render_rows()

    def action_toggle_details(self) -> None:
        self.query_one("#details").toggle_class("-hidden")

    def action_filter(self) -> None:
        bar = self.query_one("#filter", TextInput)
        bar.add_class("-shown")
        bar.focus()

    def action_clear_filter(self) -> None:
        bar = self.query_one("#filter", TextInput)
        bar.remove_class("-shown")
        self.query_one(DataTable).focus()
        if bar.value:
            bar.value = ""  # the Changed handler re-renders

    def apply_filter(self, term: str) -> None:
        """Add `term` to the filter bar's query and narrow the rows (the palette's filter commands use this)."""
        bar = self.query_one("#filter", TextInput)
        bar.add_class("-shown")
        if term not in bar.value.split():
            bar.value = f"{bar.value} {term}".strip()

    def filter_suggestions(self) -> list[str]:
        """Filter terms that select something in this queue, for the palette."""
        systems = sorted({(name, tier) for a in self.changes.values() for name, tier in a.risk.systems})
        agents = sorted({a.change.agent.name for a in self.changes.values() if a.change.agent})
        out = [f"system:{_quoted(name)}" for name, _ in systems]
        out += [f"tier:{tier}" for tier in sorted({tier for _, tier in systems})]
        out += [f"severity:{s}" for s in ("critical", "high", "medium")]
        out += [f"agent:{_quoted(name)}" for name in agents] + ["agent:human"]
        out += [f"status:{s}" for s in ("awaiting", "approved", "pending", "stale", "rejected")]
        if len(self._repos) > 1:
            out += [f"repo:{_quoted(Path(repo).name)}" for repo in sorted(self._repos)]
        return out

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter = QueueFilter.parse(event.value)
        if self.in_progress:
            table = self.query_one(DataTable)
            table.clear()
            for key, analysis in self.changes.items():
                if self._shown(key, analysis):
                    table.add_row(*self._cells(analysis), key=key)
        else:
            self._render_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def action_reload(self) -> None:
        self._reset_table()
        progress = self.query_one(ProgressBar)
        progress.update(total=None, progress=0)
        progress.display = True
        self._set_status("reloading the queue…")
        self.load_queue()


@dataclass(frozen=True)
class Ranking:
    """The whole queue's bands and score order, which only exist once every change is in."""

    bands: Banding
    order: list[tuple[str, Analysis]]
    """(queue key, analysis) in score order: rank 1 first."""
    cells: dict[str, tuple[Text, Text]]
    """Each change's rank and score cells, final now that bands and ranks are known."""


def rank(changes: dict[str, Analysis], colours: Palette) -> Ranking:
    """Order, bands and the cells they change, computed off the UI thread (5000 changes: ~0.1 s)."""
    order = SORTS["score"]
    ranked = sorted(changes.items(), key=lambda item: order(rank_key(item[1])))
    bands = banding([analysis.risk.score for analysis in changes.values()])
    cells = {
        key: (rank_cell(index), score_cell(analysis, bands, colours)) for index, (key, analysis) in enumerate(ranked, 1)
    }
    return Ranking(bands, ranked, cells)


def listed(analysis: Analysis) -> Analysis:
    """What the queue keeps of an analysed change: its files with their line counts, not their lines (a cache miss
    comes back from the analyser with every hunk). The review screen reads the full change when it opens it. The
    lines of 5000 changes were objects that every full garbage collection walked, 100-250 ms at a time, during
    which the UI thread could not run."""
    change = analysis.change
    if change.summarised or not rereadable(change) or all(not file.hunks for file in change.files):
        return analysis
    return replace(analysis, change=replace(change, files=tuple(file.summarised() for file in change.files)))


def group_by_system(rows: list[tuple[str, Analysis]]) -> list[tuple[str, list[tuple[str, Analysis]]]]:
    """Rows under the most critical system each change touches (lowest tier, then name), Tier 1 groups first;
    a change is listed once, so the groups add up to the queue."""
    groups: dict[str, list[tuple[str, Analysis]]] = {}
    tiers: dict[str, int] = {}
    for key, analysis in rows:
        systems = analysis.risk.systems
        if systems:
            name, tier = min(systems, key=lambda s: (s[1], s[0]))
        else:
            name, tier = NO_SYSTEM, 1_000
        groups.setdefault(name, []).append((key, analysis))
        tiers[name] = tier
    return sorted(groups.items(), key=lambda item: (tiers[item[0]], item[0] == NO_SYSTEM, item[0]))


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


def _newest(known: Verdict | str | None, judged: Verdict | str) -> Verdict | str:
    """Keep a verdict from a decision made here while the worker was judging older notes (decisions accumulate)."""
    if isinstance(known, Verdict) and isinstance(judged, Verdict) and len(known.reviews) > len(judged.reviews):
        return known
    return judged


def _allowed_signers(clerk: Clerk, analysis: Analysis) -> bytes | None:
    """The allowed_signers file at a change's base (None when there is none or the policy cannot be read)."""
    change = analysis.change
    repo = clerk.repo(change.repo)
    if repo is None or change.base is None:
        return None
    try:
        return repo.show_file(change.base, clerk.policy(repo, change.base).allowed_signers)
    except ReviewtuiError:
        return None


def awaiting_second(verdict: Verdict | str | None) -> bool:
    """Exactly one counted approval, not blocked, and the policy wants more: a second reviewer is what is missing."""
    return (
        isinstance(verdict, Verdict) and len(verdict.approvers) == 1 and not verdict.blocking and not verdict.satisfied
    )


def approvals_cell(verdict: Verdict | str | None, colours: Palette) -> Text:
    """`0/2`, `1/2`, `2/2` (done colour when satisfied), `stale`, `rejected`; `…` while judging, `?` when it failed."""
    if verdict is None:
        return Text("…", style="dim")
    if isinstance(verdict, str):
        return Text("?", style=f"bold {colours['approval-blocked']}")
    label = verdict.label()
    if verdict.satisfied:
        style = f"bold {colours['approval-done']}"
    elif label in ("rejected", "changes requested"):
        style = f"bold {colours['approval-blocked']}"
    elif label == "stale":
        style = f"dim {colours['approval-partial']}"
    else:
        style = colours["approval-partial"] if verdict.approvers else "dim"
    return Text(label, style=style)


def row(
    analysis: Analysis,
    bands: Banding | None,
    verdict: Verdict | str | None,
    colours: Palette,
    *,
    rank: int | None = None,
    now: datetime | None = None,
) -> tuple[Text, ...]:
    """One change's cells, in `COLUMNS` order; every string from the change goes through `safe_text`."""
    change = analysis.change
    stats = change.stats
    risk = analysis.risk
    systems = Text()
    if risk.tier1:
        systems.append("T1", f"bold reverse {colours['tier-1']}")
        systems.append(" ")
    for index, (name, tier) in enumerate(sorted(risk.systems, key=lambda s: (s[1], s[0]))):
        if index:
            systems.append(",")
        systems.append_text(safe_text(name, f"bold {colours['tier-1']}" if tier == 1 else ""))
    if change.agent is not None:
        agent = safe_text(clip(change.agent.name, 20), colours["agent"])
    else:
        author = change.commits[0].author.name if change.commits else "human"
        agent = safe_text(clip(author, 20), "dim")
    return (
        rank_cell(rank),
        score_cell(analysis, bands, colours),
        findings_badge(analysis.counts(), colours),
        approvals_cell(verdict, colours),
        systems or Text("-", style="dim"),
        safe_text(clip(change.title, 44)),
        agent,
        Text(f"+{stats.added}", style=colours["diff-added"], justify="right"),
        Text(f"-{stats.deleted}", style=colours["diff-removed"], justify="right"),
        Text(str(stats.files), justify="right"),
        Text(age_label(change.created, now), justify="right"),
        safe_text(clip(change.id, 30), "bold"),
    )


def rank_cell(rank: int | None) -> Text:
    """The position in the score order; blank while loading, when no order is known yet."""
    return Text(str(rank) if rank else "", style="dim", justify="right")


def score_cell(analysis: Analysis, bands: Banding | None, colours: Palette) -> Text:
    """The score in its band's colour; bands need the whole queue, so "…" (plain) until it is loaded."""
    score = analysis.risk.score
    band = bands.band(score) if bands is not None else "…"
    style = f"bold {colours.band(band)}" if band not in ("rest", "…") else colours.band(band)
    return Text(f"{score:.0f}", style=style, justify="right")


def findings_badge(counts: dict[str, int], colours: Palette) -> Text:
    """`1C 2H` in severity colours; "-" when the rules found nothing."""
    out = Text()
    for severity in ("critical", "high", "medium", "low", "info"):
        if counts.get(severity):
            if out:
                out.append(" ")
            out.append(f"{counts[severity]}{severity[0].upper()}", style=f"bold {colours.severity(severity)}")
    return out or Text("-", style="dim")


def risk_panel(analysis: Analysis, colours: Palette) -> Text:
    """Why the score is what it is: impact, each feature's points, what would lower it, and hard flags."""
    risk = analysis.risk
    out = Text()
    out.append(f"Risk {risk.score:.0f}/100", "bold")
    out.append(f"  likelihood {risk.likelihood:.0%} × impact {risk.impact:g} ({risk.impact_reason})\n", "dim")
    flagged = sorted({flag.split(":", 1)[0] for flag in risk.flags})
    if flagged:
        out.append_text(safe_text(f"  ⚑ critical: {', '.join(flagged)}", f"bold {colours.severity('critical')}"))
        out.append("\n")
    for part in risk.breakdown[:10]:
        sign = "+" if part.points >= 0 and part.feature != "base_rate" else ""
        value = "" if part.feature == "base_rate" else f" = {part.value:g}"
        out.append(f"  {sign}{part.points:>5.1f}  ", colours["approval-done"] if part.points < 0 else "")
        out.append(f"{part.label}{value}\n")
    if len(risk.breakdown) > 10:
        rest = sum(p.points for p in risk.breakdown[10:])
        out.append(f"  {rest:>+6.1f}  {len(risk.breakdown) - 10} more features\n", "dim")
    for hint in risk.hints[:4]:
        out.append(f"  → {hint.text} (−{hint.saves:.0f})\n", colours.severity("low"))
    out.append("\n")
    return out


def approvals_panel(verdict: Verdict | str | None, colours: Palette) -> Text:
    """Who decided and what counts: each principal's latest decision once, and what is still missing."""
    out = Text()
    if verdict is None:
        out.append("Approvals …\n", "bold")
        return out
    if isinstance(verdict, str):
        out.append("Approvals ?  ", "bold")
        out.append_text(safe_text(verdict, colours["approval-blocked"]))
        out.append("\n")
        return out
    out.append("Approvals ", "bold")
    out.append_text(approvals_cell(verdict, colours))
    out.append("\n")
    latest: dict[str, str] = {}
    for review in verdict.reviews:
        if review.principal is not None and review.status != "invalid":
            latest[review.principal] = f"{review.decision} ({review.status})"
    for principal in sorted(latest):
        mark = "✓" if principal in verdict.approvers else "·"
        style = colours["approval-done"] if mark == "✓" else "dim"
        out.append_text(safe_text(f"  {mark} {principal}  {latest[principal]}", style))
        out.append("\n")
    repeated = len(verdict.reviews) - len(latest) - sum(1 for r in verdict.reviews if r.status == "invalid")
    if repeated > 0:
        out.append(f"  {repeated} earlier decision(s) superseded: a principal counts once\n", "dim")
    invalid = sum(1 for r in verdict.reviews if r.status == "invalid")
    if invalid:
        out.append(f"  {invalid} invalid envelope(s) ignored\n", colours["approval-blocked"])
    for missing in verdict.missing:
        out.append_text(safe_text(f"  needs: {missing}", colours["approval-partial"]))
        out.append("\n")
    return out


def details(analysis: Analysis, verdict: Verdict | str | None, colours: Palette) -> Text:
    """The side panel: provenance first (who may not approve), approvals, risk, findings, then commits and files."""
    change = analysis.change
    out = Text()
    out.append_text(safe_text(change.title, "bold"))
    out.append("\n")
    out.append_text(safe_text(f"{change.id} · {change.source.value} · {Path(change.repo).name}", "dim"))
    out.append("\n\n")
    if change.agent:
        out.append("Agent     ", "bold")
        out.append_text(safe_text(change.agent.name, colours["agent"]))
        out.append("\nOperator  ", "bold")
        out.append_text(safe_text(change.agent.operator or "unknown"))
        out.append("\nSignal    ", "bold")
        out.append_text(safe_text(change.agent.signal, "dim"))
    else:
        out.append("Human-only change (no AI signal found)", "bold")
    out.append("\n\n")
    out.append_text(approvals_panel(verdict, colours))
    out.append("\n")
    out.append_text(risk_panel(analysis, colours))
    out.append(f"Findings ({len(analysis.findings)})\n", "bold")
    for finding in analysis.findings[:12]:
        out.append(f"  {finding.severity.value:<8} ", colours.severity(finding.severity.value))
        out.append_text(safe_text(finding.rule))
        if finding.path:
            out.append_text(safe_text(f"  {finding.path}" + (f":{finding.line}" if finding.line else ""), "dim"))
        out.append("\n")
    if len(analysis.findings) > 12:
        out.append(f"  … and {len(analysis.findings) - 12} more\n", "dim")
    out.append("\n")
    out.append(f"Commits ({len(change.commits)})\n", "bold")
    for commit in change.commits[-8:]:
        out.append_text(safe_text(f"  {commit.sha[:10]} ", colours.severity("medium")))
        out.append_text(safe_text(commit.subject))
        out.append("\n")
    out.append(f"\nFiles ({len(change.files)})\n", "bold")
    for file in change.files[:30]:
        out.append(f"  {file.status.value[:8]:<8} ", colours.severity("low"))
        out.append_text(safe_text(file.path))
        out.append(f"  +{file.added} -{file.deleted}\n", "dim")
    if len(change.files) > 30:
        out.append(f"  … and {len(change.files) - 30} more\n", "dim")
    for note in change.notes:
        out.append_text(safe_text(f"\n! {note}", colours.severity("medium")))
    return out
