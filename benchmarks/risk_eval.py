"""How well does the risk score find the commits a repository later reverted? Measured, with confidence intervals.

    python benchmarks/risk_eval.py --repo PATH [--limit N] [--repo PATH [--limit N] ...] [--range REV]
                                   [--l2 1] [--bootstrap 1000] [--cache-dir DIR] [--json FILE]

Every non-merge commit (the newest N) is scored through the same code as `reviewtui queue --commits` (QueueLoader +
Analyzer; history features see only the past), labelled bad when a later commit reverts it, and split by time: the
older 75 % trains a calibrated model, the newer 25 % is where everything is judged. Reported on that held-out window,
each with a seeded bootstrap 95 % interval (commits resampled with replacement; the same resamples for every method,
so differences are paired): ROC AUC, PR AUC (average precision), the share of reverted commits among the riskiest
5/10/50 %, and recall at 20 % of changed lines (reviewing in each method's effort order until a fifth of all changed
lines is read). Methods: the shipped hand-set weights, the calibrated model (as displayed, and unrounded), a ridge
fit towards 0, and the baselines random (expected values), lines added alone (biggest first) and 1/size (smallest
first). With several repositories: a model fitted on the other repositories' training windows, the mean over
repositories (stratified bootstrap), and one pooled fit's weights next to the shipped ones.

`--cache-dir DIR` keeps the analysed commits (features and labels, not code) so the evaluation can be rerun without
re-analysing; the analysis time of the run that wrote a cache is kept and reported.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewtui import __version__
from reviewtui.errors import ReviewtuiError
from reviewtui.risk.calibration import (
    BASELINE_LABELS,
    DEFAULT_L2,
    TOP_SHARES,
    TRAIN_SHARE,
    Dataset,
    Metrics,
    Ranking,
    Sample,
    baseline_ranking,
    collect,
    design_row,
    fit,
    interval,
    model_ranking,
    random_metrics,
    resamples,
    time_split,
)
from reviewtui.risk.features import Measurements
from reviewtui.risk.score import score
from reviewtui.risk.weights import DEFAULT_INTERCEPT, FEATURES, RiskModel, transformed
from reviewtui.systems import System

SEED = 20240611
METRIC_NAMES = ("roc_auc", "pr_auc", *(f"top{k}" for k in TOP_SHARES), "effort20")
HEADERS = ("ROC AUC", "PR AUC", *(f"top {k}%" for k in TOP_SHARES), "recall@20% lines")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    limits = args.limit or [None]
    if len(limits) not in (1, len(args.repo)):
        print("risk_eval: give one --limit for all repositories or one per --repo", file=sys.stderr)
        return 2
    print(f"command   : python {shlex.join(['benchmarks/risk_eval.py', *sys.argv[1:]])}")
    print(f"date      : {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine   : {platform.platform()}, python {platform.python_version()}, {os.cpu_count()} cpu(s)")
    print(f"reviewtui : {__version__}")
    loaded = []
    for number, repo in enumerate(args.repo):
        limit = limits[0] if len(limits) == 1 else limits[number]
        try:
            loaded.append((repo, *_dataset(repo, limit, args.rev_range, args.cache_dir)))
        except ReviewtuiError as exc:
            print(f"risk_eval: {exc}", file=sys.stderr)
            return 2
    cross: dict[int, RiskModel] = {}
    pooled = None
    if len(loaded) > 1:
        started = time.perf_counter()
        windows = [_known_training(dataset, args.train_share) for _, dataset, _, _ in loaded]
        for number in range(len(loaded)):
            others = [s for k, window in enumerate(windows) if k != number for s in window]
            cross[number] = fit(others, l2=args.l2, prior={}).model("fitted on the other repositories")
        pooled = fit([s for window in windows for s in window], l2=args.l2, prior={})
        print(f"cross-project fits: {time.perf_counter() - started:.0f} s")
    reports = []
    for number, (repo, dataset, analyse_seconds, cached) in enumerate(loaded):
        fit_started = time.perf_counter()
        report = evaluate(
            dataset,
            l2=args.l2,
            train_share=args.train_share,
            bootstrap=args.bootstrap,
            seed=args.seed + number,
            other=cross.get(number),
        )
        evaluate_seconds = time.perf_counter() - fit_started
        report["name"] = repo.resolve().name
        report["timing"] = {"analyse_seconds": analyse_seconds, "cached": cached, "evaluate_seconds": evaluate_seconds}
        print()
        _print_header(repo, dataset, analyse_seconds, cached, evaluate_seconds)
        _print_report(report)
        reports.append(report)
    if len(reports) > 1:
        print()
        _print_summary(summarise(reports))
    if pooled is not None:
        print()
        _print_pooled(pooled, [repo.resolve().name for repo, *_ in loaded])
    if args.json is not None:
        for report in reports:
            report.pop("draws", None)
        args.json.write_text(json.dumps(reports, indent=1, default=_json_default) + "\n", encoding="utf-8")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--repo", type=Path, action="append", required=True,
                        help="a git repository (a clone, not a bare one); repeat for several")
    parser.add_argument("--limit", type=int, action="append",
                        help="only the newest N non-merge commits; once for all, or once per --repo")
    parser.add_argument("--range", default="HEAD", dest="rev_range", help="revision range (default: HEAD)")
    parser.add_argument("--l2", type=float, default=DEFAULT_L2, help=f"penalty (default {DEFAULT_L2:g})")
    parser.add_argument("--train-share", type=float, default=TRAIN_SHARE, help="older share to train on (0.75)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--seed", type=int, default=SEED, help="bootstrap seed (+ the repository's position)")
    parser.add_argument("--cache-dir", type=Path,
                        help="keep analysed commits (features and labels, no code) in DIR/<repo name>.jsonl")
    parser.add_argument("--json", type=Path, help="also write the full reports as JSON here")
    return parser


# -- data ----------------------------------------------------------------------------------------------------------


def _dataset(repo: Path, limit: int | None, rev_range: str, cache_dir: Path | None) -> tuple[Dataset, float, bool]:
    head = _git(repo, "rev-parse", "HEAD")
    key = {"repo": str(repo.resolve()), "head": head, "limit": limit, "range": rev_range}
    cache = cache_dir / f"{repo.resolve().name}.jsonl" if cache_dir is not None else None
    if cache is not None and cache.exists():
        loaded = _load_cache(cache, key)
        if loaded is not None:
            return loaded[0], loaded[1], True
    started = time.perf_counter()
    progress = _progress if sys.stderr.isatty() else None
    dataset = collect(repo, rev_range=rev_range, limit=limit, progress=progress)
    seconds = time.perf_counter() - started
    if progress is not None:
        print(file=sys.stderr)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        _save_cache(cache, key, dataset, seconds)
    return dataset, seconds, False


def _progress(done: int, total: int) -> None:
    if done % 50 == 0 or done == total:
        print(f"\ranalysed {done}/{total} commits", end="", file=sys.stderr, flush=True)


def _save_cache(path: Path, key: dict[str, Any], dataset: Dataset, seconds: float) -> None:
    header = {**key, "seconds": seconds, "labels_from": dataset.labels_from, "reverted": dataset.reverted_in_history}
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header) + "\n")
        for s in dataset.samples:
            m = s.measurements
            row = {
                "sha": s.sha,
                "t": s.committed,
                "v": m.values,
                "lines": m.lines,
                "systems": [[x.name, x.tier] for x in m.systems],
                "by": s.reverted_by,
                "at": s.reverted_at,
            }
            out.write(json.dumps(row) + "\n")


def _load_cache(path: Path, key: dict[str, Any]) -> tuple[Dataset, float] | None:
    with path.open(encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        if any(header.get(k) != v for k, v in key.items()):
            print(f"risk_eval: {path} is for another repository, HEAD or limit; analysing again", file=sys.stderr)
            return None
        samples = []
        for line in handle:
            row = json.loads(line)
            systems = tuple(System(name, tier, ()) for name, tier in row["systems"])
            measurements = Measurements(row["v"], systems, row["lines"])
            samples.append(Sample(row["sha"], row["t"], measurements, row["by"], row["at"]))
    dataset = Dataset(tuple(samples), Path(key["repo"]), key["range"], header["labels_from"], header["reverted"])
    return dataset, float(header["seconds"])


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ReviewtuiError(f"{repo}: git {args[0]}: {done.stderr.strip().splitlines()[0] if done.stderr else '?'}")
    return done.stdout.strip()


# -- evaluation ----------------------------------------------------------------------------------------------------


def evaluate(
    dataset: Dataset, *, l2: float, train_share: float, bootstrap: int, seed: int, other: RiskModel | None = None
) -> dict[str, Any]:
    """Everything the report prints, as data: counts, per-method metrics with intervals, paired differences."""
    split = time_split(dataset.samples, train_share)
    test = split.test
    positives = sum(1 for s in test if s.bad())
    train_positives = sum(1 for s in split.train if s.bad(split.cutoff))
    calibrated = fit(split.train, known_by=split.cutoff, l2=l2) if train_positives else None
    ridge = fit(split.train, known_by=split.cutoff, l2=l2, prior={}) if train_positives else None
    rankings: dict[str, Ranking] = {
        "shipped": model_ranking(test, RiskModel()),
        "lines_added": baseline_ranking(test, "lines_added"),
        "inverse_size": baseline_ranking(test, "inverse_size"),
    }
    if calibrated is not None and ridge is not None:
        rankings["calibrated"] = model_ranking(test, calibrated.model())
        rankings["exact"] = _exact_ranking(test, calibrated.model())
        rankings["ridge"] = model_ranking(test, ridge.model())
    if other is not None:
        rankings["other"] = model_ranking(test, other)
    draws = resamples(len(test), bootstrap, seed) if positives else []
    methods: dict[str, Any] = {"random": {"point": _flat(random_metrics(len(test), positives)), "ci": None}}
    boot: dict[str, list[dict[str, float]]] = {}
    for name, ranking in rankings.items():
        boot[name] = [_flat(m) for m in ranking.bootstrap(draws)]
        methods[name] = {"point": _flat(ranking.metrics()), "ci": _intervals(boot[name])}
    differences = {}
    for model in ("calibrated", "shipped"):
        for baseline in ("lines_added", "inverse_size"):
            if model in boot and baseline in boot and draws:
                delta = [a["roc_auc"] - b["roc_auc"] for a, b in zip(boot[model], boot[baseline], strict=True)]
                point = methods[model]["point"]["roc_auc"] - methods[baseline]["point"]["roc_auc"]
                differences[f"{model} - {baseline}"] = {"point": point, "ci": interval(delta)}
    whole = [s.bad() for s in dataset.samples]
    return {
        "commits": len(dataset.samples),
        "positives": sum(whole),
        "reverted_in_history": dataset.reverted_in_history,
        "first": _iso(dataset.samples[0].committed) if dataset.samples else "",
        "last": _iso(dataset.samples[-1].committed) if dataset.samples else "",
        "train": {"commits": len(split.train), "positives": train_positives, "until": _iso(split.cutoff)},
        "test": {"commits": len(test), "positives": positives, "from": _iso(test[0].committed) if test else ""},
        "l2": l2,
        "bootstrap": bootstrap,
        "seed": seed,
        "methods": methods,
        "draws": boot,
        "auc_differences": differences,
        "weights": _weights(calibrated, ridge),
        "feature_auc": _feature_auc(dataset.samples),
        "fit": {
            "iterations": calibrated.iterations if calibrated else 0,
            "converged": calibrated.converged if calibrated else False,
            "held": list(calibrated.held) if calibrated else [],
        },
    }


def _known_training(dataset: Dataset, train_share: float) -> list[Sample]:
    """A repository's training window with only the reverts known by its end, so pooled fits stay honest."""
    split = time_split(dataset.samples, train_share)
    return [s if s.bad(split.cutoff) else replace(s, reverted_by=None, reverted_at=None) for s in split.train]


