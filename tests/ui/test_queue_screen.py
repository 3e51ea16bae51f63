"""The queue screen on the demo workspace, driven by the keyboard: columns, filter, grouping, order, keys, palette,
and hostile text that stays inert all the way to the terminal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from rich.text import Text
from textual.widgets import DataTable, ProgressBar, Static

from reviewtui.analysis import Analysis
from reviewtui.queue import QueueRequest
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.filters import QueueFilter
from reviewtui.ui.screens.help import HelpScreen
from reviewtui.ui.screens.queue import COLUMNS, GROUP_PREFIX, QueueScreen, group_by_system, row
from reviewtui.ui.screens.review import ReviewScreen
from reviewtui.ui.themes import load_themes, palette
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.text_input import TextInput
from tests.gitrepo import GitRepo
from tests.ui.conftest import Workspace, loaded_queue, settle

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def app_on(workspace: Workspace) -> ReviewApp:
    app = ReviewApp(QueueRequest(repo=workspace.repo), now=lambda: NOW)
    app.animation_level = "none"
    return app


def shown_ids(queue: QueueScreen) -> list[str]:
    table = queue.query_one(DataTable)
    keys = [str(r.key.value) for r in table.ordered_rows]  # display order (`rows` is insertion order)
    return [queue.changes[key].change.id for key in keys if key in queue.changes]


def status(queue: QueueScreen) -> str:
    return str(queue.query_one("#status", Static).render())


def dark() -> object:
    return palette(next(t for t in load_themes(None).themes if t.name == "dark"))


def test_a_row_has_every_column_of_the_issue(demo_analyses: dict[str, Analysis]) -> None:
    analysis = demo_analyses["pr/101"]
    cells = dict(zip((key for _, key in COLUMNS), row(analysis, None, None, dark(), rank=1, now=NOW), strict=True))  # type: ignore[arg-type]
    stats = analysis.change.stats
    assert cells["rank"].plain == "1"
    assert cells["score"].plain == f"{analysis.risk.score:.0f}"
    assert cells["systems"].plain.startswith("T1 ") == analysis.risk.tier1
    assert cells["added"].plain == f"+{stats.added}" and cells["deleted"].plain == f"-{stats.deleted}"
    assert cells["files"].plain == str(stats.files)
    assert cells["title"].plain.startswith(analysis.change.title[:20])
    assert cells["age"].plain.endswith("d")  # years before the frozen clock
    assert cells["approvals"].plain == "…"  # not judged yet
    human = next(a for a in demo_analyses.values() if a.change.agent is None)
    author = row(human, None, None, dark(), now=NOW)[[k for _, k in COLUMNS].index("agent")]  # type: ignore[arg-type]
    assert author.plain == human.change.commits[0].author.name[:20]


def test_filter_terms(demo_analyses: dict[str, Analysis]) -> None:
    analyses = list(demo_analyses.values())

    def ids(query: str) -> set[str]:
        parsed = QueueFilter.parse(query)
        return {a.change.id for a in analyses if parsed.matches(a, None)}

    critical = {a.change.id for a in analyses if a.counts()["critical"]}
    assert ids("severity:critical") == critical and critical
    assert ids("sev:high") == {a.change.id for a in analyses if a.counts()["critical"] or a.counts()["high"]}
    assert ids("tier:1") == {a.change.id for a in analyses if a.risk.tier1}
    assert ids("agent:human") == {a.change.id for a in analyses if a.change.agent is None}
    assert ids('agent:"OpenAI Codex"') == {
        a.change.id for a in analyses if a.change.agent and "Codex" in a.change.agent.name
    }
    assert ids("tier:1 severity:critical") == critical & ids("tier:1")
    assert ids("status:awaiting") == set()  # nothing judged yet
    assert ids("gift") == {a.change.id for a in analyses if "gift" in (a.change.title + a.change.id).casefold()}
    assert QueueFilter.parse("colour:red").problems == (
        "colour: is not a filter (system, tier, severity, agent, status, repo); searched as text",
    )
    assert QueueFilter.parse("severity:huge").problems[0].startswith("severity:huge: not a severity")


def test_groups_list_every_change_once_under_its_most_critical_system(demo_analyses: dict[str, Analysis]) -> None:
    rows = [(a.change.id, a) for a in demo_analyses.values()]
    groups = group_by_system(rows)
    assert sorted(key for _, members in groups for key, _ in members) == sorted(demo_analyses)
    tiers = [min((t for _, t in members[0][1].risk.systems), default=99) for _, members in groups]
    assert tiers == sorted(tiers)  # Tier-1 groups first, "(no system)" last
    assert groups[-1][0] == "(no system)"


async def test_the_queue_by_keyboard(workspace: Workspace) -> None:
    app = app_on(workspace)
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        table = queue.query_one(DataTable)
        everything = shown_ids(queue)
        assert len(everything) == len(queue.changes) == 24
        assert not queue.query_one(ProgressBar).display  # loading and judging are over
        scores = [queue.changes[k].risk.precise for k in (str(r.key.value) for r in table.ordered_rows)]
        assert scores == sorted(scores, reverse=True)
        assert [str(table.get_cell_at((i, 0))) for i in range(3)] == ["1", "2", "3"]

        # j/k, g/G move; the details panel follows the cursor and shows the risk breakdown.
        await pilot.press("j", "j", "k")
        assert table.cursor_row == 1
        details = str(queue.query_one("#details", Static).render())
        assert queue.changes[str(table.coordinate_to_cell_key((1, 0)).row_key.value)].change.title[:20] in details
        assert "Risk " in details and "likelihood" in details
        await pilot.press("G")
        assert table.cursor_row == 23
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("d")
        assert not queue.query_one("#details").display
        await pilot.press("d")
        assert queue.query_one("#details").display

        # / filters as you type; the status says what is shown; escape brings everything back.
        await pilot.press("slash")
        assert isinstance(app.focused, TextInput)
        await pilot.press(*"sev:critical")
        await pilot.pause()
        critical = [i for i in everything if queue.changes[_key(queue, i)].counts()["critical"]]
        assert shown_ids(queue) == critical
        assert f"filter severity=critical: {len(critical)} of 24 change(s)" in status(queue)
        await pilot.press("enter")  # keeps the filter, back to the table
        assert app.focused is table and shown_ids(queue) == critical
        await pilot.press("escape")
        assert shown_ids(queue) == everything and not queue.query_one(TextInput).value

        # o cycles the order; s groups under one header per system, then ungroups.
        await pilot.press("o")
        assert queue.sort == "effort" and "sorted by effort" in status(queue)
        await pilot.press("o", "o", "o")
        assert queue.sort == "score"
        await pilot.press("s")
        headers = [str(k.value) for k in (r.key for r in table.ordered_rows) if str(k.value).startswith(GROUP_PREFIX)]
        assert headers and sorted(shown_ids(queue)) == sorted(everything)
        assert "grouped by system" in status(queue)
        await pilot.press("g", "enter")  # a header row opens nothing
        assert app.screen is queue
        await pilot.press("s")
        assert shown_ids(queue) == everything

        # 2 shows the changes awaiting a second approval (none yet), again to show all.
        await pilot.press("2")
        assert shown_ids(queue) == [] and "awaiting a second approval: 0 of 24" in status(queue)
        await pilot.press("2")
        assert shown_ids(queue) == everything

        # enter opens the highlighted change; escape comes back to the same row.
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen) and app.screen.change.id == everything[1]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is queue and table.cursor_row == 1

        # r reloads from git: the same queue, and the progress bar is gone again once it is judged.
        await pilot.press("r")
        await settle(pilot)
        assert shown_ids(queue) == everything and not queue.query_one(ProgressBar).display


async def test_help_lists_every_key_of_the_screen(workspace: Workspace) -> None:
    workspace.keep_only("pr/109")
    app = app_on(workspace)
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        listed = help_screen.keys_text.plain
        for binding in QueueScreen.BINDINGS:
            assert f"[{binding.id}]" in listed, binding  # type: ignore[union-attr]
        assert "[app.quit]" in listed and "Cursor down" in listed  # app-wide and the table's own keys
        await pilot.press("question_mark")
        assert app.screen is queue


async def test_the_palette_runs_screen_actions_and_filters(workspace: Workspace) -> None:
    workspace.keep_only("pr/101", "pr/109", "codex/drop-legacy-payment-columns")
    app = app_on(workspace)
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        await palette_command(pilot, "group by system")
        assert queue.grouped
        await palette_command(pilot, "filter queue: severity:critical")
        assert queue.query_one(TextInput).value == "severity:critical"
        assert all(queue.changes[_key(queue, i)].counts()["critical"] for i in shown_ids(queue))


async def test_the_palette_jumps_to_a_file_of_the_open_change(workspace: Workspace) -> None:
    workspace.keep_only("pr/101")
    app = app_on(workspace)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded_queue(pilot)
        await pilot.press("enter")
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        paths = review.file_paths()
        assert len(paths) > 1
        await palette_command(pilot, f"jump to file {paths[-1]}")
        assert app.screen is review
        assert review.query_one(DiffView).current_file() == len(paths) - 1


async def palette_command(pilot: object, words: str) -> None:
    await pilot.press("ctrl+p")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press(*words)  # type: ignore[attr-defined]
    await pilot.pause(0.3)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


def _key(queue: QueueScreen, change_id: str) -> str:
    return next(k for k, a in queue.changes.items() if a.change.id == change_id)


# -- hostile text ---------------------------------------------------------------------------------------------------

CLEAR = "x\x1b[2J"
MARKUP = "[bold]y"
OSC52 = "\x1b]52;c;cHduZWQ=\x07"


async def test_hostile_cells_reach_the_terminal_as_inert_text(repo: GitRepo) -> None:
    """The exact sequence the app would write for a full repaint: nothing from the content is a control sequence."""
    repo.checkout("ai/\u202eesrever", new=True, start="main")
    repo.write("a.py", "x = 1\n")
    repo.commit(f"{CLEAR} {MARKUP} {OSC52}")
    repo.checkout("main")
    app = ReviewApp(QueueRequest(repo=repo.path), now=lambda: NOW)
    async with app.run_test(size=(160, 30)) as pilot:
        queue = await loaded_queue(pilot)
        table = queue.query_one(DataTable)
        title = table.get_cell_at((0, [k for _, k in COLUMNS].index("title")))
        assert isinstance(title, Text) and title.plain == "x\\e[2J [bold]y \\e]52;c;cHduZWQ=\\x07"
        output = app.screen._compositor.render_update(full=True).render_segments(app.console)
        await pilot.press("slash")
        queue.query_one(TextInput).insert_text_at_cursor(f"{OSC52}[b]")  # pasted into the filter bar
        await pilot.pause()
        assert queue.query_one(TextInput).value == "\\e]52;c;cHduZWQ=\\x07[b]"
        output += app.screen._compositor.render_update(full=True).render_segments(app.console)
    assert "x\\e[2J [bold]y \\e]52;c;cHduZWQ=\\x07" in output  # shown, as text, in the table and the details
    assert "ai/<U+202E>esrever" in output
    assert "\x1b]52" not in output and "\u202e" not in output and "\x07" not in output
    assert "\x1b[2J" not in output  # the content's clear-screen never reaches the terminal


def test_a_changed_title_goes_through_safe_text(demo_analyses: dict[str, Analysis]) -> None:
    analysis = demo_analyses["pr/109"]
    hostile = replace(analysis, change=replace(analysis.change, title=f"{CLEAR}{MARKUP}", id=f"ai/{OSC52}"))
    cells = row(hostile, None, None, dark(), now=NOW)  # type: ignore[arg-type]
    index = [k for _, k in COLUMNS]
    assert cells[index.index("title")].plain == "x\\e[2J[bold]y"
    assert cells[index.index("id")].plain.startswith("ai/\\e]52;c;cHduZWQ=")
    assert all("\x1b" not in cell.plain for cell in cells)
