"""The reason dialog: why a finding is acknowledged (accepted as is) or waived (does not apply)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from reviewtui.approvals.statement import Acknowledgement
from reviewtui.rules.finding import Finding
from reviewtui.ui.safe import safe_text
from reviewtui.ui.widgets.diff_view import SEVERITY_COLOURS
from reviewtui.ui.widgets.text_input import TextInput

KIND_HELP = {
    "ack": ("Acknowledge finding", "The finding is real and you accept the change as it is. Say why."),
    "waive": ("Waive finding", "The finding does not apply here. Say why."),
}


class ReasonScreen(ModalScreen[str | None]):
    """Ask for the reason; dismisses with it, or None when cancelled.

    The reason is required: it is signed with the decision and is what a later reader (or auditor) sees, and the
    policy does not count an acknowledgement without one.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reason.cancel"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `enter` | Record the reason (in the reason field). |
    | `escape` | Cancel: nothing is recorded. |
    """

    DEFAULT_CSS = """
    ReasonScreen { align: center middle; }
    ReasonScreen #dialog {
        width: 96; max-width: 95%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ReasonScreen #title { text-style: bold; color: $text; }
    ReasonScreen #finding { height: auto; margin: 1 0; color: $text; }
    ReasonScreen #help { color: $text-muted; }
    ReasonScreen #error { height: auto; color: $text-error; }
    ReasonScreen #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ReasonScreen Button { margin-left: 1; }
    """

    def __init__(self, finding: Finding, kind: str, current: Acknowledgement | None = None) -> None:
        super().__init__()
        self.finding = finding
        self.kind = kind
        self.current = current

    def compose(self) -> ComposeResult:
        title, help_text = KIND_HELP[self.kind]
        with Vertical(id="dialog"):
            yield Static(Text(title), id="title")
            yield Static(describe(self.finding), id="finding")
            yield Static(Text(help_text), id="help")
            value = self.current.reason if self.current is not None and self.current.kind == self.kind else ""
            yield TextInput(value=value, placeholder="Reason (required)", id="reason")
            yield Static(Text(""), id="error")
            with Horizontal(id="buttons"):
                yield Button("Record", id="record", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._record()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "record":
            self._record()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _record(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#error", Static).update(Text("A reason is required: it is signed with your decision."))
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(reason)


def describe(finding: Finding) -> Text:
    """Severity, rule, place and message of a finding, every part of it inert."""
    out = Text()
    out.append(f"{finding.severity.value.upper()} ", f"bold {SEVERITY_COLOURS[finding.severity.value]}")
    out.append_text(safe_text(finding.rule, "bold"))
    if finding.path:
        out.append_text(safe_text(f"  {finding.path}" + (f":{finding.line}" if finding.line else ""), "dim"))
    if finding.title:
        out.append("\n")
        out.append_text(safe_text(finding.title))
    out.append("\n")
    out.append_text(safe_text(finding.message))
    return out
