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

import contextlib
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
    if not hmac.compare_digest(entry[:_SEAL], _mac(key, memoryview(entry)[_SEAL + 1 :])):
        return None
    return entry[_SEAL + 1 :]


def user_key(*, create: bool) -> bytes | None:
    """The reviewer's key, read once per process; made on first use when `create`. It is written whole to a
    temporary file and only then linked into place, so no process ever sees a partial key; a key file of the wrong
    size (a writer killed half way, an older version's) is replaced, or every cache would stay off for good."""
    path = user_state_path() / KEY_FILE
    known = _KEYS.get(str(path))
    if known is not None:
        return known
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(_SIZE + 1)
    except FileNotFoundError:
        return _made(path, replace=False) if create else None
    except OSError:
        return None
    if len(data) != _SIZE:
        return _made(path, replace=True) if create else None
    _KEYS[str(path)] = data
    return data


def _made(path: Path, *, replace: bool) -> bytes | None:
    """A new key at `path`: linked into place (of two processes making it at once, both end with the one that won),
    or put over a damaged one (`replace`)."""
    import tempfile  # only the first run of a reviewer makes a key: the queue memo's answers import nothing unneeded

    secret = os.urandom(_SIZE)
    try:
        os.makedirs(path.parent, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".key-", dir=path.parent)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    except FileExistsError:
        return user_key(create=False)
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    _KEYS[str(path)] = secret
    return secret


def _mac(key: bytes, data: bytes | memoryview) -> bytes:
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode()
