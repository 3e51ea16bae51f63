"""A hostile environment while a decision is recorded: a full disk, a read-only repository, no ssh-keygen, a dead
ssh-agent, a wrong passphrase, an unreadable key. Each is one clear line and exit code 2, and nothing is left
half-written: no note, no stray ref, no partial ledger line (docs/security.md, section 5)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from reviewtui.journal import Journal
from tests.approvals.kit import Key, add_change, make_key, make_shop, notes_refs
from tests.gitrepo import GitRepo

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _no_outside_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def shop(tmp_path: Path) -> tuple[GitRepo, Key]:
    alice = make_key(tmp_path / "keys", "alice", "alice@example.com")
    repo = make_shop(tmp_path / "repo", alice.signer_line())
    add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items)\n"})
    return repo, alice


def reviewtui(
    *args: str, env: dict[str, str] | None = None, prefix: Sequence[str] = (), fsize: int | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [*prefix, sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        preexec_fn=limit,
        timeout=120,
        stdin=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[2],
    )


def one_line(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reviewtui: "), done.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def untouched(repo: GitRepo) -> None:
    """No decision, no private ref, no lock, and a repository git still finds whole."""
    assert notes_refs(repo.path) == ""
    assert not list((repo.path / ".git").rglob("*.lock"))
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=repo.path, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stderr


def unprivileged() -> list[str]:
    """A prefix that makes permission bits apply: as root, drop every capability (uid stays 0)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits cannot be made to apply")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]


@pytest.mark.parametrize("limit", [300, 1500], ids=["while-signing", "while-storing"])
def test_a_full_disk_is_one_line_and_writes_nothing(shop: tuple[GitRepo, Key], limit: int) -> None:
    """RLIMIT_FSIZE makes every write past `limit` bytes fail as a full disk would (no tmpfs needed)."""
    repo, alice = shop
    done = reviewtui("approve", "ai/cart", "--key", str(alice.path), "--repo", str(repo.path), fsize=limit)
    one_line(done, "File too large", "nothing was")
    untouched(repo)
    assert reviewtui("approve", "ai/cart", "--key", str(alice.path), "--repo", str(repo.path)).returncode == 0


def test_a_full_disk_never_leaves_half_a_ledger_line(tmp_path: Path) -> None:
    from reviewtui.approvals.ledger import append_ledger, read_ledger

    ledger = tmp_path / "ledger.jsonl"
    append_ledger(ledger, '{"first": 1}')
    size = ledger.stat().st_size
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({size + 10}, {size + 10}))\n"
        "from reviewtui.approvals.ledger import append_ledger\n"
        "from reviewtui.errors import ReviewtuiError\n"
        "try:\n"
        f"    append_ledger(__import__('pathlib').Path({str(ledger)!r}), '{{\"second\": \"' + 'x' * 100 + '\"}}')\n"
        "except ReviewtuiError as exc:\n"
        "    print(exc); sys.exit(2)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "nothing was recorded" in done.stdout, (done.stdout, done.stderr)
    assert read_ledger(ledger) == ['{"first": 1}'] and ledger.stat().st_size == size


def test_a_full_disk_never_reports_a_half_written_journal_entry(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append("sync", remote="origin")
    size = journal.path.stat().st_size
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({size + 40}, {size + 40}))\n"
        "from pathlib import Path\n"
        "from reviewtui.journal import Journal\n"
        "from reviewtui.errors import ReviewtuiError\n"
        "try:\n"
        f"    Journal(Path({str(journal.path)!r})).append('sync', remote='origin')\n"
        "except ReviewtuiError as exc:\n"
        "    print(exc); sys.exit(2)\n"
        "print('reported done')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert journal.path.stat().st_size == size


