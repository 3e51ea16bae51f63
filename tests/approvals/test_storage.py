"""Where decisions live: git notes written by compare-and-swap, merged line by line between clones, never lost."""

from __future__ import annotations

import multiprocessing
import subprocess
import time
from dataclasses import replace
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path

import pytest

from reviewtui.analysis import Analysis
from reviewtui.approvals import notes
from reviewtui.approvals.notes import NOTES_REF
from reviewtui.approvals.statement import payload_bytes
from reviewtui.journal import Journal
from reviewtui.repository import Repository
from tests.approvals.conftest import Keys
from tests.approvals.kit import (
    Key,
    add_change,
    assert_one_line_error,
    cli,
    decision_for,
    envelope_line,
    load,
    make_shop,
    note_lines,
    record,
    verdict,
)
from tests.gitrepo import GitRepo

CART = {"cart.py": "def total(items):\n    return sum(items)\n"}
ROUNDS = 8
WRITERS = 1
PAUSE = 0.02


def _append(root: str, commit: str, line: str, barrier: Barrier) -> None:
    barrier.wait(timeout=60)
    notes.append_line(Repository(root), commit, line)


def _clone(remote: Path, target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(target)], check=True, capture_output=True)
    return target


def _remote_with_change(tmp_path: Path, keys: Keys) -> tuple[Path, str]:
    """A bare "origin" holding main (with the policy) and one agent branch."""
    origin = make_shop(tmp_path / "work", keys.signers("alice", "bob", "carol"))
    head = add_change(origin, "ai/cart", CART)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(origin.path), str(remote)], check=True, capture_output=True)
    return remote, head


