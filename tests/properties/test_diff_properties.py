"""Parse -> model -> render never raises and keeps every line: what was in the diff is what the reviewer sees."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from reviewtui.diff import parse_git_diff, parse_patch_text
from reviewtui.errors import PatchError
from reviewtui.model import Change, LineKind, SourceKind
from reviewtui.text import has_unsafe
from reviewtui.ui.diff_layout import DiffLayout, RowKind
from reviewtui.ui.safe import safe_text
from reviewtui.ui.widgets.diff_view import file_title
from tests.properties.strategies import DiffSpec, diff_specs, hostile_text

KINDS = {" ": LineKind.CONTEXT, "-": LineKind.REMOVED, "+": LineKind.ADDED}
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _render(change: Change) -> str:
    """Every row of the layout as the diff view would show its text, through the UI's one door for content."""
    layout = DiffLayout(change)
    console = Console(file=io.StringIO(), width=200, force_terminal=True, color_system="truecolor", record=True)
    for index in range(layout.total_rows):
        row = layout.row(index)
        if row.kind is RowKind.FILE and row.file is not None:
            console.print(safe_text(file_title(change.files[row.file])))
        elif row.kind is RowKind.HUNK and row.file is not None and row.hunk is not None:
            console.print(safe_text(change.files[row.file].hunks[row.hunk].section))
        elif row.kind is RowKind.LINE and row.file is not None and row.hunk is not None and row.line is not None:
            console.print(safe_text(change.files[row.file].hunks[row.hunk].lines[row.line].text))
    return console.export_text(styles=False)


@FAST
@given(diff_specs)
def test_a_patch_round_trips_its_lines_and_renders_inert(spec: DiffSpec) -> None:
    [file] = parse_patch_text(spec.to_bytes(), context="generated.patch")
    assert file.path == spec.path
    assert len(file.hunks) == len(spec.hunks)
    for hunk, lines in zip(file.hunks, spec.hunks, strict=True):
        assert [line.kind for line in hunk.lines] == [KINDS[p] for p, _, _ in lines]
        assert hunk.added == sum(p == "+" for p, _, _ in lines)
        assert hunk.deleted == sum(p == "-" for p, _, _ in lines)
        assert hunk.old_count == hunk.deleted + sum(p == " " for p, _, _ in lines)
        for line, (_, content, eol) in zip(hunk.lines, lines, strict=True):
            assert line.text == content.decode("utf-8", "replace")
            assert line.eol in (eol, "")
    last = file.hunks[-1].lines[-1]
    assert (last.eol == "") == spec.no_newline_at_end
    invalid = sum(
        content.decode("utf-8", "replace").count("\ufffd") - content.decode("utf-8", "ignore").count("\ufffd")
        for h in spec.hunks
        for _, content, _ in h
    )
    assert file.decode_errors == invalid

    change = Change("c", "t", "", SourceKind.PATCH, "/nowhere", (file,))
    layout = DiffLayout(change)
    kinds = [layout.row(i).kind for i in range(layout.total_rows)]
    assert kinds.count(RowKind.FILE) == 1 and kinds.count(RowKind.HUNK) == len(spec.hunks)
    assert kinds.count(RowKind.LINE) == sum(len(h) for h in spec.hunks)
    shown = _render(change)
    assert not has_unsafe(shown.replace("\n", "")), repr(shown)
    assert "\x1b" not in shown


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_a_patch_file_parse_or_fail_with_one_patch_error(data: bytes) -> None:
    try:
        files = parse_patch_text(data, context="junk.patch")
    except PatchError as exc:
        assert str(exc).startswith("junk.patch: ")
        return
    _render(Change("c", "t", "", SourceKind.PATCH, "/nowhere", files))


@FAST
@given(
    st.lists(
        st.sampled_from(
            [
                b":100644 100644 " + b"a" * 40 + b" " + b"b" * 40 + b" M\x00x.py\x00",
                b":000000 100644 " + b"0" * 40 + b" " + b"b" * 40 + b" A\x00",
                b":100644 100644 " + b"a" * 40 + b" " + b"a" * 40 + b" R100\x00old\x00new\x00",
                b"diff --git a/x.py b/x.py\n",
                b"--- a/x.py\n+++ b/x.py\n",
                b"@@ -1 +1 @@\n",
                b"@@ -1,3 +1 @@\n",
                b"-a\n",
                b"+\x1b[2J\xff\n",
                b"\\ No newline at end of file\n",
                b"Binary files a/x and b/x differ\n",
                b"\x00",
                b":",
                b"\n",
                b"GIT binary patch\n",
                b"deleted file mode 100644\n",
                b"new file mode 120000\n",
            ]
        )
        | st.binary(max_size=12),
        max_size=12,
    ).map(b"".join)
)
def test_arbitrary_git_output_parses_or_fails_with_one_patch_error(data: bytes) -> None:
    """`git diff --raw -z -p` is parsed from our own git call, but a broken git or repository must not crash us."""
    try:
        files = parse_git_diff(data, context="ai/x")
    except PatchError as exc:
        assert str(exc).startswith("ai/x: ") or "git printed" in str(exc)
        return
    _render(Change("c", "t", "", SourceKind.BRANCH, "/nowhere", files))


@FAST
@given(hostile_text)
def test_any_section_header_or_path_renders_inert(text: str) -> None:
    shown = _render_text(text)
    assert "\x1b" not in shown and not has_unsafe(shown.replace("\n", ""))


def _render_text(text: str) -> str:
    console = Console(file=io.StringIO(), width=300, force_terminal=True, record=True)
    console.print(safe_text(text))
    return console.export_text(styles=False)
