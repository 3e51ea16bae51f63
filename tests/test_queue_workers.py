"""A queue of pull-request refs analysed in worker processes that read the diffs themselves gives what one process
reading every diff gives: the same JSON, the same skipped refs, and the diff summaries stored for the next run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.sources.full import Unread
from reviewtui.summary import SUMMARY_DIR
from reviewtui.workers import MIN_MISSES, can_fork
from tests.gitrepo import GitRepo, forget_memo
from tests.test_cli import run

ON_TIP = MIN_MISSES + 8
"""Refs branched from the base's tip: their diffs are left to the workers."""
BEHIND = 4
"""Refs branched from an older base commit: read while loading (the squash check against the moved base needs the
diff), one of them already merged by content."""


@pytest.fixture(scope="module")
def pulls(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("pulls") / "repo")
    old = repo.head()
    for n in range(BEHIND):
        repo.checkout(f"old{n}", new=True, start=old)
        repo.write(f"old/o{n}.py", "import requests\nrequests.get('http://x')\n" if n % 2 else f"O = {n}\n")
        repo.commit(f"Old change {n}")
        repo.update_ref(f"refs/pull/{100 + n}/head", repo.head())
    repo.checkout("main")
    repo.write("old/o0.py", "O = 0\n")  # the content of pull 100 lands on main: merged by content
    repo.commit("Land o0")
    tip = repo.head()
    for n in range(ON_TIP):
        repo.checkout(f"b{n}", new=True, start=tip)
        repo.write(f"pkg/m{n % 5}.py", f"import subprocess\nsubprocess.call('x', shell=True)\nV = {n}\n" * (n % 3))
        repo.commit(f"Pull {n}", author=("Claude", "noreply@anthropic.com") if n % 2 else ("Dana Dev", "d@x.org"))
        repo.update_ref(f"refs/pull/{n + 1}/head", repo.head())
    repo.checkout("main")
    return repo


def queue(repo: Path, *extra: str) -> tuple[list[dict[str, object]], str]:
    forget_memo(repo)
    result = run("queue", "--repo", str(repo), "--json", *extra)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for change in data:
        assert change.pop("repo") == str(repo)
    return data, result.stderr


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_refs_read_by_workers_give_the_serial_queue(pulls: GitRepo, tmp_path: Path) -> None:
    serial, serial_err = queue(pulls.path, "--no-cache", "--jobs", "1")
    assert len(serial) == ON_TIP + BEHIND - 1 and "skipped 1 already merged (1 squashed or rebased)" in serial_err
    copy = Path(shutil.copytree(pulls.path, tmp_path / "copy", symlinks=True))
    items = list(QueueLoader(QueueRequest(repo=pulls.path), summaries=True)._items(defer=True))
    assert sum(isinstance(item, Unread) for item in items) == ON_TIP, "the workers read the diffs of these"
    parallel, stderr = queue(copy, "--jobs", "2")
    assert "analysed in 2 worker processes" in stderr and "skipped 1 already merged" in stderr
    assert parallel == serial
    summaries = list((copy / ".git" / SUMMARY_DIR).rglob("*.json"))
    # The refs behind the base are read here for the squash check (their summaries and verdicts stored); those on
    # the tip were read by the workers, and their analysis entries list their files.
    assert BEHIND <= len(summaries) < ON_TIP, "a summary for each ref read here, none for those the workers read"
    warm, stderr = queue(copy, "--jobs", "2")
    assert warm == serial and "worker" not in stderr
