"""The changed files as a tree: folders, status icons, findings per severity and viewed marks, one glance each.

Folders nest (`web/` holds `web/static/`), a chain of folders with nothing else in them is one node
(`db/migrations/`), and a folder's entries keep the order they have in the diff. Git writes a diff in path order, in
which every folder's files are contiguous, so reading the tree from top to bottom is reading the diff from top to
bottom; for a patch in another order, `tree_order` gives the order the review screen shows the files in, so the
two still agree (`]` and the tree never disagree on what comes next).

Generated, lock and vendored files are listed like any other (collapsed in the diff, never hidden), with their
kind. Selecting a file is reported to the screen, which jumps the diff there. A long name is shortened in the
middle so the finding counts and viewed mark after it always show. Labels are Rich `Text` built from `inert`
output: file names are attacker-controlled, and a `str` label would be parsed as markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from rich.style import Style
from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from reviewtui.filekind import FileKind
from reviewtui.model import Change, FileChange, FileStatus
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity
from reviewtui.table import clip, text_width
from reviewtui.text import inert
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
    GUIDE = 2
    """Cells of indentation per level (Textual's `guide_depth`)."""

    def __init__(
        self, change: Change, findings: tuple[Finding, ...], kinds: list[FileKind], *, id: str | None = None
    ) -> None:
        super().__init__(Text("files"), id=id)
        self.show_root = False
        self.guide_depth = self.GUIDE
        self.change = change
        self.kinds = kinds
        self.counts = finding_counts(change, findings)
        self.viewed: ViewedMarks | None = None
        self.leaves: dict[int, TreeNode[int | None]] = {}

    def on_mount(self) -> None:
        self.rebuild()

    def on_resize(self) -> None:
        self.rebuild()  # labels are fitted to the width

    def rebuild(self, viewed: ViewedMarks | None = None) -> None:
        """(Re)build the labels, e.g. after a viewed mark changed; the cursor stays on the same file."""
        if viewed is not None:
            self.viewed = viewed
        current = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self.leaves = {}
        self._add(self.root, folder_tree([file.path for file in self.change.files]), 0)
        if current is not None:
            self.show_file(current)

    def show_file(self, index: int | None, *, again: bool = True) -> None:
        """Follow the diff: put the cursor on the file at the top of the view (once the tree has numbered its lines,
        which it does when it next draws, if it was just rebuilt)."""
        if index is None or index not in self.leaves:
            return
        node = self.leaves[index]
        if node.line < 0 and again:
            self.call_after_refresh(self.show_file, index, again=False)
            return
        self.move_cursor(node, animate=False)

    def _add(self, node: TreeNode[int | None], folder: Folder, depth: int) -> None:
        room = self._room(depth)
        for entry in folder.entries:
            if isinstance(entry, Folder):
                name = clip(inert(entry.name, keep_tabs=False) + "/", room - 2)  # after the ▼ icon
                self._add(node.add(Text(name, style="bold", no_wrap=True), None, expand=True), entry, depth + 1)
            else:
                self.leaves[entry] = node.add_leaf(self.label(entry, self.change.files[entry], room), entry)

    def _room(self, depth: int) -> int:
        """Cells left for a label at `depth` (the guides take the rest; one cell spare at the edge)."""
        width = self.scrollable_content_region.width or 43
        return max(8, width - self.GUIDE * depth - 1)

    def label(self, index: int, file: FileChange, room: int = 200) -> Text:
        colours = self.app.get_css_variables()
        icon, colour = ICONS[file.status]
        out = Text(no_wrap=True, end="")
        out.append(icon + " ", Style(color=colours.get(colour), bold=True))
        tail = self._tail(index, file, colours)
        name = inert(PurePosixPath(file.path).name, keep_tabs=False)
        out.append(middle_clip(name, max(4, room - 2 - tail.cell_len)))
        out.append_text(tail)
        return out

    def _tail(self, index: int, file: FileChange, colours: dict[str, str]) -> Text:
        """What follows the name: kind markers, finding counts per severity, the viewed mark."""
        out = Text(no_wrap=True, end="")
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


@dataclass
class Folder:
    """A folder of the tree: its name (several path parts when a chain of folders is folded into one) and its
    entries in diff order, each a sub-folder or a file index."""

    name: str
    entries: list[Folder | int] = field(default_factory=list)


def folder_tree(paths: Sequence[str]) -> Folder:
    """The folders of `paths` nested, entries in order of first appearance, single-folder chains folded."""
    root = Folder("")
    folders: dict[tuple[str, ...], Folder] = {(): root}
    for index, path in enumerate(paths):
        parts = tuple(PurePosixPath(path).parts[:-1])
        for depth in range(1, len(parts) + 1):
            key = parts[:depth]
            if key not in folders:
                folders[key] = Folder(parts[depth - 1])
                folders[key[:-1]].entries.append(folders[key])
        folders[parts].entries.append(index)
    _fold(root)
    return root


def _fold(folder: Folder) -> None:
    for entry in folder.entries:
        if isinstance(entry, Folder):
            while len(entry.entries) == 1 and isinstance(entry.entries[0], Folder):
                only = entry.entries[0]
                entry.name, entry.entries = f"{entry.name}/{only.name}", only.entries
            _fold(entry)


def tree_order(paths: Sequence[str]) -> list[int]:
    """The file indexes as the tree lists them from top to bottom (the diff's own order when it is git's)."""
    out: list[int] = []

    def walk(folder: Folder) -> None:
        for entry in folder.entries:
            if isinstance(entry, Folder):
                walk(entry)
            else:
                out.append(entry)

    walk(folder_tree(paths))
    return out


def middle_clip(text: str, width: int) -> str:
    """Shorten `text` to `width` cells by cutting its middle, so the start and the extension stay readable."""
    if text_width(text) <= width:
        return text
    keep = max(1, width - 1)
    tail = keep // 3
    end = ""
    for char in reversed(text):
        if text_width(end) + text_width(char) > tail:
            break
        end = char + end
    return clip(text[: len(text) - len(end)], width - text_width(end)) + end
