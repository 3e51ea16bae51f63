"""Where the reviewer's own reviewtui files live, outside any repository.

Apart from `config.py` so that the queue memo can name the user's file (one of its inputs) without importing the
configuration schema and the agent identities it validates against.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "reviewtui" / "config.toml"


def user_state_path() -> Path:
    """Per user and machine, like shell history: the action journal and the queue memo's key live here."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "reviewtui"
