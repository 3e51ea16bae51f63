"""Viewed marks: per hunk by content hash and per file, per reviewer, on disk, surviving restarts and re-pushes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from reviewtui.analysis import Analysis
from reviewtui.errors import ReviewtuiError
from reviewtui.model import DiffLine, FileChange, FileStatus, Hunk, LineKind
from reviewtui.repository import Repository
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.file_tree import FileTree
from reviewtui.viewed import ViewedMarks, hunk_key, store_path
from tests.ui.conftest import Workspace, screen_text
from tests.ui.review_host import ReviewHost, opened


def hunk(start: int, *texts: str) -> Hunk:
    lines = tuple(DiffLine(LineKind.ADDED, None, start + i, text) for i, text in enumerate(texts))
    return Hunk(0, 0, start, len(lines), "", lines)


def file(*hunks: Hunk, path: str = "a.py", blob: str = "b1") -> FileChange:
    return FileChange(path, path, FileStatus.MODIFIED, hunks, old_blob="b0", new_blob=blob)


def test_marks_follow_content_not_position(tmp_path: Path) -> None:
    marks = ViewedMarks(tmp_path / "viewed.json")
    first, second = hunk(10, "x = 1"), hunk(40, "y = 2")
    before = file(first, second)
    assert marks.toggle_hunk("a.py", first) is True
    assert marks.hunk_viewed("a.py", first) and not marks.file_viewed(before)
    assert marks.toggle_file(before) is True and marks.file_viewed(before)
    # Re-pushed: the first hunk moved 30 lines down unchanged, the second changed, a new blob.
    after = file(hunk(40, "x = 1"), hunk(70, "y = 3"), blob="b2")
    assert marks.hunk_viewed("a.py", after.hunks[0]) and not marks.hunk_viewed("a.py", after.hunks[1])
    assert not marks.file_viewed(after) and marks.hunks_viewed(after) == 1
    assert not marks.hunk_viewed("b.py", first)  # the same lines in another file are another hunk
    assert hunk_key("a.py", first) != hunk_key("b.py", first)
    assert marks.toggle_file(before) is False and not marks.hunk_viewed("a.py", first)


def test_marks_are_stored_atomically_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "reviewer.json"
    marks = ViewedMarks(path)
    marks.toggle_hunk("a.py", hunk(1, "x"))
    marks.save()
    assert ViewedMarks.load(path).hunk_viewed("a.py", hunk(1, "x"))
    assert [p.name for p in path.parent.iterdir()] == ["reviewer.json"]  # no temporary file left behind
    assert json.loads(path.read_text())["version"] == 1
    path.write_text("{not json")
    with pytest.raises(ReviewtuiError, match=r"reviewer\.json: cannot read viewed marks"):
        ViewedMarks.load(path)
    path.write_text('{"version": 9, "marks": []}')
    with pytest.raises(ReviewtuiError, match="not a reviewtui viewed-marks file"):
        ViewedMarks.load(path)
    assert len(ViewedMarks.load(tmp_path / "missing.json")) == 0


def test_reviewer_file_names_are_safe_and_distinct(tmp_path: Path) -> None:
    hostile = store_path(tmp_path, "../../etc/passwd\x1b[2J")
    assert hostile.parent == tmp_path / "reviewtui" / "viewed" and "/" not in hostile.name[:-5]
    assert store_path(tmp_path, "SHA256:abc/def") != store_path(tmp_path, "SHA256:abc_def")
    assert store_path(tmp_path, "alice@shop.example").name == "alice@shop.example.json"


async def test_v_and_V_mark_persist_and_survive_a_restart_and_a_repush(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    analysis = demo_analyses["pr/101"]
    app = ReviewHost(analysis, workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        await pilot.press("n", "V")  # first hunk viewed; the view moves on to the next hunk
        first = screen.change.files[0]
        assert screen.viewed.hunk_viewed(first.path, first.hunks[0])
        assert view.current_hunk() == (0, 1)
        await pilot.press("g", "v")
        assert screen.viewed.file_viewed(first)
        assert "main.tf 5C 1M ✓" in screen_text(app)  # in the tree, after the findings per severity
        await pilot.press("g")
        assert "main.tf  (modified)  +6 -11  ✓ viewed" in screen_text(app)  # and on the file header
        await pilot.press("right_square_bracket", "V")
        other = screen.change.files[1]
        assert screen.viewed.hunks_viewed(other) == 1
        assert f"outputs.tf 1/{len(other.hunks)}" in screen_text(app) or len(other.hunks) == 1
    stored = store_path(Repository(workspace.repo).git_dir, "anonymous")
    assert stored.exists()
    # A new app (a restart) on a re-pushed version: the first file's first hunk changed, the rest did not.
    files = list(analysis.change.files)
    changed = files[0].hunks[0]
    edited = replace(changed, lines=(*changed.lines, DiffLine(LineKind.ADDED, None, 99, "# re-pushed")))
    files[0] = replace(files[0], hunks=(edited, *files[0].hunks[1:]), new_blob="0" * 40)
    repushed = replace(analysis, change=replace(analysis.change, files=tuple(files), head="f" * 40))
    app = ReviewHost(repushed, workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        marks = screen.viewed
        assert not marks.hunk_viewed(files[0].path, edited)
        assert all(marks.hunk_viewed(files[0].path, h) for h in files[0].hunks[1:])
        assert not marks.file_viewed(files[0])
        tree = screen.query_one(FileTree)
        assert tree.leaves[0].label.plain.endswith(f"{len(files[0].hunks) - 1}/{len(files[0].hunks)}")
