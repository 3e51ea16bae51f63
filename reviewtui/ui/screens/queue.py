"""The queue screen: every pending change in a table that fills in while the queue loads.

The screen paints at once; a thread worker walks the sources and hands changes to the UI thread in small batches,
so a queue of thousands never freezes the interface. Once every change is in, the same worker judges the stored
decisions on each (signature checks under the base's policy) and fills the APPROVALS column: 0/2, 1/2, 2/2, stale,
rejected. The highlighted change's provenance, files and approvals are shown beside the table without opening it.
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
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.verdict import Verdict
from reviewtui.clock import age_label
from reviewtui.errors import ReviewtuiError
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ranking import SORTS, rank_key
from reviewtui.risk.bands import Banding, banding
from reviewtui.table import clip
from reviewtui.text import inert
from reviewtui.ui.messages import ReviewerChanged
from reviewtui.ui.safe import safe_text
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.session import Session, queue_key
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
        Binding("2", "toggle_awaiting", "Awaiting 2nd approval", id="queue.awaiting_second"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `enter` | Open the highlighted change. |
    | `j` / `k` | Move down / up. |
    | `o` | Cycle the order: score, effort (risk per line), age, system. |
    | `r` | Reload the queue from git. |
    | `2` | Show only changes awaiting a second approval (exactly one counted approval); again to show all. |
    """

    DEFAULT_CSS = """
    QueueScreen #status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    QueueScreen #queue-table { width: 1fr; }
    QueueScreen #details { width: 34%; max-width: 64; min-width: 30; padding: 0 1; border-left: solid $primary-muted; }
    """

    def __init__(self, request: QueueRequest, session: Session | None = None) -> None:
        super().__init__()
        self.request = request
        self.session = session if session is not None else Session()
        self.changes: dict[str, Analysis] = {}
        self.sort = "score"
        self.bands = banding([])
        self.awaiting_only = False
        """Show only changes with exactly one counted approval that still need another."""
        self.clerk = Clerk(Analyzer(user_file=request.user_config))
        self._several_repos = False
        self._summary = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("loading the queue…"), id="status")
        with Horizontal():
            yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="details")
        yield Footer()

    def on_mount(self) -> None:
        self._show_reviewer()
        self._reset_table()
        self.load_queue()

    def on_reviewer_changed(self, _message: ReviewerChanged) -> None:
        self._show_reviewer()

    def on_screen_resume(self) -> None:
        """Decisions made on the review screen (or verdicts it re-read) show in the table on return."""
        self._show_reviewer()
        self._show_approvals()

    def _show_reviewer(self) -> None:
        name = self.session.name(self.session.active)
        self.sub_title = inert(f"{self.request.repo.resolve()} · reviewer {name}")

    def _reset_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label, key in (
            ("SCORE", "score"),
            ("BAND", "band"),
            ("FINDINGS", "findings"),
            ("APPROVALS", "approvals"),
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
        """Walk every source in a thread and post rows in batches, so the first rows appear immediately; then
        judge each change's stored decisions, also in batches (signature checks run ssh-keygen)."""
        worker = get_current_worker()
        loader = QueueLoader(self.request)
        analyzer = Analyzer(user_file=self.request.user_config)
        clerk = Clerk(analyzer)
        self.clerk = clerk
        analyses: list[Analysis] = []
        batch: list[Analysis] = []
        last = time.monotonic()
        try:
            for change in loader.changes():
                if worker.is_cancelled:
                    return
                batch.append(analyzer.analyze(change))
                analyses.append(batch[-1])
                if time.monotonic() - last > _BATCH_SECONDS:
                    self.app.call_from_thread(self._add_changes, batch, loader)
                    batch, last = [], time.monotonic()
        except ReviewtuiError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._add_changes, batch, loader)
        self.app.call_from_thread(self._finished, loader)
        if analyses:
            signers = _allowed_signers(clerk, analyses[0])
            if signers is not None:
                self.app.call_from_thread(self._learn_signers, signers)
        verdicts: list[tuple[str, Verdict | str]] = []
        for analysis in analyses:
            if worker.is_cancelled:
                return
            try:
                verdict: Verdict | str = clerk.verdict(analysis)
            except ReviewtuiError as exc:
                verdict = str(exc)
            verdicts.append((queue_key(analysis.change), verdict))
            if time.monotonic() - last > _BATCH_SECONDS:
                self.app.call_from_thread(self._add_verdicts, verdicts)
                verdicts, last = [], time.monotonic()
        self.app.call_from_thread(self._add_verdicts, verdicts)
        self.app.call_from_thread(self._verdicts_finished)

    def _add_changes(self, analyses: list[Analysis], loader: QueueLoader) -> None:
        table = self.query_one(DataTable)
        for analysis in analyses:
            key = queue_key(analysis.change)
            self.changes[key] = analysis
            table.add_row(*_row(analysis, None, self.session.verdicts.get(key)), key=key)
        self._set_status(f"loading… {loader.report.loaded} change(s)")
        if table.row_count and table.cursor_row == 0:
            self._show_details(0)

    def _finished(self, loader: QueueLoader) -> None:
        report = loader.report
        self._sort_rows()
        bands = f" · bands: {self.bands.describe()}" if self.bands.thresholds else ""
        self._summary = f"{report.summary()} · sorted by {self.sort}{bands}"
        self._set_status(self._summary + " · checking approvals…")
        for warning in report.warnings:
            self.notify(warning, severity="warning", markup=False)
        if not report.loaded:
            self.query_one("#details", Static).update(Text("Nothing is waiting for review."))

    def _learn_signers(self, allowed_signers: bytes) -> None:
        """Name reviewers by their allowed_signers principal from now on (in the header and the palette)."""
        self.session.allowed_signers = allowed_signers
        self._show_reviewer()

    def _add_verdicts(self, verdicts: list[tuple[str, Verdict | str]]) -> None:
        table = self.query_one(DataTable)
        for key, verdict in verdicts:
            verdict = _newest(self.session.verdicts.get(key), verdict)
            self.session.verdicts[key] = verdict
            if key in table.rows:
                table.update_cell(key, "approvals", approvals_cell(verdict))
        self._show_details(table.cursor_row)

    def _verdicts_finished(self) -> None:
        self._set_status(self._summary)
        if self.awaiting_only:
            self._sort_rows()

    def _show_approvals(self) -> None:
        """Bring the APPROVALS column (and the filter) up to date with the verdicts the session knows."""
        if self.awaiting_only:
            self._sort_rows()
            return
        table = self.query_one(DataTable)
        for key in self.changes:
            if key in table.rows:
                table.update_cell(key, "approvals", approvals_cell(self.session.verdicts.get(key)))
        if table.row_count:
            self._show_details(table.cursor_row)

    def _sort_rows(self) -> None:
        """Rows arrive as analysis finishes; once all are in, bands are known and rows take the queue's order."""
        table = self.query_one(DataTable)
        self.bands = banding([a.risk.score for a in self.changes.values()])
        order = SORTS[self.sort]
        ordered = sorted(self.changes.items(), key=lambda item: order(rank_key(item[1])))
        if self.awaiting_only:
            ordered = [(k, a) for k, a in ordered if awaiting_second(self.session.verdicts.get(k))]
        selected = self._selected()
        table.clear()
        for key, analysis in ordered:
            table.add_row(*_row(analysis, self.bands, self.session.verdicts.get(key)), key=key)
        if selected is not None and queue_key(selected.change) in table.rows:
            table.move_cursor(row=table.get_row_index(queue_key(selected.change)))
        if self.awaiting_only:
            shown = f"{len(ordered)} of {len(self.changes)} change(s)"
            self._set_status(f"awaiting a second approval: {shown} · press 2 to show all")
            if not ordered:
                self.query_one("#details", Static).update(Text("No change is awaiting a second approval."))

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
            verdict = self.session.verdicts.get(queue_key(analysis.change))
            self.query_one("#details", Static).update(details(analysis, verdict))

    def action_open(self) -> None:
        analysis = self._selected()
        if analysis is not None:
            self.app.push_screen(ReviewScreen(analysis, session=self.session, clerk=self.clerk))

    def action_toggle_awaiting(self) -> None:
        self.awaiting_only = not self.awaiting_only
        self._sort_rows()
        if not self.awaiting_only:
            self._set_status(self._summary or "showing every change")

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


