"""Themes are data: TOML files turned into Textual `Theme`s, from the package and from the reviewer's own folder.

The package ships `dark` (the default), `light`, `high-contrast` and `colour-blind` from the repository's top-level
`themes/` folder (installed as the `reviewtui.themes` data package). A reviewer adds or overrides a theme by
dropping `<name>.toml` into `~/.config/reviewtui/themes/` (next to the user config file): no code, and a colleague
can share the file. A broken user theme is reported in one line and skipped, never fatal, unless it is the theme
asked for.

Everything reviewtui colours by meaning (severity, risk band, Tier-1, +/- lines, approvals) is a theme *variable*,
so a theme changes what those look like; `Palette` hands them to code that builds Rich `Text` (table cells, panels),
and the same names are CSS variables (`$severity-critical`) for widgets styled with CSS.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.design import ColorSystem
from textual.theme import Theme

from reviewtui.errors import ConfigError
from reviewtui.places import user_config_path

DEFAULT_THEME = "dark"

VARIABLES = (
    "severity-critical",
    "severity-high",
    "severity-medium",
    "severity-low",
    "severity-info",
    "band-top-5",
    "band-top-10",
    "band-top-50",
    "band-rest",
    "tier-1",
    "agent",
    "approval-done",
    "approval-partial",
    "approval-blocked",
    "diff-added",
    "diff-removed",
    "diff-added-background",
    "diff-removed-background",
)
"""reviewtui's own theme variables; every built-in theme sets each one (a test checks)."""

BANDS = {"top 5%": "band-top-5", "top 10%": "band-top-10", "top 50%": "band-top-50"}
"""Risk band labels (`risk/bands.py`) → the variable that colours them; any other band is `band-rest`."""

_COLOURS: tuple[str, ...] = ("primary", "secondary", "warning", "error", "success", "accent", "foreground")
_COLOURS += ("background", "surface", "panel", "boost")
_NUMBERS = ("luminosity_spread", "text_alpha")
_KEYS = ("name", "dark", "variables", *_COLOURS, *_NUMBERS)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_TEXTUAL_VARIABLES = frozenset(ColorSystem(primary="#000000").generate())


