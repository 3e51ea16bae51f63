"""Sign with the reviewer's SSH key through `ssh-keygen -Y sign`; Python never reads private key material.

Where the key comes from, in order: `--key`, `[approvals] key` in the user's config, git's own `user.signingkey`
when `gpg.format = ssh` (a path, or a literal `key::ssh-...` public key served by ssh-agent). A public key file, or
a private key whose `.pub` sits beside it while ssh-agent holds it, signs through the agent (`-U`). Passphrases are
asked by ssh-keygen itself (on the terminal, or through SSH_ASKPASS when there is none), and hardware (sk-) keys ask
for their touch the same way, so all four kinds of key work wherever ssh-keygen does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reviewtui.approvals.dsse import NAMESPACE
from reviewtui.errors import ReviewtuiError
from reviewtui.repository import Repository


class SigningError(ReviewtuiError):
    """The key could not be found or ssh-keygen would not sign; nothing was written."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    path: Path
    """The private key file, or (with `agent`) the public key naming which agent key to use."""
    public_key: str
    """`<type> <base64>` of the public key, as allowed_signers lists it."""
    agent: bool = False
    source: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SigningError("ssh-keygen not found: install OpenSSH (the openssh-client package) to sign and verify")
    return found


def resolve_key(explicit: Path | None, configured: str | None, repo: Repository | None) -> SigningKey:
    if explicit is not None:
        return _from_path(explicit.expanduser(), "--key")
    if configured:
        return _from_path(Path(configured).expanduser(), "config approvals.key")
    if repo is not None:
        fmt = repo.run("config", "--get", "gpg.format", check=False).decode().strip()
        value = repo.run("config", "--get", "user.signingkey", check=False).decode().strip()
        if fmt == "ssh" and value:
            if value.startswith("key::"):
                return _literal(value[len("key::") :], "git user.signingkey")
            return _from_path(Path(value).expanduser(), "git user.signingkey")
    raise SigningError(
        "no signing key: pass --key, set [approvals] key in your config, or configure git "
        "(gpg.format = ssh, user.signingkey)"
    )


def _from_path(path: Path, source: str) -> SigningKey:
    if path.suffix == ".pub":
        return SigningKey(path, _read_public(path), agent=True, source=source)
    if not path.exists():
        raise SigningError(f"{path}: signing key not found ({source})")
    pub = path.with_name(path.name + ".pub")
    if not pub.exists():
        raise SigningError(f"{pub}: the public key must sit beside the private key ({source})")
    return SigningKey(path, _read_public(pub), agent=False, source=source)


def _literal(public_key: str, source: str) -> SigningKey:
    handle, name = tempfile.mkstemp(prefix="reviewtui-key-", suffix=".pub")
    with os.fdopen(handle, "w") as out:
        out.write(public_key.strip() + "\n")
    return SigningKey(Path(name), _normal(public_key), agent=True, source=source)


def _read_public(path: Path) -> str:
    try:
        return _normal(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SigningError(f"{path}: cannot read public key: {exc}") from None


def _normal(public_key: str) -> str:
    parts = public_key.split()
    if len(parts) < 2:
        raise SigningError("not an SSH public key")
    return f"{parts[0]} {parts[1]}"


def fingerprint(public_key: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".pub") as handle:
        handle.write(public_key + "\n")
        handle.flush()
        done = subprocess.run(
            [ssh_keygen(), "-l", "-E", "sha256", "-f", handle.name], capture_output=True, text=True, check=False
        )
    parts = done.stdout.split()
    return parts[1] if done.returncode == 0 and len(parts) > 1 else ""


def sign(key: SigningKey, data: bytes, *, interactive: bool = False) -> str:
    """The armored signature of `data` under reviewtui's namespace.

    `interactive` lets ssh-keygen talk to the terminal (passphrase prompt, "touch your key"); otherwise its stderr
    is captured so a failure becomes one clear message.
    """
    command = [ssh_keygen(), "-Y", "sign", "-n", NAMESPACE, "-f", str(key.path)]
    if key.agent:
        command.insert(3, "-U")
    try:
        return _sign_file(key, command, data, interactive)
    except OSError as exc:  # e.g. a full disk or a file-size limit while writing the message to sign
        raise SigningError(f"{key.path}: cannot sign: {exc.strerror or exc}; nothing was recorded") from None


def _sign_file(key: SigningKey, command: list[str], data: bytes, interactive: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="reviewtui-sign-") as tmp:
        message = Path(tmp) / "decision"
        message.write_bytes(data)
        done = subprocess.run(
            [*command, str(message)],
            stdin=None if interactive else subprocess.DEVNULL,
            stderr=None if interactive else subprocess.PIPE,
            stdout=subprocess.PIPE,
            check=False,
        )
        signature = Path(str(message) + ".sig")
        if done.returncode != 0 or not signature.exists():
            detail = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            reason = detail[-1] if detail else f"ssh-keygen exited with {done.returncode}"
            raise SigningError(f"{key.path}: ssh-keygen could not sign: {reason}")
        return signature.read_text(encoding="ascii")
