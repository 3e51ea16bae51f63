"""The changed files as a tree: folders, status icons, findings per severity and viewed marks, one glance each.

Generated, lock and vendored files are listed like any other (collapsed in the diff, never hidden), with their
kind. Selecting a file is reported to the screen, which jumps the diff there. Labels are Rich `Text` built from
`inert` output: file names are attacker-controlled, and a `str` label would be parsed as markup.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from reviewtui.filekind import FileKind
from reviewtui.model import Change, FileChange, FileStatus
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity
from reviewtui.ui.safe import safe_text
from reviewtui.ui.widgets.diff_view import SEVERITY_COLOURS
from reviewtui.viewed import ViewedMarks

ICONS = {
    FileStatus.ADDED: ("+", "success"),
    FileStatus.DELETED: ("-", "error"),
    FileStatus.MODIFIED: ("~", "warning"),
    FileStatus.RENAMED: ("→", "primary"),
    FileStatus.COPIED: ("⇉", "primary"),
    FileStatus.MODE_CHANGED: ("±", "secondary"),
    FileStatus.TYPE_CHANGED: ("T", "secondary"),
}
"""Status -> (icon, theme colour variable)."""
SEVERITY_LETTERS = {"critical": "C", "high": "H", "medium": "M", "low": "L", "info": "I"}


class FileTree(Tree[int | None]):
    """One leaf per changed file (its data is the file's index), under one node per folder."""

    DEFAULT_CSS = """
    FileTree { width: 44; border-right: solid $panel-lighten-2; background: $surface; }
    """

    def __init__(
        self, change: Change, findings: tuple[Finding, ...], kinds: list[FileKind], *, id: str | None = None
    ) -> None:
        super().__init__(Text("files"), id=id)
        self.show_root = False
        self.guide_depth = 2
        self.change = change
        self.kinds = kinds
        self.counts = finding_counts(change, findings)
        self.viewed: ViewedMarks | None = None
        self.leaves: dict[int, TreeNode[int | None]] = {}

    def on_mount(self) -> None:
        self.rebuild()

    def rebuild(self, viewed: ViewedMarks | None = None) -> None:
        """(Re)build the labels, e.g. after a viewed mark changed; the cursor stays on the same file."""
        if viewed is not None:
            self.viewed = viewed
        current = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self.leaves = {}
        folders: dict[str, TreeNode[int | None]] = {}
        for index, file in enumerate(self.change.files):
            folder = str(PurePosixPath(file.path).parent)
            parent = self.root
            if folder != ".":
                if folder not in folders:
                    folders[folder] = self.root.add(safe_text(folder + "/", "bold"), None, expand=True)
                parent = folders[folder]
            self.leaves[index] = parent.add_leaf(self.label(index, file), index)
        if current is not None and current in self.leaves:
            self.move_cursor(self.leaves[current], animate=False)

    def show_file(self, index: int | None) -> None:
        """Follow the diff: put the cursor on the file at the top of the view."""
        if index is not None and index in self.leaves:
            self.move_cursor(self.leaves[index], animate=False)

    def label(self, index: int, file: FileChange) -> Text:
        colours = self.app.get_css_variables()
        icon, colour = ICONS[file.status]
        out = Text(no_wrap=True, end="")
        out.append(icon + " ", Style(color=colours.get(colour), bold=True))
        out.append_text(safe_text(PurePosixPath(file.path).name))
        if file.binary:
            out.append(" ▣bin", "dim")
        if file.submodule:
            out.append(" ⊙sub", "dim")
        if index < len(self.kinds) and self.kinds[index].collapsible:
            out.append(f" ({self.kinds[index].kind.value})", "dim italic")
        counts = self.counts.get(index)
        if counts:
            for severity in sorted(Severity, reverse=True):
                if counts.get(severity.value):
                    colour_name = f"severity-{severity.value}"
                    style = Style(color=colours.get(colour_name) or SEVERITY_COLOURS[severity.value], bold=True)
                    out.append(f" {counts[severity.value]}{SEVERITY_LETTERS[severity.value]}", style)
        if self.viewed is not None:
            if self.viewed.file_viewed(file):
                out.append(" ✓", Style(color=colours.get("success"), bold=True))
            elif file.hunks and (seen := self.viewed.hunks_viewed(file)):
                out.append(f" {seen}/{len(file.hunks)}", "dim")
        return out


def finding_counts(change: Change, findings: tuple[Finding, ...]) -> dict[int, Counter[str]]:
    """File index -> findings per severity (findings are matched by new path, else old path)."""
    index = {f.path: i for i, f in enumerate(change.files)}
    index.update({f.old_path: i for i, f in enumerate(change.files) if f.old_path and f.old_path not in index})
    counts: dict[int, Counter[str]] = {}
    for finding in findings:
        if finding.path is not None and finding.path in index:
            counts.setdefault(index[finding.path], Counter())[finding.severity.value] += 1
    return counts
