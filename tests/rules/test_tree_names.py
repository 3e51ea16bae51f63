"""A tree's module names (unknown-import) stepped from a neighbouring tree's must be exactly the names built from
every path: for any sequence of added, removed and renamed paths, and through the scan context over real commits
asked in any order."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.repository import Repository
from reviewtui.rules.checks import imports
from reviewtui.rules.checks.imports import TreeNames
from reviewtui.rules.context import ScanContext
from tests.gitrepo import GitRepo

PY = (".py", ".pyi", ".pyx", ".pxd", ".so", ".pyd")


def reference(tree: frozenset[str], extensions: tuple[str, ...]) -> frozenset[str]:
    """The names as first defined: directory names and module stems of every module path, lower-cased."""
    names: set[str] = set()
    for path in tree:
        parts = path.split("/")
        if parts[-1].endswith(extensions):
            names.add(parts[-1].split(".", 1)[0].lower())
            names.update(part.lower() for part in parts[:-1])
    return frozenset(names)


# Few parts, so that paths share directories and stems (the counts matter) and names collide across case.
_part = st.sampled_from(["pkg", "Pkg", "util", "a", "b", "tests", "", "x.y"])
_leaf = st.builds(
    lambda stem, ext: stem + ext,
    st.sampled_from(["pkg", "util", "Util", "a", "mod", "", "x.y", "__init__"]),
    st.sampled_from([".py", ".pyi", ".so", ".txt", "", ".py.bak", ".PY"]),
)
_path = st.builds(lambda dirs, leaf: "/".join([*dirs, leaf]), st.lists(_part, max_size=3), _leaf)
_operation = st.tuples(st.sampled_from(["add", "remove", "rename"]), _path, st.integers(min_value=0, max_value=1000))


@settings(max_examples=400, deadline=None)
@given(st.frozensets(_path, max_size=12), st.lists(st.lists(_operation, max_size=4), max_size=8))
def test_stepped_names_equal_a_build_after_any_sequence_of_changes(
    start: frozenset[str], commits: list[list[tuple[str, str, int]]]
) -> None:
    tree = set(start)
    names = TreeNames.build(tree, PY)
    assert names.names == reference(frozenset(tree), PY)
    for operations in commits:
        before = frozenset(tree)
        for kind, path, pick in operations:
            existing = sorted(tree)
            if kind == "add":
                tree.add(path)
            elif existing and kind == "remove":
                tree.discard(existing[pick % len(existing)])
            elif existing:  # rename: one path goes, another comes
                tree.discard(existing[pick % len(existing)])
                tree.add(path)
        after = frozenset(tree)
        stepped = names.step(after - before, before - after)
        built = TreeNames.build(after, PY)
        assert stepped.names == built.names == reference(after, PY)
        assert stepped.counts == built.counts
        if built.names == names.names:
            assert stepped.names is names.names  # what was derived from the old set stays shared
        names = stepped


def test_a_name_given_by_two_paths_stays_until_both_are_gone() -> None:
    names = TreeNames.build({"a/util.py", "b/util.py", "util/x.txt"}, PY)
    assert names.names == {"a", "b", "util"}
    one_gone = names.step(frozenset(), frozenset({"a/util.py"}))
    assert one_gone.names == {"b", "util"}
    both_gone = one_gone.step(frozenset(), frozenset({"b/util.py"}))
    assert both_gone.names == frozenset()  # util/x.txt is no module: its folder gives no name
    back = both_gone.step(frozenset({"Util/Util.py"}), frozenset())
    assert back.names == {"util"}


def history(tmp_path: Path, commits: int, seed: int) -> tuple[GitRepo, list[str]]:
    """Commits that add, remove and rename modules (and other files) at random, folders coming and going."""
    repo = GitRepo(tmp_path / "repo")
    rng = random.Random(seed)
    revs = [repo.head()]
    live: list[str] = []
    folders = ["pkg", "pkg/sub", "Pkg", "lib", "vendor/six", "tests", "docs"]
    leaves = ["util", "Util", "core", "__init__", "six", "io.stub", "a"]
    for n in range(commits):
        for _ in range(rng.randint(1, 3)):
            action = rng.random()
            if live and action < 0.3:
                (repo.path / live.pop(rng.randrange(len(live)))).unlink()
            elif live and action < 0.5:
                old = live.pop(rng.randrange(len(live)))
                new = f"{rng.choice(folders)}/{rng.choice(leaves)}{rng.choice(['.py', '.pyi', '.rst'])}"
                if new in live or (repo.path / new).exists() or (repo.path / new).parent.is_file():
                    live.append(old)
                    continue
                (repo.path / new).parent.mkdir(parents=True, exist_ok=True)
                (repo.path / old).rename(repo.path / new)
                live.append(new)
            elif live and action < 0.6:
                repo.write(live[rng.randrange(len(live))], f"changed {n}\n")  # content only: the same set
            else:
                new = f"{rng.choice(folders)}/{rng.choice(leaves)}{rng.choice(['.py', '.pyi', '.so', '.rst', ''])}"
                if new in live or (repo.path / new).exists() or (repo.path / new).parent.is_file():
                    continue
                repo.write(new, f"{n}\n")
                live.append(new)
        revs.append(repo.commit(f"commit {n}", allow_empty=True))
    return repo, revs


def test_the_context_steps_module_names_across_real_commits_in_any_order(tmp_path: Path) -> None:
    repo, revs = history(tmp_path, 40, seed=8)
    builds: list[int] = []
    original = TreeNames.build.__func__  # type: ignore[attr-defined]

    def counted(paths: frozenset[str]) -> TreeNames:
        builds.append(len(paths))
        return TreeNames.build(paths, PY)

    shuffled = list(revs)
    random.Random(3).shuffle(shuffled)
    for order in (revs, revs[::-1], shuffled):
        builds.clear()
        context = ScanContext(Repository(repo.path))
        distinct = set()
        for rev in order:
            value = context.per_tree(rev, ("tree-names", *PY), counted, imports._python_module, TreeNames.step)
            built = original(TreeNames, context.tree(rev), PY)
            assert value.names == built.names == reference(context.tree(rev), PY), rev
            assert value.counts == built.counts, rev
            distinct.add(built.names)
        if order is not shuffled:
            assert len(distinct) > 10  # the history really adds and removes modules
            assert builds == [builds[0]]  # neighbours: every later value was stepped, none rebuilt


def test_names_asked_at_some_heads_only_step_across_the_listings_between(tmp_path: Path) -> None:
    """Another check lists every tree; this one asks at every third: still stepped from the last value, exactly."""
    repo, revs = history(tmp_path, 30, seed=11)
    builds: list[int] = []

    def counted(paths: frozenset[str]) -> TreeNames:
        builds.append(len(paths))
        return TreeNames.build(paths, PY)

    context = ScanContext(Repository(repo.path))
    for index, rev in enumerate(revs):
        context.tree(rev)
        if index % 3 == 0:
            value = context.per_tree(rev, ("tree-names", *PY), counted, imports._python_module, TreeNames.step)
            assert value.names == reference(context.tree(rev), PY), rev
            assert value.counts == TreeNames.build(context.tree(rev), PY).counts, rev
    assert len(builds) == 1


def test_known_python_names_follow_a_module_that_comes_goes_and_is_renamed(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("src/app.py", "x = 1\n")
    first = repo.commit("app")
    repo.write("src/helpers/fancy.py", "y = 1\n")
    added = repo.commit("a helper")
    repo.move("src/helpers/fancy.py", "src/tools/Plain.py")
    renamed = repo.commit("renamed")
    repo.remove("src/tools/Plain.py")
    removed = repo.commit("removed")
    context = ScanContext(Repository(repo.path))
    seen = {rev: imports._Known(context, rev).python() for rev in (first, added, renamed, removed)}
    assert {"helpers", "fancy"} <= seen[added] and not {"helpers", "fancy"} & seen[first]
    assert {"tools", "plain"} <= seen[renamed] and not {"helpers", "fancy"} & seen[renamed]
    assert not {"helpers", "fancy", "tools", "plain"} & seen[removed] and {"src", "app"} <= seen[removed]
