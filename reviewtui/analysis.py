"""Everything reviewtui works out about a change beyond its diff: its findings and its risk score.

One `Analyzer` per run keeps the per-repository state (rule sets per base, repository lookups, the system map, the
history index, the risk model) so a queue of hundreds of changes compiles rules, lists trees and walks history once,
not once per change. Governance files (rules, system map, risk model) are read at the change's base.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from reviewtui.cache import AnalysisCache, Entry, cache_key, keyable
from reviewtui.config import load_config
from reviewtui.errors import ReviewtuiError
from reviewtui.jsonstore import JsonStore
from reviewtui.model import Change, SourceKind
from reviewtui.repository import Repository
from reviewtui.risk.features import Measurements, measure
from reviewtui.risk.history import HISTORY_DIR, HistoryIndex
from reviewtui.risk.score import RiskScore, score
from reviewtui.risk.weights import MODEL_FILE, RiskModel, parse_model
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity
from reviewtui.rules.ruleset import RuleLibrary, RulesAt, RuleSet
from reviewtui.sources.full import Unread, full_change
from reviewtui.sources.refs import resolve_base
from reviewtui.systems import SYSTEMS_FILE, SystemMap, parse_system_map

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Analysis:
    change: Change
    findings: tuple[Finding, ...]
    rules: RulesAt
    risk: RiskScore
    measurements: Measurements
    """The raw feature values behind `risk` (what calibration fits on)."""

    @property
    def ruleset(self) -> RuleSet:
        """The rules that judged the change (compiled on first use: a cached analysis rarely needs them)."""
        return self.rules.get()

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (zeros included) so consumers need no defaults."""
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts


class Analyzer:
    def __init__(self, *, user_file: Path | None = None, history: bool = True, cache: bool = True) -> None:
        self.user_file = user_file
        self.use_history = history
        self.use_cache = cache
        self._repos: dict[str, tuple[Repository | None, RuleLibrary, ScanContext]] = {}
        self._governance: dict[tuple[str, str, str], object] = {}
        self._histories: dict[str, HistoryIndex | None] = {}
        self._tips: dict[str, str | None] = {}
        self._caches: dict[str, AnalysisCache] = {}
        self._unsaved: list[Callable[[], None]] = []

    def analyze(self, change: Change, *, store: bool = True) -> Analysis:
        found = self.cached(change)
        return found if found is not None else self.compute(change, store=store)

    def cached(self, item: Change | Unread) -> Analysis | None:
        """The analysis from the cache, or None when it must be computed. A change whose diff was not read yet
        comes back with the files the entry lists (summarised): its diff is never read on a hit."""
        change = item.change if isinstance(item, Unread) else item
        repo, library, _ = self._state(change.repo)
        cache, key = self._cache_slot(repo, change, library)
        entry = cache.get(key) if cache is not None and key is not None else None
        if entry is None:
            return None
        return self.assemble(item.filled(entry.files) if isinstance(item, Unread) else change, entry)

    def compute(self, change: Change, *, store: bool = True) -> Analysis:
        """Scan, measure and score the change (read in full if summarised), and store the result in the cache
        (unless `store` is off: a worker process leaves the write to the main process, which has time to spare)."""
        repo, library, context = self._state(change.repo)
        ruleset = library.for_base(change.base)
        change = full_change(change, repo)  # the rules read lines: a summarised change (not cached) is read now
        context.systems = self.system_map(repo, change.base)
        findings = tuple(scan(change, ruleset, context))
        history = self.history(repo)
        measurements = measure(change, findings, context.systems, history, before=_moment(change, history))
        risk = score(measurements, findings, self.risk_model(repo, change.base))
        analysis = Analysis(change, findings, library.at(change.base), risk, measurements)
        if store:
            self.store(analysis)
        return analysis

    def store(self, analysis: Analysis) -> None:
        """Write the analysis to the cache (the key does not depend on whether the change is summarised)."""
        repo, library, _ = self._state(analysis.change.repo)
        cache, key = self._cache_slot(repo, analysis.change, library)
        if cache is not None and key is not None:
            cache.put(key, entry_of(analysis))

    def assemble(self, change: Change, entry: Entry) -> Analysis:
        """An analysis from its parts computed elsewhere (the cache, a worker process), with this run's rule set."""
        _, library, _ = self._state(change.repo)
        return Analysis(change, entry.findings, library.at(change.base), entry.risk, entry.measurements)

    def prepare(self, change: Change) -> None:
        """Build what every analysis in the change's repository shares (the history index: one `git log` pass, a
        second or two on a large history) now, e.g. before forking worker processes that can then `inherit` it;
        storing it for later runs waits for `save`. The rule set at the change's base too: the built-in packs are
        parsed once per process, and a worker forked after this starts with them parsed and its regexes compiled."""
        repo, library, _ = self._state(change.repo)
        library.for_base(change.base)
        self.history(repo, later=True)

    def save(self) -> None:
        """Store what `prepare` built for later runs (the history records): after the fork, so that the workers
        do not wait for the write."""
        while self._unsaved:
            self._unsaved.pop()()

    def inherit(self, parent: Analyzer) -> None:
        """Take the parent's history indexes and base tips (a forked worker's copy of them): plain data, no git
        process, so sharing them is safe, and each worker is spared a pass over the history."""
        self._histories.update(parent._histories)
        self._tips.update(parent._tips)

    def tips(self) -> dict[str, str | None]:
        """The base tips resolved so far, per repository root: what a served worker (which inherits nothing) takes
        with `take_tips` so its history and this process's cache keys agree on the tip."""
        return dict(self._tips)

    def take_tips(self, tips: dict[str, str | None]) -> None:
        self._tips.update(tips)

    def history(self, repo: Repository | None, *, later: bool = False) -> HistoryIndex | None:
        """One pass over the base branch's history per repository per run (only if some change is not cached), or
        what the history store kept of the same tip's pass (`later`: stored when `save` is called)."""
        if repo is None or not self.use_history:
            return None
        key = str(repo.root)
        if key not in self._histories:
            store = JsonStore(repo.git_dir / HISTORY_DIR) if self.use_cache else None
            defer = self._unsaved.append if later else None
            self._histories[key] = HistoryIndex.build(repo, self._history_tip(repo) or "HEAD", store=store, later=defer)
        return self._histories[key]

    def _history_tip(self, repo: Repository) -> str | None:
        """The commit whose history the risk features count (the base branch's tip), resolved once per run."""
        key = str(repo.root)
        if key not in self._tips:
            try:
                self._tips[key] = resolve_base(repo, load_config(repo.root, user_file=self.user_file).queue.base).sha
            except ReviewtuiError:
                self._tips[key] = repo.resolve("HEAD")
        return self._tips[key]

    def _cache_slot(
        self, repo: Repository | None, change: Change, library: RuleLibrary
    ) -> tuple[AnalysisCache | None, str | None]:
        """Where this change's analysis is (or will be) cached; (None, None) when caching is off or impossible."""
        if not self.use_cache or repo is None or not keyable(change):
            return None, None
        root = str(repo.root)
        if root not in self._caches:
            self._caches[root] = AnalysisCache(repo.git_dir)
        tip = self._history_tip(repo) if self.use_history else None
        systems, model = self.system_map(repo, change.base), self.risk_model(repo, change.base)
        rules = library.inputs(change.base)
        key = cache_key(
            change, rules_digest=rules, systems=systems, model=model, history_tip=tip, repository=repo.shape()
        )
        return self._caches[root], key

    def risk_model(self, repo: Repository | None, base: str | None) -> RiskModel:
        """`.reviewtui/risk-model.toml` as calibrated and committed at the base; else the shipped weights."""
        return self._at_base(repo, base, MODEL_FILE, parse_model, _SHIPPED_MODEL)

    def system_map(self, repo: Repository | None, base: str | None) -> SystemMap:
        """The Tier-1 map as committed at the change's base (never its head)."""
        return self._at_base(repo, base, SYSTEMS_FILE, parse_system_map, _NO_SYSTEMS)

    def _at_base(
        self, repo: Repository | None, base: str | None, path: str, parse: Callable[[str, str], T], default: T
    ) -> T:
        """A governance file parsed as the base commit has it, once per (repository, base, file) per run."""
        if repo is None or base is None:
            return default
        key = (str(repo.root), base, path)
        if key not in self._governance:
            text = repo.show_file(base, path)
            label = f"{base[:12]}:{path}"
            self._governance[key] = default if text is None else parse(_utf8(text, label), label)
        return cast(T, self._governance[key])

    def repository(self, repo_path: str) -> Repository | None:
        """The repository at `repo_path` (None when it is not one), opened once per analyser and shared with its
        clerk: the governance files looked up at a base are then asked for once."""
        return self._state(repo_path)[0]

    def central_uses(self) -> list[tuple[tuple[str, ...], str]]:
        """Every central pack set this analyser's rule libraries read, with the digest of the bytes read."""
        return [use for _, library, _ in self._repos.values() for use in library.central_uses()]

    def _state(self, repo_path: str) -> tuple[Repository | None, RuleLibrary, ScanContext]:
        if repo_path not in self._repos:
            try:
                repo: Repository | None = Repository(repo_path)
            except ReviewtuiError:
                repo = None
            self._repos[repo_path] = (repo, RuleLibrary(repo, user_file=self.user_file), ScanContext(repo))
        return self._repos[repo_path]


