"""Calibration against a real synthetic history whose bad commits are known, so every claim can be checked exactly.

The history is built with one `git fast-import` run (a few hundred `git commit`s would dominate the suite's time):
big commits to `core/` are the planted risk and most of them are reverted a little later, in each of the forms
people write: git's own `This reverts commit <full sha>.`, an abbreviated sha, and the hand-written `Reverts <sha>`.
Small edits to `docs/` and `lib/` and even bigger generated tables in `lib/` are the safe rest, so size alone
does not give the answer away: the model has to learn what a reviewer would, that the risky commits spread over
several files whose history is full of reverts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtui.commands import calibrate as calibrate_command
from reviewtui.commands.calibrate import parse_date
from reviewtui.errors import ReviewtuiError
from reviewtui.risk.calibration import (
    MIN_TRAIN_POSITIVES,
    Dataset,
    Ranking,
    Sample,
    _Problem,
    _sparse,
    calibrate,
    collect,
    fit,
    model_ranking,
    model_toml,
    shipped_prior,
    time_split,
)
from reviewtui.risk.features import Measurements
from reviewtui.risk.weights import BY_NAME, FEATURES, parse_model
from tests.gitrepo import ISOLATED_ENV

START = 1_700_000_000
AUTHORS = (("Alice Liddell", "alice@example.com"), ("Bob Builder", "bob@example.com"), ("Carol Code", "carol@x.org"))


@dataclass
class Planted:
    """What the builder knows: which commit (by subject) is bad and which commit reverted it."""

    path: Path
    subjects: dict[str, str] = field(default_factory=dict)
    """sha -> subject of every commit."""
    reverted: dict[str, str] = field(default_factory=dict)
    """reverted sha -> reverting sha."""
    risky: set[str] = field(default_factory=set)
    """Big core commits (reverted or not)."""


class _Builder:
    """Feeds `git fast-import` one commit at a time and asks it for shas (`get-mark`) to write revert messages."""

    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env={**os.environ, **ISOLATED_ENV})
        self.path = path
        self.files: dict[str, str] = {}
        self.mark = 0
        self.clock = START
        self.process = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=path,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, **ISOLATED_ENV},
        )

    def commit(self, message: str, changes: dict[str, str], author: tuple[str, str] = AUTHORS[0]) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.mark += 1
        self.clock += 3600
        body = message.encode()
        out = bytearray(b"commit refs/heads/main\nmark :%d\n" % self.mark)
        who = f"{author[0]} <{author[1]}> {self.clock} +0000".encode()
        out += b"author %s\ncommitter %s\ndata %d\n%s\n" % (who, who, len(body), body)
        for path, text in changes.items():
            data = text.encode()
            out += b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data)
            self.files[path] = text
        out += b"get-mark :%d\n" % self.mark
        self.process.stdin.write(bytes(out))
        self.process.stdin.flush()
        return self.process.stdout.readline().decode().strip()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"done\n")
        self.process.stdin.close()
        assert self.process.wait() == 0


def _lines(prefix: str, count: int, start: int = 0) -> str:
    return "".join(f"{prefix}_{i} = compute({i}, {i % 7})\n" for i in range(start, start + count))


def build_history(path: Path, cycles: int = 18, reverted_every: int = 1) -> Planted:
    """`cycles` rounds of: one big commit to two `core/` files, then seven others, the third of which reverts the big
    one when `cycle % reverted_every == 0`. Returns what was planted, for exact assertions."""
    builder = _Builder(path)
    planted = Planted(path)
    forms = (
        lambda sha: f"This reverts commit {sha}.",
        lambda sha: f"This reverts commit {sha[:10]}.\n\nIt broke the nightly build.",
        lambda sha: f"Reverts {sha[:8]}: breaks imports on Windows",
    )

    def grown(path_: str, text: str) -> dict[str, str]:
        return {path_: builder.files[path_] + text}

    def record(sha: str, message: str) -> None:
        planted.subjects[sha] = message.splitlines()[0]

    seed = {f"lib/util_{k}.py": _lines(f"util{k}", 5) for k in range(4)}
    seed.update({f"core/engine_{k}.py": _lines(f"engine{k}", 5) for k in range(3)})
    seed["docs/guide.md"] = "# Guide\n"
    record(builder.commit("Initial import", seed), "Initial import")
    for cycle in range(cycles):
        author = AUTHORS[cycle % len(AUTHORS)]
        target, neighbour = f"core/engine_{cycle % 3}.py", f"core/engine_{(cycle + 1) % 3}.py"
        before = builder.files[target]
        subject = f"Rework engine scheduling, part {cycle}"
        changes = {**grown(target, _lines(f"sched{cycle}", 160 + 9 * (cycle % 5))), **grown(neighbour, _lines("h", 40))}
        risky = builder.commit(subject, changes, author)
        record(risky, subject)
        planted.risky.add(risky)
        for step in range(7):
            name = f"Safe change {cycle}.{step}"
            if step == 2 and cycle % reverted_every == 0:
                message = f'Revert "{subject}"\n\n{forms[cycle % len(forms)](risky)}\n'
                planted.reverted[risky] = builder.commit(message, {target: before}, AUTHORS[(cycle + 1) % 3])
                record(planted.reverted[risky], message)
                continue
            if step == 4:  # bigger than the risky commits but safe: a generated table in lib/
                sha = builder.commit(name, grown(f"lib/util_{cycle % 4}.py", _lines(f"table{cycle}", 260)), author)
            elif step % 2:
                sha = builder.commit(name, grown("docs/guide.md", f"- note {cycle}.{step}\n"))
            else:
                sha = builder.commit(name, grown(f"lib/util_{(cycle + step) % 4}.py", _lines(f"v{cycle}", 3)), author)
            record(sha, name)
        if cycle % 4 == 3:  # mentions reverting, names no sha: not a revert of anything
            message = "Revert added flag in engine docs"
            record(builder.commit(message, grown("docs/guide.md", "- flag\n")), message)
    builder.close()
    return planted


@pytest.fixture(scope="module")
def env() -> Iterator[None]:
    """The suite's isolation (no developer config) for module-scoped fixtures, which run before the autouse one."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ISOLATED_ENV.items():
            patch.setenv(key, value)
        patch.setenv("XDG_CONFIG_HOME", "/nonexistent-reviewtui-test-config")
        yield


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, env: None) -> Planted:
    return build_history(tmp_path_factory.mktemp("calibration") / "repo")


