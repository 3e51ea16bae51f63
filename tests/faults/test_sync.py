"""Sync against a remote that changed too, refuses, drops the connection mid-push, is unreachable, or rewrites
its own decisions: a clear line where it fails, nothing lost here, and a later sync completes
(docs/security.md, sections 5 and 7)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewtui.approvals import notes
from reviewtui.approvals.notes import NOTES_REF
from reviewtui.repository import Repository
from tests.approvals.kit import Key, add_change, assert_one_line_error, cli, make_key, make_shop, record, verdict

MALLORY = {
    **os.environ,
    "GIT_AUTHOR_NAME": "m",
    "GIT_AUTHOR_EMAIL": "m@x",
    "GIT_COMMITTER_NAME": "m",
    "GIT_COMMITTER_EMAIL": "m@x",
}
CART = {"cart.py": "def total(items):\n    return sum(items)\n"}


@dataclass(frozen=True)
class Remote:
    bare: Path
    head: str
    alice: Key
    bob: Key
    carol: Key

    def clone(self, target: Path) -> Path:
        subprocess.run(["git", "clone", "-q", str(self.bare), str(target)], check=True, capture_output=True)
        return target

    def lines(self) -> set[str]:
        done = subprocess.run(
            ["git", "notes", "--ref", NOTES_REF, "show", self.head], cwd=self.bare, capture_output=True, text=True
        )
        return set(done.stdout.splitlines()) if done.returncode == 0 else set()

    def hook(self, body: str | None) -> None:
        hook = self.bare / "hooks" / "pre-receive"
        if body is None:
            hook.unlink()
            return
        hook.write_text("#!/bin/sh\n" + body, encoding="ascii")
        hook.chmod(0o755)


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    keys = [make_key(tmp_path / "keys", name, f"{name}@example.com") for name in ("alice", "bob", "carol")]
    work = make_shop(tmp_path / "work", "".join(k.signer_line() for k in keys))
    head = add_change(work, "ai/cart", CART)
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(work.path), str(bare)], check=True, capture_output=True)
    yield Remote(bare, head, *keys)


def stored(clone: Path, head: str) -> set[str]:
    return set(notes.read_lines(Repository(clone), head))


def test_both_sides_changed_the_notes_ref(remote: Remote, tmp_path: Path) -> None:
    one, two = remote.clone(tmp_path / "one"), remote.clone(tmp_path / "two")
    record(one, "ai/cart", remote.alice)
    assert cli("sync", "--repo", str(one)).returncode == 0
    record(one, "ai/cart", remote.carol)  # one moves on locally...
    record(two, "ai/cart", remote.bob)  # ...while two, which never fetched, records its own
    assert cli("sync", "--repo", str(two)).returncode == 0  # a real merge: both sides have lines the other lacks
    assert cli("sync", "--repo", str(one)).returncode == 0
    assert cli("sync", "--repo", str(two)).returncode == 0
    assert stored(one, remote.head) == stored(two, remote.head) == remote.lines()
    assert len(remote.lines()) == 3
    assert verdict(two, "ai/cart").approvers == ("alice@example.com", "bob@example.com", "carol@example.com")


def test_a_remote_that_rejects_the_push_then_accepts_it(remote: Remote, tmp_path: Path) -> None:
    clone = remote.clone(tmp_path / "clone")
    record(clone, "ai/cart", remote.alice)
    before = stored(clone, remote.head)
    remote.hook("echo 'protected ref' >&2\nexit 1\n")
    refused = cli("sync", "--repo", str(clone))
    assert_one_line_error(refused, "origin", "nothing was lost")
    assert stored(clone, remote.head) == before and remote.lines() == set()
    remote.hook(None)
    later = cli("sync", "--repo", str(clone))
    assert later.returncode == 0, later.stderr
    assert remote.lines() == before


def test_a_network_error_mid_push(remote: Remote, tmp_path: Path) -> None:
    """The remote's receive-pack dies after the pack arrived, before any ref moved (a dropped connection)."""
    clone = remote.clone(tmp_path / "clone")
    record(clone, "ai/cart", remote.alice)
    before = stored(clone, remote.head)
    remote.hook("kill -9 $PPID\nsleep 5\n")
    dropped = cli("sync", "--repo", str(clone))
    assert_one_line_error(dropped, "pushing refs/notes/reviewtui/approvals to origin failed", "nothing was lost")
    assert stored(clone, remote.head) == before and remote.lines() == set()
    assert notes.read_lines(Repository(clone), remote.head) == sorted(before)
    remote.hook(None)
    later = cli("sync", "--repo", str(clone))
    assert later.returncode == 0, later.stderr
    assert remote.lines() == before


def test_an_unreachable_remote_then_back(remote: Remote, tmp_path: Path) -> None:
    clone = remote.clone(tmp_path / "clone")
    record(clone, "ai/cart", remote.alice)
    away = remote.bare.rename(tmp_path / "elsewhere.git")
    gone = cli("sync", "--repo", str(clone))
    assert_one_line_error(gone, str(clone.resolve()), "from origin failed", "nothing here was changed")
    away.rename(remote.bare)
    assert cli("sync", "--repo", str(clone)).returncode == 0
    assert remote.lines() == stored(clone, remote.head)


def test_a_hostile_remote_cannot_delete_or_forge_decisions(remote: Remote, tmp_path: Path) -> None:
    """The remote rewrites its notes history: our approval removed, junk and a forged approval added. Sync keeps our
    line, puts it back on the remote with a plain (non-forced) push, and the additions never count."""
    ours = remote.clone(tmp_path / "ours")
    record(ours, "ai/cart", remote.alice)
    assert cli("sync", "--repo", str(ours)).returncode == 0
    mine = stored(ours, remote.head)

    attacker = remote.clone(tmp_path / "attacker")
    subprocess.run(["git", "fetch", "-q", "origin", f"{NOTES_REF}:{NOTES_REF}"], cwd=attacker, check=True)
    forged = next(iter(mine)).replace('"payload":"', '"payload":"eyJ4IjoxfQ', 1)  # a valid-looking, edited line
    rewritten = tmp_path / "note.txt"
    rewritten.write_text(f"not json \x1b[2J\n{forged}\n", encoding="utf-8")
    subprocess.run(
        ["git", "notes", "--ref", NOTES_REF, "add", "-f", "-F", str(rewritten), remote.head],
        cwd=attacker,
        check=True,
        capture_output=True,
        env=MALLORY,
    )
    orphan = subprocess.run(
        ["git", "commit-tree", "-m", "rewritten", f"{NOTES_REF}^{{tree}}"],
        cwd=attacker,
        env=MALLORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    subprocess.run(
        ["git", "push", "-q", "--force", "origin", f"{orphan}:{NOTES_REF}"],
        cwd=attacker,
        check=True,
        capture_output=True,
    )
    assert not (mine & remote.lines())  # the remote no longer has our decision

    synced = cli("sync", "--repo", str(ours))
    assert synced.returncode == 0, synced.stderr
    assert "\x1b" not in synced.stdout + synced.stderr
    assert mine <= stored(ours, remote.head) and mine <= remote.lines()  # kept here, and restored there
    result = verdict(ours, "ai/cart")
    assert result.approvers == ("alice@example.com",)
    assert sorted(r.status for r in result.reviews) == ["counted", "invalid", "invalid"]
