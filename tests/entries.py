"""Cache entries as tests plant and read them: sealed with the reviewer's key (`reviewtui/seal.py`), as reviewtui
writes them, so a planted entry reaches the checks behind the seal (shape, key, field types) instead of stopping at
the seal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reviewtui.seal import seal, unseal


def sealed(data: str | bytes) -> bytes:
    entry = seal(data.encode() if isinstance(data, str) else data)
    assert entry is not None, "no key could be made in the test's state folder"
    return entry


def opened(path: Path) -> Any:
    """The JSON an entry seals; fails the test when the seal is not this user's."""
    data = unseal(path.read_bytes())
    assert data is not None, f"{path}: not sealed by this user"
    return json.loads(data)
