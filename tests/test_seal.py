"""Cache entries are sealed with the reviewer's own key (`reviewtui/seal.py`): only this user's reviewtui's entries
are read back, whatever else can write the repository."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reviewtui.jsonstore import JsonStore
from reviewtui.places import user_state_path
from reviewtui.seal import KEY_FILE, seal, unseal

KEY = "ab" * 32


def test_an_entry_reads_back_and_the_key_is_the_users_alone(tmp_path: Path) -> None:
    store = JsonStore(tmp_path / "store")
    store.write(KEY, {"n": 1})
    assert store.read(KEY) == {"n": 1}
    key_file = user_state_path() / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes()) == 32
    assert str(user_state_path()) not in str(tmp_path / "store"), "the key lives outside the repository"


def test_an_entry_without_this_users_seal_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = JsonStore(tmp_path / "store")
    store.write(KEY, {"findings": ["one"]})
    path = store.path(KEY)
    body = unseal(path.read_bytes())
    assert body == b'{"findings":["one"]}'
    path.write_bytes(body.replace(b"one", b"none"))  # well formed, the right key's name, no seal
    assert store.read(KEY) is None
    path.write_bytes(b"0" * 64 + b"\n" + body)  # a seal of the right shape, made without the key
    assert store.read(KEY) is None
    store.write(KEY, {"findings": ["one"]})
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "another-user"))
    assert store.read(KEY) is None, "another user's key does not open this user's entries"
    store.write(KEY, {"findings": []})
    assert store.read(KEY) == {"findings": []}


def test_without_a_key_nothing_is_written_or_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A state folder that cannot hold the key (here a file where it should be: the suite runs as root, so
    permissions would not stop it) costs the caches, not the run."""
    blocked = tmp_path / "state"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))
    store = JsonStore(tmp_path / "store")
    store.write(KEY, {"n": 1})
    assert not store.path(KEY).exists()
    assert store.read(KEY) is None
    assert seal(b"x") is None


def test_a_damaged_key_is_replaced_and_a_linked_one_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key file cut short (a writer killed half way) would turn every cache off for good: it is replaced. A key
    that is a symlink (planted to a key someone else knows) is not followed."""
    for case in ("empty", "short", "link"):
        state = tmp_path / case
        (state / "reviewtui").mkdir(parents=True)
        target = state / "reviewtui" / KEY_FILE
        if case == "link":
            elsewhere = tmp_path / "planted.key"
            elsewhere.write_bytes(b"k" * 32)
            os.symlink(elsewhere, target)
        else:
            target.write_bytes(b"" if case == "empty" else b"k" * 31)
        monkeypatch.setenv("XDG_STATE_HOME", str(state))
        sealed = seal(b"x")
        if case == "link":
            assert sealed is None
            assert (tmp_path / "planted.key").read_bytes() == b"k" * 32
        else:
            assert sealed is not None and unseal(sealed) == b"x", case
            assert len(target.read_bytes()) == 32 and stat.S_IMODE(target.stat().st_mode) == 0o600
            assert [p.name for p in target.parent.iterdir()] == [KEY_FILE], "no temporary file left"
