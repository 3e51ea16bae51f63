"""Patch files have no commits to attach notes to: their decisions go to a ledger keyed by the patch's sha256."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from reviewtui.approvals.ledger import ledger_path, read_ledger
from tests.approvals.conftest import Keys
from tests.approvals.kit import PRIYA, cli, make_shop, notes_refs, record, verdict
from tests.gitrepo import GitRepo


def _mailed_patch(repo: GitRepo, tmp_path: Path, text: str) -> Path:
    """A `git format-patch --base` from a contributor's clone: its commit never exists in `repo`."""
    clone = tmp_path / f"clone-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(clone)], check=True, capture_output=True)
    (clone / "cart.py").write_text(text, encoding="utf-8")
    env_id = ["-c", f"user.name={PRIYA[0]}", "-c", f"user.email={PRIYA[1]}"]
    subprocess.run(["git", "add", "cart.py"], cwd=clone, check=True)
    subprocess.run(["git", *env_id, "commit", "-qm", "Fix the cart total"], cwd=clone, check=True)
    folder = tmp_path / "patches"
    folder.mkdir(exist_ok=True)
    patch = folder / "fix.patch"
    patch.write_bytes(
        subprocess.run(
            ["git", "format-patch", "-1", "--stdout", f"--base={repo.head()}"],
            cwd=clone,
            check=True,
            capture_output=True,
        ).stdout
    )
    return patch


def test_a_patch_file_is_approved_in_the_ledger(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    patch = _mailed_patch(repo, tmp_path, "def total(items):\n    return sum(items)\n")
    folder = patch.parent
    change = "patch:fix.patch"
    where = ("--repo", str(repo.path), "--patches", str(folder))

    first = cli("approve", change, "--key", str(keys.alice.path), *where)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "recorded approve by alice@example.com on patch:fix.patch (head (patch), diff sha256"
    )
    assert verdict(repo.path, change, patches=folder).label() == "1/2"
    record(repo.path, change, keys.bob, patches=folder)
    shown = cli("verify", change, *where)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout.splitlines()[0] == "patch:fix.patch: 2/2 — satisfied"

    digest = hashlib.sha256(patch.read_bytes()).hexdigest()
    ledger = ledger_path(repo.path / ".git", digest)
    assert ledger == repo.path / ".git" / "reviewtui" / "ledger" / f"{digest}.intoto.jsonl"
    assert len(read_ledger(ledger)) == 2
    assert notes_refs(repo.path) == ""

    # The same file name with other content is another diff: no decision carries over.
    _mailed_patch(repo, tmp_path, "def total(items):\n    return sum(items) * 2\n")
    other = verdict(repo.path, change, patches=folder)
    assert (other.reviews, other.label(), other.satisfied) == ((), "0/2", False)


def test_a_torn_ledger_line_is_invalid_and_the_rest_still_counts(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    patch = _mailed_patch(repo, tmp_path, "def total(items):\n    return sum(items)\n")
    record(repo.path, "patch:fix.patch", keys.alice, patches=patch.parent)
    ledger = ledger_path(repo.path / ".git", hashlib.sha256(patch.read_bytes()).hexdigest())
    with ledger.open("a", encoding="utf-8") as handle:
        handle.write('{"payloadType":"application/vnd.in-toto+json","payl')  # a writer killed mid-line
    result = record(repo.path, "patch:fix.patch", keys.bob, patches=patch.parent)
    assert sorted((r.principal or "", r.status) for r in result.reviews) == [
        ("", "invalid"),
        ("alice@example.com", "counted"),
        ("bob@example.com", "counted"),
    ]
    assert result.satisfied
