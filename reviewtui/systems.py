"""The system map: which systems a path belongs to, and how critical each is (`.reviewtui/systems.toml`).

Tier 1 means revenue-critical: rules marked "Tier-1 only" apply there, and risk weighs it. The map is read at a
change's base commit, never its head, so a change cannot move its own files out of Tier 1. Globs follow gitignore
conventions closely enough for code owners: `**` crosses directories, `*` stays within one path segment.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass

from reviewtui.errors import ConfigError

SYSTEMS_FILE = ".reviewtui/systems.toml"
_KEYS = {"name", "tier", "paths", "owners", "exclude"}


@dataclass(frozen=True, slots=True)
class System:
    name: str
    tier: int
    paths: tuple[str, ...]
    owners: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def owns(self, path: str) -> bool:
        return any(glob_match(p, path) for p in self.paths) and not any(glob_match(p, path) for p in self.exclude)


@dataclass(frozen=True, slots=True)
class SystemMap:
    systems: tuple[System, ...] = ()
    source: str = "(none)"

    def systems_for(self, path: str) -> tuple[System, ...]:
        """Every system that owns `path` (a shared library can belong to several); empty means unmapped."""
        return tuple(s for s in self.systems if s.owns(path))

    def is_tier1(self, path: str) -> bool:
        return any(s.tier == 1 for s in self.systems_for(path))

    def systems_of(self, paths: Iterable[str]) -> tuple[System, ...]:
        found: dict[str, System] = {}
        for path in paths:
            for system in self.systems_for(path):
                found.setdefault(system.name, system)
        return tuple(sorted(found.values(), key=lambda s: (s.tier, s.name)))

    def digest(self) -> str:
        """sha256 of a canonical form: approvals record which map judged the change."""
        return _digest(self.systems)


def parse_system_map(text: str, source: str) -> SystemMap:
    """Parse and validate; errors name the file and the entry, because a broken map silently un-tiers code."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: invalid TOML: {exc}") from None
    unknown = set(data) - {"system"}
    if unknown:
        raise ConfigError(f"{source}: unknown key '{sorted(unknown)[0]}' (expected [[system]] tables)")
    entries = data.get("system", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: 'system' must be an array of tables ([[system]])")
    systems = []
    names: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{source}: system[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table")
        extra = set(entry) - _KEYS
        if extra:
            raise ConfigError(f"{where}: unknown key '{sorted(extra)[0]}' (known keys: {', '.join(sorted(_KEYS))})")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: name must be a non-empty string")
        if name in names:
            raise ConfigError(f"{where}: duplicate system name {name!r}")
        names.add(name)
        tier = entry.get("tier", 3)
        if not isinstance(tier, int) or isinstance(tier, bool) or tier < 1:
            raise ConfigError(f"{where} ({name}): tier must be a positive integer")
        lists = {}
        for key in ("paths", "owners", "exclude"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} ({name}): {key} must be a list of strings")
            lists[key] = tuple(value)
        if not lists["paths"]:
            raise ConfigError(f"{where} ({name}): paths must list at least one glob")
        systems.append(System(name, tier, lists["paths"], lists["owners"], lists["exclude"]))
    return SystemMap(tuple(systems), source)


def glob_match(pattern: str, path: str) -> bool:
    return glob_regex(pattern).fullmatch(path) is not None


@functools.lru_cache(maxsize=4096)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """CODEOWNERS semantics: `**` any depth, `*` and `?` within a segment; a pattern without a slash matches the
    name at any depth; a trailing slash or a plain name matches everything under it, but `docs/*` only the files
    directly in docs/."""
    pattern = pattern.strip()
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    prefix = "" if anchored else "(?:.*/)?"
    last = pattern.rsplit("/", 1)[-1]
    suffix = "" if "*" in last or "?" in last else "(?:/.*)?"
    return re.compile(prefix + body + suffix, re.DOTALL)


@functools.lru_cache(maxsize=256)
def _digest(systems: tuple[System, ...]) -> str:
    """Asked once per change (part of its cache key) for the same few maps: remembered by content."""
    canonical = json.dumps(
        [[s.name, s.tier, list(s.paths), list(s.owners), list(s.exclude)] for s in systems],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
