"""Configuration: layering, strict validation with messages that name file and key, and `init`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from reviewtui.config import DEFAULT_BRANCH_GLOBS, KeyOverride, load_config, save_theme, starter_config, write_new_file
from reviewtui.errors import ConfigError
from tests.gitrepo import GitRepo


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(tmp_path, user_file=tmp_path / "none.toml")
    assert config.queue.base is None
    assert config.queue.branches == DEFAULT_BRANCH_GLOBS
    assert config.queue.pull_refs and config.queue.remote_branches
    assert config.files == ()
    assert any(agent.name == "Claude Code" for agent in config.agents)


def test_repository_file_overrides_user_file(tmp_path: Path) -> None:
    user = write(tmp_path / "user.toml", '[queue]\nbase = "develop"\nbranches = ["mine/*"]\n')
    repo_file = write(tmp_path / "repo" / ".reviewtui" / "config.toml", '[queue]\nbase = "main"\n')
    config = load_config(tmp_path / "repo", user_file=user)
    assert config.queue.base == "main"
    assert config.queue.branches == ("mine/*",)
    assert config.files == (user, repo_file)


def test_user_file_found_through_xdg_config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    write(tmp_path / "xdg" / "reviewtui" / "config.toml", '[queue]\nremote_branches = false\n')
    assert load_config(None).queue.remote_branches is False


def test_configured_agents_come_before_builtins(tmp_path: Path) -> None:
    write(tmp_path / ".reviewtui" / "config.toml", '[[agents]]\nname = "Acme Bot"\nemails = ["bot@acme.test"]\n')
    config = load_config(tmp_path, user_file=tmp_path / "none.toml")
    assert config.agents[0].name == "Acme Bot"
    assert config.agents[0].emails == ("bot@acme.test",)


def test_workspace_paths_are_relative_to_the_repository(tmp_path: Path) -> None:
    write(tmp_path / "shop" / ".reviewtui" / "config.toml", '[workspace]\nrepos = ["../payments"]\n')
    config = load_config(tmp_path / "shop", user_file=tmp_path / "none.toml")
    assert config.workspace == ((tmp_path / "payments").resolve(),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[queue\n", r"invalid TOML: .*line 1"),
        ('[queue]\nbse = "main"\n', r"unknown key 'queue.bse' \(known keys: base, branches, patches, pull_refs"),
        ('[queu]\nbase = "main"\n', r"unknown key 'queu'"),
        ("[queue]\nbase = 3\n", r"queue.base must be a string, not an integer"),
        ('[queue]\npull_refs = "yes"\n', r"queue.pull_refs must be true or false, not a string"),
        ('[queue]\nbranches = "ai/*"\n', r"queue.branches must be a list of strings, not a string"),
        ("[queue]\nbranches = [1, 2]\n", r"queue.branches must be a list of strings, not a list containing an integer"),
        ("[[agents]]\nemails = []\n", r"agents\[0\].name is required"),
        ('[[agents]]\nname = "x"\nkind = "robot"\n', r'agents\[0\].kind must be "ai" or "bot"'),
        ('[[agents]]\nname = "x"\ncolour = "red"\n', r"unknown key 'agents\[0\].colour'"),
        ('agents = "none"\n', r"agents must be an array of tables \(\[\[...\]\]\), not a string"),
    ],
)
def test_invalid_files_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / ".reviewtui" / "config.toml", text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(tmp_path, user_file=tmp_path / "none.toml")
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / ".reviewtui" / "config.toml"
    path.parent.mkdir()
    path.write_bytes(b"[queue]\nbase = \"\xff\"\n")
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(tmp_path, user_file=tmp_path / "none.toml")


def test_starter_config_round_trips_through_the_loader(tmp_path: Path) -> None:
    text = starter_config("main")
    assert text.startswith("# reviewtui configuration")
    assert tomllib.loads(text)["queue"]["base"] == "main"
    write(tmp_path / ".reviewtui" / "config.toml", text)
    config = load_config(tmp_path, user_file=tmp_path / "none.toml")
    assert config.queue.base == "main" and config.queue.branches == DEFAULT_BRANCH_GLOBS


def test_write_new_file_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "dir" / "config.toml"
    write_new_file(target, "a = 1\n")
    with pytest.raises(ConfigError, match="already exists"):
        write_new_file(target, "a = 2\n")
    assert target.read_text() == "a = 1\n"
    assert [p.name for p in target.parent.iterdir()] == ["config.toml"]  # no temporary file left behind


# -- [ui] and [keys]: the reviewer's own, in the user file only ------------------------------------------------------


def test_theme_and_keys_come_from_the_user_file(tmp_path: Path) -> None:
    user = write(tmp_path / "user.toml", '[ui]\ntheme = "light"\n\n[keys]\n"queue.sort" = ["O", "ctrl+o"]\n')
    config = load_config(tmp_path, user_file=user)
    assert config.theme == "light"
    assert config.keys == (KeyOverride("queue.sort", ("O", "ctrl+o"), user),)


@pytest.mark.parametrize("table", ['[ui]\ntheme = "light"\n', '[keys]\n"review.approve" = ["j"]\n'])
def test_a_repository_cannot_set_the_reviewers_theme_or_keys(tmp_path: Path, table: str) -> None:
    """A hostile work tree must not put "approve" on the key the reviewer scrolls with."""
    path = write(tmp_path / ".reviewtui" / "config.toml", table)
    with pytest.raises(ConfigError, match=r"belongs in the user config file .*cannot change") as caught:
        load_config(tmp_path, user_file=tmp_path / "none.toml")
    assert str(caught.value).startswith(f"{path}: [")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[ui]\ntheme = 3\n", r"ui.theme must be a string, not an integer"),
        ('[ui]\ncolour = "red"\n', r"unknown key 'ui.colour' \(known keys: theme\)"),
        ('[keys]\n"queue.sort" = "O"\n', r'keys.queue.sort must be a non-empty list of keys such as \["j", "down"\]'),
        ('[keys]\n"queue.sort" = []\n', r"keys.queue.sort must be a non-empty list"),
        ('[keys]\n"queue.sort" = ["o,p"]\n', r"keys.queue.sort: 'o,p' is not a key \(no spaces or commas\)"),
    ],
)
def test_invalid_ui_and_keys_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    user = write(tmp_path / "user.toml", text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(None, user_file=user)
    assert str(caught.value).startswith(f"{user}: ") and "\n" not in str(caught.value)


def test_saving_the_theme_keeps_every_other_setting_and_comment(tmp_path: Path) -> None:
    original = (
        "# my reviewtui settings\n"
        "[approvals]\n"
        'key = "~/.ssh/id_ed25519"  # the work key\n'
        "\n"
        "[ui]\n"
        'theme = "dark"\n'
        "\n"
        "[keys]\n"
        '"queue.sort" = ["O"]\n'
    )
    user = write(tmp_path / "user.toml", original)
    save_theme("colour-blind", user)
    assert user.read_text() == original.replace('theme = "dark"', 'theme = "colour-blind"')
    assert [p.name for p in tmp_path.iterdir()] == ["user.toml"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", '[ui]\ntheme = "light"\n'),
        ('[queue]\nbase = "main"\n', '[queue]\nbase = "main"\n\n[ui]\ntheme = "light"\n'),
        (
            '[ui]\n# nothing yet\n\n[queue]\nbase = "main"',
            '[ui]\n# nothing yet\n\ntheme = "light"\n[queue]\nbase = "main"',
        ),
    ],
)
def test_saving_the_theme_adds_it_where_it_belongs(tmp_path: Path, before: str, after: str) -> None:
    user = write(tmp_path / "user.toml", before) if before else tmp_path / "new" / "config.toml"
    save_theme("light", user)
    assert user.read_text() == after
    assert load_config(None, user_file=user).theme == "light"


def test_saving_the_theme_falls_back_to_rewriting_when_lines_cannot_be_edited(tmp_path: Path) -> None:
    user = write(tmp_path / "user.toml", 'ui.theme = "dark"\nqueue = { base = "main" }\n')
    save_theme("light", user)
    assert tomllib.loads(user.read_text()) == {"ui": {"theme": "light"}, "queue": {"base": "main"}}


def test_an_invalid_user_file_is_not_overwritten(tmp_path: Path) -> None:
    user = write(tmp_path / "user.toml", '[queue]\nbse = "main"\n')
    with pytest.raises(ConfigError, match=r"unknown key 'queue\.bse'"):
        save_theme("light", user)
    assert user.read_text() == '[queue]\nbse = "main"\n'


def test_relative_central_packs_in_the_committed_config_start_at_the_repository(repo: GitRepo) -> None:
    """The rules are configured as the base commit has them; a relative `central` path there means what it means in
    the work tree's file (the repository's folder), not a folder named after the commit under the current one."""
    from reviewtui.repository import Repository
    from reviewtui.rules.ruleset import rules_config_at

    repo.write(".reviewtui/config.toml", '[rules]\ncentral = ["org-packs"]\n')
    repo.commit("Use the org packs")
    base = repo.head()
    (repo.path / "org-packs").mkdir()
    config = rules_config_at(Repository(repo.path), base)
    assert config.central == (repo.path.resolve() / "org-packs",)
