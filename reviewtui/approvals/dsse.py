"""DSSE envelopes (https://github.com/secure-systems-lab/dsse): the signature covers the pre-authentication
encoding of the payload type and body, so neither can be swapped without breaking it.

Our signature value is the base64 of an armored SSH signature (`-----BEGIN SSH SIGNATURE-----`), made with the
namespace in NAMESPACE; `keyid` is the key's SHA256 fingerprint, informational only (the allowed_signers file, not
the envelope, decides who signed).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from reviewtui.errors import ReviewtuiError

PAYLOAD_TYPE = "application/vnd.in-toto+json"
NAMESPACE = "reviewtui-approval-v1"
"""The `ssh-keygen -Y sign -n` namespace: a signature made for git commits, files or anything else never verifies
as a reviewtui approval, and ours never verifies as theirs."""


class EnvelopeError(ReviewtuiError):
    """An envelope that is not well-formed; the message says which part."""


@dataclass(frozen=True, slots=True)
class Signature:
    keyid: str
    armored: str
    """The armored SSH signature text, as `ssh-keygen -Y verify -s` reads it."""


@dataclass(frozen=True, slots=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)

    def to_line(self) -> str:
        """One line of JSON: envelopes are stored one per line (an in-toto bundle, `.intoto.jsonl`)."""
        return json.dumps(
            {
                "payloadType": self.payload_type,
                "payload": base64.b64encode(self.payload).decode("ascii"),
                "signatures": [
                    {"keyid": s.keyid, "sig": base64.b64encode(s.armored.encode("ascii")).decode("ascii")}
                    for s in self.signatures
                ],
            },
            separators=(",", ":"),
            sort_keys=True,
        )


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSEv1 SP len(type) SP type SP len(body) SP body; lengths are ASCII decimal byte counts."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def parse_envelope(line: str | bytes) -> Envelope:
    """Parse one stored line; anything malformed is an EnvelopeError (never a crash), whatever the bytes."""
    try:
        data: Any = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EnvelopeError(f"not JSON: {exc}") from None
    except RecursionError:  # "[[[[…" nested beyond the parser's depth: anyone who can push notes can write it
        raise EnvelopeError("not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise EnvelopeError("not a JSON object")
    kind, payload, signatures = data.get("payloadType"), data.get("payload"), data.get("signatures")
    if not isinstance(kind, str) or not isinstance(payload, str) or not isinstance(signatures, list):
        raise EnvelopeError("payloadType, payload and signatures are required")
    if not signatures:
        raise EnvelopeError("no signatures")
    parsed = []
    for item in signatures:
        if not isinstance(item, dict) or not isinstance(item.get("sig"), str):
            raise EnvelopeError("a signature has no 'sig'")
        keyid = item.get("keyid", "")
        try:
            armored = base64.b64decode(item["sig"], validate=True).decode("ascii")
        except ValueError:  # binascii.Error, a non-ASCII str (b64decode's own ValueError), UnicodeDecodeError
            raise EnvelopeError("a signature is not base64 of an armored SSH signature") from None
        if not armored.startswith("-----BEGIN SSH SIGNATURE-----"):
            raise EnvelopeError("a signature is not an SSH signature")
        parsed.append(Signature(keyid if isinstance(keyid, str) else "", armored))
    try:
        body = base64.b64decode(payload, validate=True)
    except ValueError:  # binascii.Error, or a str with non-ASCII characters in it
        raise EnvelopeError("payload is not base64") from None
    return Envelope(kind, body, tuple(parsed))