@dataclass(frozen=True, slots=True)
class ThemeSet:
    """The themes found, in load order (built-in first, so a user file of the same name wins), and the user
    files that could not be used, one line each."""

    themes: tuple[Theme, ...]
    problems: tuple[str, ...] = ()
    broken: dict[str, str] = field(default_factory=dict)
    """Theme name (file stem) → why its file was skipped, so asking for it by name explains itself."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(theme.name for theme in self.themes))

    def require(self, name: str, where: str = "--theme") -> None:
        """Raise one clear line when `name` is not a theme (the file's own error when its file is broken)."""
        if name in self.names or name in _textual_theme_names():
            return
        if name in self.broken:
            raise ConfigError(f"{where}: theme {name!r} cannot be used: {self.broken[name]}")
        known = ", ".join(sorted({*self.names, *_textual_theme_names()}))
        raise ConfigError(f"{where}: unknown theme {name!r} (available: {known})")


@dataclass(frozen=True, slots=True)
class Palette:
    """reviewtui's colours for one theme, as `#rrggbb` strings Rich understands."""

    colours: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.colours[name]

    def severity(self, severity: str) -> str:
        return self.colours.get(f"severity-{severity}", self.colours["severity-info"])

    def band(self, band: str) -> str:
        return self.colours[BANDS.get(band, "band-rest")]


def builtin_folder() -> Traversable:
    """The shipped themes: the `reviewtui.themes` data package once installed, else the checkout's `themes/`
    (an editable install made before the package mapping existed has no such package)."""
    try:
        return resources.files("reviewtui.themes")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "themes"


def user_folder(user_config: Path | None = None) -> Path:
    """`themes/` beside the user config file, e.g. `~/.config/reviewtui/themes`."""
    return (user_config or user_config_path()).parent / "themes"


def load_themes(user_themes: Path | None) -> ThemeSet:
    """Built-in themes (an error in one is a packaging bug and raises), then the user's (an error is reported)."""
    themes = [theme_from_toml(entry.read_bytes(), entry.name) for entry in _toml_files(builtin_folder())]
    problems: list[str] = []
    broken: dict[str, str] = {}
    if user_themes is not None and user_themes.is_dir():
        for path in sorted(user_themes.glob("*.toml")):
            try:
                themes.append(theme_from_toml(path.read_bytes(), str(path)))
            except OSError as exc:
                problems.append(f"{path}: cannot read: {exc.strerror}")
                broken[path.stem] = problems[-1]
            except ConfigError as exc:
                problems.append(str(exc))
                broken[path.stem] = problems[-1]
    return ThemeSet(tuple(themes), tuple(problems), broken)


def theme_from_toml(raw: bytes, label: str) -> Theme:
    """One theme file → a Theme; any mistake is one line naming the file and the key."""
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None
    stem = Path(label).name.removesuffix(".toml")
    name = data.get("name", stem)
    for key in data:
        if key not in _KEYS:
            raise ConfigError(f"{label}: unknown key {key!r} (known keys: {', '.join(sorted(_KEYS))})")
    if not isinstance(name, str) or name != stem or not _NAME.match(name):
        raise ConfigError(f"{label}: name must be the file name without .toml ({stem!r}), in lower case and dashes")
    if "primary" not in data:
        raise ConfigError(f"{label}: primary is required")
    options: dict[str, Any] = {}
    for key in _COLOURS:
        if key in data:
            options[key] = _colour(label, key, data[key])
    for key in _NUMBERS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ConfigError(f"{label}: {key} must be a number from 0 to 1, not {value!r}")
            options[key] = float(value)
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ConfigError(f"{label}: dark must be true or false")
    return Theme(name=name, dark=dark, variables=_variables(label, data.get("variables", {})), **options)


def palette(theme: Theme) -> Palette:
    """reviewtui's colours in `theme`; a theme that does not set them (Textual's own) gets the built-in dark or
    light values, whichever matches it."""
    colours = dict(variable_defaults(theme.dark))
    for name in VARIABLES:
        if name in theme.variables:
            colours[name] = Color.parse(theme.variables[name]).hex6
    return Palette(colours)


def variable_defaults(dark: bool) -> dict[str, str]:
    """reviewtui's variables as the built-in `dark` (or `light`) theme sets them, for themes that do not."""
    return dict(_defaults(dark))


@cache
def _defaults(dark: bool) -> tuple[tuple[str, str], ...]:
    entry = builtin_folder() / ("dark.toml" if dark else "light.toml")
    theme = theme_from_toml(entry.read_bytes(), entry.name)
    return tuple((name, Color.parse(theme.variables[name]).hex6) for name in VARIABLES)


@cache
def _textual_theme_names() -> frozenset[str]:
    from textual.theme import BUILTIN_THEMES

    return frozenset(BUILTIN_THEMES)


def _toml_files(folder: Traversable) -> list[Traversable]:
    return sorted((entry for entry in folder.iterdir() if entry.name.endswith(".toml")), key=lambda e: e.name)


def _colour(label: str, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{label}: {key} must be a colour string such as \"#ff5f87\", not {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ConfigError(f"{label}: {key} is not a colour: {value!r}") from None
    return value


def _variables(label: str, table: object) -> dict[str, str]:
    """reviewtui's variables must be colours; Textual's own may also be styles or `auto 87%`; others are typos."""
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: variables must be a table")
    out: dict[str, str] = {}
    for name, value in table.items():
        where = f"variables.{name}"
        if name in VARIABLES:
            out[name] = _colour(label, where, value)
        elif name in _TEXTUAL_VARIABLES:
            if not isinstance(value, str) or not all(_css_word(word) for word in value.split()) or not value.strip():
                raise ConfigError(f"{label}: {where} is not a colour or text style: {value!r}")
            out[name] = value
        else:
            raise ConfigError(
                f"{label}: unknown variable {name!r} (reviewtui's: {', '.join(VARIABLES)}; or one of Textual's)"
            )
    return out


def _css_word(word: str) -> bool:
    if word in VALID_STYLE_FLAGS or word in ("auto", "initial", "not") or re.fullmatch(r"\d{1,3}%", word):
        return True
    if word.startswith("$"):
        return word[1:] in _TEXTUAL_VARIABLES or word[1:] in VARIABLES
    try:
        Color.parse(word)
    except ColorParseError:
        return False
    return True
