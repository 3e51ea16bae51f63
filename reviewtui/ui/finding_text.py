"""A finding as the diff view prints it under its line: every word of the message and the fix hint, wrapped.

A reviewer must read the whole finding where it sits, without a key to reveal the rest, so a finding takes as many
rows as its text needs at the view's width. The layout (ui/diff_layout.py) asks how many rows that is and the view
asks for the text of each row; both go through `finding_lines`, so the count and the drawing never disagree. The
work is per finding, never per diff line.

Every string is made inert first: rule ids, messages, tool names and fix hints can come from another scanner's
SARIF file or a repository's own rule pack, and a reason typed by the reviewer is shown the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rich.cells import cell_len, chop_cells

from reviewtui.approvals.statement import Acknowledgement
from reviewtui.rules.finding import Finding
from reviewtui.text import inert


class Part(Enum):
    HEAD = "head"
    """Severity, rule id, tool, message."""
    FIX = "fix"
    """The hint that says how to resolve it."""
    ACK = "ack"
    """The active reviewer's acknowledgement or waiver and its reason."""


@dataclass(frozen=True, slots=True)
class FindingLine:
    text: str
    part: Part
    first: bool
    """The first row of its part (where a label such as `fix:` sits)."""


def headline(finding: Finding) -> str:
    """`CRITICAL rule-id [Tool]: message` (with `line N:` for a finding its hunk does not show)."""
    tool = f" [{finding.tool}]" if finding.tool else ""
    text = f"{finding.severity.value.upper()} {finding.rule}{tool}: {finding.message}"
    if finding.line is not None and finding.hunk is None:
        text = f"line {finding.line}: " + text
    return text


def finding_lines(finding: Finding, ack: Acknowledgement | None, width: int) -> list[FindingLine]:
    """The rows of a finding `width` cells wide: the headline, then `fix: …`, then the acknowledgement."""
    parts = [(Part.HEAD, headline(finding))]
    if finding.fix:
        parts.append((Part.FIX, f"fix: {finding.fix}"))
    if ack is not None:
        verb = "acknowledged" if ack.kind == "ack" else "waived"
        parts.append((Part.ACK, f"✓ {verb}: {ack.reason}"))
    out: list[FindingLine] = []
    for part, text in parts:
        for index, line in enumerate(wrap(inert(text, keep_tabs=False), width)):
            out.append(FindingLine(line, part, index == 0))
    return out


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap `text` to `width` terminal cells; a word wider than that is cut across rows (never dropped)."""
    width = max(1, width)
    out: list[str] = []
    line: str | None = None
    used = 0
    for word in text.split(" "):
        size = cell_len(word)
        if line is not None and used + 1 + size <= width:
            line += " " + word
            used += 1 + size
            continue
        if line is not None:
            out.append(line)
        if size > width:
            pieces = chop_cells(word, width)
            out += pieces[:-1]
            word = pieces[-1]
        line, used = word, cell_len(word)
    out.append(line or "")
    return out
