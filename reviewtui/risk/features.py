"""The facts a risk score is made of, measured on one change.

Every feature is something a reviewer can check by looking: sizes, spread, the history of the touched files, the
author's experience with them, what kind of files they are, what the rules found, and whether an agent wrote it.
Names and definitions follow just-in-time defect prediction (Kamei et al. 2013: LA, LD, NF, ND, NS, entropy, NUC,
NDEV, AGE, EXP, REXP, SEXP, FIX) so the evidence behind them carries over.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reviewtui.model import Change, FileChange, FileStatus
from reviewtui.risk.history import HistoryIndex
from reviewtui.rules.checks.tests import is_test_path
from reviewtui.rules.finding import Finding
from reviewtui.systems import System, SystemMap, glob_match

_FIX = re.compile(r"\b(fix(es|ed)?|bug|defect|hotfix|regression|patch(es|ed)?)\b", re.IGNORECASE)
SENSITIVE_KINDS: dict[str, tuple[str, ...]] = {
    "ci": (
        ".github/workflows/**",
        ".gitlab-ci.yml",
        ".circleci/**",
        "Jenkinsfile",
        "azure-pipelines.yml",
        ".buildkite/**",
    ),
    "infrastructure": (
        "**/*.tf",
        "**/*.tfvars",
        "**/k8s/**",
        "**/helm/**",
        "**/charts/**",
        "**/Dockerfile",
        "**/docker-compose*.yml",
        "**/cloudformation/**",
    ),
    "migration": ("**/migrations/**", "**/migrate/**", "**/alembic/**", "**/*.sql"),
    "dependencies": (
        "**/requirements*.txt",
        "**/pyproject.toml",
        "**/package.json",
        "**/package-lock.json",
        "**/go.mod",
        "**/Cargo.toml",
        "**/Gemfile",
        "**/pom.xml",
        "**/build.gradle*",
        "**/poetry.lock",
        "**/yarn.lock",
        "**/setup.py",
        "**/setup.cfg",
    ),
    "security": (
        "**/auth/**",
        "**/*auth*",
        "**/*crypt*",
        "**/*secret*",
        "**/*password*",
        "**/*token*",
        "**/*permission*",
        "**/*acl*",
        "**/security/**",
    ),
}
WEAKENING_RULES = frozenset(
    {
        "test-functions-removed",
        "test-skip-added",
        "test-trivial-assertion",
        "test-assertions-reduced",
        "test-assertion-loosened",
        "test-expected-value-edited",
    }
)
"""Built-in rules (data/rules/20-tests.toml) whose findings mean a test now checks less; deleted test files are
counted from the diff itself."""


@dataclass(frozen=True, slots=True)
class Measurements:
    """Raw feature values (counts, days, flags) before any transform; what the breakdown shows."""

    values: dict[str, float]
    systems: tuple[System, ...]
    lines: int
    """Added plus deleted lines, for effort-aware ranking."""


def measure(
    change: Change,
    findings: Sequence[Finding],
    systems: SystemMap,
    history: HistoryIndex | None,
    *,
    before: float,
) -> Measurements:
    """All features of `change`; history counts only what happened strictly before `before` (no look-ahead)."""
    files = change.files
    paths = [f.path for f in files]
    old_paths = [f.old_path for f in files if f.old_path] + [f.new_path for f in files if f.new_path]
    added = sum(f.added for f in files)
    deleted = sum(f.deleted for f in files)
    values: dict[str, float] = {
        "lines_added": added,
        "lines_deleted": deleted,
        "files": len(files),
        "directories": len({p.rsplit("/", 1)[0] if "/" in p else "." for p in paths}),
        "subsystems": len({p.split("/", 1)[0] for p in paths}),
        "entropy": _entropy(files),
        "is_fix": float(any(_FIX.search(c.message) for c in change.commits) or bool(_FIX.search(change.title))),
        "ai_origin": float(change.agent is not None and change.agent.kind == "ai"),
    }
    values.update(_test_features(files, findings))
    for kind, patterns in SENSITIVE_KINDS.items():
        values[f"touches_{kind}"] = float(any(glob_match(p, path) for p in patterns for path in paths))
    severities = Counter(f.severity.value for f in findings)
    for severity in ("critical", "high", "medium", "low"):
        values[f"findings_{severity}"] = severities.get(severity, 0)
    values.update(_history_features(change, history, sorted(set(old_paths)), before))
    return Measurements(values, systems.systems_of(paths), added + deleted)


def _entropy(files: Sequence[FileChange]) -> float:
    """Normalised Shannon entropy of changed lines over files: 0 for one file, 1 for lines spread evenly."""
    counts = [f.added + f.deleted for f in files if f.added + f.deleted]
    total = sum(counts)
    if len(counts) < 2 or total == 0:
        return 0.0
    h = -sum((c / total) * math.log2(c / total) for c in counts)
    return round(h / math.log2(len(counts)), 4)


def _test_features(files: Sequence[FileChange], findings: Sequence[Finding]) -> dict[str, float]:
    tests = [f for f in files if is_test_path(f.path) or (f.old_path is not None and is_test_path(f.old_path))]
    code = [f for f in files if f not in tests]
    return {
        "tests_touched": float(bool([f for f in tests if f.status is not FileStatus.DELETED])),
        "code_without_tests": float(bool(code) and not any(f.status is not FileStatus.DELETED for f in tests)),
        "tests_deleted": sum(1 for f in tests if f.status is FileStatus.DELETED),
        "tests_weakened": sum(1 for f in findings if f.rule in WEAKENING_RULES),
    }


def _history_features(
    change: Change, history: HistoryIndex | None, paths: list[str], before: float
) -> dict[str, float]:
    if history is None:
        return {}
    exclude = change.head if change.commits and len(change.commits) == 1 else None
    past = history.file_history(paths, before, exclude=exclude)
    author = change.commits[0].author.email if change.commits else ""
    operator = change.agent.operator if change.agent and change.agent.operator else author
    author_exp = history.experience(author, before, paths, exclude=exclude) if author else None
    operator_exp = history.experience(operator, before, paths, exclude=exclude) if operator else None
    return {
        "prior_changes": past.changes,
        "developers": past.developers,
        "file_age_days": round(past.age_days, 1),
        "prior_fixes": past.fixes,
        "prior_reverts": past.reverts,
        "new_files": past.new_paths,
        "author_experience": author_exp.commits if author_exp else 0,
        "author_recent_experience": round(author_exp.recent, 2) if author_exp else 0.0,
        "author_subsystem_experience": author_exp.on_subsystems if author_exp else 0,
        "operator_file_experience": operator_exp.on_paths if operator_exp else 0,
    }
