"""Opening a 100k-line diff renders its first screen without building all lines, in every mode, and the review screen
around it does per-line work only for the lines it draws (and one digest per hunk)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from reviewtui.analysis import Analysis
from reviewtui.intraline import PAIR_LIMIT, pairs_around
from reviewtui.model import DiffLine
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ui.display_line import DisplayLine
from reviewtui.ui.memo import MemoHunk, memoised
from reviewtui.ui.widgets import diff_view
from reviewtui.ui.widgets.diff_view import DiffView
from tests.gitrepo import GitRepo
from tests.ui.conftest import screen_text
from tests.ui.review_host import ReviewHost, ViewHost, opened

LINES = 100_000


async def test_a_100k_line_diff_renders_only_what_is_on_screen(repo: GitRepo) -> None:
    repo.checkout("ai/big", new=True)
    repo.write("big.py", "".join(f"value_{i} = {i}  # {'x' * (i % 300)}\n" for i in range(LINES)))
    repo.commit("Big file")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    view = DiffView(change)
    assert view.total_rows == LINES + 3
    assert len(view.layout_map._blocks) == 2 and view.layout_map._tables == {}  # no object per line
    app = ViewHost(view)
    height = 30
    async with app.run_test(size=(120, height)) as pilot:
        await pilot.pause()
        assert "value_0 = 0" in screen_text(app)
        assert 0 < view.rendered_rows <= 2 * height  # a frame (maybe two) of rows, not 100k
        assert len(view._lines) <= height  # highlighted and emphasised lines: only those on screen
        for mode in ("s", "w"):
            before = view.rendered_rows
            await pilot.press(mode)
            await pilot.pause()
            assert view.rendered_rows - before <= 2 * height, mode
            assert len(view.layout_map._lazy) <= 2  # the row table of the one hunk on screen, built on demand
        await pilot.press("G")
        await pilot.pause()
        assert f"value_{LINES - 1} = {LINES - 1}" in screen_text(app).replace("\n", "").replace(" ↪ ", "")
        assert len(view._lines) <= 4 * height


@pytest.mark.slow
async def test_opening_a_100k_line_change_on_the_review_screen_touches_a_screen_of_lines(
    repo: GitRepo, demo_analyses: dict[str, Analysis], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole screen around the diff (tree, header, progress, coverage) opens a 100k-line change with one digest
    per hunk (taken once, off the first screen) and builds, lexes and pairs only the lines it draws."""
    repo.checkout("ai/big", new=True)
    repo.write("big.py", "".join(f"value_{i} = {i}  # {'x' * (i % 300)}\n" for i in range(LINES)))
    repo.write("small.py", "a = 1\n")
    repo.commit("Big file")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    analysis = replace(next(iter(demo_analyses.values())), change=change, findings=())
    hunks = sum(len(file.hunks) for file in change.files)
    built: list[int] = []
    covered: list[int] = []

    class CountingLine(DisplayLine):
        def __init__(self, raw: str) -> None:
            built.append(len(raw))
            super().__init__(raw)

    def counting_pairs(lines: Sequence[DiffLine], index: int) -> tuple[dict[int, int], range]:
        pairs, lines_covered = pairs_around(lines, index)
        covered.append(len(lines_covered))
        return pairs, lines_covered

    monkeypatch.setattr(diff_view, "DisplayLine", CountingLine)
    monkeypatch.setattr(diff_view, "pairs_around", counting_pairs)
    digests = MemoHunk.digests_computed
    height = 30
    app = ReviewHost(analysis)
    async with app.run_test(size=(160, height)) as pilot:
        screen = await opened(pilot)
        await pilot.pause()
        view = screen.query_one(DiffView)
        assert "value_0 = 0" in screen_text(app)
        assert MemoHunk.digests_computed - digests == hunks  # every hunk hashed once, however often it is asked
        assert screen.progress.coverage.total == hunks
        assert 0 < len(built) <= height and sum(built) <= height * 400  # display lines: the ones on screen
        assert 0 < len(view._lines) <= height  # lexed: the lines on screen
        assert sum(covered) <= PAIR_LIMIT + 2 * height  # paired: one answer covers the run around the screen
        assert view.layout_map._tables == {}
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        assert len(built) <= 4 * height and len(view._lines) <= 4 * height
        assert MemoHunk.digests_computed - digests == hunks


def test_a_remembering_change_answers_exactly_like_the_change(repo: GitRepo) -> None:
    """Same digests (viewed marks and coverage are keyed by them), counts and stats; the lines are shared."""
    repo.write("a.py", "".join(f"line {i}\n" for i in range(40)))
    repo.commit("base")
    repo.checkout("ai/edit", new=True)
    repo.write("a.py", "".join(f"line {i}{' edited' * (i % 7 == 0)}\n" for i in range(40)) + "tail\n")
    repo.write("b.py", "new = 1\n")
    repo.commit("Edit")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    remembering = memoised(change)
    assert memoised(remembering) is remembering
    assert remembering.stats == change.stats and remembering.stats.added > 0 and remembering.stats.deleted > 0
    for file, twin in zip(change.files, remembering.files, strict=True):
        for hunk, memo in zip(file.hunks, twin.hunks, strict=True):
            assert isinstance(memo, MemoHunk) and memo.lines is hunk.lines
            assert memo.digest() == memo.digest() == hunk.digest()
            assert (memo.added, memo.deleted) == (hunk.added, hunk.deleted)
