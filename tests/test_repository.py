"""Reading files at commits through the persistent cat-file: remembered per folder tree, never past a moving name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.repository import Repository
from tests.gitrepo import GitRepo


def test_files_in_a_folder_are_read_right_at_every_commit(repo: GitRepo) -> None:
    first = repo.head()
    repo.write(".reviewtui/config.toml", "a = 1\n")
    repo.write(".reviewtui/big.txt", "x" * 200_000)
    second = repo.commit("Add config")
    repo.write(".reviewtui/config.toml", "a = 2\n")
    third = repo.commit("Change config")
    repo.write("README.md", "# other\n")
    fourth = repo.commit("Change something else")
    reader = Repository(repo.path)
    for _ in range(2):  # the second round answers from what the first remembered
        assert reader.show_file(first, ".reviewtui/config.toml") is None
        assert reader.object_id(first, ".reviewtui/config.toml") is None
        assert reader.show_file(second, ".reviewtui/config.toml") == b"a = 1\n"
        assert reader.show_file(third, ".reviewtui/config.toml") == b"a = 2\n"
        assert reader.show_file(fourth, ".reviewtui/config.toml") == b"a = 2\n"
        assert reader.show_file(fourth, ".reviewtui/big.txt") == b"x" * 200_000
        assert reader.show_file(fourth, ".reviewtui/missing.toml") is None
        assert reader.show_file(fourth, ".reviewtui") is None  # a folder is not a file
        expected = repo.git("rev-parse", f"{second}:.reviewtui/config.toml")
        assert reader.object_id(second, ".reviewtui/config.toml") == expected
        assert reader.object_id(fourth, ".reviewtui") == repo.git("rev-parse", f"{fourth}:.reviewtui")


def test_a_moving_name_is_read_afresh(repo: GitRepo) -> None:
    repo.write(".reviewtui/config.toml", "a = 1\n")
    repo.commit("Add config")
    reader = Repository(repo.path)
    assert reader.show_file("HEAD", ".reviewtui/config.toml") == b"a = 1\n"
    repo.write(".reviewtui/config.toml", "a = 2\n")
    repo.commit("Change config")
    assert reader.show_file("HEAD", ".reviewtui/config.toml") == b"a = 2\n"
    assert reader.object_id("main", ".reviewtui/config.toml") == repo.git("rev-parse", "HEAD:.reviewtui/config.toml")


def _history(repo: GitRepo) -> list[str]:
    """60 commits in which `.reviewtui` appears, changes, disappears and comes back as a file; oldest first."""
    commits = []
    for n in range(60):
        if n == 10:
            repo.write(".reviewtui/config.toml", "a = 1\n")
        elif n == 30:
            repo.write(".reviewtui/config.toml", "a = 2\n")
        elif n == 45:
            repo.remove(".reviewtui/config.toml")
        elif n == 50:
            repo.write(".reviewtui", "a file now\n")
        repo.write("counter.txt", f"{n}\n")
        commits.append(repo.commit(f"Commit {n}"))
    return commits


def _rev_lists(trace: Path) -> int:
    return sum("built-in: git rev-list" in line for line in trace.read_text().splitlines()) if trace.exists() else 0


@pytest.mark.parametrize("also", [None, "lib/none.py"], ids=["one-folder", "two-folders-in-turn"])
def test_a_range_asked_commit_by_commit_is_read_ahead_in_one_batch(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, also: str | None
) -> None:
    """A queue over a range asks at each commit's parent, newest first: after a few round trips the folder is looked
    up at the next 256 ancestors in one batch (one `rev-list`), with the same answers as asking one by one. A cold
    queue also asks, for the rules, in the source folders at each head in turn: each folder name keeps its own
    read-ahead (one `rev-list` each)."""
    commits = _history(repo)
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    reader = Repository(repo.path)
    for commit in reversed(commits):
        listed = repo.git("ls-tree", commit, "--", ".reviewtui/config.toml").split()
        expected = listed[2] if listed else None
        assert reader.object_id(commit, ".reviewtui/config.toml") == expected, commit
        n = commits.index(commit)
        content = b"a = 2\n" if 30 <= n < 45 else b"a = 1\n" if 10 <= n < 30 else None
        assert reader.show_file(commit, ".reviewtui/config.toml") == content
        if also is not None:
            assert reader.object_id(commit, also) is None
    assert _rev_lists(trace) == (1 if also is None else 2)


def test_commits_asked_in_no_ancestry_order_stop_the_reading_ahead(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sibling tips (each read-ahead brings the trunk, never the next sibling) cost one read-ahead, then go back to
    one request each."""
    _history(repo)
    trunk = repo.head()
    tips = []
    for n in range(30):
        repo.checkout(f"side{n}", new=True, start=trunk)
        repo.remove(".reviewtui")
        repo.write(".reviewtui/config.toml", f"side = {n}\n")
        tips.append(repo.commit(f"Side {n}"))
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    reader = Repository(repo.path)
    for n, tip in enumerate(tips):
        assert reader.show_file(tip, ".reviewtui/config.toml") == f"side = {n}\n".encode()
    assert _rev_lists(trace) == 1


