"""Adversarial review of the queue memo's state (`reviewtui/memo.py`): inputs a queue's answer depends on.

Each test fills the memo with `reviewtui queue --json`, moves one input, and asks again: the answer must be the one
`--no-cache` works out from nothing. A test marked `xfail(strict=True)` proves a stale answer: "memo gap" when the
memo's state misses the input, "cache gap" when the memo misses correctly but the run behind it takes a stale entry
from the analysis, summary or history caches (keyed by commit ids, blind to what changes a commit's diff or history
without changing its id). When the gap is closed the xfail turns into a failure and the mark goes. The others
document inputs `tests/test_memo.py` does not exercise and the memo does cover.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from reviewtui.memo import FOLDER
from tests.gitrepo import GitRepo
from tests.test_cli import run

PRINTS = """
[[rule]]
id = "org-no-print"
title = "print() left in code"
severity = "{severity}"
scope = "added"
pattern = '\\bprint\\('
message = "print() call added"
"""


@pytest.fixture
def pulls(tmp_path: Path) -> GitRepo:
    """main with one commit and one agent branch that adds a print call."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("lib/a.py", "def f():\n    return 1\n")
    repo.commit("Add a")
    repo.checkout("ai/one", new=True)
    repo.write("lib/a.py", "def f():\n    print('x')\n    return 1\n")
    repo.commit("Print", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    return repo


def ask(where: Path, *extra: str, cwd: Path | None = None) -> tuple[int, str]:
    """Exit code and stdout of `queue --json` (the memo answers it when it can)."""
    result = run("queue", "--repo", str(where), "--json", *extra, cwd=cwd)
    return result.returncode, result.stdout


def fresh(where: Path, *extra: str, cwd: Path | None = None) -> tuple[int, str]:
    return ask(where, "--no-cache", *extra, cwd=cwd)


def kept(where: Path, *extra: str, cwd: Path | None = None) -> tuple[int, str]:
    """Fill the memo (and check that it kept an answer: a test of a gap needs one to go stale)."""
    answer = ask(where, *extra, cwd=cwd)
    assert answer[0] == 0
    assert memo_files(where, cwd=cwd), "the memo kept nothing: this test would prove nothing"
    return answer


def memo_files(where: Path, *, cwd: Path | None = None) -> list[Path]:
    common = subprocess.run(
        ["git", "-C", str(where), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True, text=True, check=True, cwd=cwd,
    ).stdout.strip()
    return sorted((Path(common) / FOLDER).rglob("*.memo"))


def added(answer: tuple[int, str]) -> list[int]:
    return [change["stats"]["added"] for change in json.loads(answer[1])]


# -- files read from the work tree, the index and the git dir ------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="memo gap: .gitattributes below the top folder (and no cache key has them)")
def test_a_nested_gitattributes_file(pulls: GitRepo) -> None:
    """git reads every `.gitattributes` of the work tree for the diffs it prints (reviewtui runs git there), and
    `-diff` turns a file's patch into "Binary files differ": the change then counts no lines and no findings."""
    first = kept(pulls.path)
    pulls.write("lib/.gitattributes", "*.py -diff\n")
    assert added(fresh(pulls.path)) == [0] != added(first), "the attribute changes what the queue says"
    assert ask(pulls.path) == fresh(pulls.path)


@pytest.mark.xfail(strict=True, reason="memo gap: .gitattributes in the index (and no cache key has them)")
def test_a_gitattributes_file_only_in_the_index(pulls: GitRepo) -> None:
    """Without a work-tree `.gitattributes`, git takes the one in the index: the memo hashes the work-tree file
    (absent both times) and never the index."""
    first = kept(pulls.path)
    blob = _blob(pulls)
    pulls.git("update-index", "--add", "--cacheinfo", f"100644,{blob},.gitattributes")
    assert not (pulls.path / ".gitattributes").exists()
    assert added(fresh(pulls.path)) == [0] != added(first)
    assert ask(pulls.path) == fresh(pulls.path)


def _blob(repo: GitRepo) -> str:
    """A `*.py -diff` blob written to the object store (no work-tree file)."""
    return subprocess.run(
        ["git", "-C", str(repo.path), "hash-object", "-w", "--stdin"],
        input=b"*.py -diff\n", capture_output=True, check=True,
    ).stdout.decode().strip()


@pytest.mark.xfail(strict=True, reason="memo gap: a configured patch folder that was empty (nothing from patches)")
def test_a_patch_added_to_a_configured_folder_that_was_empty(pulls: GitRepo) -> None:
    """`[queue] patches` names a folder; while it is empty every change comes from git, so the answer is kept, and a
    patch dropped into the folder later is a new change the memo does not see."""
    pulls.write(".reviewtui/config.toml", '[queue]\npatches = ["incoming"]\n')
    (pulls.path / "incoming").mkdir()
    kept(pulls.path)
    patch = pulls.git("format-patch", "-1", "--stdout", "ai/one")
    pulls.write("incoming/x.patch", patch + "\n")
    assert len(json.loads(fresh(pulls.path)[1])) == 2
    assert ask(pulls.path) == fresh(pulls.path)


@pytest.mark.xfail(strict=True, reason="memo gap: objects/info/alternates is not part of the state")
def test_alternates_removed(tmp_path: Path, pulls: GitRepo) -> None:
    """A `clone --shared` reads its objects from the other repository (`objects/info/alternates`): without them the
    refs are unchanged (same state) but git can read none of the commits, and the fresh answer says so."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--shared", str(pulls.path), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "branch", "-q", "ai/one", "origin/ai/one"], check=True)
    first = kept(clone)
    assert added(first) == [1]
    (clone / ".git" / "objects" / "info" / "alternates").unlink()
    assert fresh(clone) != first
    assert ask(clone) == fresh(clone)


@pytest.mark.parametrize("where", [".gitattributes", ".git/info/attributes"])
@pytest.mark.xfail(strict=True, reason="cache gap: attributes are in no key of the analysis and summary caches")
def test_attributes_the_memo_hashes(pulls: GitRepo, where: str) -> None:
    """The memo hashes these two files and so misses; but the run that follows takes the analysis (and diff
    summary) of the same commits from the caches, which were made under the old attributes."""
    first = kept(pulls.path)
    pulls.write(where, "*.py -diff\n")
    assert added(fresh(pulls.path)) == [0] != added(first)
    assert ask(pulls.path) == fresh(pulls.path)


@pytest.mark.xfail(strict=True, reason="cache gap: replace refs change a commit's content under the same commit id")
def test_a_replace_ref(pulls: GitRepo) -> None:
    """`git replace` swaps a commit's content for another's wherever git reads it. The memo misses (a new ref), but
    the analysis cache is keyed by commit ids, title, dates and agent: a replacement that keeps those (here: same
    message, author and dates, two print calls instead of one) is answered with the old analysis."""
    first = kept(pulls.path)
    head = pulls.git("rev-parse", "ai/one")
    pulls.checkout("other", new=True)
    pulls.write("lib/a.py", "def f():\n    print('x')\n    print('y')\n    return 1\n")
    other = pulls.commit("Print", author=("Claude", "noreply@anthropic.com"), date=_date(pulls, head))
    pulls.checkout("main")
    pulls.git("branch", "-D", "other")
    pulls.git("replace", head, other)
    assert added(fresh(pulls.path)) == [2] != added(first)
    assert ask(pulls.path) == fresh(pulls.path)


@pytest.mark.xfail(strict=True, reason="cache gap: grafts change the base's history under the same tip commit id")
def test_grafts_that_cut_the_base_history(tmp_path: Path) -> None:
    """The memo hashes `info/grafts` (and `shallow`) and misses; but the history index (history store) and the
    analyses are keyed by the base's tip id, and the history they count (the file's earlier changes) is not the
    history git now walks."""
    repo = GitRepo(tmp_path / "repo")
    for n in range(5):
        repo.write("lib/a.py", f"def f():\n    return {n}\n")
        repo.commit(f"Tune {n}")
    repo.checkout("ai/one", new=True)
    repo.write("lib/a.py", "def f():\n    print('x')\n    return 1\n")
    repo.commit("Print", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    first = kept(repo.path)
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "grafts").write_text(repo.head() + "\n")
    assert _scores(fresh(repo.path)) != _scores(first)
    assert ask(repo.path) == fresh(repo.path)


def _scores(answer: tuple[int, str]) -> list[float]:
    return [change["score"] for change in json.loads(answer[1])]


def _date(repo: GitRepo, commit: str) -> str:
    return repo.git("log", "-1", "--format=%cI", commit)


# -- central packs -------------------------------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="memo gap: a central pack path is recorded resolved (symlinks followed)")
def test_a_central_pack_behind_a_symlink_that_moves(pulls: GitRepo, tmp_path: Path) -> None:
    """Packs deployed as `packs/current -> v1` and switched to `v2`: config.py resolves the configured path, so the
    memo re-checks v1 (unchanged) while a fresh run compiles v2."""
    packs = tmp_path / "packs"
    for version, severity in (("v1", "low"), ("v2", "critical")):
        (packs / version).mkdir(parents=True)
        (packs / version / "org.toml").write_text(PRINTS.format(severity=severity))
    current = packs / "current"
    current.symlink_to("v1")
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "reviewtui" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(f'[rules]\ncentral = ["{current}"]\n')
    first = kept(pulls.path)
    assert json.loads(first[1])[0]["findings"]["low"] == 1
    current.unlink()
    current.symlink_to("v2")
    assert json.loads(fresh(pulls.path)[1])[0]["findings"]["critical"] == 1
    assert ask(pulls.path) == fresh(pulls.path)


# -- trust in the memo file ------------------------------------------------------------------------------------------


@pytest.mark.xfail(strict=True, reason="memo gap: entries are not authenticated; a forged verdict is printed")
def test_a_forged_entry_with_matching_digests(pulls: GitRepo) -> None:
    """The analysis cache never keeps approvals ("always read live": they are verified with ssh-keygen), but the
    memo keeps the whole answer. Whoever can write the git dir (a shared repository, a compromised tool) can compute
    the state digest and the answer's digests as well as reviewtui: the queue then shows any verdict."""
    kept(pulls.path)
    (path,) = memo_files(pulls.path)
    data = path.read_bytes()
    end = data.index(b"\n")
    header = json.loads(data[:end])
    answer = data[end + 1 : end + 1 + header["json"][0]]
    table = data[end + 1 + header["json"][0] :]
    summaries = json.loads(answer)
    summaries[0]["approvals"]["satisfied"] = True
    forged = json.dumps(summaries, ensure_ascii=True).encode() + b"\n"
    header["json"] = [len(forged), hashlib.sha256(forged).hexdigest()]
    path.write_bytes(json.dumps(header).encode() + b"\n" + forged + table)
    assert ask(pulls.path) == fresh(pulls.path)


@pytest.mark.xfail(strict=True, reason="memo gap: the header's central paths are read unchecked (a FIFO blocks)")
def test_a_central_path_planted_in_an_entry_header(pulls: GitRepo, tmp_path: Path) -> None:
    """No digest covers the header's `central` list, and `recall` reads every path it names before giving the answer:
    an entry edited to name a FIFO makes every later queue wait forever (here a writer lets it go on), `/dev/zero`
    makes it read without end. Only paths the run itself compiled, as regular files, should ever be read."""
    kept(pulls.path)
    (path,) = memo_files(pulls.path)
    data = path.read_bytes()
    end = data.index(b"\n")
    header = json.loads(data[:end])
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    header["central"] = [[[str(fifo)], "0" * 64]]
    path.write_bytes(json.dumps(header).encode() + data[end:])
    opened = threading.Event()

    def release() -> None:
        with fifo.open("wb"):  # returns once a reader opened the FIFO: without one, that reader would wait forever
            opened.set()

    writer = threading.Thread(target=release, daemon=True)
    writer.start()
    try:
        answer = ask(pulls.path)
        read_by_memo = opened.is_set()
    finally:
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader for the writer, however far it got
        writer.join()
        os.close(reader)
    assert not read_by_memo, "the memo opened a FIFO named by the entry it was reading"
    assert answer == fresh(pulls.path)


@pytest.mark.xfail(strict=True, reason="memo gap: rev-parse output split with splitlines (a newline in the path)")
def test_a_repository_path_with_a_newline(tmp_path: Path) -> None:
    """`_read_state` splits git's answer with `splitlines`, so `/x/a<LF>b` gives the git dir `/x/a` and the common
    dir `b/.git`: the memo's store is then a folder relative to the current directory, which the daily prune
    walks (deleting old entries) and marks. No answer is kept (the top differs from the loader's root), so nothing
    stale is printed, but the memo must not touch a folder outside the repository."""
    repo = GitRepo(tmp_path / "a\nb")
    repo.checkout("ai/one", new=True)
    repo.write("x.py", "X = 1\n")
    repo.commit("X")
    repo.checkout("main")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "b" / ".git" / FOLDER).mkdir(parents=True)
    assert ask(repo.path, cwd=elsewhere) == fresh(repo.path, cwd=elsewhere)
    assert [p for p in (elsewhere / "b").rglob("*") if p.is_file()] == []


