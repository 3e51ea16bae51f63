"""Build a real change from file contents and scan it with the rules in force: the harness every rule test uses.

Files are committed on `main` (the base), then edited on an agent branch; the change is loaded through the real
queue (git diff, unidiff, provenance) and scanned by the real analyzer, so a rule test exercises the whole path.
"""

from __future__ import annotations

from pathlib import Path

from reviewtui.analysis import Analyzer
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.rules.finding import Finding
from tests.gitrepo import GitRepo

Files = dict[str, str | bytes | None]
"""path -> content; None deletes the file."""

DEFAULT_SYSTEMS = """
[[system]]
name = "payments"
tier = 1
paths = ["services/payments/**"]

[[system]]
name = "docs"
tier = 3
paths = ["docs/**"]
"""


def make_change(
    root: Path,
    before: Files,
    after: Files,
    *,
    message: str = "Agent change",
    systems: str | None = DEFAULT_SYSTEMS,
    branch: str = "ai/change",
) -> tuple[Change, GitRepo]:
    repo = GitRepo(root / "repo")
    if systems is not None:
        repo.write(".reviewtui/systems.toml", systems)
    _apply(repo, before)
    repo.commit("Base state")
    repo.checkout(branch, new=True)
    _apply(repo, after)
    repo.commit(message, allow_empty=True)
    repo.checkout("main")
    changes = list(QueueLoader(QueueRequest(repo=repo.path)).changes())
    assert len(changes) == 1, [c.id for c in changes]
    return changes[0], repo


def scan_files(root: Path, before: Files, after: Files, **kwargs: object) -> list[Finding]:
    """All findings for the change from `before` to `after`."""
    change, _ = make_change(root, before, after, **kwargs)  # type: ignore[arg-type]
    return list(Analyzer().analyze(change).findings)


def rule_hits(root: Path, rule: str, before: Files, after: Files, **kwargs: object) -> list[Finding]:
    """Only the findings of one rule."""
    return [f for f in scan_files(root, before, after, **kwargs) if f.rule == rule]


def _apply(repo: GitRepo, files: Files) -> None:
    for path, content in files.items():
        if content is None:
            repo.remove(path)
        else:
            repo.write(path, content)
