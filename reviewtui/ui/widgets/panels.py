"""The side panel of the review screen: one of the risk breakdown, the description and commits, the provenance,
or the full text of the long lines on screen.

Every string from the change (titles, messages, names, the agent signal, diff lines) is made inert and built into
Rich `Text`, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from reviewtui.analysis import Analysis
from reviewtui.model import Change, DiffLine
from reviewtui.text import inert

TITLES = {
    "risk": "Risk breakdown",
    "description": "Description and commits",
    "provenance": "Provenance",
    "lines": "Long lines on screen",
}


class SidePanel(VerticalScroll):
    """A scrollable panel on the right; `show` replaces what it shows."""

    DEFAULT_CSS = """
    SidePanel { width: 64; border-left: solid $panel-lighten-2; background: $surface; padding: 0 1; display: none; }
    SidePanel.-shown { display: block; }
    SidePanel #panel-title { text-style: bold; color: $primary; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.kind: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="panel-title")
        yield Static(id="panel-body")

    def show(self, kind: str | None, body: Text | None = None) -> None:
        """Show `body` under the title of `kind`, or hide the panel (`kind` None)."""
        self.kind = kind
        self.set_class(kind is not None, "-shown")
        if kind is None:
            return
        self.query_one("#panel-title", Static).update(Text(TITLES[kind]))
        self.query_one("#panel-body", Static).update(body or Text())
        self.scroll_home(animate=False)


def risk_text(analysis: Analysis) -> Text:
    """Score, impact, every point of the breakdown and what would lower it (the same numbers as `queue --json`)."""
    risk = analysis.risk
    out = Text()
    out.append(f"score {risk.score:.1f}", "bold")
    out.append(f"   likelihood {risk.likelihood:.2f} × impact {risk.impact:.2f}\n", "dim")
    out.append(_plain(f"impact: {risk.impact_reason}") + "\n")
    if risk.systems:
        systems = ", ".join(f"{name} (tier {tier})" for name, tier in risk.systems)
        out.append(_plain(f"systems: {systems}") + "\n", "bold yellow" if risk.tier1 else "")
    out.append("\nbreakdown\n", "bold")
    for item in risk.breakdown:
        out.append(f"{item.points:>6.1f}  ", "bold")
        out.append(_plain(f"{item.label} ({item.value:g})" if isinstance(item.value, float) else item.label) + "\n")
    if risk.hints:
        out.append("\nwhat would lower it\n", "bold")
        for hint in risk.hints:
            out.append(f"{-hint.saves:>6.1f}  ", "green")
            out.append(_plain(hint.text) + "\n")
    if risk.flags:
        out.append("\nflags\n", "bold red")
        for flag in risk.flags:
            out.append("  " + _plain(flag) + "\n", "red")
    return out


def description_text(change: Change) -> Text:
    out = Text()
    out.append(_plain(change.title) + "\n", "bold")
    if change.description.strip():
        out.append("\n" + _lines(change.description.strip()) + "\n")
    out.append(f"\n{len(change.commits)} commit(s)\n", "bold")
    for commit in change.commits:
        out.append(commit.sha[:10] + " ", "yellow")
        out.append(_plain(commit.subject) + "\n", "bold")
        out.append("  " + _plain(f"{commit.author} · {commit.authored:%Y-%m-%d %H:%M %z}") + "\n", "dim")
        if commit.body:
            out.append(_indent(_lines(commit.body)) + "\n")
        for trailer in commit.trailers:
            out.append("  " + _plain(f"{trailer.key}: {trailer.value}") + "\n", "cyan")
    if change.notes:
        out.append("\nnotes\n", "bold")
        for note in change.notes:
            out.append("  " + _plain(note) + "\n", "yellow")
    return out


def provenance_text(change: Change) -> Text:
    out = Text()
    agent = change.agent
    if agent is None:
        out.append("No agent detected: a human-only change.\n", "bold")
    else:
        out.append("agent     ", "dim")
        out.append(_plain(agent.name) + f" ({agent.kind})\n", "bold magenta")
        out.append("operator  ", "dim")
        out.append(_plain(agent.operator or "unknown") + "\n")
        out.append("signal    ", "dim")
        out.append(_plain(agent.signal) + "\n")
    out.append("\nauthors\n", "bold")
    for person in change.authors:
        out.append("  " + _plain(str(person)) + "\n")
    out.append("\nsource    ", "dim")
    out.append(_plain(f"{change.source.value} {change.ref or change.origin or ''}") + "\n")
    if change.aliases:
        out.append("aliases   ", "dim")
        out.append(_plain(", ".join(change.aliases)) + "\n")
    if change.merge_base and change.head:
        out.append("diff      ", "dim")
        out.append(f"{change.merge_base[:12]}..{change.head[:12]}\n")
    return out


PANEL_LIMIT = 10_000
"""Characters of one long line the panel shows: Rich wraps the panel's text eagerly, so a 10 MB line would block
the UI for seconds; the view's wrap mode (`w`) shows every character, a row at a time."""


def long_lines_text(lines: list[tuple[str, DiffLine]]) -> Text:
    out = Text()
    if not lines:
        out.append("No line on screen is truncated. Lines wider than the view end in …", "dim")
        return out
    for where, line in lines:
        out.append(_plain(where) + f"  ({len(line.text)} characters)\n", "bold")
        out.append(inert(line.text[:PANEL_LIMIT].expandtabs(4)) + "\n")
        if len(line.text) > PANEL_LIMIT:
            out.append(f"… the first {PANEL_LIMIT} characters; press w to wrap the whole line in the diff\n", "dim")
        out.append("\n")
    return out


def _plain(value: str) -> str:
    return inert(value, keep_tabs=False)


def _lines(value: str) -> str:
    """Multi-line text: each line made inert (a newline is kept as a line break, not shown as `\\n`)."""
    return "\n".join(inert(line.expandtabs(4)) for line in value.splitlines())


def _indent(value: str) -> str:
    return "\n".join("  " + line for line in value.splitlines())
