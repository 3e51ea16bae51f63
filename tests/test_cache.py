"""The analysis cache never changes a result: warm runs equal cold ones, and bad entries are recomputed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reviewtui.analysis import Analyzer, entry_of
from reviewtui.cache import CACHE_DIR, AnalysisCache, cache_key
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.repository import Repository
from reviewtui.risk.weights import RiskModel
from reviewtui.rules.ruleset import RuleLibrary, builtin_rules
from reviewtui.summary import SUMMARY_DIR
from reviewtui.systems import SystemMap
from tests.entries import opened, sealed
from tests.gitrepo import GitRepo, forget_memo
from tests.test_cli import run

PACK = """
[[rule]]
id = "no-print"
title = "print() left in code"
severity = "low"
scope = "added"
pattern = '\\bprint\\('
message = "print() call added"
"""


@pytest.fixture
def busy(repo: GitRepo) -> GitRepo:
    """Two pending changes with findings and a few commits of history."""
    repo.write(".reviewtui/rules/style.toml", PACK)
    repo.commit("Add a local rule pack")
    for n in range(3):
        repo.write(f"lib/m{n}.py", f"def f{n}():\n    return {n}\n")
        repo.commit(f"Add m{n}")
    repo.checkout("ai/prints", new=True)
    repo.write("lib/m0.py", "def f0():\n    print('x')\n    return 0\n")
    repo.write("settings.py", 'AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\nDEBUG = True\n')
    repo.commit("Debug things", author=("Claude", "noreply@anthropic.com"))
    repo.checkout("main")
    repo.checkout("fetching", new=True)
    repo.write("lib/m1.py", "import requests\n\ndef f1():\n    return requests.get('http://x')\n")
    repo.update_ref("refs/pull/7/head", repo.commit("Fetch"))
    repo.checkout("main")
    return repo


def entries(repo: GitRepo) -> list[Path]:
    return sorted((repo.path / ".git" / CACHE_DIR).rglob("*.json"))


def queue_json(repo: GitRepo, *extra: str) -> list[dict[str, object]]:
    forget_memo(repo.path)
    result = run("queue", "--repo", str(repo.path), "--json", *extra)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    return data


def test_warm_run_gives_the_same_json_and_reads_the_cache(busy: GitRepo) -> None:
    cold = queue_json(busy)
    stored = entries(busy)
    assert len(stored) == 2
    assert any(change["findings"] != {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0} for change in cold)
    before = {p: p.stat().st_mtime_ns for p in stored}
    warm = queue_json(busy)
    assert warm == cold
    assert {p: p.stat().st_mtime_ns for p in entries(busy)} == before, "a hit must not rewrite the entry"
    assert queue_json(busy, "--no-cache") == cold


def test_commit_range_warm_equals_cold(busy: GitRepo) -> None:
    cold = queue_json(busy, "--commits", "main")
    assert len(entries(busy)) == len(cold) == 5
    assert queue_json(busy, "--commits", "main") == cold


def test_no_cache_neither_reads_nor_writes(busy: GitRepo) -> None:
    queue_json(busy, "--no-cache")
    assert entries(busy) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "wrong-shape", "bad-file", "empty", "unsealed"])
def test_damaged_or_foreign_entries_are_ignored(busy: GitRepo, damage: str) -> None:
    cold = queue_json(busy)
    first, second = entries(busy)
    if damage == "garbage":
        first.write_bytes(b"\x00\xffnot json")
    elif damage == "truncated":
        first.write_bytes(first.read_bytes()[:40])
    elif damage == "foreign":
        first.write_bytes(second.read_bytes())  # a valid entry, stored under another key
    elif damage == "wrong-shape":
        data = opened(first)
        data["findings"] = [{"rule": 1}]
        first.write_bytes(sealed(json.dumps(data)))
    elif damage == "bad-file":  # a file record with a path that is not a string
        data = opened(first)
        data["files"][0][1] = 7
        first.write_bytes(sealed(json.dumps(data)))
    elif damage == "unsealed":  # a well-formed entry for this very key, written by someone without the key
        data = opened(first)
        data["findings"] = []
        first.write_text(json.dumps(data))
    else:
        first.write_bytes(b"")
    assert queue_json(busy) == cold
    opened(first)  # recomputed and rewritten whole


def test_new_rules_at_the_base_are_never_answered_from_the_cache(busy: GitRepo) -> None:
    """An entry is only as good as its key: rules changed at the base give a new key, never a stale hit."""
    cold = queue_json(busy)
    busy.checkout("main")
    busy.write(".reviewtui/rules/style.toml", PACK.replace('severity = "low"', 'severity = "high"'))
    busy.commit("Make print() high")
    warm = {c["id"]: c for c in queue_json(busy)}
    before = {c["id"]: c for c in cold}
    assert before["ai/prints"]["findings"]["low"] >= 1  # type: ignore[index]
    assert warm["ai/prints"]["findings"]["high"] >= 1  # type: ignore[index]


def test_two_processes_at_once_leave_valid_entries(busy: GitRepo) -> None:
    cold = queue_json(busy, "--no-cache")
    command = [sys.executable, "-m", "reviewtui", "queue", "--repo", str(busy.path), "--json"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert all(json.loads(out) == cold for out, _ in outputs)
    assert len(entries(busy)) == 2
    assert queue_json(busy) == cold
    assert not [p for p in (busy.path / ".git" / CACHE_DIR).rglob(".tmp-*")]


def test_key_covers_rules_systems_model_and_history(busy: GitRepo) -> None:
    change = next(iter(QueueLoader(QueueRequest(repo=busy.path)).changes()))
    base = {"rules_digest": "a" * 64, "systems": SystemMap(), "model": RiskModel(), "history_tip": "1" * 40}
    key = cache_key(change, **base)  # type: ignore[arg-type]
    variants = [
        {**base, "rules_digest": "b" * 64},
        {**base, "model": RiskModel(intercept=-1.0)},
        {**base, "systems": SystemMap(source="elsewhere")},
        {**base, "history_tip": "2" * 40},
        {**base, "repository": "r" * 64},
    ]
    assert all(cache_key(change, **v) != key for v in variants)  # type: ignore[arg-type]
    assert cache_key(replace(change, head="f" * 40), **base) != key  # type: ignore[arg-type]
    assert cache_key(replace(change, id="other"), **base) != key  # type: ignore[arg-type]


def test_round_trip_is_exact(busy: GitRepo, tmp_path: Path) -> None:
    analyzer = Analyzer(cache=False)
    cache = AnalysisCache(tmp_path)
    for change in QueueLoader(QueueRequest(repo=busy.path)).changes():
        analysis = analyzer.analyze(change)
        cache.put("k" + change.id.replace("/", "_"), entry_of(analysis))
        entry = cache.get("k" + change.id.replace("/", "_"))
        assert entry == entry_of(analysis)
        assert entry is not None and entry.files == tuple(f.summarised() for f in change.files) != ()
    assert cache.get("absent") is None
    assert (cache.hits, cache.misses) == (2, 1)


def test_an_unwritable_cache_only_costs_speed(busy: GitRepo, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = AnalysisCache(blocker)
    change = next(iter(QueueLoader(QueueRequest(repo=busy.path)).changes()))
    analysis = Analyzer(cache=False).analyze(change)
    cache.put("key", entry_of(analysis))
    assert cache.get("key") is None


def test_model_digests_follow_the_model_not_its_slot() -> None:
    """The digest is remembered per model object; another model (even one built later at a reused address) gets
    its own."""
    from reviewtui.cache import model_digest
    from reviewtui.risk.weights import RiskModel

    plain = RiskModel()
    digest = model_digest(plain)
    assert model_digest(plain) == digest == model_digest(RiskModel())
    for intercept in range(300):
        other = RiskModel(intercept=float(intercept) + 0.5)
        assert model_digest(other) not in (digest, model_digest(RiskModel(intercept=float(intercept) + 1.5)))
    assert model_digest(RiskModel(source="calibrated")) != digest


def central_pack(tmp_path: Path, user: Path) -> tuple[Path, Path]:
    """A central pack folder holding PACK's rule as `org-no-print`, and a user file at `user` that names it."""
    central = tmp_path / "central"
    central.mkdir()
    (central / "org.toml").write_text(PACK.replace("no-print", "org-no-print"))
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text(f'[rules]\ncentral = ["{central}"]\n')
    return central, user