@pytest.fixture(scope="module")
def dataset(planted: Planted) -> Dataset:
    return collect(planted.path)


# -- labels --------------------------------------------------------------------------------------------------------


def test_labels_are_exactly_the_planted_reverts(planted: Planted, dataset: Dataset) -> None:
    assert len(dataset.samples) == len(planted.subjects)
    labelled = {s.sha: s.reverted_by for s in dataset.samples if s.bad()}
    assert labelled == planted.reverted  # full sha, abbreviated sha and "Reverts <sha>" alike
    assert "Revert added flag in engine docs" in planted.subjects.values()  # no sha: no label
    shas = [s.sha for s in dataset.samples]
    assert shas == sorted(shas, key=lambda sha: next(s.committed for s in dataset.samples if s.sha == sha))
    for sample in dataset.samples:
        if sample.reverted_at is not None:
            assert sample.reverted_at > sample.committed


def test_training_labels_only_count_reverts_known_by_the_cutoff(dataset: Dataset) -> None:
    split = time_split(dataset.samples, 0.75)
    last_train = split.train[-1]
    late = [s for s in split.train if s.bad() and not s.bad(split.cutoff)]
    assert all(s.reverted_at is not None and s.reverted_at > last_train.committed for s in late)
    assert all(a.committed <= b.committed for a in split.train for b in split.test[:1])


# -- fitting -------------------------------------------------------------------------------------------------------


def test_fit_is_deterministic_and_respects_the_sign_constraints(dataset: Dataset) -> None:
    first = fit(dataset.samples)
    second = fit(list(dataset.samples))
    assert first == second
    assert first.converged
    for feature in FEATURES:
        weight = first.weights[feature.name]
        assert math.isfinite(weight)
        if feature.sign > 0:
            assert weight >= 0, feature.name
        if feature.sign < 0:
            assert weight <= 0, feature.name
    for name in first.held:  # never varied in this history: the shipped weight stands
        assert first.weights[name] == BY_NAME[name].weight


