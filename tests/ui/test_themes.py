"""Themes: the shipped files, user themes and their errors, the colour-blind promise, packaging, and the app
following (and remembering) the theme."""

from __future__ import annotations

import itertools
import math
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.style import Style
from textual.widgets import DataTable

from reviewtui.config import load_config
from reviewtui.errors import ConfigError
from reviewtui.queue import QueueRequest
from reviewtui.ui.app import Preferences, ReviewApp
from reviewtui.ui.themes import VARIABLES, load_themes, palette, theme_from_toml, user_folder
from tests.ui.conftest import Workspace, loaded_queue, settle

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("dark", "light", "high-contrast", "colour-blind")


def shipped(name: str) -> dict[str, str]:
    variables: dict[str, str] = tomllib.loads((ROOT / "themes" / f"{name}.toml").read_text())["variables"]
    return variables


def test_every_shipped_theme_loads_and_sets_every_variable() -> None:
    themes = {theme.name: theme for theme in load_themes(None).themes}
    assert set(SHIPPED) <= set(themes)
    for name in SHIPPED:
        assert set(VARIABLES) <= set(themes[name].variables), name
    assert not themes["light"].dark and themes["dark"].dark


# -- the colour-blind theme: checked under simulated colour vision deficiencies ----------------------------------

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
DEFICIENCIES = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def seen_as(colour: str, deficiency: str) -> tuple[float, float, float]:
    """CIELAB of `colour` as a person with `deficiency` sees it."""

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(colour.lstrip("#")[i : i + 2], 16)) for i in (0, 2, 4)]
    matrix = DEFICIENCIES[deficiency]
    r, g, b = (min(1.0, max(0.0, sum(matrix[i][j] * rgb[j] for j in range(3)))) for i in range(3))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def distance(a: str, b: str, deficiency: str) -> float:
    """CIE76 ΔE between two colours as seen with `deficiency` (≈2.3 is just noticeable; >10 is obvious)."""
    return math.dist(seen_as(a, deficiency), seen_as(b, deficiency))


def colour_blind_problems(variables: dict[str, str]) -> list[str]:
    pairs = [("diff-added", "diff-removed", 40.0), ("diff-added-background", "diff-removed-background", 20.0)]
    severities = [f"severity-{s}" for s in ("critical", "high", "medium", "low", "info")]
    pairs += [(a, b, 15.0) for a, b in itertools.combinations(severities, 2)]
    return [
        f"{a} vs {b} under {deficiency}: ΔE {distance(variables[a], variables[b], deficiency):.1f} < {least}"
        for a, b, least in pairs
        for deficiency in DEFICIENCIES
        if distance(variables[a], variables[b], deficiency) < least
    ]


def test_colour_blind_theme_keeps_severities_and_diff_lines_apart_without_red_green() -> None:
    assert colour_blind_problems(shipped("colour-blind")) == []


def test_the_default_theme_would_not_pass_the_colour_blind_check() -> None:
    """The check has teeth: red/green diff backgrounds nearly merge for a deuteranope."""
    assert any(
        "diff-added-background vs diff-removed-background under deuteranopia" in p
        for p in colour_blind_problems(shipped("dark"))
    )


# -- theme files ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('primary = "#000000"\ncolour = "red"\n', r"unknown key 'colour'"),
        ('primary = "not a colour"\n', r"primary is not a colour: 'not a colour'"),
        ("dark = true\n", r"primary is required"),
        ('name = "other"\nprimary = "#000000"\n', r"name must be the file name without .toml \('mine'\)"),
        ('primary = "#000000"\n[variables]\nseverity-critcal = "#ff0000"\n', r"unknown variable 'severity-critcal'"),
        ('primary = "#000000"\n[variables]\nseverity-high = "orange-ish"\n', r"severity-high is not a colour"),
        ('primary = "#000000"\n[variables]\nfooter-key-foreground = "{ evil }"\n', r"not a colour or text style"),
        ('primary = "#000000"\ntext_alpha = 2\n', r"text_alpha must be a number from 0 to 1"),
        ("primary = \n", r"invalid TOML"),
    ],
)
def test_theme_file_errors_are_one_line_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        theme_from_toml(text.encode(), "/home/me/.config/reviewtui/themes/mine.toml")
    assert str(caught.value).startswith("/home/me/.config/reviewtui/themes/mine.toml: ")
    assert "\n" not in str(caught.value)


