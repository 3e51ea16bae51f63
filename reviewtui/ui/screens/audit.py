"""The audit screen: what landed on the base branch versus what two people approved, as `reviewtui audit` says it.

The screen paints at once and runs the audit (`Auditor.run`, which verifies every stored signature with ssh-keygen
and compares trees with git) in a thread worker. It renders the same report dictionary every output format renders
(`audit/report.py`), so the TUI, the table, JSON, CSV, Markdown and HTML carry the same facts: the verdict lines of
the CLI table, counts per system, reviewer and agent beside the list of landed changes, and on `enter` one change's
approvals, findings and waivers, differing files and rubber-stamp flags. Every string from the repository (titles,
paths, names, reasons) becomes Rich `Text` through `safe_text`/`inert`; nothing is parsed as markup.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.theme import Theme
from textual.widgets import DataTable, Footer, Header, Static

from reviewtui.audit.auditor import Auditor, AuditRequest
from reviewtui.audit.formats.terminal import SYSTEM_COUNTS, headline, number, share
from reviewtui.audit.report import report
from reviewtui.errors import ReviewtuiError
from reviewtui.table import clip
from reviewtui.text import inert
from reviewtui.ui.pool import released
from reviewtui.ui.safe import safe_text
from reviewtui.ui.screens.table_screen import TableScreen
from reviewtui.ui.themes import Palette, palette

COLUMNS = (
    ("LANDED", "landed"),
    ("CHANGE", "id"),
    ("STATUS", "status"),
    ("TIER", "tier"),
    ("FLAGS", "flags"),
    ("TITLE", "title"),
    ("APPROVERS", "approvers"),
    ("KIND", "kind"),
)
"""Label and key of each column of the landed changes: what a director scans first comes first."""


class AuditScreen(TableScreen):
    """The audit of one repository's base branch over a period, with drill-down into each landed change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="audit.back"),
        Binding("enter", "details", "Details", id="audit.details", priority=True),
        Binding("j", "cursor_down", "Down", show=False, id="audit.down"),
        Binding("k", "cursor_up", "Up", show=False, id="audit.up"),
        Binding("g", "top", "Top", show=False, id="audit.top"),
        Binding("G", "bottom", "Bottom", show=False, id="audit.bottom"),
        Binding("1", "toggle_gate", "Gate failures", id="audit.gate_failures"),
        Binding("n", "toggle_numbers", "Numbers", id="audit.numbers"),
        Binding("r", "reload", "Reload", id="audit.reload"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `escape` | Back to the screen underneath. |
    | `enter` | The highlighted change's approvals, findings and waivers, differing files and rubber-stamp flags. |
    | `j` / `k` | Move down / up (arrows, PgUp/PgDn work too). |
    | `g` / `G` | First / last landed change. |
    | `1` | Show only the Tier-1 changes that fail the gate (no valid two-person approval); again to show all. |
    | `n` | Show / hide the numbers per system, reviewer and agent beside the list. |
    | `r` | Run the audit again (new decisions, new landings). |
    """

    DEFAULT_CSS = """
    AuditScreen #headline { height: auto; padding: 0 1; background: $panel; }
    AuditScreen #body { height: 1fr; }
    AuditScreen #landed { width: 1fr; }
    AuditScreen #breakdown { width: 76; max-width: 50%; min-width: 40; border-left: solid $primary-muted; }
    AuditScreen #breakdown.-hidden { display: none; }
    AuditScreen #numbers { padding: 0 1; }
    """

    def __init__(self, request: AuditRequest, *, auditor: Auditor | None = None) -> None:
        """`request` says what to audit (repository, branch, period, system), as `reviewtui audit` takes it."""
        super().__init__()
        self.request = request
        self.auditor = auditor
        self.data: dict[str, Any] | None = None
        """The report (`audit/report.py`) once the audit has run."""
        self.error: str | None = None
        self.gate_only = False
        """Show only the Tier-1 changes that fail the gate."""
        self.colours: Palette | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"auditing {inert(str(self.request.repo))}…", style="dim"), id="headline")
        with Horizontal(id="body"):
            yield DataTable(id="landed", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="breakdown"):
                yield Static(id="numbers")
        yield Footer()

    def on_mount(self) -> None:
        self.colours = palette(self.app.current_theme)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.sub_title = inert(f"audit · {self.request.repo.resolve().name}")
        table = self.query_one(DataTable)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        table.focus()
        self.run_audit()

    @property
    def palette(self) -> Palette:
        if self.colours is None:
            self.colours = palette(self.app.current_theme)
        return self.colours

    def _theme_changed(self, theme: Theme) -> None:
        """Statuses and the gate line take the new theme's colours (the colour-blind theme reaches them too)."""
        self.colours = palette(theme)
        if self.data is not None:
            self._show(self.data)

    # -- auditing ----------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="audit")
    @released
    def run_audit(self) -> None:
        """Judge every landing in a thread: signatures are checked by ssh-keygen and trees compared by git."""
        try:
            audit = (self.auditor or Auditor()).run(self.request)
            data = report(audit)
        except ReviewtuiError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, data)

    def _show(self, data: dict[str, Any]) -> None:
        self.data = data
        self.error = None
        self.query_one("#headline", Static).update(headline_text(data, self.palette))
        self.query_one("#numbers", Static).update(breakdown(data))
        self._fill()

    def _failed(self, message: str) -> None:
        self.error = message
        self.query_one("#headline", Static).update(safe_text(message, f"bold {self.palette['approval-blocked']}"))
        self.notify(message, severity="error", markup=False, timeout=10)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        selected = self.selected()
        table.clear()
        for change in self.shown():
            table.add_row(*change_cells(change, self.palette), key=change["landed"])
        if selected is not None and selected["landed"] in table.rows:
            table.move_cursor(row=table.get_row_index(selected["landed"]))

    def shown(self) -> list[dict[str, Any]]:
        """The landed changes listed, newest first (the report's order), narrowed by `1` to gate failures."""
        changes: list[dict[str, Any]] = self.data["changes"] if self.data else []
        return [c for c in changes if c["gate_failed"]] if self.gate_only else changes

    def selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.data or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((c for c in self.data["changes"] if c["landed"] == key), None)

    # -- actions -----------------------------------------------------------------------------------------------------

    def action_details(self) -> None:
        change = self.selected()
        if change is not None:
            self.app.push_screen(LandedChangeScreen(change, self.palette))

    def action_toggle_gate(self) -> None:
        self.gate_only = not self.gate_only
        self._fill()
        if self.data is not None:
            shown = len(self.shown())
            what = f"{shown} Tier-1 change(s) fail the gate" if self.gate_only else f"all {shown} landed change(s)"
            self.notify(what, timeout=3)

    def action_toggle_numbers(self) -> None:
        self.query_one("#breakdown").toggle_class("-hidden")

    def action_reload(self) -> None:
        self.query_one("#headline", Static).update(Text("auditing again…", style="dim"))
        self.run_audit()


