"""The review screen's frame: the file tree reads like the diff, and a narrow terminal keeps what matters."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Static

from reviewtui.analysis import Analysis
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.file_tree import FileTree, folder_tree, middle_clip, tree_order
from tests.ui.conftest import Workspace, screen_text
from tests.ui.review_host import ReviewHost, opened


def test_folders_nest_fold_and_keep_git_order() -> None:
    paths = ["web/app.py", "web/static/a.js", "web/static/b.css", "web/z.py", "db/migrations/1.sql"]
    root = folder_tree(paths)
    web, db = root.entries
    assert not isinstance(web, int) and not isinstance(db, int)
    assert (web.name, db.name) == ("web", "db/migrations")  # a chain of lone folders is one node
    static = web.entries[1]
    assert web.entries[0] == 0 and web.entries[2] == 3 and not isinstance(static, int)
    assert (static.name, static.entries) == ("static", [1, 2])
    assert tree_order(paths) == [0, 1, 2, 3, 4]  # git's path order already reads top to bottom as a tree
    assert tree_order(["web/a.py", "db/x.sql", "web/b.py", "top.md"]) == [0, 2, 1, 3]  # a patch in its own order


def test_a_long_name_loses_its_middle() -> None:
    assert middle_clip("0007_drop_legacy_payment_columns.sql", 20) == "0007_drop_leg…ns.sql"
    assert middle_clip("short.py", 20) == "short.py"


def _tree_lines(tree: FileTree) -> list[tuple[int, str]]:
    """The tree as drawn, top to bottom: (depth, label)."""
    out = []
    for line in range(tree.last_line + 1):
        node = tree.get_node_at_line(line)
        assert node is not None
        depth, parent = 0, node.parent
        while parent is not None and parent is not tree.root:
            depth, parent = depth + 1, parent.parent
        out.append((depth, str(node.label)))
    return out


async def test_the_tree_lists_folders_as_a_tree_in_the_order_of_the_diff(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["pr/105"], workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        tree = screen.query_one(FileTree)
        assert tree.display and not tree.has_class("-hidden")
        lines = _tree_lines(tree)
        assert [label.split(" (")[0] for _, label in lines] == [
            "web/",
            "scripts/",
            "+ build-catalog.ts",
            "src/",
            "+ catalog.ts",
            "static/",
            "+ catalog.generated.json",
            "~ tsconfig.json",
        ]
        assert [depth for depth, _ in lines] == [0, 1, 2, 1, 2, 1, 2, 1]  # web/static/ sits inside web/
        leaves = [tree.get_node_at_line(i) for i in range(tree.last_line + 1)]
        order = [node.data for node in leaves if node is not None and node.data is not None]
        assert order == list(range(len(screen.file_paths())))  # top to bottom is the diff's order
        view = screen.query_one(DiffView)
        for expected in order:  # the first ] leaves the change-level finding for the first file
            await pilot.press("right_square_bracket")
            assert view.current_file() == expected


async def test_a_patch_in_its_own_order_is_shown_in_tree_order(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    analysis = demo_analyses["pr/105"]
    web = analysis.change.files
    migration = demo_analyses["codex/drop-legacy-payment-columns"].change.files[0]
    mixed = replace(analysis, change=replace(analysis.change, files=(web[0], migration, web[1])))
    app = ReviewHost(mixed, workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await opened(pilot)
        assert screen.file_paths() == [web[0].path, web[1].path, migration.path]  # web/ together, then db/
        assert [f.path for f in screen.analysis.change.files] == [web[0].path, migration.path, web[1].path]
        view = screen.query_one(DiffView)
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert view.current_file() == 1
        assert "web/src/catalog.ts  (added)" in screen_text(app)


async def test_a_100_column_terminal_keeps_the_header_progress_and_findings(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    analysis = demo_analyses["codex/drop-legacy-payment-columns"]
    app = ReviewHost(analysis, workspace.repo)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        tree = screen.query_one(FileTree)
        assert not tree.display  # the diff needs the width more; t shows it
        assert screen.query_one("#summary", Static).size.height == 3
        progress = screen.query_one("#progress", Static)
        assert progress.size.height >= 2
        shown = " ".join(screen_text(app).split())
        assert "Drop legacy v1 gateway columns and tables" in shown
        assert "seen 0/1 hunks" in shown and "blocking findings" in shown and "approvals 0/2" in shown
        assert "a Approve" in shown
        assert screen.query_one(DiffView).size.width == 100
        await pilot.press("t")
        await pilot.pause()
        assert tree.display and tree.outer_size.width == 32
        assert "4C 1M" in screen_text(app)  # the counts survive a long file name
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert tree.display and tree.outer_size.width == 44  # the reviewer's choice stays, the width follows
        await pilot.press("t")
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert not tree.display


async def test_a_truncated_line_shows_its_changed_words(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses["pr/101"], workspace.repo)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await opened(pilot)
        await pilot.press("n", "s")
        await pilot.pause()
        view = screen.query_one(DiffView)
        assert view.split
        shown = screen_text(app)
        # `cluster = aws_ecs_cluster.shop[each.key].id` became `...main...`: half a 120-column screen cuts both
        # lines before the edit, so each side starts a little before its changed word, marked with `…`.
        assert "…aws_ecs_cluster.shop[each.key].id" in shown
        assert "aws_ecs_cluster.main[each.key].id" in shown
        assert '40●- resource "aws_ecs_cluster" "shop"…' in shown  # a line whose edit shows anyway is not moved
