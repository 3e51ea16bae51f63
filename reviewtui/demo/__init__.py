"""A self-contained demo: a small online shop's git repository with a queue of AI-agent changes.

`build_demo()` creates it on disk in a couple of seconds, deterministically: two builds give identical
commit shas for every ref, so tests, docs and screenshots can refer to real commits. Reviewer SSH keys
are generated fresh for each build and kept outside the repository.
"""

from __future__ import annotations

from reviewtui.demo.changes import PENDING_CHANGES
from reviewtui.demo.errors import DemoBuildError
from reviewtui.demo.history import MERGED_CHANGES
from reviewtui.demo.identity import Reviewer
from reviewtui.demo.workspace import DemoWorkspace, build_demo

EXPECTED_PENDING: int = 24
EXPECTED_MERGED: int = 2

# (change id, what it exercises): `pr/<N>` for refs/pull/<N>/head, otherwise the branch name.
SCENARIOS: tuple[tuple[str, str], ...] = tuple((change.change_id, change.description) for change in PENDING_CHANGES)
MERGED_SCENARIOS: tuple[tuple[str, str], ...] = tuple(
    (change.change_id, change.description) for change in MERGED_CHANGES
)

__all__ = [
    "EXPECTED_MERGED",
    "EXPECTED_PENDING",
    "MERGED_SCENARIOS",
    "SCENARIOS",
    "DemoBuildError",
    "DemoWorkspace",
    "Reviewer",
    "build_demo",
]