def _print_pooled(pooled: Any, names: Sequence[str]) -> None:
    print(f"## one model for all: ridge fit on the training windows of {', '.join(names)} "
          f"({pooled.rows} commits, {pooled.positives} reverted)")
    print()
    print(f"intercept {pooled.intercept:+.3f} (shipped {DEFAULT_INTERCEPT:+.2f})")
    print()
    print("| feature | shipped | pooled fit | per SD |")
    print("|---|---|---|---|")
    for f in FEATURES:
        print(f"| {f.name} | {f.weight:+.2f} | {pooled.weights[f.name]:+.3f} | {pooled.standardized[f.name]:+.3f} |")


def _exact_ranking(samples: Sequence[Sample], model: RiskModel) -> Ranking:
    """The calibrated model's log-odds before the score is rounded to tenths: how much the display's rounding costs
    (a calibrated intercept near the real revert rate squeezes most scores into a handful of values)."""
    scores, labels, lines, density = [], [], [], []
    for s in samples:
        z = model.intercept + sum(model.weight(f.name) * x for f, x in zip(FEATURES, design_row(s.measurements.values),
                                                                             strict=True))
        impact = score(s.measurements, (), model).impact
        value = impact / (1 + math.exp(-z))
        scores.append(value)
        labels.append(s.bad())
        lines.append(float(s.lines))
        density.append(value / max(1, s.lines))
    return Ranking.of(scores, labels, lines, density)


