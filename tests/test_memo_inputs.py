"""Adversarial review of the queue memo's state (`reviewtui/memo.py`): inputs a queue's answer depends on.

Each test fills the memo with `reviewtui queue --json`, moves one input, and asks again: the answer must be the one
`--no-cache` works out from nothing. Every test here proved a stale answer when it was written ("memo gap": the
memo's state missed the input; "cache gap": the memo missed correctly but the run behind it took a stale entry from
the analysis, summary or history caches, keyed by commit ids and blind to what changes a commit's diff or history
without changing its id), except the last three, which document inputs `tests/test_memo.py` does not exercise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from reviewtui.memo import FOLDER
from tests.gitrepo import GitRepo
from tests.test_cli import run
from tests.test_memo import PRINTS, with_a_print


@pytest.fixture
def pulls(tmp_path: Path) -> GitRepo:
    """main with one commit and one agent branch that adds a print call."""
    return with_a_print(tmp_path / "repo")[0]


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


def test_a_nested_gitattributes_file_changes_no_diff(pulls: GitRepo) -> None:
    """git reads every `.gitattributes` of the work tree it runs in, and `-diff` turns a file's patch into "Binary
    files differ" (no lines, no findings): a checkout, or a branch an agent committed, must not hide a change. git
    runs in an empty folder instead (`repository._no_work_tree`), so the answer stays a function of the commits."""
    first = kept(pulls.path)
    pulls.write("lib/.gitattributes", "*.py -diff\n")
    assert added(first) == [1]
    assert fresh(pulls.path) == first
    assert ask(pulls.path) == first


def test_a_gitattributes_file_only_in_the_index_changes_no_diff(pulls: GitRepo) -> None:
    """Without a work-tree `.gitattributes`, git takes the one in the index: not from reviewtui's empty folder."""
    first = kept(pulls.path)
    blob = _blob(pulls)
    pulls.git("update-index", "--add", "--cacheinfo", f"100644,{blob},.gitattributes")
    assert not (pulls.path / ".gitattributes").exists()
    assert fresh(pulls.path) == first
    assert ask(pulls.path) == first


def _blob(repo: GitRepo) -> str:
    """A `*.py -diff` blob written to the object store (no work-tree file)."""
    return subprocess.run(
        ["git", "-C", str(repo.path), "hash-object", "-w", "--stdin"],
        input=b"*.py -diff\n", capture_output=True, check=True,
    ).stdout.decode().strip()


def test_a_patch_added_to_a_configured_folder_that_was_empty(pulls: GitRepo) -> None:
    """`[queue] patches` names a folder; while it is empty every change comes from git, so the answer is kept, and a
    patch dropped into the folder later is a new change the memo does not see."""
    pulls.write(".reviewtui/config.toml", '[queue]\npatches = ["incoming"]\n')
    (pulls.path / "incoming").mkdir()
    assert ask(pulls.path)[0] == 0
    assert memo_files(pulls.path) == [], "a configured patch folder is looked in: no answer may be kept"
    patch = pulls.git("format-patch", "-1", "--stdout", "ai/one")
    pulls.write("incoming/x.patch", patch + "\n")
    assert len(json.loads(fresh(pulls.path)[1])) == 2
    assert ask(pulls.path) == fresh(pulls.path)


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


def test_the_git_dirs_own_attributes(pulls: GitRepo) -> None:
    """`info/attributes` is the one attributes file git still reads: the memo hashes it and misses, and the
    analysis and summary caches (keyed by `Repository.shape`) must miss too."""
    first = kept(pulls.path)
    pulls.write(".git/info/attributes", "*.py -diff\n")
    assert added(fresh(pulls.path)) == [0] != added(first)
    assert ask(pulls.path) == fresh(pulls.path)
    pulls.write(".gitattributes", "*.py -diff\n")  # the work tree's: changes nothing
    (pulls.path / ".git" / "info" / "attributes").unlink()
    assert ask(pulls.path) == fresh(pulls.path) == first


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


def test_a_central_pack_behind_a_symlink_that_moves(pulls: GitRepo, tmp_path: Path) -> None:
    """Packs deployed as `packs/current -> v1` and switched to `v2`: config.py resolves the configured path, so the
    memo re-checks v1 (unchanged) while a fresh run compiles v2."""
    packs = tmp_path / "packs"
    for version, severity in (("v1", "low"), ("v2", "critical")):
        (packs / version).mkdir(parents=True)
        (packs / version / "org.toml").write_text(PRINTS.replace('"low"', f'"{severity}"'))
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


def test_a_forged_entry_with_matching_digests(pulls: GitRepo) -> None:
    """The analysis cache never keeps approvals ("always read live": they are verified with ssh-keygen), but the
    memo keeps the whole answer. Whoever can write the git dir (a shared repository, an agent in the checkout) can
    compute every digest as well as reviewtui, but not the seal: that takes the reviewer's own key."""
    kept(pulls.path)
    (path,) = memo_files(pulls.path)
    header, answer, table = _entry(path)
    summaries = json.loads(answer)
    summaries[0]["approvals"]["satisfied"] = True
    forged = json.dumps(summaries, ensure_ascii=True).encode() + b"\n"
    header["json"] = len(forged)
    _forge(path, header, forged + table)
    assert ask(pulls.path) == fresh(pulls.path)


def _entry(path: Path) -> tuple[dict[str, object], bytes, bytes]:
    body = path.read_bytes().split(b"\n", 1)[1]
    end = body.index(b"\n")
    header = json.loads(body[:end])
    size = header["json"]
    return header, body[end + 1 : end + 1 + size], body[end + 1 + size :]


def _forge(path: Path, header: dict[str, object], rest: bytes) -> None:
    """An entry sealed as a forger would: with every digest right but a key of their own."""
    body = json.dumps(header).encode() + b"\n" + rest
    path.write_bytes(hmac.new(os.urandom(32), body, hashlib.sha256).hexdigest().encode() + b"\n" + body)


def test_a_central_path_planted_in_an_entry_header(pulls: GitRepo, tmp_path: Path) -> None:
    """The header's `central` list names paths `recall` reads before giving the answer. An entry edited to name a
    FIFO would make every later queue wait forever (here a writer lets it go on), `/dev/zero` read without end: the
    seal is checked before anything the entry names is opened."""
    kept(pulls.path)
    (path,) = memo_files(pulls.path)
    header, answer, table = _entry(path)
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    header["central"] = [[[str(fifo)], "0" * 64]]
    _forge(path, header, answer + table)
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
