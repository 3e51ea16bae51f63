"""ScanContext's tree listings: built from the previous revision's listing and `git diff-tree`, they must be exactly
what `git ls-tree -r` says at every revision, whatever order the revisions are asked in; and what is derived from
the set of paths is computed once per distinct set."""

from __future__ import annotations

from pathlib import Path

from reviewtui.repository import Repository
from reviewtui.rules.context import ScanContext
from tests.gitrepo import GitRepo


def ls_tree(repo: GitRepo, rev: str) -> dict[str, str]:
    """The reference: every blob and gitlink at `rev` with its id, straight from git."""
    out = repo.repo.git.execute(["git", "ls-tree", "-r", "-z", "--full-tree", rev], stdout_as_string=False)
    listing = {}
    for record in bytes(out).split(b"\0"):
        if record:
            meta, name = record.split(b"\t", 1)
            listing[name.decode("utf-8", "surrogateescape")] = meta.split()[2].decode()
    return listing


def history(tmp_path: Path) -> tuple[GitRepo, list[str]]:
    repo = GitRepo(tmp_path / "repo")
    revs = [repo.head()]
    repo.write("src/app.py", "x = 1\n")
    repo.write("données/é t.txt", "odd name\n")
    revs.append(repo.commit("add files"))
    repo.write("src/app.py", "x = 2\n")
    revs.append(repo.commit("modify only"))
    repo.write("src/app.py", "x = 2\n", executable=True)
    revs.append(repo.commit("mode only"))
    repo.remove("données/é t.txt")
    repo.write("données", "now a file\n")
    revs.append(repo.commit("directory becomes a file"))
    repo.symlink("link", "src/app.py")
    revs.append(repo.commit("symlink"))
    sub = GitRepo(tmp_path / "repo" / "vendor" / "sub")
    revs.append(repo.commit("submodule (gitlink)"))
    sub.write("a.txt", "a\n")
    sub.commit("inside")
    revs.append(repo.commit("gitlink moves"))
    repo.move("src/app.py", "lib/app.py")
    revs.append(repo.commit("rename"))
    repo.write("src/app.py", "x = 3\n")
    revs.append(repo.commit("the old name comes back"))
    return repo, revs


def test_listings_equal_ls_tree_in_any_order(tmp_path: Path) -> None:
    repo, revs = history(tmp_path)
    for order in (revs, revs[::-1], revs[::2] + revs[1::2], [revs[0], revs[-1], revs[3], revs[0]]):
        context = ScanContext(Repository(repo.path))
        for rev in order:
            expected = ls_tree(repo, rev)
            assert context.tree(rev) == frozenset(expected), rev
            assert {path: context.blob_id(rev, path) for path in expected} == expected, rev
    assert "vendor/sub" in ls_tree(repo, revs[-1]) and "link" in ls_tree(repo, revs[-1])


def test_a_name_that_is_not_a_revision_lists_nothing_after_a_real_one(tmp_path: Path) -> None:
    repo, revs = history(tmp_path)
    context = ScanContext(Repository(repo.path))
    assert context.tree(revs[-1])
    assert context.tree("no-such-revision") == frozenset()
    assert context.tree(revs[1]) == frozenset(ls_tree(repo, revs[1]))


def test_revisions_with_the_same_paths_share_one_set_and_derived_values(tmp_path: Path) -> None:
    repo, revs = history(tmp_path)
    context = ScanContext(Repository(repo.path))
    calls: list[int] = []

    def count(paths: frozenset[str]) -> int:
        calls.append(len(paths))
        return len(paths)

    added, modified, mode = revs[1], revs[2], revs[3]
    assert context.per_tree(added, ("count",), count) == 3
    assert context.per_tree(modified, ("count",), count) == 3
    assert context.per_tree(mode, ("count",), count) == 3
    assert context.tree(added) is context.tree(modified) is context.tree(mode)
    assert calls == [3]
    assert context.per_tree(revs[4], ("count",), count) == 3  # a path went, another came: a new set
    assert calls == [3, 3]


def test_a_set_that_differs_only_in_irrelevant_paths_reuses_its_neighbours_value(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("pkg/mod.py", "x = 1\n")
    first = repo.commit("module")
    repo.write("news/1.rst", "a note\n")
    note = repo.commit("a note: no module added")
    repo.write("pkg/other.py", "y = 1\n")
    module = repo.commit("a module")
    context = ScanContext(Repository(repo.path))
    calls: list[int] = []

    def modules(paths: frozenset[str]) -> frozenset[str]:
        calls.append(len(paths))
        return frozenset(p for p in paths if p.endswith(".py"))

    def python(path: str) -> bool:
        return path.endswith(".py")

    assert context.per_tree(first, ("py",), modules, python) == {"pkg/mod.py"}
    assert context.per_tree(note, ("py",), modules, python) == {"pkg/mod.py"}
    assert calls == [2]  # the note's set differs only in a path the value does not read
    assert context.per_tree(module, ("py",), modules, python) == {"pkg/mod.py", "pkg/other.py"}
    assert calls == [2, 4]
    assert context.per_tree(note, ("all",), len) == 3  # without `relevant` every distinct set is computed