def summarise(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean over repositories of each metric, with a stratified bootstrap interval (draw i of every repository,
    averaged), so a method has to do well across projects, not in one lucky window."""
    methods: dict[str, Any] = {}
    names = [n for n in ("random", *LABELS) if all(n in r["methods"] for r in reports)]
    for name in names:
        point = {m: _mean([r["methods"][name]["point"][m] for r in reports]) for m in METRIC_NAMES}
        ci = None
        if all(name in r["draws"] and r["draws"][name] for r in reports):
            count = min(len(r["draws"][name]) for r in reports)
            ci = {
                m: interval([_mean([r["draws"][name][i][m] for r in reports]) for i in range(count)])
                for m in METRIC_NAMES
            }
        methods[name] = {"point": point, "ci": ci}
    return {
        "repositories": [r["name"] for r in reports],
        "test_commits": sum(r["test"]["commits"] for r in reports),
        "test_positives": sum(r["test"]["positives"] for r in reports),
        "methods": methods,
    }


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _flat(metrics: Metrics) -> dict[str, float]:
    out = {"roc_auc": metrics.roc_auc, "pr_auc": metrics.pr_auc}
    out.update({f"top{k}": metrics.top[k] for k in TOP_SHARES})
    out["effort20"] = metrics.effort
    return out


def _intervals(draws: list[dict[str, float]]) -> dict[str, tuple[float, float]]:
    return {name: interval([d[name] for d in draws]) for name in METRIC_NAMES}


def _weights(calibrated: Any, ridge: Any) -> list[dict[str, Any]]:
    rows = []
    for f in FEATURES:
        row: dict[str, Any] = {"feature": f.name, "shipped": f.weight, "sign": f.sign}
        if calibrated is not None:
            row["calibrated"] = calibrated.weights[f.name]
            row["standardized"] = calibrated.standardized[f.name]
            row["ridge"] = ridge.weights[f.name]
        rows.append(row)
    return rows


def _feature_auc(samples: Sequence[Sample]) -> dict[str, dict[str, float]]:
    """Each feature alone as a ranking over the whole window: which way, and how strongly, it points at reverts."""
    out = {}
    labels = [s.bad() for s in samples]
    for f in FEATURES:
        values = [transformed(f.name, float(s.measurements.values.get(f.name, 0.0))) for s in samples]
        nonzero = sum(1 for v in values if v != 0)
        auc = Ranking.of(values, labels, [1.0] * len(values)).metrics().roc_auc if any(labels) else math.nan
        out[f.name] = {"auc": auc, "nonzero": nonzero}
    return out


# -- printing ------------------------------------------------------------------------------------------------------


def _print_header(repo: Path, dataset: Dataset, analyse: float, cached: bool, evaluate_s: float) -> None:
    print(f"## {repo.resolve().name}")
    head = _git(repo, "log", "-1", "--format=%H %cI")
    print(f"repository: {repo.resolve()} at {head}")
    how = "from cache: time of the run that wrote it" if cached else "this run"
    per = analyse / max(1, len(dataset.samples)) * 1000
    print(f"time      : analyse {analyse:.0f} s ({per:.0f} ms/commit, {how}), fit + evaluate {evaluate_s:.0f} s")


def _print_report(report: dict[str, Any]) -> None:
    train, test = report["train"], report["test"]
    print(f"commits   : {report['commits']} non-merge, {report['first'][:10]} .. {report['last'][:10]}; "
          f"{report['positives']} reverted ({report['reverted_in_history']} reverted commits in all history)")
    print(f"train     : {train['commits']} commits until {train['until'][:10]}, {train['positives']} reverted "
          "(reverts known by then)")
    print(f"test      : {test['commits']} commits from {test['from'][:10]}, {test['positives']} reverted; "
          f"bootstrap {report['bootstrap']} resamples, seed {report['seed']}, l2 {report['l2']:g}")
    print()
    _print_table(report["methods"])
    print()
    for name, diff in report["auc_differences"].items():
        low, high = diff["ci"]
        print(f"AUC {name}: {diff['point']:+.3f} [{low:+.3f}, {high:+.3f}]")
    print()
    print("| feature | shipped | calibrated | per SD | ridge to 0 | AUC alone | commits with it |")
    print("|---|---|---|---|---|---|---|")
    for row in report["weights"]:
        alone = report["feature_auc"][row["feature"]]
        print(f"| {row['feature']} | {row['shipped']:+.2f} | {row.get('calibrated', math.nan):+.3f} | "
              f"{row.get('standardized', math.nan):+.3f} | {row.get('ridge', math.nan):+.3f} | "
              f"{alone['auc']:.3f} | {alone['nonzero']} |")
    fitted = report["fit"]
    print(f"\nfit: {fitted['iterations']} Newton iterations, converged={fitted['converged']}; "
          f"held at the prior (never varied, or too rare to judge): {', '.join(fitted['held']) or '-'}")


LABELS = {
    "lines_added": BASELINE_LABELS["lines_added"],
    "inverse_size": BASELINE_LABELS["inverse_size"],
    "shipped": BASELINE_LABELS["shipped"],
    "calibrated": BASELINE_LABELS["calibrated"],
    "exact": "calibrated, unrounded score",
    "ridge": "calibrated, ridge to 0",
    "other": "fitted on the other repositories",
}


def _print_table(methods: dict[str, Any]) -> None:
    print("| method | " + " | ".join(HEADERS) + " |")
    print("|---" * (len(HEADERS) + 1) + "|")
    for name in ("random", *LABELS):
        if name not in methods:
            continue
        entry = methods[name]
        cells = []
        for metric in METRIC_NAMES:
            share = metric not in ("roc_auc", "pr_auc")
            text = _fmt(entry["point"][metric], share)
            if entry["ci"] is not None:
                low, high = entry["ci"][metric]
                text += f" [{_fmt(low, share)}, {_fmt(high, share)}]"
            elif name == "random":
                text += " (expected)"
            cells.append(text)
        print(f"| {LABELS.get(name, name)} | " + " | ".join(cells) + " |")


def _print_summary(summary: dict[str, Any]) -> None:
    print(f"## all {len(summary['repositories'])} repositories: mean of the per-repository metrics")
    print(f"({', '.join(summary['repositories'])}; {summary['test_commits']} held-out commits, "
          f"{summary['test_positives']} of them reverted; stratified bootstrap intervals)")
    print()
    _print_table(summary["methods"])


def _fmt(value: float, share: bool) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{100 * value:.1f}%" if share else f"{value:.3f}"


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds") if math.isfinite(stamp) else ""


def _json_default(value: object) -> Any:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


if __name__ == "__main__":
    sys.exit(main())
