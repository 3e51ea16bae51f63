"""The diff view's scrollbar repaints only when its thumb moves on screen, and always shows what Textual's own
scrollbar would show. Counted, not timed: repaints per page-down, and the bar compared with a stock one."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from textual.scrollbar import ScrollBar

from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.scrollbar import QuietScrollBar
from tests.gitrepo import GitRepo
from tests.ui.review_host import ViewHost


def _bar(bar: ScrollBar) -> list[str]:
    return [bar.render_line(y).text for y in range(bar.size.height)]


async def test_page_downs_repaint_the_bar_only_when_the_thumb_moves(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.checkout("ai/long", new=True)
    repo.write("long.py", "".join(f"value_{i} = {i}\n" for i in range(30_000)))
    repo.commit("Long file")
    repo.checkout("main")
    view = DiffView(next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes())))
    painted: list[float] = []
    real = QuietScrollBar.render

    def counted(self: QuietScrollBar) -> Any:
        painted.append(self.position)
        return real(self)

    monkeypatch.setattr(QuietScrollBar, "render", counted)
    app = ViewHost(view)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        bar = view.vertical_scrollbar
        assert isinstance(bar, QuietScrollBar) and bar.display
        stock = ScrollBar(vertical=True)
        shown: list[list[str]] = []
        painted.clear()
        for _ in range(60):
            await pilot.press("pagedown")
            await pilot.pause()
            stock_bar = stock.renderer.render_bar(
                size=bar.size.height,
                virtual_size=bar.window_virtual_size,
                window_size=bar.window_size,
                position=bar.position,
            )
            shown.append(_bar(bar))  # what is drawn is what a stock bar draws at this position
            assert [segment.text for segment in stock_bar.segments] == [line[:1] for line in shown[-1]]
        changes = sum(1 for before, after in pairwise(shown) if before != after)
        assert 0 < changes < 30  # a page moves the thumb about a quarter of an eighth of a cell
        assert len(painted) <= changes + 1  # a repaint per visible move (and the first), not one per key
