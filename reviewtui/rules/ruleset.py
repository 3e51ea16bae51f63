"""The rules in force for a change, compiled once, with a digest that signed approvals record.

Packs load in a fixed order: the built-in pack in the package, central packs from configured paths, then
repo-local packs in `.reviewtui/rules/`. Repo-local packs and the repository's `[rules]` configuration are read from
the change's BASE commit, never its head: a change cannot switch off or weaken the rules that judge it. A rule id
defined twice across packs is an error naming both files.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from reviewtui import __version__
from reviewtui.config import REPO_CONFIG, RulesConfig, config_from_text, load_config
from reviewtui.errors import ConfigError
from reviewtui.repository import Repository
from reviewtui.rules.central import MissingPack, pack_digest, read_packs
from reviewtui.rules.pack import RuleError, parse_pack, validate_options
from reviewtui.rules.rule import Rule, Severity

LOCAL_RULES_DIR = ".reviewtui/rules"


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...]
    digest: str
    packs: tuple[str, ...]
    """The pack files in force, in load order, for messages and audit."""

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@functools.lru_cache(maxsize=1)
def builtin_rules() -> tuple[Rule, ...]:
    """The packs shipped inside the package (`reviewtui/data/rules/*.toml`), as one built-in pack."""
    rules: list[Rule] = []
    for name, text in _builtin_packs():
        rules += parse_pack(text.decode("utf-8"), origin=f"builtin:{name}", source="builtin")
    return tuple(rules)


@functools.lru_cache(maxsize=1)
def _builtin_packs() -> tuple[tuple[str, bytes], ...]:
    folder = resources.files("reviewtui.data").joinpath("rules")
    items = sorted((i for i in folder.iterdir() if i.name.endswith(".toml")), key=lambda i: i.name)
    return tuple((item.name, item.read_bytes()) for item in items)


def central_rules(paths: tuple[Path, ...]) -> list[Rule]:
    return _parse_central(_read_central(paths))


def _read_central(paths: tuple[Path, ...]) -> tuple[tuple[str, bytes], ...]:
    """The central packs' (file name, bytes), read once per rule set: what is hashed for the cache key is what is
    compiled, even if a pack is edited meanwhile."""
    try:
        return tuple(read_packs(paths))
    except MissingPack as exc:
        raise RuleError(f"{exc.path}: central rule pack not found (rules.central)") from None
    except OSError as exc:
        raise RuleError(f"{exc.filename}: cannot read rule pack: {exc}") from None


def _parse_central(sources: tuple[tuple[str, bytes], ...]) -> list[Rule]:
    rules: list[Rule] = []
    for name, data in sources:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleError(f"{name}: cannot read rule pack: {exc}") from None
        rules += parse_pack(text, origin=name, source="central")
    return rules


def local_rules(repo: Repository, base: str) -> list[Rule]:
    """`.reviewtui/rules/*.toml` as committed at `base`."""
    out = repo.run("ls-tree", "-z", "--full-tree", base, "--", f"{LOCAL_RULES_DIR}/", check=False)
    rules: list[Rule] = []
    for entry in sorted(e for e in out.split(b"\x00") if e):
        meta, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", "surrogateescape")
        if not path.endswith(".toml") or meta.split(b" ")[1] != b"blob":
            continue
        blob = repo.show_file(base, path) or b""
        origin = f"{base[:12]}:{path}"
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            raise RuleError(f"{origin}: rule pack is not valid UTF-8") from None
        rules += parse_pack(text, origin=origin, source="local")
    return rules


def rules_config_at(repo: Repository | None, base: str | None, *, user_file: Path | None = None) -> RulesConfig:
    """The `[rules]` configuration as the base commit has it (plus the reviewer's own user file)."""
    if repo is None:
        return load_config(None, user_file=user_file).rules
    if base is None:
        return load_config(repo.root, user_file=user_file).rules
    text = repo.show_file(base, str(REPO_CONFIG))
    if text is None:
        return load_config(None, user_file=user_file).rules
    return config_from_text(text, Path(f"{base[:12]}:{REPO_CONFIG}"), repo.root, user_file=user_file).rules


def build_ruleset(rules: list[Rule], config: RulesConfig, packs: tuple[str, ...]) -> RuleSet:
    """Check ids are unique, apply the team's tuning, and compute the digest of exactly what is in force."""
    first: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in first:
            raise RuleError(f"{rule.origin}: rule {rule.id}: already defined in {first[rule.id].origin}")
        first[rule.id] = rule
    for rule_id in (*config.disable, *(rid for rid, _ in config.severity), *(rid for rid, _ in config.options)):
        if rule_id not in first:
            raise ConfigError(f"rules configuration names unknown rule {rule_id!r}")
    in_force = tuple(_tuned(rule, config) for rule in rules if rule.id not in config.disable)
    canonical = json.dumps(
        {"tool": __version__, "rules": [r.canonical() for r in sorted(in_force, key=lambda r: r.id)]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return RuleSet(in_force, hashlib.sha256(canonical.encode()).hexdigest(), packs)


def _tuned(rule: Rule, config: RulesConfig) -> Rule:
    severities = dict(config.severity)
    options = dict(config.options)
    if rule.id in severities:
        rule = replace(rule, severity=Severity(severities[rule.id]))
    if rule.id in options:
        if rule.check is None:
            raise ConfigError(f"rules.options.{rule.id}: the rule has no built-in check to take options")
        merged = {**rule.options, **dict(options[rule.id])}
        validate_options(rule.check, merged, lambda problem: ConfigError(f"rules.options.{rule.id}: {problem}"))
        rule = replace(rule, options=merged)
    return rule


@dataclass(frozen=True, slots=True)
class _Sources:
    """What a rule set is built from besides the shipped packs and the base's own packs (read from git, fixed by
    the base): the `[rules]` configuration and the central packs' bytes, read once per run."""

    config: RulesConfig
    central: tuple[tuple[str, bytes], ...]


class RuleLibrary:
    """Rule sets per base commit for one run: a queue of many changes against one base compiles its rules once."""

    def __init__(self, repo: Repository | None, *, user_file: Path | None = None) -> None:
        self.repo = repo
        self.user_file = user_file
        self._cache: dict[bytes, RuleSet] = {}
        self._inputs: dict[bytes, str] = {}
        self._sources: dict[bytes, _Sources] = {}

    def at(self, base: str | None) -> RulesAt:
        return RulesAt(self, base)

    def for_base(self, base: str | None) -> RuleSet:
        key = self._key(base)
        if key not in self._cache:
            sources = self._read(base, key)
            rules = list(builtin_rules())
            rules += _parse_central(sources.central)
            if self.repo is not None and base is not None:
                rules += local_rules(self.repo, base)
            packs = tuple(dict.fromkeys(r.origin for r in rules))
            self._cache[key] = build_ruleset(rules, sources.config, packs)
        return self._cache[key]

    def inputs(self, base: str | None) -> str:
        """A digest of everything the rule set at `base` is built from (the shipped packs, the `[rules]`
        configuration at the base with the reviewer's own file, the central packs' bytes, the base's local packs).
        The analysis cache is keyed by it rather than by the rule set's own digest: a warm queue takes every
        analysis from the cache, and compiling the shipped packs only to learn their digest was a fifth of it. The
        rule set compiled later (`for_base`) is built from the very bytes hashed here."""
        key = self._key(base)
        if key not in self._inputs:
            self._inputs[key] = _digest(self._read(base, key), key)
        return self._inputs[key]

    def central_uses(self) -> list[tuple[tuple[str, ...], str]]:
        """The central pack paths of every rule set read so far, each with the digest of the bytes read from them
        (what the queue memo checks the disk against before giving an answer made with them)."""
        return [
            (tuple(str(p) for p in sources.config.central), pack_digest(sources.central))
            for sources in self._sources.values()
        ]

    def _read(self, base: str | None, key: bytes) -> _Sources:
        if key not in self._sources:
            config = rules_config_at(self.repo, base, user_file=self.user_file)
            self._sources[key] = _Sources(config, _read_central(config.central))
        return self._sources[key]

    def _key(self, base: str | None) -> bytes:
        """The blob ids of the base's config and local packs: commits that share them share a rule set."""
        if self.repo is None or base is None:
            return b"-"
        # A tree id covers the folder's whole content; both ids come from the persistent cat-file (no process).
        ids = (self.repo.object_id(base, str(REPO_CONFIG)), self.repo.object_id(base, LOCAL_RULES_DIR))
        return f"{ids[0]} {ids[1]}".encode()


def _digest(sources: _Sources, key: bytes) -> str:
    digest = hashlib.sha256()
    for name, text in _builtin_packs():
        digest.update(f"builtin {name} {len(text)}\n".encode())
        digest.update(text)
    settings = json.dumps(dataclasses.asdict(sources.config), sort_keys=True, default=str)
    digest.update(f"{__version__}\n{settings}\n".encode() + key + b"\n")
    for name, data in sources.central:
        digest.update(f"central {name} {len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class RulesAt:
    """The rule set in force at one base, compiled when first asked for. An analysis taken from the cache needs the
    rules only to sign a decision or to describe a finding's rule; most queue runs never do either."""

    library: RuleLibrary
    base: str | None

    def get(self) -> RuleSet:
        return self.library.for_base(self.base)
