"""Opening a 100k-line diff renders its first screen without building all lines, in every mode."""

from __future__ import annotations

from textual.app import App, ComposeResult

from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ui.widgets.diff_view import DiffView
from tests.gitrepo import GitRepo
from tests.ui.conftest import screen_text

LINES = 100_000


class Host(App[None]):
    def __init__(self, view: DiffView) -> None:
        super().__init__()
        self.view = view
        self.animation_level = "none"  # an animated jump to the end would draw the rows it passes

    def compose(self) -> ComposeResult:
        yield self.view


async def test_a_100k_line_diff_renders_only_what_is_on_screen(repo: GitRepo) -> None:
    repo.checkout("ai/big", new=True)
    repo.write("big.py", "".join(f"value_{i} = {i}  # {'x' * (i % 300)}\n" for i in range(LINES)))
    repo.commit("Big file")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    view = DiffView(change)
    assert view.total_rows == LINES + 3
    assert len(view.layout_map._blocks) == 2 and view.layout_map._tables == {}  # no object per line
    app = Host(view)
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
