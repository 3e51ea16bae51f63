"""`[keys]`: checked against the real bindings, documented from them, and obeyed by the running app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from reviewtui.config import KeyOverride
from reviewtui.errors import ConfigError
from reviewtui.queue import QueueRequest
from reviewtui.ui.app import Preferences, ReviewApp
from reviewtui.ui.keymap import bindings, key_problem, keymap, markdown_table
from reviewtui.ui.screens.help import HelpScreen
from tests.ui.conftest import Workspace, loaded_queue, screen_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_documented_ids_are_the_real_ones() -> None:
    text = DOCS.read_text()
    documented = text.split("<!-- keys:begin -->\n", 1)[1].split("<!-- keys:end -->", 1)[0]
    assert documented == markdown_table(), "regenerate the table with `python -m reviewtui.ui.keymap`"
    ids = set(re.findall(r"^\| `([^`]+)` \|", documented, flags=re.MULTILINE))
    assert ids == set(bindings())


def test_the_queue_and_app_bindings_are_all_configurable() -> None:
    ids = set(bindings())
    for wanted in ("app.quit", "app.help", "queue.open", "queue.sort", "queue.filter", "queue.group", "help.close"):
        assert wanted in ids


def test_overrides_become_a_textual_keymap() -> None:
    file = Path("/home/me/.config/reviewtui/config.toml")
    overrides = [KeyOverride("queue.sort", ("O", "ctrl+o"), file), KeyOverride("app.help", ("question_mark",), file)]
    assert keymap(overrides) == {"queue.sort": "O,ctrl+o", "app.help": "question_mark"}


def test_an_unknown_id_names_the_file_and_the_id() -> None:
    file = Path("/home/me/.config/reviewtui/config.toml")
    with pytest.raises(ConfigError, match=r"^/home/me/.config/reviewtui/config.toml: \[keys\] unknown binding id"):
        keymap([KeyOverride("queue.srot", ("O",), file)])
    with pytest.raises(ConfigError, match=r"'queue\.srot'"):
        keymap([KeyOverride("queue.srot", ("O",), file)])


@pytest.mark.parametrize("key", ["j", "G", "?", "]", "ctrl+n", "shift+enter", "alt+x", "pagedown", "f5", "slash"])
def test_keys_textual_knows(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "problem"),
    [("ctlr+x", "unknown modifier 'ctlr'"), ("pgdown", "not a key name"), ("ctrl+", "names no key")],
)
def test_keys_textual_would_never_send(key: str, problem: str) -> None:
    assert problem in (key_problem(key) or "")
    file = Path("config.toml")
    with pytest.raises(ConfigError, match=rf"^config.toml: keys.queue.sort: '{re.escape(key)}' "):
        keymap([KeyOverride("queue.sort", (key,), file)])


def test_keys_from_the_user_config_reach_the_preferences(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"queue.sort" = ["O"]\n"queue.nope" = ["x"]\n')
    with pytest.raises(ConfigError, match=rf"^{config}: \[keys\] unknown binding id 'queue.nope'"):
        Preferences.load(config)
    config.write_text('[keys]\n"queue.sort" = ["O"]\n')
    assert Preferences.load(config).keymap == {"queue.sort": "O"}


async def test_the_app_obeys_the_reviewers_keys_and_shows_them(workspace: Workspace, tmp_path: Path) -> None:
    workspace.keep_only("pr/101", "pr/109")
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"queue.sort" = ["O"]\n"app.help" = ["h"]\n')
    app = ReviewApp(QueueRequest(repo=workspace.repo, user_config=config))
    async with app.run_test(size=(160, 40)) as pilot:
        queue = await loaded_queue(pilot)
        await pilot.press("o")  # the default no longer sorts
        assert queue.sort == "score"
        await pilot.press("O")
        assert queue.sort == "effort"
        await pilot.pause()
        footer = {(key.key_display, key.description) for key in app.screen.query(FooterKey)}
        assert ("O", "Order") in footer and ("o", "Order") not in footer
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = app.screen.keys_text.plain
        assert re.search(r"\bO  Order  \[queue\.sort\]", listed), listed
        assert re.search(r"\bh  Keys  \[app\.help\]", listed), listed
        assert "O  Order" in screen_text(app)  # on screen, not only in the widget
        await pilot.press("escape")
        assert app.screen is queue