class LandedChangeScreen(ModalScreen[None]):
    """One landed change as the audit judged it: how it landed, who approved what, and what deserves a look."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close", id="audit.close"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `escape` / `enter` | Back to the audit. |
    """

    DEFAULT_CSS = """
    LandedChangeScreen { align: center middle; }
    LandedChangeScreen > VerticalScroll {
        width: 110; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, change: dict[str, Any], colours: Palette) -> None:
        super().__init__()
        self.change = change
        self.details = change_details(change, colours)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.details, id="details")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


# -- rendering (pure functions of the report, so they are testable without a running app) ------------------------


def status_style(change: dict[str, Any], colours: Palette) -> str:
    """Approved in the done colour, landed-differs and gate failures in the blocked colour, the rest partial."""
    if change["status"] == "approved":
        return f"bold {colours['approval-done']}"
    if change["status"] == "differs" or change["gate_failed"]:
        return f"bold {colours['approval-blocked']}"
    if change["status"] == "unreviewed":
        return "dim"
    return colours["approval-partial"]


def headline_text(data: dict[str, Any], colours: Palette) -> Text:
    """The CLI table's first lines; the Tier-1 sentence in the colour of its verdict."""
    lines = headline(data)
    out = Text()
    gate = f"bold {colours['approval-blocked'] if data['gate']['failed'] else colours['approval-done']}"
    for number_, line in enumerate(lines):
        out.append_text(safe_text(line, gate if line.startswith("Tier 1:") else ("bold" if number_ == 0 else "")))
        if number_ < len(lines) - 1:
            out.append("\n")
    return out


