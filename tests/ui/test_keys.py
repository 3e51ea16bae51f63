"""Signing keys for the TUI: where they are found, and passphrases handed to ssh-keygen without a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewtui.approvals.signer import SigningError, resolve_key, sign
from reviewtui.demo import DemoWorkspace
from reviewtui.repository import Repository
from reviewtui.ui.askpass import SOCKET_ENV, askpass
from reviewtui.ui.identities import discover, needs_passphrase
from tests.gitrepo import GitRepo
from tests.test_core_imports import BLOCKER

PASSPHRASE = "correct horse battery"


@pytest.fixture
def locked_key(tmp_path: Path) -> Path:
    key = tmp_path / "locked" / "id_ed25519"
    key.parent.mkdir()
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", "locked@example.org", "-f", str(key)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return key


# -- finding keys ------------------------------------------------------------------------------------------------------


def test_keys_come_from_every_source_in_order_once_each(demo_workspace: DemoWorkspace, repo: GitRepo) -> None:
    alice, bob, carol = (r.key for r in demo_workspace.reviewers)
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(carol))
    found, problems = discover([alice, bob, alice], str(bob), Repository(repo.path))
    assert [i.key.path for i in found] == [alice, bob, carol]
    assert [i.source for i in found] == ["--key", "--key", "git user.signingkey"]
    assert [i.comment for i in found] == [r.email for r in demo_workspace.reviewers]
    assert all(i.fingerprint.startswith("SHA256:") and not i.needs_passphrase for i in found)
    assert problems == []
    # Outside pair mode the app keeps the first, which is the key `reviewtui approve` would sign with.
    assert found[0].key == resolve_key(alice, str(bob), Repository(repo.path))


def test_unusable_keys_are_reported_not_fatal(tmp_path: Path, repo: GitRepo) -> None:
    found, problems = discover([tmp_path / "missing"], None, Repository(repo.path))
    assert found == []
    assert len(problems) == 1 and "signing key not found" in problems[0]
    assert discover([], None, Repository(repo.path)) == ([], [])  # git without an ssh signing key: nothing to say


def test_whether_a_key_needs_a_passphrase_is_asked_of_ssh_keygen(
    locked_key: Path, demo_workspace: DemoWorkspace
) -> None:
    assert needs_passphrase(resolve_key(locked_key, None, None))
    assert not needs_passphrase(resolve_key(demo_workspace.reviewers[0].key, None, None))
    agent = resolve_key(locked_key.with_name("id_ed25519.pub"), None, None)
    assert agent.agent and not needs_passphrase(agent)  # ssh-agent holds the secret: nothing to ask


# -- passphrases -------------------------------------------------------------------------------------------------------


def test_the_passphrase_reaches_ssh_keygen_and_nothing_is_left_behind(locked_key: Path) -> None:
    key = resolve_key(locked_key, None, None)
    before = {k: v for k, v in os.environ.items() if "ASKPASS" in k}
    with askpass(PASSPHRASE):
        directory = Path(os.environ[SOCKET_ENV]).parent
        assert os.environ["SSH_ASKPASS_REQUIRE"] == "force"
        assert PASSPHRASE not in "".join(os.environ.values())  # never in the environment
        assert oct(directory.stat().st_mode & 0o777) == "0o700"
        helper = Path(os.environ["SSH_ASKPASS"]).read_text()
        assert PASSPHRASE not in helper  # nor on disk
        signature = sign(key, b"payload")
    assert signature.startswith("-----BEGIN SSH SIGNATURE-----")
    assert not directory.exists()
    assert {k: v for k, v in os.environ.items() if "ASKPASS" in k} == before


@pytest.mark.parametrize("given", [None, "wrong"])
def test_a_missing_or_wrong_passphrase_fails_cleanly(locked_key: Path, given: str | None) -> None:
    with askpass(given), pytest.raises(SigningError, match="passphrase"):
        sign(resolve_key(locked_key, None, None), b"payload")


def test_the_listener_answers_one_passphrase_request_only() -> None:
    with askpass(PASSPHRASE):
        helper = os.environ["SSH_ASKPASS"]

        def ask(prompt: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([helper, prompt], capture_output=True, text=True, timeout=20, check=False)

        other = ask("Confirm user presence for key ED25519-SK")
        assert other.returncode != 0 and other.stdout == ""
        first = ask("Enter passphrase: ")
        assert first.returncode == 0 and first.stdout == PASSPHRASE + "\n"
        again = ask("Enter passphrase: ")
        assert again.returncode != 0 and again.stdout == ""


def test_the_ui_helpers_do_not_need_textual() -> None:
    """Session, keys, askpass and signing are plain Python: unit-testable, usable where no UI is installed."""
    modules = ("session", "identities", "askpass", "signing", "diff_layout")
    script = (
        BLOCKER
        + "\n".join(f"import reviewtui.ui.{name}" for name in modules)
        + textwrap.dedent(
            """
        assert not any(m == "textual" or m.startswith("textual.") for m in sys.modules)
        print("ok")
        """
        )
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
