"""The caches' storage prunes itself: entries unused for a month and temporary files of killed writers go, entries
in use stay, and the walk happens at most once a day."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from reviewtui.jsonstore import DAY, KEEP_DAYS, JsonStore


def aged(path: Path, days: float) -> None:
    when = time.time() - days * DAY
    os.utime(path, (when, when))


def test_unused_entries_and_stale_temporaries_are_pruned(tmp_path: Path) -> None:
    store = JsonStore(tmp_path / "store")
    for key in ("aa11", "aa22", "bb33"):
        store.write(key, {"key": key})
    old, fresh, used = store.path("aa11"), store.path("aa22"), store.path("bb33")
    aged(old, KEEP_DAYS + 1)
    aged(used, KEEP_DAYS + 1)
    assert store.read("bb33") == {"key": "bb33"}  # reading marks it used
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
    store.write("cc44", {})
    aged(store.path("cc44"), KEEP_DAYS + 1)
    assert store.prune_daily() == 1
    store.write("dd55", {})
    aged(store.path("dd55"), KEEP_DAYS + 1)
    assert JsonStore(root).path("dd55").exists(), "pruned less than a day ago: not walked again"
    assert store.prune_daily(now=time.time() + DAY + 60) == 1


def test_a_missing_or_unwritable_folder_costs_nothing(tmp_path: Path) -> None:
    assert JsonStore(tmp_path / "absent").prune_daily() == 0
    assert not (tmp_path / "absent").exists()
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file where the folder should be")  # root runs the suite: permissions would not stop it
    store = JsonStore(blocked)
    store.write("ee66", {"x": 1})
    assert store.read("ee66") is None
    assert store.prune_daily() == 0


def test_a_folder_removed_during_a_run_is_made_again(tmp_path: Path) -> None:
    store = JsonStore(tmp_path / "store")
    store.write("ff77", {"n": 1})
    shutil.rmtree(tmp_path / "store")
    store.write("ff88", {"n": 2})
    assert store.read("ff88") == {"n": 2}
