"""Configuration: where it comes from, what it may say, and what is assumed when it is silent.

Who reads what:

| source                                   | read by            | wins over       |
|------------------------------------------|--------------------|-----------------|
| built-in defaults (this module)          | everything         | nothing         |
| `$XDG_CONFIG_HOME/reviewtui/config.toml` | the reviewer's own | defaults        |
| `<repo>/.reviewtui/config.toml`          | the team           | user file       |

Validation is strict: an unknown key or a wrong type is an error naming the file and the key, because a typo in a
review tool's configuration silently weakens review. Every key is documented in docs/configuration.md.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from reviewtui.errors import ConfigError
from reviewtui.places import user_config_path
from reviewtui.provenance import FIELDS as AGENT_FIELDS
from reviewtui.provenance import AgentIdentity, builtin_identities, identity_from_table

REPO_CONFIG = Path(".reviewtui") / "config.toml"

DEFAULT_BRANCH_GLOBS = (
    "ai/*",
    "agent/*",
    "copilot/*",
    "codex/*",
    "claude/*",
    "kiro/*",
    "devin/*",
    "cursor/*",
    "jules/*",
    "aider/*",
)


@dataclass(frozen=True, slots=True)
class QueueConfig:
    base: str | None = None
    """Branch the changes target; None means: origin's default branch, else `main`, else `master`."""
    pull_refs: bool = True
    branches: tuple[str, ...] = DEFAULT_BRANCH_GLOBS
    remote_branches: bool = True
    patches: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RulesConfig:
    """Which rule packs are in force and how the team tuned them. For judging a change, the repository's part
    is read at the change's base commit (`rules_config_at`), so a change cannot switch off the rules that judge it."""

    central: tuple[Path, ...] = ()
    disable: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    """Per-rule option overrides for built-in checks (`[rules.options."rule-id"]`), validated by the rule set."""


@dataclass(frozen=True, slots=True)
class KeyOverride:
    """`[keys] "<binding id>" = ["key", ...]`: which keys trigger a binding instead of its defaults. Which ids
    exist is the UI's business (`reviewtui.ui.keymap` checks them and names `file` when one is unknown)."""

    binding_id: str
    keys: tuple[str, ...]
    file: Path


