"""The caches' storage prunes itself: entries unused for a month and temporary files of killed writers go, entries
in use stay, and the walk happens at most once a day."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from reviewtui import jsonstore
from reviewtui.jsonstore import DAY, KEEP_DAYS, JsonStore


def key(prefix: str) -> str:
    """A key shaped like the caches' (sha256 hex), starting with `prefix`."""
    return prefix + "0" * (64 - len(prefix))


def aged(path: Path, days: float) -> None:
    when = time.time() - days * DAY
    os.utime(path, (when, when))


def test_unused_entries_and_stale_temporaries_are_pruned(tmp_path: Path) -> None:
    store = JsonStore(tmp_path / "store")
    for name in ("aa11", "aa22", "bb33"):
        store.write(key(name), {"key": name})
    old, fresh, used = store.path(key("aa11")), store.path(key("aa22")), store.path(key("bb33"))
    aged(old, KEEP_DAYS + 1)
    aged(used, KEEP_DAYS + 1)
    assert store.read(key("bb33")) == {"key": "bb33"}  # reading marks it used
    leftover = old.parent / ".tmp-killed-writer"
    leftover.write_bytes(b"{")
    aged(leftover, 1)
    young_temp = old.parent / ".tmp-writing-now"
    young_temp.write_bytes(b"{")
    assert store.prune() == 2
    assert not old.exists() and not leftover.exists()
    assert fresh.exists() and used.exists() and young_temp.exists()


def test_pruning_runs_at_most_once_a_day(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = JsonStore(root)
    store.write(key("cc44"), {})
    aged(store.path(key("cc44")), KEEP_DAYS + 1)
    assert store.prune_daily() == 1
    store.write(key("dd55"), {})
    aged(store.path(key("dd55")), KEEP_DAYS + 1)
    assert JsonStore(root).path(key("dd55")).exists(), "pruned less than a day ago: not walked again"
    assert store.prune_daily(now=time.time() + DAY + 60) == 1


def test_a_missing_or_unwritable_folder_costs_nothing(tmp_path: Path) -> None:
    assert JsonStore(tmp_path / "absent").prune_daily() == 0
    assert not (tmp_path / "absent").exists()
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where the folder should be")  # root runs the suite: permissions would not stop it
    store = JsonStore(blocked)
    store.write(key("ee66"), {"x": 1})
    assert store.read(key("ee66")) is None
    assert store.prune_daily() == 0


def test_a_folder_removed_during_a_run_is_made_again(tmp_path: Path) -> None:
    store = JsonStore(tmp_path / "store")
    store.write(key("ff77"), {"n": 1})
    shutil.rmtree(tmp_path / "store")
    store.write(key("ff88"), {"n": 2})
    assert store.read(key("ff88")) == {"n": 2}


def test_links_planted_in_the_cache_are_never_followed(tmp_path: Path) -> None:
    """Whoever can write the cache folder cannot make the prune delete, or a write land, outside it."""
    store = JsonStore(tmp_path / "store")
    store.write(key("ab"), {"x": 1})
    victim = tmp_path / "victim"
    victim.mkdir()
    precious = victim / (key("cd") + ".json")
    precious.write_text("{}")
    aged(precious, KEEP_DAYS + 1)
    temporary = victim / ".tmp-precious"
    temporary.write_text("{}")
    aged(temporary, 1)
    (tmp_path / "store" / "cd").symlink_to(victim, target_is_directory=True)
    (tmp_path / "store" / "ab" / (key("ef") + ".json")).symlink_to(precious)
    assert store.prune(now=time.time() + KEEP_DAYS * DAY) == 1  # only the store's own old entry
    assert precious.exists() and temporary.exists()
    store.write(key("cd"), {"y": 2})
    assert sorted(p.name for p in victim.iterdir()) == sorted([precious.name, temporary.name])
    linked_root = tmp_path / "linked"
    linked_root.symlink_to(victim, target_is_directory=True)
    assert JsonStore(linked_root).prune(now=time.time() + KEEP_DAYS * DAY) == 0
    assert precious.exists()


def test_a_read_only_store_still_answers_old_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Marking an entry used fails on a read-only mount (simulated: root ignores mode bits); the entry is still
    read."""
    store = JsonStore(tmp_path / "store")
    store.write(key("aa"), {"v": 1})
    aged(store.path(key("aa")), 2)

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "utime", refuse)
    assert store.read(key("aa")) == {"v": 1}


def test_shaped_records_take_exact_types_only() -> None:
    """The caches' hot records are checked position by position: a bool is not an int, None only where optional,
    a record of another length is refused, as the per-field converters refuse them."""
    shape = (jsonstore.STR, jsonstore.OPT_INT, jsonstore.NUM, jsonstore.BOOL)
    assert jsonstore.shaped(["a", None, 1.5, True], shape) == ["a", None, 1.5, True]
    assert jsonstore.shaped(["a", 3, 2, False], shape) == ["a", 3, 2, False]
    for bad in (["a", True, 1.0, True], [None, 1, 1.0, True], ["a", 1, "1", True], ["a", 1, 1.0, 1], ["a", 1, 1.0],
                ["a", 1, 1.0, True, 5], ("a", 1, 1.0, True), "abcd", {"a": 1}):
        with pytest.raises(TypeError):
            jsonstore.shaped(bad, shape)
    assert jsonstore.numbers({"x": 1, "y": 2.5}) == {"x": 1, "y": 2.5}
    for bad_numbers in ({"x": True}, {"x": "1"}, {"x": None}, [1, 2]):
        with pytest.raises(TypeError):
            jsonstore.numbers(bad_numbers)
