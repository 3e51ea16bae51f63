"""The CLI as scripts and CI see it: a real process, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui import __version__
from tests.gitrepo import GitRepo

REQUIRED_KEYS = {"id", "repo", "title", "base", "merge_base", "head", "authors", "agent", "created", "stats"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reviewtui: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


@pytest.fixture
def shop(repo: GitRepo) -> GitRepo:
    repo.checkout("claude/fix", new=True)
    repo.write("cart.py", "def total(items):\n    return sum(items)\n")
    repo.commit(
        "Fix cart total\n\nUse sum().\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
        author=("Priya Raman", "priya@example.com"),
    )
    repo.checkout("main")
    return repo


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"reviewtui {__version__}"


def test_queue_json_contract(shop: GitRepo) -> None:
    result = run("queue", "--json", "--repo", str(shop.path))
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)
    assert len(changes) == 1
    change = changes[0]
    assert change.keys() >= REQUIRED_KEYS
    assert change["id"] == "claude/fix"
    assert change["repo"] == str(shop.path.resolve())
    assert change["title"] == "Fix cart total"
    assert change["head"] == shop.git("rev-parse", "claude/fix")
    assert change["base"] == change["merge_base"] == shop.git("rev-parse", "main")
    assert change["authors"] == [{"name": "Priya Raman", "email": "priya@example.com"}]
    assert change["agent"] == {
        "name": "Claude Code",
        "operator": "Priya Raman <priya@example.com>",
        "signal": "trailer Co-Authored-By: Claude <noreply@anthropic.com>",
        "kind": "ai",
    }
    assert change["stats"] == {"files": 1, "added": 2, "deleted": 0}
    assert change["findings"] == {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0}
    assert change["created"] == "2026-01-01T02:00:00+00:00"
    assert "reviewtui: 1 pending change(s) in 1 repository" in result.stderr


def test_queue_json_empty_queue_is_an_empty_array(repo: GitRepo) -> None:
    result = run("queue", "--json", "--repo", str(repo.path))
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_queue_table(shop: GitRepo) -> None:
    result = run("queue", cwd=shop.path)
    assert result.returncode == 0, result.stderr
    header, row, summary, bands = result.stdout.strip().splitlines()
    assert header.split() == ["#", "SCORE", "BAND", "ID", "SYSTEMS", "AGENT", "+", "-", "FINDINGS", "APPROVALS", "AGE",
                              "TITLE"]
    cells = row.split()
    assert cells[0] == "1" and cells[1].isdigit() and cells[2:4] == ["top", "5%"]
    assert cells[4:10] == ["claude/fix", "-", "Claude", "Code", "+2", "-0"]
    assert row.endswith("Fix cart total")
    assert summary == "1 pending change(s) in 1 repository"
    assert bands.startswith("bands: top 5% ≥ ")


def test_hostile_titles_reach_the_terminal_inert(repo: GitRepo) -> None:
    repo.checkout("ai/evil", new=True)
    repo.write("x.txt", "x\n")
    repo.commit("Title \x1b[2J\x1b]52;c;cHduZWQ=\x07 [bold]markup[/] \u202eevil")
    repo.checkout("main")
    result = run("queue", "--repo", str(repo.path))
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert "Title \\e[2J\\e]52;c;cHduZWQ=\\x07 [bold]markup[/] <U+202E>evil" in result.stdout


def test_not_a_repository(tmp_path: Path) -> None:
    assert_clean_error(run("queue", "--repo", str(tmp_path)), str(tmp_path), "not a git repository")


def test_bad_config(repo: GitRepo) -> None:
    repo.write(".reviewtui/config.toml", "[queue]\nbase = [\n")
    assert_clean_error(run("queue", "--repo", str(repo.path)), ".reviewtui/config.toml", "invalid TOML")


def test_unknown_revision_range(repo: GitRepo) -> None:
    assert_clean_error(run("queue", "--repo", str(repo.path), "--commits", "v9..nope"), "bad revision")


def test_missing_base_branch(repo: GitRepo) -> None:
    repo.write(".reviewtui/config.toml", '[queue]\nbase = "release"\n')
    assert_clean_error(run("queue", "--repo", str(repo.path)), "base branch 'release' not found")


def test_unreadable_patch(repo: GitRepo, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "x.patch").write_text("@@ -1 +1 @@\n-a\n+b\n")
    assert_clean_error(run("queue", "--repo", str(repo.path), "--patches", str(tmp_path / "p")), "x.patch")
    missing = run("queue", "--repo", str(repo.path), "--patches", str(tmp_path / "none"))
    assert_clean_error(missing, "no such file or folder")


def test_init_writes_once(repo: GitRepo) -> None:
    result = run("init", "--repo", str(repo.path))
    assert result.returncode == 0, result.stderr
    written = repo.path / ".reviewtui" / "config.toml"
    assert 'base = "main"' in written.read_text()
    assert_clean_error(run("init", "--repo", str(repo.path)), "already initialised")


def test_tui_refuses_without_a_terminal(repo: GitRepo) -> None:
    assert_clean_error(run("--repo", str(repo.path)), "needs a terminal")


def test_usage_errors_exit_2() -> None:
    result = run("queue", "--bogus")
    assert result.returncode == 2
    assert "unrecognized arguments: --bogus" in result.stderr


def test_init_drafts_the_system_map_from_codeowners(repo: GitRepo) -> None:
    repo.write(".github/CODEOWNERS", "# owners\n* @shop/everyone\n/services/checkout/ @shop/checkout @alice\n"
                                     "/libs/cart/ @shop/checkout\n*.tf @shop/infra\ndocs/ @shop/docs # docs\n")
    result = run("init", "--repo", str(repo.path))
    assert result.returncode == 0, result.stderr
    from reviewtui.systems import parse_system_map

    drafted = parse_system_map((repo.path / ".reviewtui" / "systems.toml").read_text(), "draft")
    assert [(s.name, s.tier, s.paths, s.owners) for s in drafted.systems] == [
        ("checkout", 2, ("/services/checkout/", "/libs/cart/"), ("@shop/checkout", "@alice")),
        ("infra", 2, ("*.tf",), ("@shop/infra",)),
        ("docs", 2, ("docs/",), ("@shop/docs",)),
    ]
    assert drafted.systems_for("services/checkout/cart.py")[0].name == "checkout"


def test_every_command_is_listed_and_parses_on_its_own() -> None:
    """`main` imports only the command it is given (a memo hit must not load the rest); each must still parse,
    `--help` must still list them all, and an unknown one is still refused with the list."""
    from reviewtui.cli import COMMANDS

    listing = run("--help")
    assert listing.returncode == 0
    for name in COMMANDS:
        assert f"    {name} " in listing.stdout
        own = run("--repo", ".", name, "--help")
        assert own.returncode == 0 and own.stdout.startswith(f"usage: reviewtui {name}"), own.stderr
    refused = run("bogus")
    assert refused.returncode == 2 and "invalid choice: 'bogus'" in refused.stderr and "calibrate" in refused.stderr


def test_help_before_the_command_is_the_whole_help() -> None:
    result = run("-h", "queue")
    assert result.returncode == 0 and "calibrate" in result.stdout and "verify" in result.stdout