def approvals_cell(verdict: Verdict | str | None) -> Text:
    """`0/2`, `1/2`, `2/2` (green when satisfied), `stale`, `rejected`; `…` while judging, `?` when it failed."""
    if verdict is None:
        return Text("…", style="dim")
    if isinstance(verdict, str):
        return Text("?", style="bold red")
    label = verdict.label()
    if verdict.satisfied:
        style = "bold green"
    elif label in ("rejected", "changes requested"):
        style = "bold red"
    elif label == "stale":
        style = "dim yellow"
    else:
        style = "yellow" if verdict.approvers else "dim"
    return Text(label, style=style)


def _row(analysis: Analysis, bands: Banding | None, verdict: Verdict | str | None = None) -> tuple[Text, ...]:
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
        approvals_cell(verdict),
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


def approvals_panel(verdict: Verdict | str | None) -> Text:
    """Who decided and what counts: each principal's latest decision once, and what is still missing."""
    out = Text()
    if verdict is None:
        out.append("Approvals …\n", "bold")
        return out
    if isinstance(verdict, str):
        out.append("Approvals ?  ", "bold")
        out.append_text(safe_text(verdict, "red"))
        out.append("\n")
        return out
    out.append("Approvals ", "bold")
    out.append_text(approvals_cell(verdict))
    out.append("\n")
    latest: dict[str, str] = {}
    for review in verdict.reviews:
        if review.principal is not None and review.status != "invalid":
            latest[review.principal] = f"{review.decision} ({review.status})"
    for principal in sorted(latest):
        mark = "✓" if principal in verdict.approvers else "·"
        out.append_text(safe_text(f"  {mark} {principal}  {latest[principal]}", "green" if mark == "✓" else "dim"))
        out.append("\n")
    repeated = len(verdict.reviews) - len(latest) - sum(1 for r in verdict.reviews if r.status == "invalid")
    if repeated > 0:
        out.append(f"  {repeated} earlier decision(s) superseded: a principal counts once\n", "dim")
    invalid = sum(1 for r in verdict.reviews if r.status == "invalid")
    if invalid:
        out.append(f"  {invalid} invalid envelope(s) ignored\n", "red")
    for missing in verdict.missing:
        out.append_text(safe_text(f"  needs: {missing}", "yellow"))
        out.append("\n")
    return out


def details(analysis: Analysis, verdict: Verdict | str | None = None) -> Text:
    """The side panel: provenance first (who may not approve), approvals, findings, then commits and files."""
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
    out.append_text(approvals_panel(verdict))
    out.append("\n")
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