def entry_of(analysis: Analysis) -> Entry:
    """What the cache keeps of an analysis (and a worker sends back): everything but the lines of the diff."""
    files = tuple(f.summarised() for f in analysis.change.files)
    return Entry(analysis.findings, analysis.measurements, analysis.risk, files)


_SHIPPED_MODEL = RiskModel()
_NO_SYSTEMS = SystemMap()
"""One of each for every base without its own file: digests of the cache key are remembered per object
(`cache.model_digest`), so a thousand bases share one instead of computing a thousand."""


def _moment(change: Change, history: HistoryIndex | None) -> float:
    """The moment the change is judged at: history counts only what happened before it (no look-ahead).

    A past commit is judged at its own time. A pending change is judged now, as of the later of its last update and
    its base (the base is what it will merge into) — a fixed point, so the same repository always scores the same.
    """
    if change.source is SourceKind.COMMIT and change.commits:
        return change.commits[0].committed.timestamp()
    moments = [change.updated.timestamp()] if change.updated else []
    base = history.commit(change.base) if history is not None and change.base else None
    if base is not None:
        moments.append(float(base.committed))
    return max(moments) + 1.0 if moments else time.time()


def _utf8(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReviewtuiError(f"{label}: not valid UTF-8") from None


def with_imported(analysis: Analysis, logs: Sequence[Any], mode: str = "added") -> Analysis:
    """The analysis with other scanners' SARIF results that land on this change added to its findings (each keeps
    its tool name), so `scan --sarif` and the TUI's `--sarif` show the same thing."""
    from reviewtui.rules.sarif import findings_for_change

    if not logs:
        return analysis
    change = full_change(analysis.change)  # results are placed on the diff's lines
    imported: list[Finding] = []
    for log in logs:
        imported += findings_for_change(log, change, repo_root=Path(change.repo), mode=mode)
    if not imported:
        return analysis
    findings = sorted({*analysis.findings, *imported}, key=Finding.sort_key)
    return dataclasses.replace(analysis, change=change, findings=tuple(findings))

