from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.demo import DemoWorkspace, build_demo
from reviewtui.queue import QueueLoader, QueueRequest
from tests.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def _isolated_user_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may read the developer's own reviewtui or git configuration."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))  # the action journal
    monkeypatch.delenv("REVIEWTUI_JOURNAL", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    yield


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """A repository on `main` with one commit."""
    return GitRepo(tmp_path / "repo")


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    """The demo, built once per test run; tests must only read it."""
    return build_demo(tmp_path_factory.mktemp("demo") / "ws")


@pytest.fixture(scope="session")
def demo_analyses(demo_workspace: DemoWorkspace) -> dict[str, Analysis]:
    """Every pending demo change through the real queue and analyzer, once per test run."""
    analyzer = Analyzer()
    return {c.id: analyzer.analyze(c) for c in QueueLoader(QueueRequest(repo=demo_workspace.repo)).changes()}