def change_cells(change: dict[str, Any], colours: Palette) -> tuple[Text, ...]:
    label = change["status_label"] + (" !" if change["gate_failed"] else "")
    flags = len(change["rubber_stamp"])
    tier = Text(f"T{change['tier']}", style=f"bold {colours['tier-1']}" if change["tier1"] else "") if change[
        "tier"] else Text("-", style="dim")
    return (
        safe_text(change["landed_at"][:10]),
        safe_text(change["id"], "bold"),
        safe_text(label, status_style(change, colours)),
        tier,
        Text(str(flags), style=f"bold {colours['approval-partial']}") if flags else Text("-", style="dim"),
        safe_text(clip(change["title"], 60)),
        safe_text(", ".join(change["approvers"]) or "-"),
        safe_text(change["kind"]),
    )


def breakdown(data: dict[str, Any]) -> RenderableType:
    """Per system (and tier), per reviewer and per agent: the numbers of the CLI table, as tables."""
    systems = _table("Per system", ("SYSTEM", "TIER", "LANDED", "APPROVED", "DIFFERS", "STALE", "INSUFF", "NONE",
                                    "FINDINGS"))
    for row in data["systems"]:
        systems.add_row(safe_text(row["system"]), Text(str(row["tier"] or "-")),
                        *(Text(str(row[key])) for key in SYSTEM_COUNTS))
    reviewers = _table("Per reviewer", ("REVIEWER", "APPROVALS", "COUNTED", "s/100 LINES", "COVERAGE", "FLAGS"))
    for row in data["reviewers"]:
        reviewers.add_row(safe_text(row["reviewer"]), Text(str(row["approvals"])), Text(str(row["counted"])),
                          Text(number(row["median_seconds_per_100_lines"])), Text(share(row["coverage"])),
                          Text(str(row["rubber_stamp_flags"])))
    agents = _table("Per agent", ("AGENT", "CHANGES", "BLOCKING", "REJECTIONS", "REVERTED"))
    for row in data["agents"]:
        agents.add_row(safe_text(row["agent"]), Text(str(row["changes"])), Text(str(row["blocking_findings"])),
                       Text(str(row["rejections"])), Text(str(row["reverted"])))
    parts: list[RenderableType] = [systems]
    if data["reviewers"]:
        parts.append(reviewers)
    parts.append(agents)
    return Group(*parts)


