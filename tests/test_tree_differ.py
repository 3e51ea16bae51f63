"""TreeDiffer: `git diff-tree` for many pairs through one long-lived `git diff-tree --stdin`. Every answer must be
what a `git diff-tree` of its own prints, whatever is asked (revisions that are not commits, text that is not an
id) and whatever happens to the pipe."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from reviewtui.repository import Repository
from reviewtui.rules.context import TreeDiffer
from tests.gitrepo import GitRepo
from tests.procs import forked_report


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("differ") / "repo")
    for n in range(6):
        repo.write(f"dir{n % 2}/f{n}.txt", f"{n}\n")
        if n == 3:
            repo.remove("dir0/f0.txt")
        repo.commit(f"c{n}")
    return repo


def reference(repo: GitRepo, old: str, new: str) -> list[bytes] | None:
    """What one `git diff-tree -r -z` process says, split like TreeDiffer's answer; None when git refuses."""
    args = ["git", "diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", "--ignore-submodules=none", old, new]
    status, out, _ = repo.repo.git.execute(args, with_extended_output=True, with_exceptions=False,
                                           stdout_as_string=False)  # fmt: skip
    if status != 0:
        return None
    return bytes(out).split(b"\0")[:-1] if out else []


def commits(repo: GitRepo) -> list[str]:
    return repo.git("rev-list", "--reverse", "HEAD").split()


def test_one_process_answers_every_pair_like_git(repo: GitRepo) -> None:
    differ = TreeDiffer(Repository(repo.path))
    revs = commits(repo)
    pairs = [(a, b) for a in revs for b in revs]
    answers = [differ.fields(a, b) for a, b in pairs]
    process = differ._process
    assert process is not None and process.poll() is None, "the pipe is running"
    assert answers == [reference(repo, a, b) for a, b in pairs]
    assert any(answer for answer in answers) and differ._process is process, "one process for every pair"
    differ.close()
    assert process.poll() is not None


def test_what_is_not_a_commit_leaves_the_pipe_in_step(repo: GitRepo) -> None:
    differ = TreeDiffer(Repository(repo.path))
    revs = commits(repo)
    tree = repo.git("rev-parse", "HEAD^{tree}")
    blob = repo.git("rev-parse", "HEAD:dir1/f5.txt")
    odd = [tree, blob, "1" * 40, "HEAD", f"{revs[1]}\n{revs[2]}", "not an id"]
    for bad in odd:
        for old, new in ((revs[0], bad), (bad, revs[-1])):
            assert differ.fields(old, new) == reference(repo, old, new) if "\n" not in bad else True
        assert differ.fields(revs[1], revs[4]) == reference(repo, revs[1], revs[4]), f"in step after {bad!r}"
        assert differ._process is not None and not differ._broken, "and still piped"


def test_a_pipe_that_dies_is_replaced_by_one_process_per_pair(repo: GitRepo) -> None:
    differ = TreeDiffer(Repository(repo.path))
    revs = commits(repo)
    assert differ.fields(revs[0], revs[3]) == reference(repo, revs[0], revs[3])
    process = differ._process
    assert process is not None
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert differ.fields(revs[2], revs[5]) == reference(repo, revs[2], revs[5])
    assert differ._process is None and differ._broken
    assert differ.fields(revs[5], revs[1]) == reference(repo, revs[5], revs[1])


def test_without_git_objects_nothing_is_piped(tmp_path: Path) -> None:
    """An unborn repository: nothing is a commit, so no pipe starts and git's own refusal is the answer."""
    repo = GitRepo(tmp_path / "empty", initial=False)
    differ = TreeDiffer(Repository(repo.path))
    assert differ.fields("a" * 40, "b" * 40) is None and differ._process is None


def test_a_forked_child_lets_go_of_the_parents_git(repo: GitRepo) -> None:
    """Workers are forked while the main process may have its pipe running: the child drops its copy of the pipe at
    once, so the parent's git sees the end of its input when the parent closes it (and exits cleanly, not killed
    after a timeout)."""
    differ = TreeDiffer(Repository(repo.path))
    revs = commits(repo)
    assert differ.fields(revs[0], revs[3]) == reference(repo, revs[0], revs[3])
    process = differ._process
    assert process is not None
    with forked_report(lambda: b"dropped" if differ._process is None else b"kept") as said:  # the worker's view
        assert said == b"dropped"
        differ.close()
        assert process.returncode == 0, "git ended by the end of its input, not killed"
