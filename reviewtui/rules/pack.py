"""Read a rule pack (TOML, documented in docs/rules.md) into validated Rules.

A broken pack is an error naming the file, the rule and the problem; it is never skipped, because a silently
missing rule is a hole in review that nobody sees.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from reviewtui.errors import ReviewtuiError
from reviewtui.rules.checks import get_check
from reviewtui.rules.rule import FILE_EVENTS, Rule, Scope, Severity


class RuleError(ReviewtuiError):
    """A rule pack is invalid."""


_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_REQUIRED = ("id", "title", "severity", "message", "scope")
_STRINGS = ("id", "title", "severity", "message", "scope", "rationale", "docs", "fix", "pattern", "check")
_LISTS = ("paths", "exclude", "languages", "events", "keywords")
_KEYS = frozenset((*_STRINGS, *_LISTS, "tier1_only", "skip_long_lines", "options"))
_PACK_KEYS = frozenset({"pack", "rule"})
_LINE_SCOPES = frozenset({Scope.ADDED, Scope.REMOVED, Scope.CONTEXT, Scope.LINES})


def parse_pack(text: str, *, origin: str, source: str) -> list[Rule]:
    """Rules of one pack file; `source` is builtin, central or local."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{origin}: invalid TOML: {exc}") from None
    unknown = set(data) - _PACK_KEYS
    if unknown:
        raise RuleError(f"{origin}: unknown top-level key '{sorted(unknown)[0]}' (expected [pack] and [[rule]])")
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError(f"{origin}: 'rule' must be an array of tables ([[rule]])")
    rules = [_rule(table, index, origin, source) for index, table in enumerate(tables)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{origin}: rule {rule.id}: defined twice in this pack")
        seen.add(rule.id)
    return rules


def _rule(table: dict[str, Any], index: int, origin: str, source: str) -> Rule:
    label = f"rule {table['id']}" if isinstance(table.get("id"), str) else f"rule #{index + 1}"

    def fail(problem: str) -> RuleError:
        return RuleError(f"{origin}: {label}: {problem}")

    extra = set(table) - _KEYS
    if extra:
        raise fail(f"unknown key '{sorted(extra)[0]}'")
    for key in _REQUIRED:
        if key not in table:
            raise fail(f"'{key}' is required")
    for key in _STRINGS:
        if key in table and not isinstance(table[key], str):
            raise fail(f"'{key}' must be a string")
    for key in _LISTS:
        if key in table and (not isinstance(table[key], list) or not all(isinstance(v, str) for v in table[key])):
            raise fail(f"'{key}' must be a list of strings")
    if "tier1_only" in table and not isinstance(table["tier1_only"], bool):
        raise fail("'tier1_only' must be true or false")
    if "skip_long_lines" in table and not isinstance(table["skip_long_lines"], bool):
        raise fail("'skip_long_lines' must be true or false")
    if table.get("skip_long_lines") and _enum(Scope, table["scope"], "scope", fail) not in _LINE_SCOPES:
        raise fail("'skip_long_lines' only applies to rules on lines (scope added, removed, context or lines)")
    if "options" in table and not isinstance(table["options"], dict):
        raise fail("'options' must be a table")
    if not _ID.match(table["id"]):
        raise fail("id must be lower-case letters, digits, '.', '_' or '-'")
    severity = _enum(Severity, table["severity"], "severity", fail)
    scope = _enum(Scope, table["scope"], "scope", fail)
    events = tuple(table.get("events", ()))
    for event in events:
        if event not in FILE_EVENTS:
            raise fail(f"unknown event {event!r} (known: {', '.join(FILE_EVENTS)})")
    if events and scope is not Scope.FILE:
        raise fail("'events' only applies to scope \"file\"")
    pattern = _pattern(table.get("pattern"), fail)
    keywords = tuple(k.casefold() for k in table.get("keywords", ()))
    if keywords and (pattern is None or scope not in _LINE_SCOPES):
        raise fail("'keywords' only applies to a 'pattern' on lines (scope added, removed, context or lines)")
    if any(not k for k in keywords):
        raise fail("'keywords' must not contain an empty string")
    check_name = table.get("check")
    options = dict(table.get("options", {}))
    if pattern is not None and check_name is not None:
        raise fail("give either 'pattern' or 'check', not both")
    if check_name is not None:
        _validate_check(check_name, scope, options, fail)
    elif options:
        raise fail("'options' only applies to rules with a 'check'")
    elif scope is Scope.CHANGE:
        raise fail("scope \"change\" needs a built-in 'check'")
    elif pattern is None and scope is not Scope.FILE:
        raise fail("needs a 'pattern' or a 'check'")
    return Rule(
        id=table["id"],
        title=table["title"],
        severity=severity,
        message=table["message"],
        scope=scope,
        source=source,
        origin=origin,
        rationale=table.get("rationale", ""),
        docs=table.get("docs"),
        fix=table.get("fix"),
        paths=tuple(table.get("paths", ())),
        exclude=tuple(table.get("exclude", ())),
        languages=tuple(table.get("languages", ())),
        tier1_only=table.get("tier1_only", False),
        events=events,
        pattern=pattern,
        keywords=keywords,
        check=check_name,
        options=options,
        skip_long_lines=table.get("skip_long_lines", False),
    )


def _enum(kind: type[Severity] | type[Scope], value: str, key: str, fail: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise fail(f"unknown {key} {value!r} (known: {known})") from None


def _pattern(text: str | None, fail: Any) -> re.Pattern[str] | None:
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise fail(f"bad regular expression: {exc}") from None


def _validate_check(name: str, scope: Scope, options: dict[str, Any], fail: Any) -> None:
    spec = get_check(name)
    if spec is None:
        raise fail(f"unknown built-in check {name!r}")
    if scope not in spec.scopes:
        allowed = ", ".join(sorted(s.value for s in spec.scopes))
        raise fail(f"check {name!r} does not work with scope {scope.value!r} (use: {allowed})")
    validate_options(name, options, fail)


def validate_options(name: str, options: dict[str, Any], fail: Any) -> None:
    """Options must be ones the check declares, with the declared types (also for `[rules.options]` in config)."""
    spec = get_check(name)
    assert spec is not None
    for key, value in options.items():
        if key not in spec.options:
            known = ", ".join(sorted(spec.options)) or "none"
            raise fail(f"check {name!r} has no option {key!r} (options: {known})")
        expected = spec.options[key]
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if expected is list and ok and not all(isinstance(v, str) for v in value):
            ok = False
        if not ok:
            raise fail(f"option {key!r} must be {expected.__name__}")
