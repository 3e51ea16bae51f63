"""Hostile history-store entries (review of issue 8): what is planted under <git dir>/reviewtui/cache/history is
ignored and rewritten, never followed out of the cache, never waited on, never a crash."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from reviewtui.jsonstore import JsonStore
from reviewtui.repository import Repository
from reviewtui.risk.history import HISTORY_DIR, HistoryIndex, _store_key
from tests.entries import opened, sealed
from tests.gitrepo import GitRepo

COMMITS = 4
"""GitRepo's initial commit and three more."""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("hostile-store") / "repo")
    for n in range(3):
        repo.write(f"src/m{n}.py", f"V = {n}\n")
        repo.commit(f"Add m{n}", author=("Dev", "d@x.org"))
    return repo


def copy_of(repo: GitRepo, tmp_path: Path) -> tuple[Repository, str, Path]:
    copy = Path(shutil.copytree(repo.path, tmp_path / "copy", symlinks=True))
    tip = GitRepo(copy, initial=False).head()
    entry = JsonStore(Repository(copy).git_dir / HISTORY_DIR).path(_store_key(tip, Repository(copy).shape()))
    entry.parent.mkdir(parents=True, exist_ok=True)
    return Repository(copy), tip, entry


def built(repo: Repository, tip: str) -> HistoryIndex:
    return HistoryIndex.build(repo, tip, store=JsonStore(repo.git_dir / HISTORY_DIR))


def forged(key: str, authored: int = 1, committed: int = 2) -> str:
    row = ["f" * 40, "evil@x.org", "Evil", authored, committed, "s", "m", [["M", ["src/m0.py"]]]]
    return json.dumps({"schema": 1, "key": key, "commits": [row]})


def test_a_deeply_nested_entry_is_ignored_not_a_crash(small: GitRepo, tmp_path: Path) -> None:
    repo, tip, entry = copy_of(small, tmp_path)
    entry.write_bytes(sealed('{"schema": 1, "commits": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    assert built(repo, tip).commits == COMMITS  # json.loads raised RecursionError here
    assert opened(entry)["key"] == _store_key(tip, repo.shape()), "rewritten"


def test_an_entry_that_is_a_symlink_out_of_the_cache_is_not_followed(small: GitRepo, tmp_path: Path) -> None:
    repo, tip, entry = copy_of(small, tmp_path)
    outside = tmp_path / "outside.json"
    outside.write_bytes(sealed(forged(_store_key(tip, repo.shape()))))
    entry.symlink_to(outside)
    index = built(repo, tip)
    assert index.commit("f" * 40) is None and index.commits == COMMITS, "the forged records outside the cache were read"
    assert opened(outside)["commits"][0][0] == "f" * 40, "nothing written through the link"


def test_a_folder_that_is_a_symlink_out_of_the_cache_is_not_followed(small: GitRepo, tmp_path: Path) -> None:
    repo, tip, entry = copy_of(small, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / entry.name).write_bytes(sealed(forged(_store_key(tip, repo.shape()))))
    entry.parent.rmdir()
    entry.parent.symlink_to(elsewhere)
    assert built(repo, tip).commit("f" * 40) is None


def test_a_fifo_in_place_of_an_entry_does_not_block(small: GitRepo, tmp_path: Path) -> None:
    repo, tip, entry = copy_of(small, tmp_path)
    os.mkfifo(entry)
    result: list[HistoryIndex] = []
    worker = threading.Thread(target=lambda: result.append(built(repo, tip)), daemon=True)
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the reader so the test process can end
        with open(os.open(entry, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        worker.join(5)
        pytest.fail("reading the history store waited on a FIFO planted in it")
    assert result[0].commits == COMMITS


@pytest.mark.parametrize("moment", [10**400, -(10**400), 2**63], ids=["huge", "-huge", "2**63"])
def test_times_no_timestamp_can_be_are_not_trusted(small: GitRepo, tmp_path: Path, moment: int) -> None:
    repo, tip, entry = copy_of(small, tmp_path)
    entry.write_bytes(sealed(forged(_store_key(tip, repo.shape()), authored=moment, committed=moment)))
    index = built(repo, tip)
    assert index.commit("f" * 40) is None and index.commits == COMMITS
    index.experience("evil@x.org", 2e9, ["src/m0.py"])  # float(10**400) raised OverflowError here


def test_a_directory_in_place_of_an_entry_is_ignored(small: GitRepo, tmp_path: Path) -> None:
    repo, tip, entry = copy_of(small, tmp_path)
    entry.mkdir()
    assert built(repo, tip).commits == COMMITS