@pytest.fixture
def read_only(shop: tuple[GitRepo, Key]) -> Iterator[GitRepo]:
    repo, _ = shop
    modes = {}
    for path in [repo.path, *repo.path.rglob("*")]:
        if not path.is_symlink():
            modes[path] = path.stat().st_mode
            path.chmod(stat.S_IMODE(modes[path]) & ~0o222)
    try:
        yield repo
    finally:
        for path, mode in modes.items():
            path.chmod(stat.S_IMODE(mode))


def test_a_read_only_repository_is_one_line_and_unchanged(shop: tuple[GitRepo, Key], read_only: GitRepo) -> None:
    _, alice = shop
    done = reviewtui(
        "approve", "ai/cart", "--key", str(alice.path), "--repo", str(read_only.path), prefix=unprivileged()
    )
    one_line(done, str(read_only.path.resolve()))
    assert reviewtui("verify", "ai/cart", "--repo", str(read_only.path), prefix=unprivileged()).returncode == 1
    untouched(read_only)


def test_without_ssh_keygen_signing_and_verifying_are_one_line(shop: tuple[GitRepo, Key], tmp_path: Path) -> None:
    repo, alice = shop
    assert reviewtui("approve", "ai/cart", "--key", str(alice.path), "--repo", str(repo.path)).returncode == 0
    before = notes_refs(repo.path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git is not None
    (bin_dir / "git").symlink_to(git)
    without = {"PATH": str(bin_dir)}
    one_line(
        reviewtui("approve", "ai/cart", "--key", str(alice.path), "--repo", str(repo.path), env=without),
        "ssh-keygen not found",
    )
    one_line(reviewtui("verify", "ai/cart", "--repo", str(repo.path), env=without), "ssh-keygen not found")
    assert notes_refs(repo.path) == before


def test_a_dead_ssh_agent_is_one_line(shop: tuple[GitRepo, Key]) -> None:
    repo, alice = shop
    started = subprocess.run(["ssh-agent", "-s"], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    sock = started.stdout.split("SSH_AUTH_SOCK=")[1].split(";")[0]
    pid = int(started.stdout.split("SSH_AGENT_PID=")[1].split(";")[0])
    subprocess.run(
        ["ssh-add", str(alice.path)], env={**os.environ, "SSH_AUTH_SOCK": sock}, check=True, capture_output=True
    )
    os.kill(pid, signal.SIGTERM)  # the agent goes away between login and signing
    done = reviewtui(
        "approve",
        "ai/cart",
        "--key",
        str(alice.pub),
        "--repo",
        str(repo.path),
        env={"SSH_AUTH_SOCK": sock, "SSH_AGENT_PID": str(pid)},
    )
    one_line(done, str(alice.pub), "could not sign")
    untouched(repo)


def test_a_wrong_passphrase_is_one_line(tmp_path: Path) -> None:
    erin = make_key(tmp_path / "keys", "erin", "erin@example.com", passphrase=PASSPHRASE)
    repo = make_shop(tmp_path / "repo", erin.signer_line())
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    askpass = tmp_path / "askpass.sh"
    askpass.write_text("#!/bin/sh\necho 'not the passphrase'\n", encoding="ascii")
    askpass.chmod(0o755)
    env = {"SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
    one_line(
        reviewtui("approve", "ai/cart", "--key", str(erin.path), "--repo", str(repo.path), env=env),
        str(erin.path),
        "could not sign",
    )
    untouched(repo)
    no_way_to_ask = reviewtui("approve", "ai/cart", "--key", str(erin.path), "--repo", str(repo.path))
    one_line(no_way_to_ask, str(erin.path), "could not sign")  # no terminal, no askpass: refused, never hangs
    untouched(repo)


def test_an_unreadable_key_file_is_one_line(shop: tuple[GitRepo, Key]) -> None:
    repo, alice = shop
    alice.path.chmod(0)
    try:
        done = reviewtui(
            "approve", "ai/cart", "--key", str(alice.path), "--repo", str(repo.path), prefix=unprivileged()
        )
    finally:
        alice.path.chmod(0o600)
    one_line(done, str(alice.path))
    untouched(repo)