@dataclass(frozen=True, slots=True)
class Config:
    queue: QueueConfig = field(default_factory=QueueConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    workspace: tuple[Path, ...] = ()
    """Other repositories whose queues are merged with this one, as absolute paths."""
    agents: tuple[AgentIdentity, ...] = ()
    """Configured identities first, then the built-in table."""
    files: tuple[Path, ...] = ()
    """The files this configuration was read from, for messages."""
    approvals_key: str | None = None
    """The SSH key to sign decisions with (`[approvals] key`, normally in the user's own file)."""
    theme: str | None = None
    """`[ui] theme` (user file only): the TUI's theme when `--theme` is not given."""
    keys: tuple[KeyOverride, ...] = ()
    """`[keys]` (user file only): the reviewer's own keys for the TUI's bindings."""


# Each key's kind: "string", "bool", "strings" (a list of strings), "table", or "tables" (an array of tables).
_QUEUE_KEYS = {
    "base": "string",
    "pull_refs": "bool",
    "branches": "strings",
    "remote_branches": "bool",
    "patches": "strings",
}
_WORKSPACE_KEYS = {"repos": "strings"}
_AGENT_KEYS = {key: ("string" if key in ("name", "kind") else "strings") for key in AGENT_FIELDS}
_RULES_KEYS = {"central": "strings", "disable": "strings", "severity": "table", "options": "table"}
_SEVERITIES = ("info", "low", "medium", "high", "critical")
_APPROVALS_KEYS = {"key": "string"}
_UI_KEYS = {"theme": "string"}
_PERSONAL = ("ui", "keys")
"""Tables only the user file may hold: a repository must not restyle or remap the keys of the person reviewing it
(a hostile work tree could otherwise put "approve" on the key used to scroll)."""
_TOP_KEYS = {
    "queue": "table",
    "workspace": "table",
    "agents": "tables",
    "rules": "table",
    "approvals": "table",
    "ui": "table",
    "keys": "table",
}
_KEY = re.compile(r"[^\s,]+\Z")
_KINDS: dict[str, tuple[type, str]] = {
    "string": (str, "a string"),
    "bool": (bool, "true or false"),
    "strings": (list, "a list of strings"),
    "table": (dict, "a table"),
    "tables": (list, "an array of tables ([[...]])"),
}


def load_config(repo_root: Path | None, *, user_file: Path | None = None) -> Config:
    """Merge defaults, the user file and the repository's work-tree file; errors name the file and the key."""
    layers = _user_layer(user_file)
    if repo_root is not None and (repo_root / REPO_CONFIG).is_file():
        path = repo_root / REPO_CONFIG
        layers.append((path, _validated(path, _read_toml(path), personal=False), repo_root))
    return _merge(layers)


def config_from_text(text: bytes, label: Path, root: Path, *, user_file: Path | None = None) -> Config:
    """The configuration as of a commit: the repository file's bytes at that commit (`label` names it in
    messages, e.g. `<base>:.reviewtui/config.toml`), on top of the user file. Relative paths in it (central packs,
    workspace repositories) are relative to `root`, the repository's folder, as they are in the work tree's file."""
    layers = _user_layer(user_file)
    layers.append((label, _validated(label, _parse_toml(text, label), personal=False), root))
    return _merge(layers)


_Layer = tuple[Path, dict[str, Any], Path]
"""A configuration file's name (for messages), its checked content, and the folder its relative paths start from."""


def _user_layer(user_file: Path | None) -> list[_Layer]:
    user = user_file if user_file is not None else user_config_path()
    return [(user, _validated(user, _read_toml(user), personal=True), _anchor(user))] if user.is_file() else []


def _anchor(path: Path) -> Path:
    """The folder a file configures: the repository for `.reviewtui/config.toml`, else the file's own folder."""
    return path.parent.parent if path.parent.name == ".reviewtui" else path.parent


def _merge(layers: list[_Layer]) -> Config:
    queue: dict[str, Any] = {}
    workspace: list[Path] = []
    agents: list[AgentIdentity] = []
    central: list[Path] = []
    disable: list[str] = []
    severity: dict[str, str] = {}
    options: dict[str, dict[str, Any]] = {}
    approvals_key: str | None = None
    theme: str | None = None
    keys: dict[str, KeyOverride] = {}
    for path, data, anchor in layers:
        queue.update(data.get("queue", {}))
        workspace += _workspace_repos(anchor, data)
        # Later files (the repository's) take precedence, so their identities go first.
        agents = [identity_from_table(table) for table in data.get("agents", [])] + agents
        rules = data.get("rules", {})
        # Absolute, but symlinks kept: packs deployed as `current -> v2` are read through the link each run, and the
        # queue memo checks the same path (a resolved one would keep checking the old target).
        central += [Path(os.path.abspath((anchor / p).expanduser())) for p in rules.get("central", [])]
        disable += rules.get("disable", [])
        severity.update(rules.get("severity", {}))
        approvals_key = data.get("approvals", {}).get("key", approvals_key)
        theme = data.get("ui", {}).get("theme", theme)
        for binding_id, binding_keys in data.get("keys", {}).items():
            keys[binding_id] = KeyOverride(binding_id, tuple(binding_keys), path)
        for rule_id, values in rules.get("options", {}).items():
            options.setdefault(rule_id, {}).update(values)
    return Config(
        queue=_queue_config(queue),
        rules=RulesConfig(
            tuple(dict.fromkeys(central)),
            tuple(dict.fromkeys(disable)),
            tuple(sorted(severity.items())),
            tuple(sorted((rule_id, tuple(sorted(values.items()))) for rule_id, values in options.items())),
        ),
        workspace=tuple(dict.fromkeys(workspace)),
        agents=(*agents, *builtin_identities()),
        files=tuple(path for path, _, _ in layers),
        approvals_key=approvals_key,
        theme=theme,
        keys=tuple(keys.values()),
    )


def load_workspace_file(path: Path) -> tuple[Path, ...]:
    """A standalone workspace file (`--workspace FILE`): same schema, only `[workspace] repos` is used."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such workspace file")
    repos = _workspace_repos(_anchor(path), _validated(path, _read_toml(path), personal=False))
    if not repos:
        raise ConfigError(f"{path}: lists no repositories under [workspace] repos")
    return tuple(dict.fromkeys(repos))


def _workspace_repos(anchor: Path, data: Mapping[str, Any]) -> list[Path]:
    """Relative paths are relative to the folder the file configures (`_anchor`)."""
    return [(anchor / repo).expanduser().resolve() for repo in data.get("workspace", {}).get("repos", [])]


def starter_config(base: str | None) -> str:
    """The text `reviewtui init` writes: every queue key with its default, so teams see what they can change."""
    queue: dict[str, Any] = {
        "pull_refs": True,
        "branches": list(DEFAULT_BRANCH_GLOBS),
        "remote_branches": True,
        "patches": [],
    }
    if base:
        queue = {"base": base, **queue}
    document = {"queue": queue, "workspace": {"repos": []}}
    header = "# reviewtui configuration. Every key is documented in docs/configuration.md.\n\n"
    return header + tomli_w.dumps(document)


def write_new_file(path: Path, text: str) -> None:
    """Create `path` atomically and refuse to replace an existing file: a half-written config is worse than none."""
    if path.exists():
        raise ConfigError(f"{path}: already exists (remove it first to start over)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.link(tmp, path)  # fails if another process created the file meanwhile
    except FileExistsError:
        raise ConfigError(f"{path}: already exists (remove it first to start over)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


# -- reading and validating -----------------------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return _parse_toml(raw, path)


def _parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _validated(path: Path, data: dict[str, Any], *, personal: bool) -> dict[str, Any]:
    """`personal`: the user's own file, the only one that may say how the TUI looks and which keys do what."""
    _check_table(path, "", data, _TOP_KEYS)
    for table in _PERSONAL:
        if table in data and not personal:
            raise ConfigError(
                f"{path}: [{table}] belongs in the user config file ({user_config_path()}): "
                "a repository cannot change a reviewer's theme or keys"
            )
    if "ui" in data:
        _check_table(path, "ui.", data["ui"], _UI_KEYS)
    for binding_id, binding_keys in data.get("keys", {}).items():
        if not isinstance(binding_keys, list) or not binding_keys or not all(isinstance(k, str) for k in binding_keys):
            raise ConfigError(f'{path}: keys.{binding_id} must be a non-empty list of keys such as ["j", "down"]')
        for key in binding_keys:
            if not _KEY.match(key):
                raise ConfigError(f"{path}: keys.{binding_id}: {key!r} is not a key (no spaces or commas)")
    if "queue" in data:
        _check_table(path, "queue.", data["queue"], _QUEUE_KEYS)
    if "workspace" in data:
        _check_table(path, "workspace.", data["workspace"], _WORKSPACE_KEYS)
    if "approvals" in data:
        _check_table(path, "approvals.", data["approvals"], _APPROVALS_KEYS)
    if "rules" in data:
        _check_table(path, "rules.", data["rules"], _RULES_KEYS)
        for rule, values in data["rules"].get("options", {}).items():
            if not isinstance(values, dict):
                raise ConfigError(f"{path}: rules.options.{rule} must be a table of check options")
        for rule, level in data["rules"].get("severity", {}).items():
            if level not in _SEVERITIES:
                raise ConfigError(
                    f"{path}: rules.severity.{rule} must be one of {', '.join(_SEVERITIES)}, not {level!r}"
                )
    for index, table in enumerate(data.get("agents", [])):
        where = f"agents[{index}]."
        _check_table(path, where, table, _AGENT_KEYS)
        if "name" not in table:
            raise ConfigError(f"{path}: {where}name is required")
        if table.get("kind", "ai") not in ("ai", "bot"):
            raise ConfigError(f'{path}: {where}kind must be "ai" or "bot", not {table["kind"]!r}')
    return data


def _check_table(path: Path, prefix: str, table: Mapping[str, Any], schema: Mapping[str, str]) -> None:
    for key, value in table.items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"{path}: unknown key '{prefix}{key}' (known keys: {known})")
        kind = schema[key]
        expected, description = _KINDS[kind]
        wrong_type = not isinstance(value, expected) or (expected is not bool and isinstance(value, bool))
        wrong_items = (kind == "strings" and not wrong_type and not all(isinstance(v, str) for v in value)) or (
            kind == "tables" and not wrong_type and not all(isinstance(v, dict) for v in value)
        )
        if wrong_type or wrong_items:
            raise ConfigError(f"{path}: {prefix}{key} must be {description}, not {_describe(value)}")


