"""The queue memo (`reviewtui/memo.py`): a kept answer is given only while nothing it was made from has moved.

Every test runs the real CLI on a real repository and compares against `--no-cache` (the answer worked out from
nothing): a memo that missed one of its inputs would print the old answer, and these tests would see it.
"""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.memo import FOLDER, Answer, Question, QueueMemo
from reviewtui.seal import unseal
from tests.entries import sealed
from tests.gitrepo import GitRepo
from tests.test_cache import PACK
from tests.test_cli import run

PRINTS = PACK.replace("no-print", "org-no-print")
"""A central pack: the analysis cache tests' rule under another id."""


def with_a_print(path: Path) -> tuple[GitRepo, str]:
    """A repository whose main has `lib/a.py`, and an agent's branch `ai/one` that adds a print call to it."""
    repo = GitRepo(path)
    repo.write("lib/a.py", "def f():\n    return 1\n")
    repo.commit("Add a")
    repo.checkout("ai/one", new=True)
    repo.write("lib/a.py", "def f():\n    print('x')\n    return 1\n")
    head = repo.commit("Print", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    return repo, head


@pytest.fixture
def pulls(tmp_path: Path) -> GitRepo:
    """main with two commits and two PR refs (one adds a print call)."""
    repo, head = with_a_print(tmp_path / "repo")
    repo.update_ref("refs/pull/1/head", head)
    repo.checkout("ai/two", new=True)
    repo.write("lib/b.py", "import subprocess\nsubprocess.call('x', shell=True)\n")
    repo.update_ref("refs/pull/2/head", repo.commit("Shell"))
    repo.checkout("main")
    return repo


def queue(repo: GitRepo, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run("queue", "--repo", str(repo.path), *extra)
    assert result.returncode == 0, result.stderr
    return result


def memo_files(repo: GitRepo) -> list[Path]:
    return sorted((repo.path / ".git" / FOLDER).rglob("*.memo"))


def stamp(repo: GitRepo) -> list[tuple[int, int]]:
    """Identity and time of each memo file: a run that worked the answer out replaces its file, a hit does not."""
    return [(p.stat().st_ino, p.stat().st_mtime_ns) for p in memo_files(repo)]


def fresh(repo: GitRepo, *extra: str) -> str:
    return queue(repo, "--json", "--no-cache", *extra).stdout


def test_a_question_asked_again_is_answered_from_the_memo(pulls: GitRepo) -> None:
    first = queue(pulls, "--json")
    assert len(memo_files(pulls)) == 1
    before = stamp(pulls)
    again = queue(pulls, "--json")
    assert again.stdout == first.stdout == fresh(pulls)
    assert stamp(pulls) == before, "a hit reads the memo and writes nothing"
    assert again.stderr == "reviewtui: 2 pending change(s) in 1 repository\n"
    table, kept_table = queue(pulls), queue(pulls)
    assert kept_table.stdout == table.stdout and "Print" in table.stdout and "AGE" in table.stdout


def test_a_hit_loads_none_of_the_analysis_code(pulls: GitRepo) -> None:
    """The point of the memo is the time a warm queue takes; most of it was importing what a hit does not need."""
    queue(pulls, "--json")
    probe = (
        "import sys; from reviewtui.cli import main; code = main(sys.argv[1:]); "
        "sys.stderr.write('loaded=' + ','.join(m for m in ('reviewtui.analysis', 'reviewtui.queue', 'git', "
        "'textual', 'dataclasses') if m in sys.modules)); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, "queue", "--repo", str(pulls.path), "--json"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert result.stderr.endswith("loaded="), result.stderr
    assert result.stdout == fresh(pulls)


def test_every_input_moved_gives_the_fresh_answer(pulls: GitRepo, tmp_path: Path) -> None:
    """Each step moves one input the answer depends on; each time the memo must give way to the fresh answer."""
    def moved() -> str:
        before = stamp(pulls)
        answer = queue(pulls, "--json").stdout
        assert stamp(pulls) != before, "the memo was not replaced: it answered for a state that moved"
        assert answer == fresh(pulls)
        return answer

    answers = [queue(pulls, "--json").stdout]
    # A new pull request.
    pulls.checkout("ai/three", new=True)
    pulls.write("lib/c.py", "X = 1\n")
    pulls.update_ref("refs/pull/3/head", pulls.commit("Three"))
    pulls.checkout("main")
    answers.append(moved())
    # A note on a commit (where signed decisions live), a ref no source lists.
    pulls.git("notes", "--ref=reviewtui", "add", "-m", "not a decision", pulls.git("rev-parse", "refs/pull/3/head"))
    moved()
    # The work tree's configuration: stop listing pull refs.
    pulls.write(".reviewtui/config.toml", "[queue]\npull_refs = false\n")
    answers.append(moved())
    (pulls.path / ".reviewtui" / "config.toml").unlink()
    # The reviewer's own file: a central pack that flags print calls.
    central = tmp_path / "central"
    central.mkdir()
    (central / "org.toml").write_text(PRINTS)
    user = Path(os.environ["XDG_CONFIG_HOME"]) / "reviewtui" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(f'[rules]\ncentral = ["{central}"]\n')
    answers.append(moved())
    # The central pack itself, found only while the queue ran.
    (central / "org.toml").write_text(PRINTS.replace('"low"', '"critical"'))
    answers.append(moved())
    # git's configuration.
    pulls.git("config", "core.abbrev", "9")
    moved()
    assert len(set(answers)) == len(answers), "every step above changes what the queue says"


def test_a_commit_range_follows_its_ends(pulls: GitRepo) -> None:
    first = queue(pulls, "--json", "--commits", "HEAD~1..HEAD").stdout
    assert queue(pulls, "--json", "--commits", "HEAD~1..HEAD").stdout == first
    pulls.write("lib/d.py", "Y = 2\n")
    pulls.commit("Dee")
    after = queue(pulls, "--json", "--commits", "HEAD~1..HEAD").stdout
    assert after != first and after == fresh(pulls, "--commits", "HEAD~1..HEAD")
    assert [c["title"] for c in json.loads(after)] == ["Dee"]


@pytest.mark.parametrize("change", ["GIT_NOTES_REF", "ssh-keygen upgraded"])
def test_the_environment_is_part_of_the_question(pulls: GitRepo, tmp_path: Path, change: str) -> None:
    """git reads its environment, and `ssh-keygen` judges the signatures: another of either is another state."""
    tools = tmp_path / "bin"
    tools.mkdir()
    keygen = tools / "ssh-keygen"
    keygen.write_text(f'#!/bin/sh\nexec {shutil.which("ssh-keygen")} "$@"\n')
    keygen.chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}

    def answer(environment: dict[str, str]) -> str:
        return subprocess.run(
            [sys.executable, "-m", "reviewtui", "queue", "--repo", str(pulls.path), "--json"],
            capture_output=True, text=True, timeout=60, check=True, env=environment,
        ).stdout

    answer(env)
    before = stamp(pulls)
    assert answer(env) and stamp(pulls) == before, "the same environment gives a hit"
    if change == "GIT_NOTES_REF":
        env["GIT_NOTES_REF"] = "refs/notes/elsewhere"
    else:
        keygen.write_text(keygen.read_text() + "# 10.0p1\n")
    assert answer(env) == fresh(pulls)
    assert stamp(pulls) != before


@pytest.mark.parametrize(
    "setup",
    ["time-bound signers", "patch folder", "no cache", "workspace"],
)
def test_answers_that_could_go_stale_are_never_kept(pulls: GitRepo, tmp_path: Path, setup: str) -> None:
    """Kept answers would be wrong later: a verdict `ssh-keygen` checks against the clock, a patch file (not a
    commit), a second repository; and `--no-cache` neither reads nor writes."""
    extra: tuple[str, ...] = ()
    if setup == "time-bound signers":
        line = 'alice@example.com valid-before="20991231" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0ZmFrZWtleWZha2VrZXk\n'
        pulls.write(".reviewtui/allowed_signers", line)
        pulls.commit("Signers")
    elif setup == "patch folder":
        pulls.write(".reviewtui/config.toml", '[queue]\npatches = ["incoming"]\n')
        pulls.write("incoming/x.patch", pulls.git("format-patch", "-1", "--stdout", "refs/pull/1/head"))
    elif setup == "no cache":
        extra = ("--no-cache",)
    else:
        other = GitRepo(tmp_path / "other")
        other.checkout("ai/x", new=True)
        other.write("x.py", "X = 1\n")
        other.update_ref("refs/pull/9/head", other.commit("Other"))
        other.checkout("main")
        pulls.write(".reviewtui/config.toml", f'[workspace]\nrepos = ["{other.path}"]\n')
    queue(pulls, "--json", *extra)
    assert memo_files(pulls) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other-state", "answer-edited", "not-ascii", "table"])
def test_a_damaged_or_forged_memo_is_ignored(pulls: GitRepo, damage: str) -> None:
    """Damage breaks the seal; entries sealed with the reviewer's own key (as only reviewtui can) must still hold
    an answer for this state, in ASCII, with rows of text."""
    queue(pulls, "--json")
    (path,) = memo_files(pulls)
    data = path.read_bytes()
    header, answer, table = _read(path)
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not a memo")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) - 10])
    elif damage == "other-state":
        header["state"] = "0" * 64
        _write(path, header, answer, table)
    elif damage == "answer-edited":  # the seal is not recomputed: no key
        path.write_bytes(data.replace(b"Print", b"Trust"))
    elif damage == "not-ascii":
        _write(path, header, b'[{"title": "\xe2\x80\xae"}]\n', table)
    else:
        _write(path, header, answer, b'{"rows": [[1]], "created": [null]}')
    assert queue(pulls, "--json").stdout == fresh(pulls)
    assert queue(pulls).stdout == queue(pulls, "--no-cache").stdout


def test_a_forged_answer_never_reaches_a_terminal_as_control_sequences(pulls: GitRepo) -> None:
    """ASCII and sealed, but an escape sequence inside: a terminal gets the fresh answer instead."""
    queue(pulls, "--json")
    (path,) = memo_files(pulls)
    header, _, table = _read(path)
    _write(path, header, b'[{"title": "\x1b]0;owned\x07\x1b[2J"}]\n', table)
    primary, secondary = pty.openpty()
    try:
        process = subprocess.run(
            [sys.executable, "-m", "reviewtui", "queue", "--repo", str(pulls.path), "--json"],
            stdout=secondary, stderr=subprocess.PIPE, timeout=60, check=True,
        )
        os.close(secondary)
        shown = _drain(primary)
    finally:
        os.close(primary)
    assert b"\x1b" not in shown, process.stderr
    assert json.loads(shown.replace(b"\r\n", b"\n")) == json.loads(fresh(pulls))


def test_an_answer_is_not_kept_when_the_state_moved_while_it_was_worked_out(pulls: GitRepo) -> None:
    memo = QueueMemo(Question(pulls.path, None, "score"))
    answer = Answer(b"[]\n", [], [], "0 pending change(s) in 1 repository", "")
    pulls.update_ref("refs/pull/8/head", pulls.head())  # a ref moved during the run
    assert not memo.keep(answer, [])
    assert memo_files(pulls) == []
    settled = QueueMemo(Question(pulls.path, None, "score"))
    assert settled.keep(answer, [])
    assert QueueMemo(Question(pulls.path, None, "score")).recall() == answer


def test_an_answer_is_not_kept_when_a_central_pack_moved_while_it_was_worked_out(
    pulls: GitRepo, tmp_path: Path
) -> None:
    central = tmp_path / "central"
    central.mkdir()
    (central / "org.toml").write_text(PRINTS)
    from reviewtui.rules.central import digest_on_disk

    compiled = digest_on_disk([str(central)])
    assert compiled is not None
    memo = QueueMemo(Question(pulls.path, None, "score"))
    answer = Answer(b"[]\n", [], [], "summary", "")
    (central / "org.toml").write_text(PRINTS.replace("low", "high"))
    assert not memo.keep(answer, [((str(central),), compiled)])
    assert memo.keep(answer, [((str(central),), digest_on_disk([str(central)]) or "")])
    (central / "new.toml").write_text(PRINTS.replace("org-no-print", "org-two"))
    assert QueueMemo(Question(pulls.path, None, "score")).recall() is None, "a pack added to the folder counts"


def _read(path: Path) -> tuple[dict[str, object], bytes, bytes]:
    """An entry's header, answer and table (after the seal line)."""
    body = unseal(path.read_bytes())
    assert body is not None
    end = body.index(b"\n")
    header = json.loads(body[:end])
    size = header["json"]
    return header, body[end + 1 : end + 1 + size], body[end + 1 + size :]


def _write(path: Path, header: dict[str, object], answer: bytes, table: bytes) -> None:
    """An entry sealed with the reviewer's own key, as reviewtui seals them: only the content checks can refuse it."""
    header["json"] = len(answer)
    path.write_bytes(sealed(json.dumps(header).encode() + b"\n" + answer + table))


def _drain(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO once the other side is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_file_of_the_state_that_cannot_be_read_keeps_nothing(pulls: GitRepo) -> None:
    """A state file that is there but unreadable (here a symlink loop; the suite runs as root, so permissions
    would not stop a read) is not the same state as an absent one: no answer may stand for it."""
    config = pulls.path / ".reviewtui" / "config.toml"
    config.parent.mkdir()
    config.symlink_to(config)
    queue(pulls, "--json")
    assert memo_files(pulls) == []
