"""The two-person policy (`.reviewtui/policy.toml`), read at the change's base like every governance file.

A change that lowers `required`, adds its author to allowed_signers or edits this file is judged by the base
versions, so it cannot approve itself into the base. Every key is documented in docs/approval-format.md.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from typing import Any

from reviewtui.errors import ConfigError

POLICY_FILE = ".reviewtui/policy.toml"
DEFAULT_ALLOWED_SIGNERS = ".reviewtui/allowed_signers"
_SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Person:
    principal: str
    emails: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RubberStamp:
    """When `reviewtui audit` flags an approval as possibly unread; flags inform, they never change a verdict.

    A value of 0 turns its indicator off."""

    min_seconds_per_100_lines: float = 30.0
    """Flag an approval recorded as faster than this per 100 changed lines."""
    min_coverage: float = 0.5
    """Flag an approval whose reviewer was shown less than this fraction of the change's hunks."""
    approvals_within_seconds: float = 60.0
    """Flag two approvals of one change signed within this many seconds of each other."""
    max_approvals_per_hour: int = 10
    """Flag a reviewer's approvals when they signed more than this many within an hour."""


@dataclass(frozen=True, slots=True)
class Policy:
    required: int = 2
    required_by_tier: dict[int, int] = field(default_factory=dict)
    allowed_signers: str = DEFAULT_ALLOWED_SIGNERS
    revoked_keys: str | None = None
    acknowledge: tuple[str, ...] = ("high", "critical")
    """Tier 1: severities every approver must acknowledge or waive, with a reason."""
    full_coverage: bool = True
    """Tier 1: every hunk of Tier-1 files must have been displayed to each approver."""
    min_seconds_per_100_lines: float = 0.0
    """Tier 1: an approval faster than this per 100 changed lines is recorded but not counted."""
    people: tuple[Person, ...] = ()
    rubber_stamp: RubberStamp = RubberStamp()
    digest: str = ""
    source: str = "(built-in defaults)"

    def required_for(self, tier: int | None) -> int:
        if tier is not None and tier in self.required_by_tier:
            return self.required_by_tier[tier]
        return self.required

    def person(self, principal: str) -> Person:
        for person in self.people:
            if person.principal == principal:
                return person
        return Person(principal, (principal,) if "@" in principal else ())


def default_policy() -> Policy:
    return Policy(digest=hashlib.sha256(b"reviewtui default policy v1").hexdigest())


def parse_policy(text: bytes, label: str) -> Policy:
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None
    _keys(label, "", data, {"approvals", "tier1", "person", "rubber_stamp"})
    approvals = _table(label, data, "approvals")
    tier1 = _table(label, data, "tier1")
    _keys(label, "approvals.", approvals, {"required", "required_by_tier", "allowed_signers", "revoked_keys"})
    _keys(label, "tier1.", tier1, {"acknowledge", "full_coverage", "min_seconds_per_100_lines"})
    required = approvals.get("required", 2)
    if not isinstance(required, int) or isinstance(required, bool) or required < 1:
        raise ConfigError(f"{label}: approvals.required must be a positive integer")
    by_tier: dict[int, int] = {}
    for tier, count in _table(label, approvals, "required_by_tier").items():
        if not str(tier).isdigit() or not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ConfigError(f'{label}: approvals.required_by_tier must map tiers ("1") to positive integers')
        by_tier[int(tier)] = count
    acknowledge = tier1.get("acknowledge", ["high", "critical"])
    if not isinstance(acknowledge, list) or not all(a in _SEVERITIES for a in acknowledge):
        raise ConfigError(f"{label}: tier1.acknowledge must list severities ({', '.join(_SEVERITIES)})")
    seconds = tier1.get("min_seconds_per_100_lines", 0)
    if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
        raise ConfigError(f"{label}: tier1.min_seconds_per_100_lines must be a non-negative number")
    coverage = tier1.get("full_coverage", True)
    if not isinstance(coverage, bool):
        raise ConfigError(f"{label}: tier1.full_coverage must be true or false")
    return Policy(
        required=required,
        required_by_tier=by_tier,
        allowed_signers=_string(label, approvals, "allowed_signers", DEFAULT_ALLOWED_SIGNERS),
        revoked_keys=approvals.get("revoked_keys") if isinstance(approvals.get("revoked_keys"), str) else None,
        acknowledge=tuple(acknowledge),
        full_coverage=coverage,
        min_seconds_per_100_lines=float(seconds),
        people=_people(label, data.get("person", [])),
        rubber_stamp=_rubber_stamp(label, _table(label, data, "rubber_stamp")),
        digest=hashlib.sha256(text).hexdigest(),
        source=label,
    )


def _people(label: str, entries: Any) -> tuple[Person, ...]:
    if not isinstance(entries, list):
        raise ConfigError(f"{label}: person must be an array of tables ([[person]])")
    people = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("principal"), str):
            raise ConfigError(f"{label}: person[{index}].principal is required")
        _keys(label, f"person[{index}].", entry, {"principal", "emails", "names"})
        lists = []
        for key in ("emails", "names"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{label}: person[{index}].{key} must be a list of strings")
            lists.append(tuple(v.lower() for v in value))
        emails = lists[0] or ((entry["principal"].lower(),) if "@" in entry["principal"] else ())
        people.append(Person(entry["principal"], emails, lists[1]))
    return tuple(people)


def _rubber_stamp(label: str, table: dict[str, Any]) -> RubberStamp:
    defaults = RubberStamp()
    _keys(label, "rubber_stamp.", table, set(RubberStamp.__dataclass_fields__))
    values: dict[str, float] = {}
    for key in ("min_seconds_per_100_lines", "min_coverage", "approvals_within_seconds"):
        value = table.get(key, getattr(defaults, key))
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{label}: rubber_stamp.{key} must be a non-negative number")
        values[key] = float(value)
    if values["min_coverage"] > 1:
        raise ConfigError(f"{label}: rubber_stamp.min_coverage must be a fraction between 0 and 1")
    per_hour = table.get("max_approvals_per_hour", defaults.max_approvals_per_hour)
    if not isinstance(per_hour, int) or isinstance(per_hour, bool) or per_hour < 0:
        raise ConfigError(f"{label}: rubber_stamp.max_approvals_per_hour must be a non-negative integer")
    return RubberStamp(max_approvals_per_hour=per_hour, **values)


def _table(label: str, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{label}: {key} must be a table")
    return value


def _string(label: str, data: dict[str, Any], key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{label}: approvals.{key} must be a path")
    return value


def _keys(label: str, prefix: str, table: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{label}: unknown key '{prefix}{unknown[0]}' (known: {', '.join(sorted(known))})")