def test_a_central_pack_or_user_tuning_edited_gives_new_keys(
    busy: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is keyed by what the rules are built from, not by the compiled rule set: every input counts."""
    central, user = central_pack(tmp_path, tmp_path / "xdg" / "reviewtui" / "config.toml")
    base = busy.git("rev-parse", "main").strip()

    def inputs() -> str:
        return RuleLibrary(Repository(busy.path), user_file=user).inputs(base)

    first = inputs()
    assert inputs() == first, "the same inputs give the same key"
    (central / "org.toml").write_text(PACK.replace("no-print", "org-no-print").replace('"low"', '"high"'))
    second = inputs()
    (central / "more.toml").write_text(PACK.replace("no-print", "org-no-print-2"))
    third = inputs()
    user.write_text(f'[rules]\ncentral = ["{central}"]\nseverity = {{ "no-print" = "critical" }}\n')
    fourth = inputs()
    assert len({first, second, third, fourth}) == 4

    # End to end (the reviewer's own file, where `queue` finds it): after an edit, a warm queue answers what a
    # fresh analysis does.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    before = queue_json(busy)
    (central / "org.toml").write_text(PACK.replace("no-print", "org-no-print").replace('"low"', '"info"'))
    after = queue_json(busy)
    assert after == queue_json(busy, "--no-cache")
    assert after != before


def test_a_cached_analysis_compiles_no_rules_until_asked(busy: GitRepo) -> None:
    change = next(iter(QueueLoader(QueueRequest(repo=busy.path)).changes()))
    fresh = Analyzer().analyze(change)
    builtin_rules.cache_clear()
    cached = Analyzer().cached(change)
    assert cached is not None
    assert builtin_rules.cache_info().currsize == 0, "a hit must not compile the shipped packs"
    assert cached.ruleset.digest == fresh.ruleset.digest  # compiled on demand: the same rules
    assert builtin_rules.cache_info().currsize == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_warm_commit_range_reads_neither_diffs_nor_summaries(busy: GitRepo, jobs: str) -> None:
    """An entry lists its change's files: with no diff summary written and a blob of one commit deleted from the
    object store, a warm `--commits` queue still prints the cold JSON (it read no diff and no summary)."""
    cold = queue_json(busy, "--commits", "main", "--jobs", jobs)
    assert not (busy.path / ".git" / SUMMARY_DIR).exists(), "no diff summary is written: the entry lists the files"
    blob = busy.git("rev-parse", "main:lib/m2.py").strip()
    (busy.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    assert queue_json(busy, "--commits", "main", "--jobs", jobs) == cold
    assert not (busy.path / ".git" / SUMMARY_DIR).exists()


def test_the_rules_compiled_later_are_the_ones_the_key_was_built_from(busy: GitRepo, tmp_path: Path) -> None:
    """A hit compiles no rules; when something later asks for them (signing a decision records their digest), it
    gets the rules whose bytes the cache key was built from, even if a central pack was edited meanwhile."""
    central, user = central_pack(tmp_path, tmp_path / "user.toml")
    change = next(iter(QueueLoader(QueueRequest(repo=busy.path)).changes()))
    before = Analyzer(user_file=user).analyze(change).ruleset
    hit = Analyzer(user_file=user).cached(change)
    assert hit is not None
    (central / "org.toml").write_text(PACK.replace("no-print", "org-no-print").replace('"low"', '"critical"'))
    assert hit.ruleset.digest == before.digest
    rule = hit.ruleset.get("org-no-print")
    assert rule is not None and rule.severity.value == "low"
    assert Analyzer(user_file=user).analyze(change).ruleset.digest != before.digest, "a new run reads the edit"