def _describe(value: object) -> str:
    names = {
        str: "a string",
        bool: "true or false",
        list: "a list",
        dict: "a table",
        int: "an integer",
        float: "a number",
    }
    if isinstance(value, list) and value:
        return f"a list containing {_describe(value[0])}" if not isinstance(value[0], str) else "a list"
    return names.get(type(value), type(value).__name__)


def _queue_config(values: Mapping[str, Any]) -> QueueConfig:
    defaults = QueueConfig()
    return QueueConfig(
        base=values.get("base", defaults.base) or None,
        pull_refs=values.get("pull_refs", defaults.pull_refs),
        branches=tuple(values.get("branches", defaults.branches)),
        remote_branches=values.get("remote_branches", defaults.remote_branches),
        patches=tuple(values.get("patches", defaults.patches)),
    )


def save_theme(name: str, user_file: Path | None = None) -> Path:
    """Record `[ui] theme = name` in the user file, keeping everything else in it (comments included when the
    file has a plain `[ui]` table); atomic, so a crash leaves the old file or the new one, never half of either.

    An invalid user file is refused rather than rewritten: the reviewer's other settings are worth more than a
    remembered theme."""
    path = user_file if user_file is not None else user_config_path()
    text = ""
    if path.is_file():
        raw = path.read_bytes()
        data = _validated(path, _parse_toml(raw, path), personal=True)
        text = raw.decode("utf-8")
    else:
        data = {}
    if data.get("ui", {}).get("theme") == name:
        return path
    wanted = {**data, "ui": {**data.get("ui", {}), "theme": name}}
    updated = _with_theme_line(text, name)
    if _parsed(updated) != wanted:  # dotted keys, inline tables, ...: let tomli-w write the whole document
        updated = tomli_w.dumps(wanted)
    _replace_file(path, updated)
    return path


def _parsed(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _with_theme_line(text: str, name: str) -> str:
    """`text` with `theme = "<name>"` set in its `[ui]` table, edited line by line so comments survive."""
    line = tomli_w.dumps({"theme": name})
    lines = text.splitlines(keepends=True)
    section: str | None = None
    for index, current in enumerate(lines):
        stripped = current.strip()
        if stripped.startswith("["):
            if section == "ui":  # [ui] had no theme: add it at the end of the table
                return "".join([*lines[:index], line, *lines[index:]])
            section = stripped.strip("[]").strip()
        elif section == "ui" and re.match(r"theme\s*=", stripped):
            return "".join([*lines[:index], line, *lines[index + 1 :]])
    if section == "ui":
        return text + ("" if not text or text.endswith("\n") else "\n") + line
    separator = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    return f"{text}{separator}[ui]\n{line}"


def _replace_file(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path` (atomic on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
