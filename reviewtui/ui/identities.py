"""Who may sign from this TUI: the reviewer's SSH keys, found where `reviewtui approve` finds them.

Sources, in the signer's order of precedence: every `--key` given, `[approvals] key` in the configuration, and
git's `user.signingkey` when `gpg.format = ssh`. Outside pair mode only the first is used (the key `approve` would
sign with); in pair mode every distinct key is offered, so two reviewers can take turns at one terminal.

Finding a key runs `ssh-keygen` (fingerprint, and whether the key needs a passphrase), so callers do it off the UI
thread. Python never reads private key material: whether a key is encrypted is asked of ssh-keygen itself.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewtui.approvals.signer import SigningError, SigningKey, resolve_key, ssh_keygen
from reviewtui.repository import Repository


@dataclass(frozen=True, slots=True)
class Identity:
    """One usable signing key and what the TUI shows about it."""

    key: SigningKey
    fingerprint: str
    comment: str = ""
    """The public key's comment (often an email), a label until allowed_signers names the principal."""
    needs_passphrase: bool = False
    """The private key is encrypted (ssh-agent may still hold it, in which case no passphrase is asked)."""

    @property
    def source(self) -> str:
        return self.key.source


def discover(
    explicit: Sequence[Path], configured: str | None, repo: Repository | None
) -> tuple[list[Identity], list[str]]:
    """Every distinct key from the three sources, in precedence order, and why any configured key is unusable."""
    attempts: list[tuple[Path | None, str | None, Repository | None]] = [(path, None, None) for path in explicit]
    if configured:
        attempts.append((None, configured, None))
    if repo is not None and _git_signs_with_ssh(repo):
        attempts.append((None, None, repo))
    found: list[Identity] = []
    problems: list[str] = []
    seen: set[str] = set()
    for path, config_value, git_repo in attempts:
        try:
            key = resolve_key(path, config_value, git_repo)
        except SigningError as exc:
            problems.append(str(exc))
            continue
        if key.public_key in seen:
            continue
        seen.add(key.public_key)
        found.append(Identity(key, key.fingerprint, _comment(key), needs_passphrase(key)))
    return found, problems


def needs_passphrase(key: SigningKey) -> bool:
    """Ask ssh-keygen to derive the public key with an empty passphrase: it fails exactly when one is needed."""
    if key.agent:
        return False
    env = {**os.environ, "SSH_ASKPASS_REQUIRE": "never"}
    done = subprocess.run(
        [ssh_keygen(), "-y", "-P", "", "-f", str(key.path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    return done.returncode != 0


def _git_signs_with_ssh(repo: Repository) -> bool:
    fmt = repo.run("config", "--get", "gpg.format", check=False).decode().strip()
    value = repo.run("config", "--get", "user.signingkey", check=False).decode().strip()
    return fmt == "ssh" and bool(value)


def _comment(key: SigningKey) -> str:
    public = key.path if key.path.suffix == ".pub" else key.path.with_name(key.path.name + ".pub")
    try:
        parts = public.read_text(encoding="utf-8", errors="replace").split(None, 2)
    except OSError:
        return ""
    return parts[2].strip() if len(parts) > 2 else ""
