"""The queue screen: every pending change in a table that fills in while the queue loads.

The screen paints at once; a thread worker walks the sources and hands changes to the UI thread in small batches,
so a queue of thousands never freezes the interface. The highlighted change's provenance and files are shown
beside the table without opening it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.clock import age_label
from reviewtui.errors import ReviewtuiError
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ranking import SORTS, rank_key
from reviewtui.risk.bands import Banding, banding
from reviewtui.table import clip
from reviewtui.ui.safe import safe_text
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.widgets.diff_view import SEVERITY_COLOURS

_BATCH_SECONDS = 0.05


class QueueScreen(Screen[None]):
    """The daily queue of pending changes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="open", priority=True),
        Binding("j", "cursor_down", "Down", show=False, id="down"),
        Binding("k", "cursor_up", "Up", show=False, id="up"),
        Binding("o", "cycle_sort", "Order", id="sort"),
        Binding("r", "reload", "Reload", id="reload"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `enter` | Open the highlighted change. |
    | `j` / `k` | Move down / up. |
    | `o` | Cycle the order: score, effort (risk per line), age, system. |
    | `r` | Reload the queue from git. |
    """

    DEFAULT_CSS = """
    QueueScreen #status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    QueueScreen #queue-table { width: 1fr; }
    QueueScreen #details { width: 34%; max-width: 64; min-width: 30; padding: 0 1; border-left: solid $primary-muted; }
    """

    def __init__(self, request: QueueRequest) -> None:
        super().__init__()
        self.request = request
        self.changes: dict[str, Analysis] = {}
        self.sort = "score"
        self.bands = banding([])
        self._several_repos = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("loading the queue…"), id="status")
        with Horizontal():
            yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="details")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(self.request.repo.resolve())
        self._reset_table()
        self.load_queue()

    def _reset_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, key in (
            ("SCORE", "score"),
            ("BAND", "band"),
            ("FINDINGS", "findings"),
            ("ID", "id"),
            ("TITLE", "title"),
            ("SYSTEMS", "systems"),
            ("AGENT", "agent"),
            ("+", "added"),
            ("-", "deleted"),
            ("AGE", "age"),
        ):
            table.add_column(label, key=key)
        self.changes.clear()

    # -- loading -----------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="queue")
    def load_queue(self) -> None:
        """Walk every source in a thread and post rows in batches, so the first rows appear immediately."""
        worker = get_current_worker()
        loader = QueueLoader(self.request)
        analyzer = Analyzer(user_file=self.request.user_config)
        batch: list[Analysis] = []
        last = time.monotonic()
        try:
            for change in loader.changes():
                if worker.is_cancelled:
                    return
                batch.append(analyzer.analyze(change))
                if time.monotonic() - last > _BATCH_SECONDS:
                    self.app.call_from_thread(self._add_changes, batch, loader)
                    batch, last = [], time.monotonic()
        except ReviewtuiError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._add_changes, batch, loader)
        self.app.call_from_thread(self._finished, loader)

    def _add_changes(self, analyses: list[Analysis], loader: QueueLoader) -> None:
        table = self.query_one(DataTable)
        for analysis in analyses:
            change = analysis.change
            key = f"{change.repo}\0{change.id}"
            self.changes[key] = analysis
            table.add_row(*_row(analysis, None), key=key)
        self._set_status(f"loading… {loader.report.loaded} change(s)")
        if table.row_count and table.cursor_row == 0:
            self._show_details(0)

    def _finished(self, loader: QueueLoader) -> None:
        report = loader.report
        self._sort_rows()
        bands = f" · bands: {self.bands.describe()}" if self.bands.thresholds else ""
        self._set_status(f"{report.summary()} · sorted by {self.sort}{bands}")
        for warning in report.warnings:
            self.notify(warning, severity="warning", markup=False)
        if not report.loaded:
            self.query_one("#details", Static).update(Text("Nothing is waiting for review."))

    def _sort_rows(self) -> None:
        """Rows arrive as analysis finishes; once all are in, bands are known and rows take the queue's order."""
        table = self.query_one(DataTable)
        self.bands = banding([a.risk.score for a in self.changes.values()])
        order = SORTS[self.sort]
        ordered = sorted(self.changes.items(), key=lambda item: order(rank_key(item[1])))
        selected = self._selected()
        table.clear()
        for key, analysis in ordered:
            table.add_row(*_row(analysis, self.bands), key=key)
        if selected is not None:
            table.move_cursor(row=table.get_row_index(f"{selected.change.repo}\0{selected.change.id}"))

    def _failed(self, message: str) -> None:
        self._set_status("the queue could not be loaded")
        self.query_one("#details", Static).update(safe_text(message, "bold red"))
        self.notify(message, severity="error", markup=False, timeout=10)

    def _set_status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))

    # -- reacting ----------------------------------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(event.cursor_row)

    def _selected(self) -> Analysis | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.changes.get(key or "")

    def _show_details(self, _row: int) -> None:
        analysis = self._selected()
        if analysis is not None:
            self.query_one("#details", Static).update(details(analysis))

    def action_open(self) -> None:
        analysis = self._selected()
        if analysis is not None:
            self.app.push_screen(ReviewScreen(analysis.change, analysis.findings))

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_cycle_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._sort_rows()
        self.notify(f"sorted by {self.sort}", timeout=2)

    def action_reload(self) -> None:
        self._reset_table()
        self._set_status("reloading the queue…")
        self.load_queue()


