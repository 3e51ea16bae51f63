"""A self-contained demo: a small online shop's git repository with a queue of AI-agent changes.

`build_demo()` creates it on disk in a couple of seconds, deterministically: two builds give identical
commit shas for every change's ref, so tests, docs and screenshots can refer to real commits. Reviewer SSH keys
are generated fresh for each build and kept outside the repository; main's commits since the policy (which
commits the public keys) and the signed decisions in git notes therefore differ between builds, and nothing else.
After the policy, a handful of changes land with signed reviews (`landed.py`) so `reviewtui audit` has a story.
"""

from __future__ import annotations

from reviewtui.demo.changes import PENDING_CHANGES
from reviewtui.demo.errors import DemoBuildError
from reviewtui.demo.history import MERGED_CHANGES
from reviewtui.demo.identity import Reviewer
from reviewtui.demo.landed import LANDED
from reviewtui.demo.recipes import Landing
from reviewtui.demo.workspace import DemoWorkspace, build_demo

EXPECTED_PENDING: int = 24
EXPECTED_MERGED: int = 8
"""Two agent changes merged before the policy, and six that landed with signed reviews after it."""

# (change id, what it exercises): `pr/<N>` for refs/pull/<N>/head, otherwise the branch name.
SCENARIOS: tuple[tuple[str, str], ...] = tuple((change.change_id, change.description) for change in PENDING_CHANGES)
MERGED_SCENARIOS: tuple[tuple[str, str], ...] = tuple(
    (change.change_id, change.description)
    for change in (*MERGED_CHANGES, *(entry.change for entry in LANDED if isinstance(entry, Landing)))
)
AUDIT_SCENARIOS: dict[str, str] = {
    entry.change.change_id: entry.expected for entry in LANDED if isinstance(entry, Landing)
}
"""What `reviewtui audit` says of each change that landed with signed reviews: approved, insufficient, stale, ..."""

__all__ = [
    "AUDIT_SCENARIOS",
    "EXPECTED_MERGED",
    "EXPECTED_PENDING",
    "MERGED_SCENARIOS",
    "SCENARIOS",
    "DemoBuildError",
    "DemoWorkspace",
    "Reviewer",
    "build_demo",
]
