"""docs/approval-format.md documents every field reviewtui writes and every policy key it reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewtui.approvals.binding import Binding
from reviewtui.approvals.dsse import NAMESPACE, PAYLOAD_TYPE
from reviewtui.approvals.notes import NOTES_REF
from reviewtui.approvals.policy import parse_policy
from reviewtui.approvals.statement import PREDICATE_TYPE, Decision, to_statement
from reviewtui.errors import ConfigError

DOC = (Path(__file__).resolve().parents[2] / "docs" / "approval-format.md").read_text(encoding="utf-8")


def test_every_predicate_field_is_documented() -> None:
    binding = Binding("h", "t", "m", "b", "refs/heads/main", "d", "p", "r")
    predicate = to_statement(Decision("approve", "alice", "ai/x", binding, "r", "s", "p"))["predicate"]
    fields = [key for key in predicate if key != "coverage"] + [f"coverage.{key}" for key in predicate["coverage"]]
    assert [field for field in fields if f"| `{field}` |" not in DOC] == []


def _known_keys(toml: str) -> list[str]:
    """The keys parse_policy accepts in one table, as its own error message lists them."""
    with pytest.raises(ConfigError, match=r"unknown key") as raised:
        parse_policy(toml.encode(), "policy.toml")
    known = re.search(r"\(known: ([^)]*)\)", str(raised.value))
    assert known is not None
    return known.group(1).split(", ")


def test_every_policy_key_is_documented() -> None:
    keys = [f"[approvals] {key}" for key in _known_keys("[approvals]\nbogus = 1\n")]
    keys += [f"[tier1] {key}" for key in _known_keys("[tier1]\nbogus = 1\n")]
    keys += [f"[[person]] {key}" for key in _known_keys('[[person]]\nprincipal = "a"\nbogus = 1\n')]
    assert len(keys) == 10
    assert [key for key in keys if f"| `{key}` |" not in DOC] == []


def test_the_constants_are_the_documented_ones() -> None:
    for constant in (PREDICATE_TYPE, PAYLOAD_TYPE, NAMESPACE, NOTES_REF):
        assert f"`{constant}`" in DOC, constant