def test_fit_is_the_constrained_optimum(dataset: Dataset) -> None:
    """KKT conditions: zero gradient for every weight off its bounds, an outward-pushing one for those on a bound."""
    result = fit(dataset.samples)
    rows = [_sparse(s.measurements.values) for s in dataset.samples]
    labels = [1.0 if s.bad() else 0.0 for s in dataset.samples]
    problem = _Problem(rows, labels, [1.0] * len(rows), shipped_prior(), result.l2)
    theta = [result.intercept, *(result.weights[f.name] for f in FEATURES)]
    grad, _ = problem.derivatives(theta)
    tolerance = 1e-3  # the weights are rounded to six decimals
    assert abs(grad[0]) < tolerance
    for j, feature in enumerate(FEATURES):
        if j not in problem.free:
            continue
        at_low = theta[j + 1] <= problem.lo[j] + 1e-9
        at_high = theta[j + 1] >= problem.hi[j] - 1e-9
        if at_low:
            assert grad[j + 1] > -tolerance, feature.name
        elif at_high:
            assert grad[j + 1] < tolerance, feature.name
        else:
            assert abs(grad[j + 1]) < tolerance, feature.name


def test_sign_constraints_bind_when_the_data_disagree(dataset: Dataset) -> None:
    """Make the data say "touching tests makes a change riskier": the weight may only reach 0, never cross it."""
    flipped = [
        Sample(s.sha, s.committed, Measurements({**s.measurements.values, "tests_touched": float(s.bad())},
                                                s.measurements.systems, s.lines), s.reverted_by, s.reverted_at)
        for s in dataset.samples
    ]
    free = fit(flipped, prior={})
    assert BY_NAME["tests_touched"].sign < 0
    assert free.weights["tests_touched"] == 0.0


def test_the_calibrated_model_finds_the_planted_risk_on_the_held_out_window(dataset: Dataset) -> None:
    result = calibrate(dataset)
    calibrated = result.metrics["calibrated"]
    assert calibrated.positives >= 3
    assert calibrated.roc_auc > 0.8
    assert calibrated.top[10] >= 0.6
    assert calibrated.roc_auc > result.metrics["lines_added"].roc_auc  # the big safe tables fool size alone
    assert calibrated.top[10] > result.metrics["lines_added"].top[10]
    assert calibrated.roc_auc > result.metrics["inverse_size"].roc_auc
    split = time_split(dataset.samples)
    # the refitted model ranks every reverted commit of the test window above the median commit
    ranking = model_ranking(split.test, result.model)
    assert ranking.metrics().top[50] == 1.0
    assert result.training["commits"] == len(dataset.samples)
    assert result.training["train_positives"] + result.training["test_positives"] <= result.training["positives"]


def test_too_few_reverts_is_a_clear_error(tmp_path: Path, env: None) -> None:
    planted = build_history(tmp_path / "few", cycles=12, reverted_every=6)
    assert len(planted.reverted) == 2
    with pytest.raises(ReviewtuiError) as error:
        calibrate(collect(planted.path))
    message = str(error.value)
    assert f"at least {MIN_TRAIN_POSITIVES}" in message
    assert "found 2 and 0" in message


# -- the model file ------------------------------------------------------------------------------------------------


def test_model_file_round_trips_through_parse_model(dataset: Dataset) -> None:
    result = calibrate(dataset)
    text = model_toml(result)
    assert text == model_toml(calibrate(dataset))  # same history, same file: no timestamps, no noise
    parsed = parse_model(text, "risk-model.toml")
    assert parsed.intercept == result.model.intercept
    assert parsed.weights == result.model.weights
    assert set(parsed.weights) == set(BY_NAME)
    assert parsed.metrics == result.metrics["calibrated"].as_dict()
    assert "[training]" in text and "[baselines.lines_added]" in text


# -- metrics -------------------------------------------------------------------------------------------------------


