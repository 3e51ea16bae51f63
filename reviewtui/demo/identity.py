"""Reviewer identities with real SSH signing keys, made fresh for every demo workspace.

Keys are generated at build time and kept outside the repository: shipping private keys in the package
would teach the wrong habit, and committing them would make commit shas depend on random key material.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from reviewtui.demo.errors import DemoBuildError

REVIEWER_NAMES = (
    ("alice", "Alice Moreau"),
    ("bob", "Bob Okafor"),
    ("carol", "Carol Jensen"),
)
DOMAIN = "shop.example"
KEY_FILE = "id_ed25519"
ALLOWED_SIGNERS_FILE = "allowed_signers"


@dataclass(frozen=True)
class Reviewer:
    """A person who can sign approvals; `principal` is the name `allowed_signers` vouches for."""

    name: str
    display_name: str
    principal: str
    email: str
    key: Path
    public_key: str

    @property
    def public_key_file(self) -> Path:
        return self.key.with_name(self.key.name + ".pub")


def create_reviewers(directory: Path) -> tuple[Reviewer, ...]:
    """Generate one ed25519 key pair per reviewer under `directory/<name>/`."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        raise DemoBuildError("ssh-keygen was not found on PATH; the demo needs OpenSSH's client for signing keys")
    reviewers = []
    for name, display_name in REVIEWER_NAMES:
        email = f"{name}@{DOMAIN}"
        key = directory / name / KEY_FILE
        key.parent.mkdir(parents=True)
        command = [keygen, "-t", "ed25519", "-N", "", "-C", email, "-f", str(key), "-q"]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
        if result.returncode != 0:
            raise DemoBuildError(f"ssh-keygen failed for {email}: {result.stderr.strip()}")
        public_key = key.with_name(key.name + ".pub").read_text(encoding="ascii").strip()
        reviewers.append(Reviewer(name, display_name, email, email, key, public_key))
    return tuple(reviewers)


def write_allowed_signers(path: Path, reviewers: tuple[Reviewer, ...]) -> Path:
    """Write git's `gpg.ssh.allowedSignersFile`: principal, key type and key, without the key comment."""
    lines = []
    for reviewer in reviewers:
        key_type, key_data = reviewer.public_key.split()[:2]
        lines.append(f"{reviewer.principal} {key_type} {key_data}\n")
    path.write_text("".join(lines), encoding="ascii")
    return path
