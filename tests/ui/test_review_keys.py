"""Every key of the review screen and its diff view, driven through the real screen on the demo workspace."""

from __future__ import annotations

from reviewtui.analysis import Analysis
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.file_tree import FileTree
from reviewtui.ui.widgets.panels import SidePanel
from reviewtui.ui.widgets.search_bar import SearchBar
from tests.ui.conftest import Workspace, screen_text
from tests.ui.review_host import ReviewHost, opened


async def test_moving_around(demo_analyses: dict[str, Analysis], workspace: Workspace) -> None:
    app = ReviewHost(demo_analyses["pr/101"], workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        assert view.has_focus
        for keys, expected in (
            (["j", "j", "down"], 3),
            (["k", "up"], 1),
            (["g"], 0),
            (["pagedown"], min(view.scrollable_content_region.height, int(view.max_scroll_y))),
            (["pageup"], 0),
        ):
            await pilot.press(*keys)
            assert view.window[0] == expected, keys
        await pilot.press("n")
        assert view.window[0] == view.layout_map.hunk_rows[0]
        await pilot.press("n", "N")
        assert view.window[0] == view.layout_map.hunk_rows[0]
        await pilot.press("right_square_bracket")
        assert view.current_file() == 1
        await pilot.press("left_square_bracket")
        assert view.current_file() == 0
        await pilot.press("f")
        first = view.selected_finding()
        await pilot.press("f", "F")
        assert view.selected_finding() == first is not None
        await pilot.press("G")
        assert view.window[1] == view.total_rows
        await pilot.press("home")
        assert view.window[0] == 0


async def test_split_and_wrap_keep_the_place_and_show_every_character(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["pr/105"], workspace.repo)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        await pilot.press("t")  # hide the tree: the diff gets the width
        assert not screen.query_one(FileTree).display or screen.query_one(FileTree).has_class("-hidden")
        long = next(i for i, ln in enumerate(screen.change.files[0].hunks[0].lines) if len(ln.text) > 100)
        text = screen.change.files[0].hunks[0].lines[long].text
        shown = screen_text(app)
        assert "…" in shown and text not in shown.replace("\n", "")  # truncated, with the marker
        await pilot.press("n", "s")
        assert view.split and view.layout_map.split and "│" in screen_text(app)
        assert view.window[0] == view.layout_map.hunk_rows[0]  # the hunk stayed at the top
        await pilot.press("s", "w")
        assert not view.split and view.wrap
        flat = "".join(line[13:].rstrip() for line in screen_text(app).splitlines())
        assert text.replace(" ", "") in flat.replace(" ", "").replace("↪", "")  # every character, over two rows
        await pilot.press("w")
        assert not view.wrap


async def test_generated_files_are_collapsed_behind_a_banner_and_expand(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["pr/105"], workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        generated = screen.file_paths().index("web/static/catalog.generated.json")
        assert view.collapsed == {generated}
        assert "catalog.generated.json (generated)" in screen_text(app)  # still listed in the tree
        collapsed_rows = view.total_rows
        screen.jump_to_file(generated)
        await pilot.pause()
        assert "generated file collapsed (linguist-generated in .gitattributes) — press e to expand" in screen_text(app)
        await pilot.press("e")
        assert view.collapsed == frozenset() and view.total_rows > collapsed_rows + 20_000
        assert '"generator": "web/scripts/build-catalog.ts"' in screen_text(app)
        await pilot.press("e")
        assert view.collapsed == {generated}


async def test_search_counts_moves_and_closes(demo_analyses: dict[str, Analysis], workspace: Workspace) -> None:
    app = ReviewHost(demo_analyses["pr/101"], workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        bar = screen.query_one(SearchBar)
        await pilot.press("slash")
        assert bar.has_class("-shown")
        await pilot.press(*"aws_db")
        total = len(view.matches)
        assert total >= 2 and view.match_index == 0
        assert f"1/{total} matches" in screen_text(app)
        await pilot.press("enter")
        assert view.match_index == 1
        await pilot.press("up")
        assert view.match_index == 0
        await pilot.press("down", "shift+enter")
        assert view.match_index == 0
        f, h, i = view.matches[0]
        row = view.layout_map.line_row(f, h, i)
        assert row is not None and view.window[0] <= row < view.window[1]
        await pilot.press(*"zzz-no-such")
        assert "no match" in screen_text(app)
        await pilot.press("escape")
        assert not bar.has_class("-shown") and view.has_focus
        assert screen.is_current  # escape closed the bar, it did not leave the change


async def test_tree_and_palette_interface_jump_to_files(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["claude/split-inventory-reservations"], workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        paths = screen.file_paths()
        assert paths == [f.path for f in screen.change.files] and len(paths) == 3
        screen.jump_to_file(2)
        await pilot.pause()
        assert view.current_file() == 2 and view.has_focus
        tree = screen.query_one(FileTree)
        assert tree.cursor_node is not None and tree.cursor_node.data == 2  # the tree follows the diff
        shown = screen_text(app)
        assert "→ reservations.py" in shown and "renamed from services/inventory/stock.py" in shown
        await pilot.press("t")
        assert tree.has_class("-hidden")
        await pilot.press("t")
        assert tree.has_focus
        tree.move_cursor(tree.leaves[0])
        await pilot.press("enter")
        await pilot.pause()
        assert view.current_file() == 0 and view.has_focus


async def test_panels_toggle(demo_analyses: dict[str, Analysis], workspace: Workspace) -> None:
    analysis = demo_analyses["pr/101"]
    app = ReviewHost(analysis, workspace.repo)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await opened(pilot)
        panel = screen.query_one(SidePanel)
        assert not panel.display
        await pilot.press("r")
        assert panel.kind == "risk" and panel.display
        shown = screen_text(app)
        assert "Risk breakdown" in shown and f"score {analysis.risk.score:.1f}" in shown
        assert "what would lower it" in shown
        await pilot.press("d")
        assert panel.kind == "description"
        assert analysis.change.commits[0].sha[:10] in screen_text(app)
        await pilot.press("p")
        assert panel.kind == "provenance" and "GitHub Copilot" in screen_text(app)
        await pilot.press("L")
        assert panel.kind == "lines" and "Long lines on screen" in screen_text(app)
        await pilot.press("L")
        assert panel.kind is None and not panel.display


async def test_escape_goes_back(demo_analyses: dict[str, Analysis], workspace: Workspace) -> None:
    app = ReviewHost(demo_analyses["pr/109"], workspace.repo)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("escape")
        assert app.screen is not screen


async def test_coverage_counts_the_same_hunks_in_split_and_wrap_and_not_collapsed_ones(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["pr/105"], workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        coverage = screen.progress.coverage
        generated = screen.file_paths().index("web/static/catalog.generated.json")
        await pilot.press("s", "w")
        for _ in range(20):  # read every hunk side by side and wrapped, a screenful at a time
            app.clock.now += 1
            await pilot.press("pagedown")
            await pilot.pause()
        app.clock.now += 1
        seen = {coverage.places[i].path for i in range(coverage.total) if coverage.is_seen(i)}
        assert seen == {p for i, p in enumerate(screen.file_paths()) if i != generated and screen.change.files[i].hunks}
        screen.jump_to_file(generated)
        await pilot.press("e", "g")
        for _ in range(3):
            app.clock.now += 1
            await pilot.press("pagedown")
            await pilot.pause()
        app.clock.now += 1
        place = next(i for i, p in enumerate(coverage.places) if p.path == screen.file_paths()[generated])
        assert not coverage.is_seen(place)  # 20k lines: three pages are not the whole hunk
        assert view.split and view.wrap
