"""Findings inline on the review screen: each one whole (message and fix hint) under its line, at any width."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from textual.widgets import Input

from reviewtui.analysis import Analysis
from reviewtui.queue import QueueRequest
from reviewtui.rules.finding import Finding
from reviewtui.rules.sarif import findings_for_change, load_sarif
from reviewtui.text import inert
from reviewtui.ui.app import ReviewApp
from reviewtui.ui.screens.reason import ReasonScreen
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.file_tree import FileTree
from tests.ui.conftest import Workspace, loaded_queue, open_change, screen_text, settle
from tests.ui.review_host import ReviewHost, opened

MIGRATION = "codex/drop-legacy-payment-columns"
PATH = "db/migrations/0007_drop_legacy_payment_columns.sql"


def flat(text: str) -> str:
    """Screen text with the rows joined and runs of spaces squeezed: a wrapped sentence reads as one."""
    return " ".join(text.split())


async def test_every_finding_shows_its_whole_message_and_fix_at_any_width(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    analysis = demo_analyses[MIGRATION]
    assert analysis.findings and all(f.fix for f in analysis.findings)
    for size in ((100, 45), (160, 45)):
        app = ReviewHost(analysis, workspace.repo)
        async with app.run_test(size=size) as pilot:
            screen = await opened(pilot)
            tree = screen.query_one(FileTree)
            if tree.display:
                await pilot.press("t")  # the diff gets the whole width, so a finding's rows are contiguous
            view = screen.query_one(DiffView)
            shown = flat(screen_text(app))
            for finding in analysis.findings:
                message = flat(inert(finding.message, keep_tabs=False))
                assert message in shown, (size, finding.rule)
                assert flat(f"fix: {inert(finding.fix or '', keep_tabs=False)}") in shown, (size, finding.rule)
            tall = [r for r in view.layout_map.finding_rows if view.layout_map.row(r).parts > 1]
            assert tall, size  # at these widths the messages do not fit one row
            for row in view.layout_map.finding_rows:  # each finding right under its line
                found = view.layout_map.row(row)
                if found.file is not None and found.hunk is not None and found.line is not None:
                    line = view.layout_map.line_row(found.file, found.hunk, found.line)
                    between = [view.layout_map.row(r) for r in range(line + 1, row)] if line is not None else []
                    assert line is not None and line < row
                    assert all(r.line == found.line for r in between)  # only its line's pieces and findings


async def test_rows_follow_the_width_and_the_selection_survives(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses[MIGRATION], workspace.repo)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        await pilot.press("f", "f")
        selected = view.selected_finding()
        assert selected is not None
        narrow = view.total_rows
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        assert view.total_rows < narrow  # wider: fewer rows per finding
        assert view.selected_finding() is selected
        await pilot.press("s")
        assert view.selected_finding() is selected  # switching modes keeps the finding the reviewer was on


async def test_an_acknowledgement_is_shown_whole_under_its_finding(
    demo_analyses: dict[str, Analysis], workspace: Workspace
) -> None:
    app = ReviewHost(demo_analyses[MIGRATION], workspace.repo)
    reason = "checked with the data team: nothing reads these columns since the v2 gateway went live in March " * 2
    async with app.run_test(size=(100, 45)) as pilot:
        screen = await opened(pilot)
        view = screen.query_one(DiffView)
        await pilot.press("f")
        finding = view.selected_finding()
        before = view.total_rows
        await pilot.press("A")
        await pilot.pause()
        asking = app.screen
        assert isinstance(asking, ReasonScreen)
        asking.query_one("#reason", Input).value = reason
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and view.selected_finding() is finding
        assert view.total_rows > before
        assert flat(f"✓ acknowledged: {reason}") in flat(screen_text(app))


async def test_imported_sarif_findings_show_their_tool_on_the_screen(
    demo_analyses: dict[str, Analysis], workspace: Workspace, tmp_path: Path
) -> None:
    analysis = demo_analyses[MIGRATION]
    path = semgrep_log(tmp_path, "Dropping a column breaks every reader still deployed")
    imported = findings_for_change(load_sarif(path), analysis.change, repo_root=Path(analysis.change.repo))
    assert [f.tool for f in imported] == ["Semgrep"]
    findings = tuple(sorted({*analysis.findings, *imported}, key=Finding.sort_key))
    app = ReviewHost(replace(analysis, findings=findings), workspace.repo)
    async with app.run_test(size=(160, 45)) as pilot:
        await opened(pilot)
        shown = flat(screen_text(app))
        assert "sql.drop-column [Semgrep]: Dropping a column breaks every reader still deployed" in shown


async def test_sarif_given_to_the_app_shows_in_the_queue_and_the_diff(workspace: Workspace, tmp_path: Path) -> None:
    """`reviewtui --sarif FILE`: the queue counts the imported results and the diff shows them with their tool."""
    path = semgrep_log(tmp_path, "Dropping a column breaks [bold]every[/] reader\x1b[2J")
    workspace.keep_only(MIGRATION)
    app = ReviewApp(QueueRequest(repo=workspace.repo, sarif=(path,)), pair=False)
    app.animation_level = "none"
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        (analysis,) = queue.changes.values()
        assert [f.tool for f in analysis.findings if f.rule == "sql.drop-column"] == ["Semgrep"]
        await open_change(pilot, MIGRATION)
        await settle(pilot)
        shown = flat(screen_text(app))
        assert "sql.drop-column [Semgrep]: Dropping a column breaks [bold]every[/] reader" in shown


def semgrep_log(folder: Path, message: str) -> Path:
    """A SARIF 2.1.0 log from "Semgrep" with one result on line 2 of the migration."""
    result = {
        "ruleId": "sql.drop-column",
        "level": "error",
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": PATH}, "region": {"startLine": 2}}}],
    }
    tool = {"driver": {"name": "Semgrep", "rules": [{"id": "sql.drop-column"}]}}
    path = folder / "semgrep.sarif"
    path.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": tool, "results": [result]}]}))
    return path