def test_personal_and_system_attributes_do_not_change_a_diff(repo: GitRepo, tmp_path: Path) -> None:
    """A reviewer's attributes file saying `*.py -diff` would turn the change into "Binary files differ" for them
    alone (and differ from the diff their approval binds): reviewtui's git never reads it."""
    from reviewtui.commitlog import read_commit_diffs

    repo.write("app.py", "print('hello')\n")
    sha = repo.commit("Add app")
    personal = tmp_path / "attributes"
    personal.write_text("*.py -diff\n")
    repo.git("config", "core.attributesFile", str(personal))
    assert "Binary files" in repo.git("show", "--format=", sha)  # git itself obeys it
    files = read_commit_diffs(Repository(repo.path), [sha])[sha]
    assert [(f.path, f.binary, f.added) for f in files] == [("app.py", False, 1)]


def test_ref_commit_answers_what_rev_parse_does(repo: GitRepo) -> None:
    """The base branch is looked up through the persistent cat-file: same answers as `rev-parse --verify X^{commit}`
    for branches, a branch moved meanwhile, an annotated tag (peeled), missing refs and odd names."""
    first = repo.head()
    repo.git("tag", "-a", "-m", "a tag", "v1")
    repo.git("update-ref", "refs/remotes/origin/main", first)
    reader = Repository(repo.path)
    names = ["refs/heads/main", "refs/remotes/origin/main", "refs/tags/v1", "refs/heads/none", "refs/heads/ma*",
             "refs/heads/main~0", "refs/heads/a b", "HEAD"]
    assert [reader.ref_commit(n) for n in names] == [reader.resolve(n) for n in names]
    assert reader.ref_commit("refs/tags/v1") == first
    repo.write("later.txt", "later\n")
    moved = repo.commit("Later")
    assert reader.ref_commit("refs/heads/main") == moved, "a ref moved after the first question is read anew"


def test_attributes_in_the_checkout_change_neither_a_diff_nor_its_binding(repo: GitRepo) -> None:
    """git takes `.gitattributes` from the work tree and the index, not from the commits it diffs: a `*.py -diff`
    in the checkout (or on a branch an agent committed) made every Python change "Binary files differ" (no lines,
    no findings) and gave this reviewer's approvals another diff hash than everyone else's. reviewtui's git runs
    in an empty folder with no index, so only the commits decide."""
    from reviewtui.approvals.binding import bind
    from reviewtui.queue import QueueLoader, QueueRequest

    repo.write("lib/a.py", "def f():\n    return 1\n")
    repo.commit("Add a")
    repo.checkout("ai/one", new=True)
    repo.write("lib/a.py", "def f():\n    print('x')\n    return 1\n")
    repo.update_ref("refs/pull/1/head", repo.commit("Print"))

    def seen() -> tuple[int, str]:
        (change,) = QueueLoader(QueueRequest(repo=repo.path)).changes()
        return change.stats.added, bind(Repository(repo.path), change).diff_sha256

    before = seen()
    assert before[0] == 1
    repo.write(".gitattributes", "*.py -diff\n")
    repo.write("lib/.gitattributes", "*.py binary\n")
    assert seen() == before
    repo.git("add", ".gitattributes", "lib/.gitattributes")
    (repo.path / ".gitattributes").unlink()
    (repo.path / "lib" / ".gitattributes").unlink()
    assert seen() == before  # only in the index now


@pytest.mark.skipif(os.geteuid() != 0, reason="handing the repository to another user needs root")
def test_a_repository_git_refuses_for_its_owner_is_refused_before_anything_runs(repo: GitRepo) -> None:
    """git will not work in a repository another user owns (`safe.directory`): its config and hooks would run as
    us. An explicit GIT_DIR skips that check, so reviewtui asks git first, as the user's git would."""
    from reviewtui.errors import GitError

    repo.write("a.py", "A = 1\n")
    repo.commit("A")
    for folder, _, files in os.walk(repo.path):
        for name in [".", *files]:
            os.chown(os.path.join(folder, name), 65534, 65534)
    with pytest.raises(GitError, match="dubious ownership"):
        Repository(repo.path)
    assert not (repo.path / ".git" / "reviewtui").exists(), "nothing created in a repository git refused"


def test_config_read_as_the_user_reached_the_repository(repo: GitRepo, tmp_path: Path) -> None:
    """`includeIf "gitdir:…"` matches the path the user came by (a symlink their shell is in), as their own git
    does: the signing key configured that way is the one `approve` finds. Only diffs run elsewhere."""
    link = tmp_path / "link"
    link.symlink_to(repo.path.parent)
    config = tmp_path / "global.gitconfig"
    config.write_text(f'[includeIf "gitdir:{link}/"]\n\tpath = {tmp_path / "signing.gitconfig"}\n')
    (tmp_path / "signing.gitconfig").write_text("[user]\n\tsigningkey = /keys/through-the-link\n")
    inside = link / repo.path.name
    probe = "from reviewtui.repository import Repository; print(Repository('.').run('config', 'user.signingkey'))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=inside,
        env={**os.environ, "GIT_CONFIG_GLOBAL": str(config), "PWD": str(inside)},  # as a shell in the link sets it
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "/keys/through-the-link" in result.stdout
