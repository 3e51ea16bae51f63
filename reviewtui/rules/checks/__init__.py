"""Built-in checks: what a regular expression cannot express (entropy, deleted tests, counts, imports, ...).

A check is a function registered under a name with `@check(...)`; rule packs refer to it by that name with
`check = "<name>"` and may pass `[rule.options]`, validated against the types the check declares. Every module in
this package is imported on first use, so adding a module is enough to add checks.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reviewtui.model import Change, FileChange
from reviewtui.rules.context import ScanContext
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import Rule, Scope


@dataclass(frozen=True, slots=True)
class CheckInput:
    rule: Rule
    change: Change
    files: Sequence[FileChange]
    """The change's files that pass the rule's path, language and Tier-1 filters."""
    context: ScanContext

    def option(self, name: str, default: Any) -> Any:
        return self.rule.options.get(name, default)


CheckFunction = Callable[[CheckInput], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    name: str
    function: CheckFunction
    scopes: frozenset[Scope]
    options: dict[str, type]
    summary: str


_REGISTRY: dict[str, CheckSpec] = {}
_loaded = False


def check(
    name: str, *, scopes: Iterable[Scope], options: dict[str, type] | None = None
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check; `scopes` are the rule scopes it makes sense for, `options` the keys it accepts."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in _REGISTRY:
            raise RuntimeError(f"check {name!r} registered twice")
        summary = (function.__doc__ or "").strip().split("\n", 1)[0]
        _REGISTRY[name] = CheckSpec(name, function, frozenset(scopes), dict(options or {}), summary)
        return function

    return register


def get_check(name: str) -> CheckSpec | None:
    _load_all()
    return _REGISTRY.get(name)


def all_checks() -> dict[str, CheckSpec]:
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in pkgutil.iter_modules(__path__, f"{__name__}."):
        importlib.import_module(module.name)