def test_textual_variables_may_be_styles_and_colours() -> None:
    theme = theme_from_toml(
        b'primary = "#000000"\n[variables]\nblock-cursor-text-style = "bold not underline"\n'
        b'footer-key-foreground = "$primary 40%"\n',
        "ok.toml",
    )
    assert theme.variables["block-cursor-text-style"] == "bold not underline"


def test_user_themes_are_added_and_broken_ones_reported_not_fatal(tmp_path: Path) -> None:
    folder = user_folder(tmp_path / "config.toml")
    folder.mkdir()
    (folder / "solarized.toml").write_text('primary = "#268bd2"\nbackground = "#002b36"\n')
    (folder / "broken.toml").write_text('primary = "#268bd2"\nbogus = 1\n')
    found = load_themes(folder)
    assert "solarized" in found.names and "broken" not in found.names
    assert len(found.problems) == 1 and found.problems[0].startswith(f"{folder / 'broken.toml'}: unknown key")
    found.require("solarized")
    with pytest.raises(ConfigError, match=r"--theme: theme 'broken' cannot be used: .*unknown key 'bogus'"):
        found.require("broken")
    with pytest.raises(ConfigError, match=r"--theme: unknown theme 'nope' \(available: .*colour-blind.*dark"):
        found.require("nope")
    assert palette(next(t for t in found.themes if t.name == "solarized")).severity("high") == "#FF8700"


def test_unknown_theme_in_the_config_or_on_the_command_line_stops_the_start(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[ui]\ntheme = "solarised"\n')
    with pytest.raises(ConfigError, match=rf"^{config}: ui.theme: unknown theme 'solarised' \(available: "):
        Preferences.load(config)
    with pytest.raises(ConfigError, match=r"^--theme: unknown theme 'neon'"):
        Preferences.load(config, "neon")
    assert Preferences.load(config, "light").theme == "light"  # --theme wins over the config


def test_every_package_folder_is_shipped() -> None:
    """`pyproject.toml` lists packages by hand (so themes/ can install as reviewtui.themes); a new package folder
    missing from the list would be missing from every non-editable install."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    folders = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "reviewtui").rglob("__init__.py")}
    missing = folders - listed
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert listed - folders == {"reviewtui.themes"}


# -- the app -------------------------------------------------------------------------------------------------------


def cell_colour(table: DataTable[object], key: str, column: str) -> str:
    style = table.get_cell(key, column).style
    colour = (Style.parse(style) if isinstance(style, str) else style).color
    assert colour is not None
    return colour.triplet.hex.upper() if colour.triplet else str(colour.name)


async def test_queue_colours_come_from_the_theme_and_follow_a_switch(workspace: Workspace) -> None:
    workspace.keep_only("pr/101", "pr/109")
    now = datetime(2030, 1, 1, tzinfo=UTC)
    app = ReviewApp(QueueRequest(repo=workspace.repo), theme="colour-blind", now=lambda: now)
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await loaded_queue(pilot)
        table = queue.query_one(DataTable)
        key = next(k for k, a in queue.changes.items() if a.change.id == "pr/101")
        blind = shipped("colour-blind")
        assert cell_colour(table, key, "added") == blind["diff-added"].upper()
        assert cell_colour(table, key, "deleted") == blind["diff-removed"].upper()
        assert cell_colour(table, key, "score") == blind["band-top-5"].upper()
        app.theme = "light"
        await settle(pilot)
        light = shipped("light")
        assert cell_colour(table, key, "added") == light["diff-added"].upper()
        assert cell_colour(table, key, "score") == light["band-top-5"].upper()


async def test_a_theme_picked_in_the_palette_is_saved_in_the_user_config(workspace: Workspace, tmp_path: Path) -> None:
    workspace.keep_only("pr/109")
    config = tmp_path / "user" / "config.toml"
    config.parent.mkdir()
    config.write_text('# my settings\n[approvals]\nkey = "~/.ssh/id_ed25519"\n')
    app = ReviewApp(QueueRequest(repo=workspace.repo, user_config=config))
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded_queue(pilot)
        assert app.theme == "dark"
        assert config.read_text() == '# my settings\n[approvals]\nkey = "~/.ssh/id_ed25519"\n'  # nothing at start
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"theme")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press(*"high-contrast")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "high-contrast"
    assert config.read_text().startswith('# my settings\n[approvals]\nkey = "~/.ssh/id_ed25519"\n')
    loaded = load_config(None, user_file=config)
    assert loaded.theme == "high-contrast" and loaded.approvals_key == "~/.ssh/id_ed25519"
    assert Preferences.load(config).theme == "high-contrast"  # and the next start uses it