# -- covered: inputs tests/test_memo.py does not exercise ----------------------------------------------------------


def test_a_linked_worktree_keeps_its_own_answer(pulls: GitRepo, tmp_path: Path) -> None:
    """Two work trees share one git common dir (and one memo folder) but not their `.reviewtui/config.toml`: each
    question is answered for its own work tree."""
    tree = tmp_path / "tree"
    pulls.git("worktree", "add", "-q", "--detach", str(tree), "main")
    (tree / ".reviewtui").mkdir()
    (tree / ".reviewtui" / "config.toml").write_text('[queue]\nbranches = ["none/*"]\n')
    main_answer, tree_answer = kept(pulls.path), kept(tree)
    assert json.loads(tree_answer[1]) == [] != json.loads(main_answer[1])
    assert len(memo_files(pulls.path)) == 2
    assert ask(pulls.path) == main_answer == fresh(pulls.path)
    assert ask(tree) == tree_answer == fresh(tree)


def test_each_order_is_its_own_question(pulls: GitRepo) -> None:
    pulls.checkout("ai/two", new=True)
    pulls.write("lib/b.py", "import subprocess\nsubprocess.call('x', shell=True)\n")
    pulls.commit("Shell", date="2025-01-01T00:00:00+00:00")
    pulls.checkout("main")
    by_score = kept(pulls.path)
    assert ask(pulls.path, "--sort", "age") == fresh(pulls.path, "--sort", "age") != by_score


def test_a_relative_repo_asked_from_another_folder(pulls: GitRepo, tmp_path: Path) -> None:
    """`--repo .` names another repository in each folder it is asked from: the key holds the resolved path."""
    other = GitRepo(tmp_path / "other")
    kept(Path("."), cwd=pulls.path)
    assert ask(Path("."), cwd=other.path) == fresh(Path("."), cwd=other.path) == (0, "[]\n")
