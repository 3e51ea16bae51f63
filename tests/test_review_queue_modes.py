"""The queue is the same JSON, warnings and skipped counts whichever way it was computed (review of issue 8): cold
with workers, warm, one job, no cache; over refs and commit ranges holding merges, root commits, renames, binary
files, empty commits and refs whose merge-base is not the base's tip."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from reviewtui.workers import MIN_MISSES, can_fork
from tests.gitrepo import GitRepo, forget_memo
from tests.test_cli import run

PLAIN = MIN_MISSES + 4
"""Ordinary refs on the base's tip, so that the workers start."""


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("odd") / "repo")
    repo.write("src/core.py", "def f():\n    return 1\n" * 20)
    repo.write("img/logo.bin", bytes(range(256)) * 4)
    repo.commit("Base files")
    old = repo.head()
    repo.write("src/later.py", "X = 1\n")
    repo.commit("Main moves on")
    tip = repo.head()

    def pull(number: int, start: str) -> None:
        repo.update_ref(f"refs/pull/{number}/head", repo.head())
        repo.checkout("main")

    for n in range(PLAIN):
        repo.checkout(f"p{n}", new=True, start=tip)
        repo.write(f"pkg/m{n}.py", f"import subprocess\nsubprocess.call('x{n}', shell=True)\n")
        repo.commit(f"Pull {n}", author=("Claude", "noreply@anthropic.com") if n % 2 else ("Dana", "d@x.org"))
        pull(n + 1, tip)
    repo.checkout("rename", new=True, start=tip)
    repo.move("src/core.py", "src/kernel.py")
    repo.commit("Rename core")
    pull(200, tip)
    repo.checkout("binary", new=True, start=tip)
    repo.write("img/logo.bin", bytes(range(255, -1, -1)) * 4)
    repo.commit("Binary change")
    pull(201, tip)
    repo.checkout("empty", new=True, start=tip)
    repo.write("pkg/e.py", "E = 1\n")
    repo.commit("Before empty")
    repo.commit("Empty", allow_empty=True)
    pull(202, tip)
    repo.checkout("merged-in", new=True, start=tip)
    repo.write("pkg/side.py", "S = 1\n")
    repo.commit("Side work")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge main into the branch", "main")
    repo.write("pkg/side.py", "S = 2\n")
    repo.commit("After merge")
    pull(203, tip)
    repo.checkout("behind", new=True, start=old)
    repo.write("pkg/behind.py", "import os\nos.system('x')\n")
    repo.commit("Behind the tip")
    pull(204, old)
    repo.git("checkout", "-q", "--orphan", "rootless")
    repo.git("rm", "-q", "-r", "-f", ".")
    repo.write("other/root.py", "R = 1\n")
    repo.commit("A root commit of its own")
    pull(205, "")
    return repo


def queue(repo: Path, *extra: str) -> tuple[list[dict[str, object]], str]:
    forget_memo(repo)
    result = run("queue", "--repo", str(repo), "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.replace(str(repo), "REPO")), result.stderr.replace(str(repo), "REPO")


def _lines(stderr: str) -> list[str]:
    """What the run told the reviewer (warnings, skipped counts), without the workers' own line."""
    return sorted(re.sub(r"; analysed in \d+ worker processes", "", line) for line in stderr.splitlines())


@pytest.mark.slow
@pytest.mark.skipif(not can_fork(), reason="workers need fork")
@pytest.mark.parametrize("source", [(), ("--commits", "HEAD~0")], ids=["refs", "commits"])
def test_every_way_of_computing_the_queue_gives_the_same_queue(
    odd: GitRepo, tmp_path: Path, source: tuple[str, ...]
) -> None:
    extra = source
    if source:
        # every commit of every pull, merges and the root commit included, as one range from the base's root
        extra = ("--commits", f"{odd.git('rev-list', '--max-parents=0', 'main').split()[0]}..refs/pull/203/head")
    reference, reference_err = queue(odd.path, "--no-cache", "--jobs", "1", *extra)
    assert len(reference) >= 4
    for n, mode in enumerate([("--jobs", "2"), ("--jobs", "2"), ("--jobs", "1"), ("--jobs", "1")]):
        copy = odd.path if n % 2 else Path(shutil.copytree(odd.path, tmp_path / f"copy{n}", symlinks=True))
        if n % 2 == 0:
            cold, stderr = queue(copy, *mode, *extra)
            label = "cold"
            assert source or mode[1] == "1" or "analysed in 2 worker processes" in stderr
        else:
            cold, stderr = queue(odd.path, *mode, *extra)
            label = "warm"
        assert cold == reference, f"{label} {mode}"
        assert _lines(stderr) == _lines(reference_err), f"{label} {mode}"
