"""The reviewer's own keys: `[keys]` in the user config, checked against the bindings that really exist.

Every binding in the UI carries an id (`queue.sort`, `diff.next_hunk`, ...); `[keys]` maps ids to keys and the app
hands the result to `App.set_keymap`, so `?`, the footer and the palette show the reviewer's keys, not the defaults.
A typo must not silently leave the default in place, so an unknown id or a key Textual has no name for is an error
naming the file, the id and the key. The ids are found by walking every module of `reviewtui.ui`, so a binding
added anywhere in the UI is configurable (and documented: a test compares them with docs/configuration.md).
"""

from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

import reviewtui.ui
from reviewtui.config import KeyOverride
from reviewtui.errors import ConfigError

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED = frozenset(
    {key.value.rsplit("+", 1)[-1] for key in Keys}
    | {"enter", "tab", "space", "backspace", "escape", "newline", *KEY_NAME_REPLACEMENTS.values()}
    | {f"f{n}" for n in range(1, 25)}
)


@dataclass(frozen=True, slots=True)
class BindingInfo:
    """One configurable binding: where it lives and what it does by default."""

    id: str
    owner: type[DOMNode]
    binding: Binding

    @property
    def default_keys(self) -> tuple[str, ...]:
        return tuple(key.strip() for key in self.binding.key.split(","))


def bindings() -> dict[str, BindingInfo]:
    """Every binding with an id in the UI, by id (the UI's modules are imported to find them)."""
    return dict(_bindings())


@cache
def _bindings() -> tuple[tuple[str, BindingInfo], ...]:
    found: dict[str, BindingInfo] = {}
    for owner in keyed_classes():
        for binding in owner.__dict__["BINDINGS"]:
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, BindingInfo(binding.id, owner, binding))
    return tuple(sorted(found.items()))


def keyed_classes() -> list[type[DOMNode]]:
    """The App, screens and widgets defined in `reviewtui.ui` that declare their own BINDINGS."""
    classes: list[type[DOMNode]] = []
    for module_info in pkgutil.walk_packages(reviewtui.ui.__path__, prefix="reviewtui.ui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, DOMNode)
                and value.__module__ == module.__name__
                and "BINDINGS" in value.__dict__
            ):
                classes.append(value)
    return classes


def keymap(overrides: Iterable[KeyOverride]) -> dict[str, str]:
    """`[keys]` as `App.set_keymap` wants it (id → "key,key"), after checking every id and key."""
    known = bindings()
    out: dict[str, str] = {}
    for override in overrides:
        where = f"{override.file}: keys.{override.binding_id}"
        if override.binding_id not in known:
            raise ConfigError(
                f"{override.file}: [keys] unknown binding id {override.binding_id!r} "
                "(the ids are listed in docs/configuration.md and shown by `?`)"
            )
        for key in override.keys:
            problem = key_problem(key)
            if problem:
                raise ConfigError(f"{where}: {key!r} {problem}")
        out[override.binding_id] = ",".join(override.keys)
    return out


def key_problem(key: str) -> str | None:
    """Why Textual would never deliver `key` (None when it is a key): "ctrl+x", "G", "?", "question_mark",
    "f5", "pagedown" are keys; "ctlr+x" or "pgdown" are not."""
    *modifiers, name = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"has an unknown modifier {unknown[0]!r} (use {', '.join(sorted(MODIFIERS))})"
    if not name:
        return "names no key"
    if len(name) == 1 or name in _NAMED:
        return None
    try:
        unicodedata.lookup(name.replace("_", " "))
    except KeyError:
        return "is not a key name Textual knows (e.g. 'j', 'G', '?', 'ctrl+n', 'pagedown', 'f5', 'question_mark')"
    return None


def markdown_table() -> str:
    """The `[keys]` id table of docs/configuration.md, generated so the documentation can be checked against the
    code (`python -m reviewtui.ui.keymap` prints it)."""
    lines = ["| id | default keys | where | action |", "|---|---|---|---|"]
    for info in bindings().values():
        keys = ", ".join(f"`{key}`" for key in info.default_keys)
        lines.append(f"| `{info.id}` | {keys} | {info.owner.__name__} | {info.binding.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
