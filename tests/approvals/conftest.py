from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.approvals.kit import Key, make_key

PASSPHRASE = "correct horse battery staple"


@dataclass(frozen=True)
class Keys:
    alice: Key
    alice_laptop: Key
    """Alice's second key: the same principal, listed on a second allowed_signers line."""
    bob: Key
    carol: Key
    erin: Key
    """Protected by PASSPHRASE."""
    dave: Key
    """Never listed in any allowed_signers."""
    priya: Key
    """The author of the changes, who runs the agent."""
    claude: Key
    """A key someone made for the agent itself."""

    def signers(self, *names: str) -> str:
        return "".join(getattr(self, name).signer_line() for name in names)


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Throw-away ed25519 keys, generated once per run by the real ssh-keygen."""
    folder = tmp_path_factory.mktemp("keys")
    return Keys(
        alice=make_key(folder, "alice", "alice@example.com"),
        alice_laptop=make_key(folder, "alice-laptop", "alice@example.com"),
        bob=make_key(folder, "bob", "bob@example.com"),
        carol=make_key(folder, "carol", "carol@example.com"),
        erin=make_key(folder, "erin", "erin@example.com", passphrase=PASSPHRASE),
        dave=make_key(folder, "dave", "dave@example.com"),
        priya=make_key(folder, "priya", "priya@example.com"),
        claude=make_key(folder, "claude", "noreply@anthropic.com"),
    )


@pytest.fixture(autouse=True)
def _no_outside_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own ssh-agent must not sign for a test (or hide a passphrase prompt)."""
    for name in ("SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def askpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SSH_ASKPASS answering PASSPHRASE, forced, so ssh-keygen and ssh-add never need a terminal."""
    script = tmp_path / "askpass.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{PASSPHRASE}'\n", encoding="ascii")
    script.chmod(0o755)
    monkeypatch.setenv("SSH_ASKPASS", str(script))
    monkeypatch.setenv("SSH_ASKPASS_REQUIRE", "force")
    monkeypatch.setenv("DISPLAY", ":0")
    return script


@pytest.fixture
def ssh_agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A real ssh-agent for this test only; its socket and pid are exported, and it is killed afterwards."""
    started = subprocess.run(["ssh-agent", "-s"], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    found = dict(re.findall(r"(SSH_AUTH_SOCK|SSH_AGENT_PID)=([^;]+);", started.stdout))
    assert set(found) == {"SSH_AUTH_SOCK", "SSH_AGENT_PID"}, started.stdout
    pid = int(found["SSH_AGENT_PID"])
    try:
        for name, value in found.items():
            monkeypatch.setenv(name, value)
        yield found
    finally:
        os.kill(pid, signal.SIGTERM)
