"""The history store: what `git log` said about a tip's history, kept as JSON under the git dir so a later run over
the same tip skips the pass. A stored entry must give exactly the index git gives, be used only for that exact tip,
and be ignored (and rewritten) when it is anything but what this version wrote: never trusted, never executed."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from reviewtui.errors import ReviewtuiError
from reviewtui.jsonstore import JsonStore
from reviewtui.repository import Repository
from reviewtui.risk.history import HISTORY_DIR, HistoryIndex, _store_key
from tests.entries import opened, sealed
from tests.gitrepo import GitRepo


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """Authors, fixes, a revert, a rename and a deletion: every kind of record the index reads."""
    repo = GitRepo(tmp_path_factory.mktemp("store") / "repo")
    for n in range(8):
        repo.write(f"src/m{n % 3}.py", f"V = {n}\n")
        repo.commit(f"{'Fix' if n % 3 == 0 else 'Add'} m{n % 3} ({n})", author=(f"Dev {n % 2}", f"d{n % 2}@x.org"))
    bad = repo.head()
    repo.git("revert", "--no-edit", bad)
    repo.move("src/m1.py", "lib/m1.py")
    repo.commit("Move m1")
    repo.remove("src/m2.py")
    repo.commit("Drop m2")
    repo.write("données/é.txt", "odd path\n")
    repo.commit("Odd path")
    return repo


def answers(index: HistoryIndex, when: float) -> list[object]:
    paths = ["src/m0.py", "lib/m1.py", "src/m1.py", "src/m2.py", "données/é.txt", "nope"]
    out: list[object] = [index.commits, index.reverted()]
    for path in paths:
        out.append(index.file_history([path], when))
        out.append(index.experience("d1@x.org", when, [path]))
    return out


def store_of(repo: Repository) -> JsonStore:
    return JsonStore(repo.git_dir / HISTORY_DIR)


def entries(repo: Repository) -> list[Path]:
    return sorted((repo.git_dir / HISTORY_DIR).rglob("*.json"))


def test_a_stored_history_is_the_history_git_gives(history: GitRepo, tmp_path: Path) -> None:
    copy = GitRepo(Path(shutil.copytree(history.path, tmp_path / "copy", symlinks=True)), initial=False)
    repo = Repository(copy.path)
    tip = copy.head()
    fresh = HistoryIndex.build(repo, tip)
    assert not entries(repo), "nothing stored unless asked"
    first = HistoryIndex.build(repo, tip, store=store_of(repo))
    assert len(entries(repo)) == 1
    # without the commits' objects git could not answer again: the second index comes from the store alone
    for pack in (copy.path / ".git" / "objects").rglob("*"):
        if pack.is_file():
            pack.unlink()
    with pytest.raises(ReviewtuiError):
        HistoryIndex.build(repo, tip)
    second = HistoryIndex.build(repo, tip, store=store_of(repo))
    when = 2e9
    assert answers(first, when) == answers(fresh, when) == answers(second, when)
    assert answers(second, fresh.commit(tip).committed) == answers(fresh, fresh.commit(tip).committed)  # type: ignore[union-attr]


def test_only_the_exact_tip_is_stored(history: GitRepo, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(history.path, tmp_path / "copy", symlinks=True))
    repo = Repository(copy)
    HistoryIndex.build(repo, "HEAD", store=store_of(repo))
    HistoryIndex.build(repo, GitRepo(copy, initial=False).head(), store=store_of(repo), max_commits=3)
    assert not entries(repo), "a name that can move, or part of a history, is never stored"
    older = GitRepo(copy, initial=False).git("rev-parse", "HEAD~2")
    index = HistoryIndex.build(repo, older, store=store_of(repo))
    assert len(entries(repo)) == 1 and index.commits == HistoryIndex.build(repo, older).commits
    assert index.commit(GitRepo(copy, initial=False).head()) is None, "the tip's entry is not another tip's"


def planted_entry(commits: object, schema: int = 1, key: str = "KEY") -> bytes:
    return json.dumps({"schema": schema, "key": key, "commits": commits}).encode()


ROW = ["a" * 40, "e", "n", 1, 2, "s", "m"]


@pytest.mark.parametrize(
    "planted",
    [
        b"not json",
        pickle.dumps({"schema": 1, "key": "KEY"}),
        planted_entry([], key="another key"),
        planted_entry([], schema=2),
        planted_entry([["x"]]),
        planted_entry([[*ROW[:3], "1", *ROW[4:], []]]),  # a time that is not a number
        planted_entry([[*ROW, [["Z", ["p"]]]]]),  # a status git never prints
        planted_entry([[*ROW, [["R100", ["p"]]]]]),  # a rename with one path
        planted_entry([[*ROW, [["M", [7]]]]]),  # a path that is not text
    ],
)
def test_a_planted_or_damaged_entry_is_ignored_and_rewritten(history: GitRepo, tmp_path: Path, planted: bytes) -> None:
    copy = GitRepo(Path(shutil.copytree(history.path, tmp_path / "copy", symlinks=True)), initial=False)
    repo = Repository(copy.path)
    tip = copy.head()
    key = _store_key(tip, repo.shape())
    path = store_of(repo).path(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(sealed(planted.replace(b"KEY", key.encode())))
    index = HistoryIndex.build(repo, tip, store=store_of(repo))
    fresh = HistoryIndex.build(repo, tip)
    assert answers(index, 2e9) == answers(fresh, 2e9)
    assert opened(path)["key"] == key and len(opened(path)["commits"]) == 13