def _row(analysis: Analysis, bands: Banding | None) -> tuple[Text, ...]:
    change = analysis.change
    stats = change.stats
    risk = analysis.risk
    agent = change.agent.name if change.agent else "human"
    band = bands.band(risk.score) if bands is not None else "…"
    systems = Text()
    for index, (name, tier) in enumerate(risk.systems):
        if index:
            systems.append(",")
        systems.append_text(safe_text(name, "bold red" if tier == 1 else ""))
    return (
        Text(f"{risk.score:.0f}", style=_score_style(band), justify="right"),
        Text(band, style=_score_style(band)),
        findings_badge(analysis.counts()),
        safe_text(clip(change.id, 30), "bold"),
        safe_text(clip(change.title, 48)),
        systems or Text("-", style="dim"),
        safe_text(agent, "magenta" if change.agent else "dim"),
        Text(f"+{stats.added}", style="green", justify="right"),
        Text(f"-{stats.deleted}", style="red", justify="right"),
        Text(age_label(change.created), justify="right"),
    )


def _score_style(band: str) -> str:
    return {"top 5%": "bold #ff5f87", "top 10%": "bold #ff8700", "top 50%": "#ffd75f"}.get(band, "dim")


def findings_badge(counts: dict[str, int]) -> Text:
    """`1C 2H` in severity colours; "-" when the rules found nothing."""
    out = Text()
    for severity in ("critical", "high", "medium", "low", "info"):
        if counts.get(severity):
            if out:
                out.append(" ")
            out.append(f"{counts[severity]}{severity[0].upper()}", style=f"bold {SEVERITY_COLOURS[severity]}")
    return out or Text("-", style="dim")


def risk_panel(analysis: Analysis) -> Text:
    """Why the score is what it is: impact, each feature's points, what would lower it, and hard flags."""
    risk = analysis.risk
    out = Text()
    out.append(f"Risk {risk.score:.0f}/100", "bold")
    out.append(f"  likelihood {risk.likelihood:.0%} × impact {risk.impact:g} ({risk.impact_reason})\n", "dim")
    flagged = sorted({flag.split(":", 1)[0] for flag in risk.flags})
    if flagged:
        out.append_text(safe_text(f"  ⚑ critical: {', '.join(flagged)}", "bold #ff5f87"))
        out.append("\n")
    for part in risk.breakdown[:10]:
        sign = "+" if part.points >= 0 and part.feature != "base_rate" else ""
        value = "" if part.feature == "base_rate" else f" = {part.value:g}"
        out.append(f"  {sign}{part.points:>5.1f}  ", "green" if part.points < 0 else "")
        out.append(f"{part.label}{value}\n")
    if len(risk.breakdown) > 10:
        rest = sum(p.points for p in risk.breakdown[10:])
        out.append(f"  {rest:>+6.1f}  {len(risk.breakdown) - 10} more features\n", "dim")
    for hint in risk.hints[:4]:
        out.append(f"  → {hint.text} (−{hint.saves:.0f})\n", "cyan")
    out.append("\n")
    return out


def details(analysis: Analysis) -> Text:
    """The side panel: provenance first (who may not approve), findings, then commits and files."""
    change = analysis.change
    out = Text()
    out.append_text(safe_text(change.title, "bold"))
    out.append("\n")
    out.append_text(safe_text(f"{change.id} · {change.source.value} · {Path(change.repo).name}", "dim"))
    out.append("\n\n")
    if change.agent:
        out.append("Agent     ", "bold")
        out.append_text(safe_text(change.agent.name, "magenta"))
        out.append("\nOperator  ", "bold")
        out.append_text(safe_text(change.agent.operator or "unknown"))
        out.append("\nSignal    ", "bold")
        out.append_text(safe_text(change.agent.signal, "dim"))
    else:
        out.append("Human-only change (no AI signal found)", "bold")
    out.append("\n\n")
    out.append_text(risk_panel(analysis))
    out.append(f"Findings ({len(analysis.findings)})\n", "bold")
    for finding in analysis.findings[:12]:
        out.append(f"  {finding.severity.value:<8} ", SEVERITY_COLOURS[finding.severity.value])
        out.append_text(safe_text(finding.rule))
        if finding.path:
            out.append_text(safe_text(f"  {finding.path}" + (f":{finding.line}" if finding.line else ""), "dim"))
        out.append("\n")
    if len(analysis.findings) > 12:
        out.append(f"  … and {len(analysis.findings) - 12} more\n", "dim")
    out.append("\n")
    out.append(f"Commits ({len(change.commits)})\n", "bold")
    for commit in change.commits[-8:]:
        out.append_text(safe_text(f"  {commit.sha[:10]} ", "yellow"))
        out.append_text(safe_text(commit.subject))
        out.append("\n")
    out.append(f"\nFiles ({len(change.files)})\n", "bold")
    for file in change.files[:30]:
        out.append(f"  {file.status.value[:8]:<8} ", "cyan")
        out.append_text(safe_text(file.path))
        out.append(f"  +{file.added} -{file.deleted}\n", "dim")
    if len(change.files) > 30:
        out.append(f"  … and {len(change.files) - 30} more\n", "dim")
    for note in change.notes:
        out.append_text(safe_text(f"\n! {note}", "yellow"))
    return out
