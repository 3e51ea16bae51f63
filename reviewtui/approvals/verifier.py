"""Check who signed an envelope with `ssh-keygen -Y verify`, against the allowed_signers of the change's base.

Only ssh-keygen decides: it enforces `namespaces=`, `valid-after`/`valid-before` (at the time of verification)
and the revoked-keys file, which a reimplementation could easily get subtly wrong. The principal is the
allowed_signers principal that ssh-keygen accepted, never an e-mail taken from git or from the payload.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reviewtui.approvals.dsse import NAMESPACE, Envelope
from reviewtui.approvals.signer import ssh_keygen
from reviewtui.errors import ReviewtuiError


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    principal: str | None
    """Who ssh-keygen says signed (None when nobody valid did)."""
    reason: str
    """Why it failed, or "good signature"."""

    @property
    def ok(self) -> bool:
        return self.principal is not None


_TIME_BOUNDS = (b"valid-before", b"valid-after", b"cert-authority")


def time_bound(allowed_signers: bytes | None) -> bool:
    """Whether a verdict against these allowed_signers can change with the clock alone: `ssh-keygen -Y verify`
    checks a key's `valid-before`/`valid-after` window, or a certificate's, against the moment it runs."""
    lowered = (allowed_signers or b"").lower()
    return any(word in lowered for word in _TIME_BOUNDS)


def verify_signature(envelope: Envelope, allowed_signers: bytes, revoked_keys: bytes | None = None) -> SignatureCheck:
    """The first signature of the envelope that verifies, and its principal; the reason otherwise."""
    try:
        return _verify_envelope(envelope, allowed_signers, revoked_keys)
    except OSError as exc:  # the temporary files ssh-keygen reads could not be written (a full disk)
        raise ReviewtuiError(f"cannot check signatures: {exc.strerror or exc}") from None


def _verify_envelope(envelope: Envelope, allowed_signers: bytes, revoked_keys: bytes | None) -> SignatureCheck:
    reasons = []
    with tempfile.TemporaryDirectory(prefix="reviewtui-verify-") as tmp:
        folder = Path(tmp)
        allowed = folder / "allowed_signers"
        allowed.write_bytes(allowed_signers)
        revoked = None
        if revoked_keys is not None:
            revoked = folder / "revoked_keys"
            revoked.write_bytes(revoked_keys)
        message = envelope.pae()
        for index, signature in enumerate(envelope.signatures):
            sig = folder / f"sig{index}"
            sig.write_text(signature.armored, encoding="ascii")
            candidates, problem = _find_principals(allowed, sig)
            if not candidates:
                reasons.append(problem or "signed by a key that is not in allowed_signers")
                continue
            for principal in candidates:
                ok, reason = _verify(allowed, revoked, principal, sig, message)
                if ok:
                    return SignatureCheck(principal, "good signature")
                reasons.append(reason)
    return SignatureCheck(None, "; ".join(dict.fromkeys(reasons)) or "no signature")


def _find_principals(allowed: Path, sig: Path) -> tuple[list[str], str]:
    done = subprocess.run(
        [ssh_keygen(), "-Y", "find-principals", "-f", str(allowed), "-s", str(sig)],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        # e.g. "allowed_signers:1: key has expired: ..." names why a listed key no longer counts
        lines = [ln.strip() for ln in done.stderr.splitlines() if ln.strip() and "No principal matched" not in ln]
        problem = lines[0].split(": ", 1)[-1] if lines else ""
        return [], f"signing key not accepted by allowed_signers: {problem}" if problem else ""
    return [line.strip() for line in done.stdout.splitlines() if line.strip()], ""


def _verify(allowed: Path, revoked: Path | None, principal: str, sig: Path, message: bytes) -> tuple[bool, str]:
    command = [ssh_keygen(), "-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE, "-s", str(sig)]
    if revoked is not None:
        command += ["-r", str(revoked)]
    done = subprocess.run(command, input=message, capture_output=True, check=False)
    if done.returncode == 0:
        return True, ""
    lines = [ln.strip() for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    detail = next((ln for ln in lines if not ln.startswith("Could not verify")), "")
    if detail.startswith(f"{allowed}:"):
        detail = detail.split(": ", 1)[-1]  # "<our temporary file>:<line>: why": only the why means anything
    if not detail and revoked is not None:
        detail = "the key is revoked, or the signature does not match"
    return False, f"signature by {principal} rejected: {detail or 'the signature does not match'}"