def test_metrics_on_a_hand_checked_ranking() -> None:
    scores = [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    labels = [True, False, True, False, False, False, False, False, False, False]
    metrics = Ranking.of(scores, labels, [10.0] * 10).metrics()
    assert metrics.roc_auc == pytest.approx((8 + 7) / 16)
    assert metrics.pr_auc == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert metrics.top[10] == pytest.approx(0.5)
    assert metrics.top[50] == pytest.approx(1.0)
    assert metrics.effort == pytest.approx(0.5)  # 20 % of the lines is the first two commits


def test_ties_count_at_their_expected_value() -> None:
    metrics = Ranking.of([1.0] * 10, [True] + [False] * 9, [1.0] * 10).metrics()
    assert metrics.roc_auc == pytest.approx(0.5)
    assert metrics.top[10] == pytest.approx(0.1)
    assert metrics.effort == pytest.approx(0.2)


# -- the command ---------------------------------------------------------------------------------------------------


def _run_command(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    calibrate_command.register(commands)
    args = parser.parse_args(["calibrate", *argv])
    return int(args.handler(args))


def test_command_writes_the_model_and_prints_the_baselines(
    planted: Planted, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "model.toml"
    assert _run_command("--repo", str(planted.path), "--output", str(output)) == 0
    out = capsys.readouterr().out
    for label in ("random", "lines added alone", "1/size", "shipped weights", "calibrated", "ROC AUC"):
        assert label in out
    model = parse_model(output.read_text(encoding="utf-8"), str(output))
    assert model.metrics["roc_auc"] > 0.8
    assert not list(tmp_path.glob(".model.toml.*"))  # no temporary file left behind


def test_command_rejects_bad_dates(planted: Planted) -> None:
    with pytest.raises(ReviewtuiError, match="--since 'last tuesday': not a date"):
        _run_command("--repo", str(planted.path), "--since", "last tuesday")


def _wired() -> bool:
    """Whether reviewtui/cli.py dispatches `calibrate` to this module (the lead wires commands in)."""
    from reviewtui.cli import parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):
            args = parser().parse_args(["calibrate"])
    except SystemExit:
        return False
    return getattr(args, "handler", None) is calibrate_command.run


def test_cli_subprocess_exits_0_and_writes_the_default_file(planted: Planted, tmp_path: Path) -> None:
    if not _wired():
        pytest.skip("`calibrate` is not wired into reviewtui/cli.py yet")
    clone = tmp_path / "clone"
    git_env = {**os.environ, **ISOLATED_ENV}
    subprocess.run(["git", "clone", "-q", str(planted.path), str(clone)], check=True, env=git_env)
    done = subprocess.run(
        [sys.executable, "-m", "reviewtui", "calibrate", "--repo", str(clone), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **ISOLATED_ENV},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress
    assert (clone / ".reviewtui" / "risk-model.toml").is_file()
    assert '"calibrated"' in done.stdout


def test_committed_model_is_what_the_queue_scores_with(planted: Planted, tmp_path: Path) -> None:
    """The workflow end to end: calibrate in a checkout (default path), commit the file, and the Analyzer reads it
    at the next change's base."""
    from reviewtui.analysis import Analyzer
    from reviewtui.repository import Repository

    clone = tmp_path / "work"
    git_env = {**os.environ, **ISOLATED_ENV}
    subprocess.run(["git", "clone", "-q", str(planted.path), str(clone)], check=True, env=git_env)
    assert _run_command("--repo", str(clone), "--json") == 0
    model_file = clone / ".reviewtui" / "risk-model.toml"
    subprocess.run(["git", "-C", str(clone), "add", str(model_file)], check=True, env=git_env)
    subprocess.run(["git", "-C", str(clone), "commit", "-q", "-m", "Calibrate the risk model"], check=True, env=git_env)
    head = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True, env=git_env).stdout.strip()
    model = Analyzer().risk_model(Repository(clone), head)
    assert model.source.startswith("calibrated")
    assert model.weights == parse_model(model_file.read_text(encoding="utf-8"), "x").weights


def test_window_options_pick_the_newest_and_the_dates(planted: Planted, dataset: Dataset) -> None:
    newest = collect(planted.path, limit=12)
    assert [s.sha for s in newest.samples] == [s.sha for s in dataset.samples[-12:]]
    assert newest.samples[0].measurements == dataset.samples[-12].measurements  # same history, same features
    middle = dataset.samples[40:50]
    since = datetime.fromtimestamp(middle[0].committed, UTC)
    until = datetime.fromtimestamp(middle[-1].committed + 1, UTC)
    window = collect(planted.path, since=since, until=until)
    assert [s.sha for s in window.samples] == [s.sha for s in middle]
    assert parse_date("2024-06-30", "--until", end_of_day=True) == datetime(2024, 7, 1, tzinfo=UTC)
    assert parse_date("2024-06-30T12:00:00+02:00", "--since") == datetime(2024, 6, 30, 10, tzinfo=UTC)


def test_a_limited_collection_stops_listing_after_the_last_wanted_commit(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--limit 3` over a long history lists about three commits, not the whole range: an in-process read-ahead
    (16 unread commits at a time) must not pull the rest of `git log` through the filter."""
    from reviewtui.queue import QueueLoader

    pulled: list[object] = []
    listing = QueueLoader.items

    def counted(self: QueueLoader) -> Iterator[object]:
        for item in listing(self):
            pulled.append(item)
            yield item

    monkeypatch.setattr(QueueLoader, "items", counted)
    newest = collect(planted.path, limit=3, jobs=1)
    assert len(newest.samples) == 3
    assert len(pulled) <= 4, f"listed {len(pulled)} commits for 3"
