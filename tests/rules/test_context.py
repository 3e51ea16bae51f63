"""ScanContext's tree listings: built from the previous revision's listing and `git diff-tree`, they must be exactly
what `git ls-tree -r` says at every revision, whatever order the revisions are asked in; and what is derived from
the set of paths is computed once per distinct set."""

from __future__ import annotations

from pathlib import Path

from reviewtui.repository import Repository
from reviewtui.rules.context import ScanContext
from tests.gitrepo import GitRepo
from tests.procs import forked_report


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


# -- files at a commit: the context's own cat-file, read ahead in one request ------------------------------------


def odd_history(tmp_path: Path) -> tuple[GitRepo, list[str], list[str]]:
    """Two commits whose files differ in content under the same names, with names git's batch protocol finds odd."""
    repo, revs = history(tmp_path)
    names = ["src/app.py", "données", "link", "vendor/sub", "lib/app.py", "a b.txt", "tab\tname.txt", "cr\rname.txt",
             "-dash.py", "deep/er/still/x.py", "missing.py", "src", ""]  # fmt: skip
    for round_ in range(2):
        for name in ("a b.txt", "tab\tname.txt", "cr\rname.txt", "-dash.py", "deep/er/still/x.py"):
            repo.write(name, f"{name} {round_}\n" * (1 + round_ * 5000))
        revs.append(repo.commit(f"odd names {round_}"))
    return repo, revs, names


def test_reads_are_what_the_repository_reads_at_every_revision(tmp_path: Path) -> None:
    repo, revs, names = odd_history(tmp_path)
    reference = Repository(repo.path)
    expected = {(rev, name): reference.show_file(rev, name) for rev in revs for name in names}
    assert expected[(revs[-1], "a b.txt")] != expected[(revs[-2], "a b.txt")]
    assert expected[(revs[-1], "src")] is None and expected[(revs[-1], "vendor/sub")] is None
    for ahead in (False, True):
        context = ScanContext(Repository(repo.path))
        for rev in revs:
            if ahead:
                context.read_ahead(rev, names)
            for name in names:
                assert context.read(rev, name) == expected[(rev, name)], (rev, name, ahead)
        # Listed after reading: the memo by blob id takes over and still answers each revision with its own file.
        for rev in reversed(revs):
            context.tree(rev)
            for name in names:
                assert context.read(rev, name) == expected[(rev, name)], (rev, name)


def test_a_read_ahead_holds_files_for_their_revision_only(tmp_path: Path) -> None:
    repo, revs, _ = odd_history(tmp_path)
    context = ScanContext(Repository(repo.path))
    old, new = revs[-2], revs[-1]
    context.read_ahead(old, ["a b.txt", "-dash.py"])
    assert context.read(new, "a b.txt") == b"a b.txt 1\n" * 5001
    assert context.read(old, "a b.txt") == b"a b.txt 0\n"
    assert context.read(new, "-dash.py") == b"-dash.py 1\n" * 5001


def test_reads_survive_the_batch_process_dying(tmp_path: Path) -> None:
    """A git that exits mid-run ends the batch: every later read goes through the repository, with the same bytes."""
    repo, revs, names = odd_history(tmp_path)
    reference = Repository(repo.path)
    context = ScanContext(Repository(repo.path))
    assert context.read(revs[1], "src/app.py") == b"x = 1\n"
    reader = context._reader
    assert reader is not None and reader._process is not None
    reader._process.kill()
    reader._process.wait()
    context.read_ahead(revs[-1], names)
    for name in names:
        assert context.read(revs[-1], name) == reference.show_file(revs[-1], name), name
    assert reader._broken


def test_a_read_ahead_of_a_name_that_is_not_a_commit_id_reads_nothing_wrong(tmp_path: Path) -> None:
    repo, revs, _ = odd_history(tmp_path)
    context = ScanContext(Repository(repo.path))
    context.read_ahead("HEAD", ["a b.txt"])
    context.read_ahead("no-such-revision", ["a b.txt"])
    assert context.read("no-such-revision", "a b.txt") is None
    assert context.read(revs[-1], "a b.txt") == b"a b.txt 1\n" * 5001
    assert ScanContext().read(revs[-1], "a b.txt") is None  # no repository: nothing


def test_a_read_ahead_larger_than_a_pipe_is_answered_in_order(tmp_path: Path) -> None:
    """Requests go out in chunks that fit a pipe while git's answers (far larger) are read: no deadlock, and each
    answer goes to its own file."""
    repo = GitRepo(tmp_path / "repo")
    names = [f"pkg/{'n' * 60}{i:04}.py" for i in range(400)]
    for i, name in enumerate(names):
        repo.write(name, f"# file {i}\n" + "x" * 2000 + "\n")
    rev = repo.commit("many files")
    context = ScanContext(Repository(repo.path))
    calls: list[int] = []
    reader_read = type(context)._fetch

    def counted(self: ScanContext, rev: str, paths: list[str]) -> dict[str, bytes | None]:
        calls.append(len(paths))
        return reader_read(self, rev, paths)

    context._fetch = counted.__get__(context)  # type: ignore[method-assign]
    context.read_ahead(rev, names)
    assert calls == [400]
    for i, name in enumerate(names):
        assert context.read(rev, name) == f"# file {i}\n".encode() + b"x" * 2000 + b"\n"
    assert calls == [400]  # every read was answered from the read-ahead


def test_a_forked_child_lets_go_of_the_parents_cat_file(tmp_path: Path) -> None:
    """Workers are forked while the main process's batch may be running: the child drops its copy of the pipe at
    once (and reads through a git of its own), so the parent's git sees the end of its input when the parent
    closes it and exits cleanly."""
    repo, revs, _ = odd_history(tmp_path)
    context = ScanContext(Repository(repo.path))
    assert context.read(revs[1], "src/app.py") == b"x = 1\n"
    reader = context._reader
    assert reader is not None and reader._process is not None
    process = reader._process

    def report() -> bytes:  # the worker: what it holds and what it reads
        held = b"kept" if reader._process is not None else b"dropped"
        read = context.read(revs[-1], "a b.txt") == b"a b.txt 1\n" * 5001
        return held + (b" read" if read else b" wrong")

    with forked_report(report) as said:
        assert said == b"dropped read"
        reader.close()
        assert process.returncode == 0, "git ended by the end of its input, not killed"
