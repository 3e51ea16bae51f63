"""Sealing cache entries with the reviewer's own key, so that only entries this user's reviewtui wrote are read back.

The caches live in the git dir, and whoever can write the repository can write them: another user of a shared
clone, a tool run in the checkout, or the coding agent whose changes are under review, working in the very clone the
reviewer runs reviewtui in. Entries were checked field by field and never run as code, but a well-formed forgery
could still say what the queue shows (no findings on a change, a verdict in a kept queue answer). Each entry is now
an HMAC-SHA256 seal over its bytes, with a key that lives outside every repository: 32 random bytes in the
reviewer's state folder (`$XDG_STATE_HOME/reviewtui/cache.key`, mode 0600), made on first use. An entry whose seal
does not match is a miss, recomputed and overwritten, like any damaged entry.

Without a key (none made yet, or the state folder cannot be written) nothing is read back and nothing is written:
reviewtui works, only slower. Deleting the key drops every cache at once.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from reviewtui.places import user_state_path

KEY_FILE = "cache.key"
_SIZE = 32
_SEAL = 64
"""Hex digits of an HMAC-SHA256, then a newline, then the sealed bytes."""
_KEYS: dict[str, bytes] = {}
"""Per key file: the key, read once per process (a test, or a caller that moves XDG_STATE_HOME, gets the one its
state folder holds)."""


def seal(data: bytes) -> bytes | None:
    """`data` with its seal in front, or None when there is no key and none can be made."""
    key = user_key(create=True)
    if key is None:
        return None
    return _mac(key, data) + b"\n" + data


def unseal(entry: bytes) -> bytes | None:
    """The bytes an entry seals, or None when its seal is not this user's (forged, damaged, another user's)."""
    key = user_key(create=False)
    if key is None or len(entry) <= _SEAL or entry[_SEAL : _SEAL + 1] != b"\n":
        return None
    data = entry[_SEAL + 1 :]
    if not hmac.compare_digest(entry[:_SEAL], _mac(key, data)):
        return None
    return data


def user_key(*, create: bool) -> bytes | None:
    """The reviewer's key, read once per process; made on first use when `create` (O_EXCL: of two processes making
    it at once, both end with the one that won)."""
    path = user_state_path() / KEY_FILE
    known = _KEYS.get(str(path))
    if known is not None:
        return known
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(_SIZE + 1)
    except FileNotFoundError:
        return _made(path) if create else None
    except OSError:
        return None
    if len(data) != _SIZE:
        return None
    _KEYS[str(path)] = data
    return data


def _made(path: Path) -> bytes | None:
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return user_key(create=False)
    except OSError:
        return None
    secret = os.urandom(_SIZE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    _KEYS[str(path)] = secret
    return secret


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()
