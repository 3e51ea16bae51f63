"""Reading files at commits through the persistent cat-file: remembered per folder tree, never past a moving name."""

from __future__ import annotations

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