@pytest.mark.slow
def test_concurrent_writers_all_land(tmp_path: Path, keys: Keys) -> None:
    """20 processes released at once: 12 decisions on one change, 4 on another, and one decision written 4 times."""
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    first = add_change(repo, "ai/first", CART)
    second = add_change(repo, "ai/second", {"orders.py": "ORDERS = []\n"})
    on_first, on_second = load(repo.path, "ai/first"), load(repo.path, "ai/second")

    def signed(analysis: Analysis, key: Key, n: int) -> str:
        decision = replace(decision_for(analysis, key.principal), comment=f"decision {n}")
        return envelope_line(payload_bytes(decision), key)

    jobs = [(first, signed(on_first, (keys.alice, keys.bob)[n % 2], n)) for n in range(12)]
    jobs += [(second, signed(on_second, keys.bob, n)) for n in range(4)]
    jobs += [(first, signed(on_first, keys.alice, 99))] * 4
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(jobs))
    workers = [context.Process(target=_append, args=(str(repo.path), c, line, barrier)) for c, line in jobs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * len(jobs)

    assert sorted(note_lines(repo, first)) == sorted({line for c, line in jobs if c == first})
    assert len(note_lines(repo, first)) == 13
    assert sorted(note_lines(repo, second)) == sorted(line for c, line in jobs if c == second)
    assert "refs/notes/reviewtui/tmp/" not in repo.git("for-each-ref", "refs/notes/")
    result = verdict(repo.path, "ai/first")
    assert [r.status for r in result.reviews] == ["counted"] * 13
    assert (result.approvers, result.satisfied) == (("alice@example.com", "bob@example.com"), True)


def test_sync_exchanges_decisions_between_clones(tmp_path: Path, keys: Keys) -> None:
    remote, head = _remote_with_change(tmp_path, keys)
    one = _clone(remote, tmp_path / "one")
    two = _clone(remote, tmp_path / "two")
    record(one, "ai/cart", keys.alice)
    record(two, "ai/cart", keys.bob)
    assert verdict(one, "ai/cart").approvers == ("alice@example.com",)

    pushed = cli("sync", "--repo", str(one))
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith(f"{NOTES_REF}: fetched nothing (the remote has no decisions yet), pushed ")
    merged = cli("sync", "--repo", str(two))
    assert merged.returncode == 0, merged.stderr
    assert cli("sync", "--repo", str(one)).returncode == 0
    synced = [e for e in Journal().entries() if e.action == "sync"]  # each sync is in the reviewer's journal
    assert [(e.get("remote"), Path(str(e.get("repo"))).name) for e in synced] == [
        ("origin", one.name), ("origin", two.name), ("origin", one.name)
    ]

    for clone in (one, two):
        result = verdict(clone, "ai/cart")
        assert (result.approvers, result.satisfied) == (("alice@example.com", "bob@example.com"), True), clone
        assert len(notes.read_lines(Repository(clone), head)) == 2


def test_sync_runs_git_where_the_users_git_would(tmp_path: Path, keys: Keys) -> None:
    """`sync` goes through the repository's own remote and hooks: a relative remote URL resolves against the work
    tree, and a pre-push hook runs in the checkout it expects (reviewtui's diffs run in an empty folder; its
    fetches and pushes must not)."""
    remote, _ = _remote_with_change(tmp_path, keys)
    one = _clone(remote, tmp_path / "one")
    subprocess.run(["git", "-C", str(one), "remote", "set-url", "origin", "../remote.git"], check=True)
    marker = tmp_path / "hook-ran-in"
    hook = one / ".git" / "hooks" / "pre-push"
    hook.write_text(f'#!/bin/sh\ntest -d .git && test -f .reviewtui/policy.toml || exit 1\npwd > "{marker}"\n')
    hook.chmod(0o755)
    record(one, "ai/cart", keys.alice)
    pushed = cli("sync", "--repo", str(one))
    assert pushed.returncode == 0, pushed.stderr
    assert Path(marker.read_text().strip()).resolve() == one.resolve()


def test_sync_retries_when_another_clone_pushes_in_between(tmp_path: Path, keys: Keys) -> None:
    """Bob's clone pushes right after ours fetched (a reference-transaction hook times it): our first push is
    rejected as non-fast-forward, and sync fetches, merges and pushes again."""
    remote, head = _remote_with_change(tmp_path, keys)
    ours, bobs = _clone(remote, tmp_path / "ours"), _clone(remote, tmp_path / "bobs")
    record(bobs, "ai/cart", keys.bob)
    notes.sync(Repository(bobs), "origin")
    record(bobs, "ai/cart", keys.carol)  # not pushed yet
    record(ours, "ai/cart", keys.alice)
    hook = ours / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\n"
        '[ "$1" = committed ] || exit 0\n'
        "grep -q refs/notes/reviewtui/remotes/origin/approvals || exit 0\n"
        f"[ -e '{tmp_path}/pushed' ] && exit 0\n"
        f"touch '{tmp_path}/pushed'\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n"
        f"exec git -C '{bobs}' push -q origin {NOTES_REF}:{NOTES_REF}\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)

    synced = cli("sync", "--repo", str(ours))
    assert synced.returncode == 0, synced.stderr
    assert (tmp_path / "pushed").exists()
    everyone = ("alice@example.com", "bob@example.com", "carol@example.com")
    assert verdict(ours, "ai/cart").approvers == everyone
    assert cli("sync", "--repo", str(bobs)).returncode == 0
    assert verdict(bobs, "ai/cart").approvers == everyone
    assert len(notes.read_lines(Repository(bobs), head)) == 3


def test_sync_to_a_remote_that_refuses_keeps_everything_here(tmp_path: Path, keys: Keys) -> None:
    remote, head = _remote_with_change(tmp_path, keys)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n", encoding="ascii")
    hook.chmod(0o755)
    clone = _clone(remote, tmp_path / "clone")
    record(clone, "ai/cart", keys.alice)
    before = notes.read_lines(Repository(clone), head)

    refused = cli("sync", "--repo", str(clone))
    message = assert_one_line_error(refused, str(clone.resolve()), "origin", "pre-receive hook declined")
    assert "kept changing" not in message
    assert notes.read_lines(Repository(clone), head) == before
    assert verdict(clone, "ai/cart").approvers == ("alice@example.com",)
    assert (
        subprocess.run(["git", "for-each-ref", "refs/notes/"], cwd=remote, capture_output=True, text=True).stdout == ""
    )


def test_sync_to_a_missing_remote_is_one_line(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice"))
    assert_one_line_error(cli("sync", "--repo", str(repo.path), "--remote", "nowhere"), "nowhere")


def _keep_appending(root: str, commit: str, name: str, stop: Event, done: Queue[list[str]]) -> None:
    repo, written = Repository(root), []
    while not stop.is_set():
        line = f"{name} {len(written)}"
        notes.append_line(repo, commit, line)
        written.append(line)
        time.sleep(PAUSE)  # reviewers are fast, but not a tight loop: give sync's merge a chance to land
    done.put(written)


@pytest.mark.slow
def test_sync_never_drops_a_decision_recorded_while_it_merges(tmp_path: Path, keys: Keys) -> None:
    """Reviewers keep recording here while sync merges the remote's new decisions in, again and again."""
    remote, head = _remote_with_change(tmp_path, keys)
    here = Repository(_clone(remote, tmp_path / "here"))
    there = Repository(_clone(remote, tmp_path / "there"))
    context = multiprocessing.get_context("fork")
    stop, done = context.Event(), context.Queue()
    writers = [
        context.Process(target=_keep_appending, args=(str(here.root), head, f"local-{n}", stop, done))
        for n in range(WRITERS)
    ]
    for writer in writers:
        writer.start()
    try:
        for round_ in range(ROUNDS):
            notes.append_line(there, head, f"remote {round_}")
            there.run("push", "--quiet", "origin", f"{NOTES_REF}:{NOTES_REF}")
            notes.sync(here, "origin")  # a real merge each time: both sides have new lines
            there.run("fetch", "--quiet", "origin", f"{NOTES_REF}:{NOTES_REF}")
    finally:
        stop.set()
    written = {line for _ in writers for line in done.get(timeout=60)}
    for writer in writers:
        writer.join(timeout=60)
    assert len(written) > 10
    missing = written - set(notes.read_lines(here, head))
    assert not missing, f"lost {len(missing)} of {len(written)} decisions: {sorted(missing)[:5]}"
    notes.sync(here, "origin")
    notes.sync(there, "origin")
    assert set(notes.read_lines(there, head)) == written | {f"remote {n}" for n in range(ROUNDS)}


def test_notes_written_here_are_plain_git_notes(tmp_path: Path, keys: Keys) -> None:
    repo: GitRepo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    head = add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.bob)
    record(repo.path, "ai/cart", keys.alice)
    lines = note_lines(repo, head)
    assert len(lines) == 2 and lines == sorted(lines)
    assert repo.git("log", "-1", "--format=%an <%ae>", NOTES_REF) == "reviewtui <reviewtui@localhost>"
