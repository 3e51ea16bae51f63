"""The queue screen's work while a large queue loads grows with the number of changes, not with its square.

A real repository with 300 PR refs (written with one `git fast-import`) is loaded by the real app; the table and the
details panel are watched by counting calls, never by timing: every change is added to the table once (no rebuild
of the whole table per batch or at the end), and the details panel is laid out a bounded number of times however
many batches arrive.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from reviewtui.queue import QueueRequest
from reviewtui.ranking import SORTS, rank_key
from reviewtui.ui.app import ReviewApp
from tests.gitrepo import ISOLATED_ENV
from tests.ui.conftest import loaded_queue

PRS = 300


def build(root: Path, prs: int) -> Path:
    """main with one commit; `refs/pull/N/head` one commit on top, each adding a few lines (some risky)."""
    repo = root / "many"
    repo.mkdir()
    env = {**os.environ, **ISOLATED_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env, check=True)
    out: list[bytes] = []

    def commit(ref: str, mark: int, parent: int | None, message: str, files: dict[str, str], when: int) -> None:
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        who = f"Erin <erin@example.com> {when} +0000"
        out.append(f"author {who}\ncommitter {who}\n".encode())
        out.append(f"data {len(message)}\n{message}\n".encode())
        if parent is not None:
            out.append(f"from :{parent}\n".encode())
        for path, text in files.items():
            blob = text.encode()
            out.append(f"M 100644 inline {path}\ndata {len(blob)}\n".encode() + blob + b"\n")

    commit("refs/heads/main", 1, None, "Initial", {"src/app.py": "def main():\n    return 0\n"}, 1_700_000_000)
    for pr in range(1, prs + 1):
        body = "".join(f"value_{pr}_{i} = {i}\n" for i in range(pr % 7 + 1))
        if pr % 5 == 0:
            body += "print(value)\n"
        commit(f"refs/pull/{pr}/head", pr + 1, 1, f"PR {pr}", {f"src/mod{pr % 9}.py": body}, 1_700_000_000 + pr)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=env, check=True, input=b"".join(out))
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, env=env, check=True)
    return repo


def counting(calls: Counter[str], name: str, method: Callable[..., Any], only: str | None = None) -> Callable[..., Any]:
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        if only is None or self.id == only:
            calls[name] += 1
        return method(self, *args, **kwargs)

    return counted


@pytest.mark.slow
async def test_loading_a_large_queue_adds_each_row_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = build(tmp_path, PRS)
    calls: Counter[str] = Counter()
    monkeypatch.setattr(DataTable, "add_row", counting(calls, "add_row", DataTable.add_row))
    monkeypatch.setattr(DataTable, "clear", counting(calls, "clear", DataTable.clear))
    monkeypatch.setattr(Static, "update", counting(calls, "details", Static.update, only="details"))
    app = ReviewApp(QueueRequest(repo=repo))
    app.animation_level = "none"
    async with app.run_test(size=(160, 45)) as pilot:
        queue = await loaded_queue(pilot)
        table = queue.query_one(DataTable)
        assert len(queue.changes) == table.row_count == PRS

        # O(N) rows in total: each change was added once, and the table was cleared only when it was set up.
        assert calls["add_row"] == PRS
        assert calls["clear"] == 1
        # The details panel follows the highlighted change and its verdict, not the number of batches.
        assert calls["details"] <= 4

        # The final order is the score order with ranks 1..N, as a full rebuild would lay it out.
        order = SORTS["score"]
        expected = [key for key, _ in sorted(queue.changes.items(), key=lambda item: order(rank_key(item[1])))]
        assert [str(r.key.value) for r in table.ordered_rows] == expected
        assert [str(table.get_cell(key, "rank")) for key in expected] == [str(i) for i in range(1, PRS + 1)]
        assert table.columns[ColumnKey("rank")].content_width == len(str(PRS))  # "300" is not cropped
        assert table.cursor_row == 0  # a cursor never moved while loading opens the ranked queue at rank 1

        # Changing the order afterwards reorders the same rows (still no rebuild), and back again.
        before = calls["add_row"]
        await pilot.press("o")
        await pilot.pause()
        effort = [str(r.key.value) for r in table.ordered_rows]
        assert sorted(effort) == sorted(expected) and effort != expected
        for _ in range(len(SORTS) - 1):
            await pilot.press("o")
        await pilot.pause()
        assert [str(r.key.value) for r in table.ordered_rows] == expected
        assert calls["add_row"] == before
