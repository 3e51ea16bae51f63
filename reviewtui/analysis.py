"""Everything reviewtui works out about a change beyond its diff: findings now, the risk score later.

One `Analyzer` per run keeps the per-repository state (rule sets per base, repository lookups, the system map) so
a queue of hundreds of changes compiles rules and lists trees once, not once per change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change
from reviewtui.repository import Repository
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity
from reviewtui.rules.ruleset import RuleLibrary, RuleSet
from reviewtui.systems import SYSTEMS_FILE, SystemMap, parse_system_map


@dataclass(frozen=True, slots=True)
class Analysis:
    change: Change
    findings: tuple[Finding, ...]
    ruleset: RuleSet

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (zeros included) so consumers need no defaults."""
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts


class Analyzer:
    def __init__(self, *, user_file: Path | None = None) -> None:
        self.user_file = user_file
        self._repos: dict[str, tuple[Repository | None, RuleLibrary, ScanContext]] = {}
        self._maps: dict[tuple[str, str | None], SystemMap] = {}

    def analyze(self, change: Change) -> Analysis:
        repo, library, context = self._state(change.repo)
        base = change.base
        ruleset = library.for_base(base)
        context.systems = self.system_map(repo, base)
        return Analysis(change, tuple(scan(change, ruleset, context)), ruleset)

    def system_map(self, repo: Repository | None, base: str | None) -> SystemMap:
        """The Tier-1 map as committed at the change's base (never its head)."""
        if repo is None or base is None:
            return SystemMap()
        key = (str(repo.root), base)
        if key not in self._maps:
            text = repo.show_file(base, SYSTEMS_FILE)
            label = f"{base[:12]}:{SYSTEMS_FILE}"
            self._maps[key] = SystemMap() if text is None else parse_system_map(_utf8(text, label), label)
        return self._maps[key]

    def _state(self, repo_path: str) -> tuple[Repository | None, RuleLibrary, ScanContext]:
        if repo_path not in self._repos:
            try:
                repo: Repository | None = Repository(repo_path)
            except ReviewtuiError:
                repo = None
            self._repos[repo_path] = (repo, RuleLibrary(repo, user_file=self.user_file), ScanContext(repo))
        return self._repos[repo_path]


def _utf8(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReviewtuiError(f"{label}: not valid UTF-8") from None