def change_details(change: dict[str, Any], colours: Palette) -> Text:
    """The drill-down of one landed change, every repository string made inert."""
    out = Text()

    def line(*parts: tuple[str, str] | Text) -> None:
        for part in parts:
            out.append_text(part if isinstance(part, Text) else safe_text(*part))
        out.append("\n")

    def heading(title: str) -> None:
        out.append("\n")
        out.append(title, "bold underline")
        out.append("\n")

    line((change["id"], "bold"), ("  ", ""), (change["title"], "bold"))
    line((f"{change['status_label']}", status_style(change, colours)),
         (" · Tier-1 gate FAILED" if change["gate_failed"] else "", f"bold {colours['approval-blocked']}"),
         (f" · {change['kind']} landed {change['landed_at'][:16].replace('T', ' ')} as {change['landed'][:12]}", ""))
    systems = ", ".join(f"{s['name']} (tier {s['tier']})" for s in change["systems"]) or "no system"
    agent = change["agent"]
    made_by = (f"{agent['name']}, operated by {agent['operator'] or 'unknown'}" if agent else "a human") + (
        f" · authors: {', '.join(change['authors'])}" if change["authors"] else "")
    line(("systems: ", "dim"), (systems, ""), ("  ·  ", "dim"), (f"+{change['lines']['added']} "
                                                                  f"-{change['lines']['deleted']} lines", ""))
    line(("written by ", "dim"), (made_by, ""))
    line(("required approvals: ", "dim"), (str(change["required"]), ""), ("  approvers: ", "dim"),
         (", ".join(change["approvers"]) or "none", ""))
    if change["found"]:
        line(("recognised by: ", "dim"), (change["found"], ""))

    heading("Landed versus approved")
    equal = change["landed_equals_approved"]
    style = (f"bold {colours['approval-done']}" if equal else f"bold {colours['approval-blocked']}"
             if equal is False else "dim")
    line((change["comparison"], style))
    for path in change["differing_files"]:
        line(("  differs: ", f"bold {colours['approval-blocked']}"), (path, ""))

    heading(f"Decisions ({len(change['reviews'])})")
    if not change["reviews"]:
        line(("nobody signed a decision on this change", "dim"))
    for review in change["reviews"]:
        counted = review["status"] == "counted"
        line((review["principal"] or "?", "bold"), (f"  {review['decision'] or '?'}", ""),
             (f"  {review['status']}", f"bold {colours['approval-done']}" if counted else colours["approval-partial"]),
             (f"  {review['timestamp'][:19].replace('T', ' ')}", "dim"))
        pace = review["seconds_per_100_lines"]
        shown = f"{review['hunks_displayed']}/{review['hunks_total']} hunks shown" if review["hunks_total"] else ""
        took = f"{review['seconds']:.0f}s" + (f" ({pace:g}s per 100 lines)" if pace is not None else "")
        line(("    ", ""), (took if review["seconds"] else "no review time recorded", "dim"),
             (f" · {shown}" if shown else "", "dim"),
             (f" · approved head {review['head'][:12]}" if review["head"] else "", "dim"))
        for reason in review["reasons"]:
            line(("    ", ""), (reason, colours["approval-partial"]))

    if change["findings"]:
        heading(f"Findings ({len(change['findings'])})")
        for finding in change["findings"]:
            where = finding["path"] + (f":{finding['line']}" if finding["line"] else "")
            line((f"{finding['severity']:<8}", f"bold {colours.severity(finding['severity'])}"),
                 (finding["rule"], "bold"), ("  ", ""), (where, ""),
                 ("  blocking" if finding["blocking"] else "", f"bold {colours['approval-blocked']}"))
            line(("    ", ""), (finding["title"], "dim"))
            for kind in sorted({ack["kind"] for ack in finding["acknowledged_by"]}):
                who = ", ".join(a["reviewer"] for a in finding["acknowledged_by"] if a["kind"] == kind)
                line(("    ", ""), (f"{'waived' if kind == 'waive' else 'acknowledged'} by {who}", "italic"))

    if change["waivers"]:
        heading(f"Waivers and acknowledgements ({len(change['waivers'])})")
        for waiver in change["waivers"]:
            scope = (waiver["path"] or "every file") + (f":{waiver['line']}" if waiver["line"] else "")
            line((f"{waiver['kind']} ", "bold"), (waiver["rule"], "bold"), (f" ({scope})", "dim"),
                 (f" by {waiver['reviewer']}", ""),
                 ("" if waiver["counted"] else "  (decision not counted)", colours["approval-partial"]))
            line(("    ", ""), (waiver["reason"], ""))

    heading("Rubber-stamp flags")
    if not change["rubber_stamp"]:
        line(("none", "dim"))
    for flag in change["rubber_stamp"]:
        line((f"{flag['kind']} ", f"bold {colours['approval-partial']}"), (flag["reviewer"], "bold"),
             (": ", ""), (flag["detail"], ""))
    if change["reverted_by"]:
        heading("Reverted")
        line(("by ", "dim"), (change["reverted_by"][:12], ""))
    for note in change["notes"]:
        line(("note: ", "dim"), (note, "dim"))
    out.rstrip()
    return out


def _table(title: str, headers: tuple[str, ...]) -> Table:
    table = Table(title=Text(title, style="bold"), title_justify="left", box=None, padding=(0, 0, 0, 1),
                  expand=False, show_edge=False)
    for number_, header in enumerate(headers):
        table.add_column(Text(header, style="bold"), justify="left" if number_ == 0 else "right", no_wrap=True)
    return table
