"""TreeDiffer under hostile input (review of issue 8): paths with newlines, tabs, quotes, colons, non-UTF-8 bytes or
a commit's id as their name; its one-process-per-pair fallback; several threads at once."""

from __future__ import annotations

import os
import threading

import pytest

from reviewtui.repository import Repository
from reviewtui.rules.context import TreeDiffer
from tests.gitrepo import GitRepo

NAMES = ["a\nb", "\n", ":100644 100644 x", "x\ty", '"q"', "é", "\n\n"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("hostile-differ") / "repo")
    for n, name in enumerate(NAMES):
        repo.write(f"d/{name}", f"{n}\n")
    (repo.path / "raw").mkdir()
    (repo.path / "raw" / os.fsdecode(b"\xff\xfe\n")).write_bytes(b"x")
    repo.commit("Hostile names")
    first = repo.head()
    repo.write(first, "a file named after a commit\n")  # the frame's header, as a path
    repo.write(":0", "colon\n")
    repo.commit("More")
    for name in NAMES[:3]:
        repo.remove(f"d/{name}")
    repo.commit("Less")
    # In the work tree, a name that is also a commit's id: `git diff-tree OLD NEW` without `--` reads NEW as a path.
    repo.write(repo.head(), "untracked\n")
    return repo


def truth(repo: GitRepo, old: str, new: str) -> list[bytes]:
    """What `git diff-tree` says about the two commits, asked so that nothing can be read as a path."""
    args = ["git", "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", "--ignore-submodules=none", old, new, "--"]
    out = repo.repo.git.execute(args, stdout_as_string=False)
    return bytes(out).split(b"\0")[:-1] if out else []


def revisions(repo: GitRepo) -> list[str]:
    return repo.git("rev-list", "--reverse", "HEAD").split()


def test_hostile_paths_never_leave_the_pipe_out_of_step(hostile: GitRepo) -> None:
    differ = TreeDiffer(Repository(hostile.path))
    revs = revisions(hostile)
    pairs = [(a, b) for a in revs for b in revs]
    assert [differ.fields(a, b) for a, b in pairs] == [truth(hostile, a, b) for a, b in pairs]
    assert differ._process is not None and not differ._broken, "one pipe answered every pair"
    differ.close()


def test_the_fallback_never_reads_a_revision_as_a_path(hostile: GitRepo) -> None:
    differ = TreeDiffer(Repository(hostile.path))
    differ._broken = True  # as after git died mid-answer: every pair asked with a git diff-tree of its own
    revs = revisions(hostile)
    pairs = [(a, b) for a in revs for b in revs]
    assert [differ.fields(a, b) for a, b in pairs] == [truth(hostile, a, b) for a, b in pairs]


def test_threads_share_one_differ(hostile: GitRepo) -> None:
    differ = TreeDiffer(Repository(hostile.path))
    revs = revisions(hostile)
    pairs = [(a, b) for a in revs for b in revs]
    expected = [truth(hostile, a, b) for a, b in pairs]
    wrong: list[tuple[str, str]] = []

    def ask() -> None:
        for _ in range(10):
            wrong.extend(pair for pair, want in zip(pairs, expected, strict=True) if differ.fields(*pair) != want)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not wrong and not differ._broken
    differ.close()
