"""Fit the risk model on the repository's own history: commits that were later reverted are the bad ones.

The shipped weights are educated guesses from the literature. A repository knows better: every `This reverts
commit <sha>` (or `Reverts <sha>`) in its history is a reviewer-independent verdict that a change went bad. So
calibration scores every past commit exactly as `reviewtui queue --commits` would (same loader, same Analyzer, same
features, history seen strictly as of each commit), labels it by whether a later commit reverted it, and fits the
weights of `reviewtui.risk.weights` by logistic regression.

Choices, and why:
- Pure Python, no numpy: the model has ~30 features and tens of thousands of rows, a projected Newton method
  converges in a handful of iterations, and the tool stays dependency-light.
- Standardised L2 penalty, centred on the shipped weights. Penalising the per-standard-deviation effect
  (`s_j * w_j`) makes one `l2` mean the same for a 0/1 flag and a log line count. Computing it as
  `l2 * s_j**2 * (w_j - prior_j)**2` in the original units is the same optimum as standardising the columns, and
  keeps the rows sparse (most features are 0 for most commits), which is what makes pure Python fast enough.
  Centring on the shipped weights (a Gaussian prior, in Bayesian terms) means that where the history says nothing
  (no commit ever touched a migration, no agent commits yet) the documented weight stays, instead of silently
  dropping to 0; where the history speaks, it wins. Features that never vary, or that are too rare to expect even
  one revert among the commits showing them, keep the prior.
- Sign constraints are bounds, enforced with a projected Newton method (Bertsekas 1982): more findings, deleted
  tests or sensitive files never make a change look safer, whatever a fit on a few dozen reverts suggests. A
  magnitude cap (`MAX_WEIGHT`) stops a feature seen on three commits from taking over the score.
- No class weights by default: reverts are 0.3-5 % of commits, but an unweighted fit keeps `sigmoid(z)` a
  probability, which is what the score and its breakdown claim it is. Ranking metrics do not need reweighting.
  (`positive_weight` exists for experiments; its intercept is corrected back by `-log(positive_weight)`.)
- Honest evaluation: commits are ordered by committer time; the model is fitted on the older `train_share` and
  judged on the newer rest, and the training labels count only reverts that had happened by the end of the training
  window (a revert made later was not yet known then). The newest commits may not have been reverted *yet*, so the
  test window slightly undercounts bad changes; all methods share that handicap.
- The file's weights are then refitted on every commit (more reverts, the newest habits); its metrics are those of
  the held-out evaluation, a slightly pessimistic estimate of the shipped model.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import tomli_w

from reviewtui import __version__
from reviewtui.analysis import Analyzer
from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.repository import Repository
from reviewtui.risk.features import Measurements
from reviewtui.risk.history import HistoryIndex
from reviewtui.risk.score import score
from reviewtui.risk.weights import BY_NAME, FEATURES, MODEL_FILE, RiskModel, transformed
from reviewtui.sources.full import Unread

DEFAULT_L2 = 1.0
"""Penalty per squared standard-deviation effect: the prior counts like about one observation per weight, so it
settles what the history cannot and the data decide the rest. On the five projects of docs/risk-model.md no value
from 0.1 to 1000 was consistently better (mean held-out AUC 0.56-0.61, each within the noise of 6-20 held-out
reverts); a weak prior is what a project with real evidence needs, and `--l2` is there for the others."""
TRAIN_SHARE = 0.75
MIN_TRAIN_POSITIVES = 10
"""Fewer reverted commits than this cannot pin down ~30 weights, even with the prior holding them."""
MIN_TEST_POSITIVES = 3
"""Fewer than this in the newer window and every held-out metric is noise."""
MIN_EXPECTED_POSITIVES = 1.0
"""A feature is fitted only where it is common enough to expect at least this many reverted commits among the
commits showing it (count x revert rate); rarer ones keep the prior weight. Without this, one unreverted commit
with a critical finding would be enough to erase the critical-findings weight."""
MAX_WEIGHT = 4.0
"""Log-odds per transformed unit: a 0/1 flag may multiply the odds by at most e**4 (about 55)."""
TOP_SHARES = (5, 10, 50)
EFFORT_SHARE = 0.20
BASELINES = ("random", "lines_added", "inverse_size")
BASELINE_LABELS = {
    "random": "random",
    "lines_added": "lines added alone",
    "inverse_size": "1/size (smallest first)",
    "shipped": "shipped weights",
    "calibrated": "calibrated",
}

Progress = Callable[[int, int], None]
"""Called as commits are analysed: (done, total)."""


# -- collecting labelled commits -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    """One past commit as calibration sees it: its measurements and, if it was reverted, when."""

    sha: str
    committed: float
    """Committer time (Unix seconds): what orders the time split."""
    measurements: Measurements
    reverted_by: str | None = None
    reverted_at: float | None = None
    """Committer time of the earliest commit reverting this one; None if none did."""

    def bad(self, known_by: float | None = None) -> bool:
        """Reverted at all, or (with `known_by`) reverted by a commit made no later than that moment."""
        if self.reverted_at is None:
            return False
        return known_by is None or self.reverted_at <= known_by

    @property
    def lines(self) -> int:
        return self.measurements.lines


@dataclass(frozen=True, slots=True)
class Dataset:
    """Labelled commits, oldest first, and where they came from (written to the model file's [training])."""

    samples: tuple[Sample, ...]
    repo: Path
    rev_range: str
    labels_from: str
    reverted_in_history: int
    """All reverted commits the index knows, in or out of the selected window."""


def revert_labels(history: HistoryIndex) -> dict[str, tuple[str, float]]:
    """Reverted sha -> (earliest reverting sha, its committer time): the "this change went bad" verdicts.

    The index resolves `This reverts commit <sha>` (git's own message, any abbreviation git accepts) and hand-written
    `Reverts <sha>` / `Revert commit <sha>` forms, and skips ambiguous abbreviations rather than guess.
    """
    labels: dict[str, tuple[str, float]] = {}
    for target, reverter in history.reverted().items():
        info = history.commit(reverter)
        labels[target] = (reverter, float(info.committed) if info is not None else math.inf)
    return labels


def collect(
    repo_path: Path,
    *,
    rev_range: str = "HEAD",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    analyzer: Analyzer | None = None,
    jobs: int = 1,
) -> Dataset:
    """Analyse every non-merge commit of `rev_range` (newest `limit`, within [since, until)) like `queue --commits`.

    The commits are streamed (listed, and their diffs read per batch unless summarised in the cache) and the stream
    is closed as soon as the last wanted commit has been seen, so `limit=5000` on a repository with 100,000 commits
    reads about 5,000 diffs, not 100,000. With `jobs` > 1 the commits are analysed in that many worker processes.
    """
    if limit is not None and limit < 1:
        raise ReviewtuiError(f"--limit must be at least 1, not {limit}")
    repo = Repository(repo_path)
    wanted = _select(repo, rev_range, since, until, limit)
    labels_from = _tip(rev_range)
    labels = revert_labels(HistoryIndex.build(repo, labels_from))
    analyzer = analyzer or Analyzer()
    loader = QueueLoader(QueueRequest(repo=repo.root, commits=rev_range), summaries=analyzer.use_cache)
    samples: list[Sample] = []
    changes = loader.items()  # unread commits take their files from the analysis cache, or are read when analysed
    # Each wanted commit comes once: stop pulling after the last (an in-process read-ahead would list the rest).
    chosen = islice((c for c in changes if _head(c) in wanted), len(wanted))
    results = loader.analysed(analyzer, chosen, jobs=jobs)
    try:
        for analysis in results if wanted else ():
            change = analysis.change
            assert change.head is not None
            reverter, when = labels.get(change.head, (None, None))
            samples.append(Sample(change.head, wanted[change.head], analysis.measurements, reverter, when))
            if progress is not None:
                progress(len(samples), len(wanted))
            if len(samples) == len(wanted):
                break
    finally:
        results.close()  # stops the workers
        close = getattr(changes, "close", None)
        if close is not None:
            close()  # stops git log at once
    samples.sort(key=lambda s: (s.committed, s.sha))
    return Dataset(tuple(samples), repo.root, rev_range, labels_from, len(labels))


def _select(
    repo: Repository, rev_range: str, since: datetime | None, until: datetime | None, limit: int | None
) -> dict[str, float]:
    """Sha -> committer time of the commits to analyse, from one cheap `git log` without diffs."""
    out = repo.run("log", "--no-merges", "--topo-order", "--format=%H %ct", "--end-of-options", rev_range, "--")
    low = since.timestamp() if since is not None else -math.inf
    high = until.timestamp() if until is not None else math.inf
    wanted: dict[str, float] = {}
    for line in out.decode("ascii", "replace").splitlines():
        sha, _, stamp = line.partition(" ")
        when = float(stamp)
        if low <= when < high:
            wanted[sha] = when
    if limit is not None and len(wanted) > limit:
        newest = sorted(wanted.items(), key=lambda item: (-item[1], item[0]))[:limit]
        wanted = dict(newest)
    return wanted


def _tip(rev_range: str) -> str:
    """Where reverts are looked for: the newest end of the range, so a revert made after a commit is seen."""
    for separator in ("...", ".."):
        if separator in rev_range:
            return rev_range.split(separator, 1)[1] or "HEAD"
    return "HEAD" if rev_range.startswith("^") else rev_range


# -- the design matrix ----------------------------------------------------------------------------------------------


def design_row(values: Mapping[str, float]) -> list[float]:
    """Every feature of FEATURES, in order, transformed as the scorer does; a feature not measured counts as 0."""
    return [transformed(f.name, float(values.get(f.name, 0.0))) for f in FEATURES]


def _sparse(values: Mapping[str, float]) -> tuple[tuple[int, ...], tuple[float, ...]]:
    row = design_row(values)
    index = tuple(j for j, v in enumerate(row) if v != 0.0)
    return index, tuple(row[j] for j in index)


# -- fitting -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fit:
    """A fitted logistic model in the scorer's units: log-odds per unit of `transformed(feature, value)`."""

    intercept: float
    weights: dict[str, float]
    standardized: dict[str, float]
    """Weight x standard deviation in the training rows: the effect of a typical difference, comparable across
    features (0 for features that never varied)."""
    held: tuple[str, ...]
    """Features that never varied in the rows, or too rarely to expect one revert among them: they keep the prior."""
    l2: float
    positive_weight: float
    iterations: int
    converged: bool
    rows: int
    positives: int

    def model(self, source: str = "calibrated", metrics: Mapping[str, float] | None = None) -> RiskModel:
        return RiskModel(self.intercept, dict(self.weights), source, dict(metrics or {}))


def shipped_prior() -> dict[str, float]:
    return {f.name: f.weight for f in FEATURES}


def fit(
    samples: Sequence[Sample],
    *,
    l2: float = DEFAULT_L2,
    known_by: float | None = None,
    prior: Mapping[str, float] | None = None,
    positive_weight: float = 1.0,
    max_iterations: int = 100,
) -> Fit:
    """Penalised maximum likelihood with bounds; labels are reverts known by `known_by` (all when None).

    `prior` is where the penalty pulls each weight (default: the shipped weights; pass {} for classic ridge towards
    0). Deterministic: no randomness, and every sum runs in the same order.
    """
    if l2 < 0 or not math.isfinite(l2):
        raise ReviewtuiError(f"the L2 penalty must be a finite number >= 0, not {l2}")
    if positive_weight <= 0:
        raise ReviewtuiError(f"positive_weight must be > 0, not {positive_weight}")
    rows = [_sparse(s.measurements.values) for s in samples]
    labels = [1.0 if s.bad(known_by) else 0.0 for s in samples]
    centre = shipped_prior() if prior is None else {name: float(prior.get(name, 0.0)) for name in BY_NAME}
    problem = _Problem(rows, labels, [positive_weight if y else 1.0 for y in labels], centre, l2)
    theta, iterations, converged = problem.solve(max_iterations)
    weights = {f.name: _tidy(theta[j + 1]) for j, f in enumerate(FEATURES)}
    standardized = {f.name: _tidy(theta[j + 1] * problem.scale[j]) for j, f in enumerate(FEATURES)}
    held = tuple(f.name for j, f in enumerate(FEATURES) if j not in problem.free)
    return Fit(
        intercept=_tidy(theta[0] - math.log(positive_weight)),
        weights=weights,
        standardized=standardized,
        held=held,
        l2=l2,
        positive_weight=positive_weight,
        iterations=iterations,
        converged=converged,
        rows=len(rows),
        positives=int(sum(labels)),
    )


def _tidy(x: float) -> float:
    """Six decimals: plenty for log-odds, and the TOML file stays readable and diff-stable."""
    value = round(x, 6)
    return 0.0 if value == 0 else value


class _Problem:
    """min sum_i c_i [log(1 + e^z_i) - y_i z_i] + l2/2 sum_j s_j^2 (w_j - m_j)^2  s.t. lo_j <= w_j <= hi_j.

    z_i = b + w . x_i; theta = (b, w). s_j is the standard deviation of feature j over the rows, m_j the prior.
    """

    def __init__(
        self,
        rows: Sequence[tuple[tuple[int, ...], tuple[float, ...]]],
        labels: Sequence[float],
        costs: Sequence[float],
        prior: Mapping[str, float],
        l2: float,
    ) -> None:
        self.rows, self.labels, self.costs, self.l2 = rows, labels, costs, l2
        p = len(FEATURES)
        n = max(1, len(rows))
        sums, squares = [0.0] * p, [0.0] * p
        for index, values in rows:
            for j, v in zip(index, values, strict=True):
                sums[j] += v
                squares[j] += v * v
        means = [s / n for s in sums]
        self.scale = [math.sqrt(max(0.0, squares[j] / n - means[j] ** 2)) for j in range(p)]
        self.lo = [0.0 if f.sign > 0 else -MAX_WEIGHT for f in FEATURES]
        self.hi = [0.0 if f.sign < 0 else MAX_WEIGHT for f in FEATURES]
        self.prior = [min(self.hi[j], max(self.lo[j], prior[f.name])) for j, f in enumerate(FEATURES)]
        # A feature that never varies carries no information (and a constant one is the intercept in disguise); one
        # seen on so few commits that not even one revert is expected among them cannot be judged either: "none of
        # the 3 commits with a critical finding was reverted" is what a 0.5 % revert rate predicts anyway.
        positives = sum(c * y for c, y in zip(costs, labels, strict=True))
        rate = positives / max(1e-12, sum(costs))
        support = [0.0] * p
        for (index, _), c in zip(rows, costs, strict=True):
            for j in index:
                support[j] += c
        self.free = {
            j
            for j in range(p)
            if self.scale[j] > 1e-9 * max(1.0, abs(means[j])) and support[j] * rate >= MIN_EXPECTED_POSITIVES
        }
        self.means = means

    # -- the objective and its derivatives -------------------------------------------------------------------------

    def _z(self, theta: Sequence[float], row: tuple[tuple[int, ...], tuple[float, ...]]) -> float:
        index, values = row
        return theta[0] + sum(theta[j + 1] * v for j, v in zip(index, values, strict=True))

    def objective(self, theta: Sequence[float]) -> float:
        total = 0.0
        for row, y, c in zip(self.rows, self.labels, self.costs, strict=True):
            z = self._z(theta, row)
            total += c * (_softplus(z) - y * z)
        return total + self._penalty(theta)

    def _penalty(self, theta: Sequence[float]) -> float:
        return 0.5 * self.l2 * sum(self.scale[j] ** 2 * (theta[j + 1] - self.prior[j]) ** 2 for j in self.free)

    def derivatives(self, theta: Sequence[float]) -> tuple[list[float], list[list[float]]]:
        """Gradient and Hessian over (b, w); accumulated over each row's non-zero features only."""
        size = len(FEATURES) + 1
        grad = [0.0] * size
        hess = [[0.0] * size for _ in range(size)]
        for row, y, c in zip(self.rows, self.labels, self.costs, strict=True):
            index, values = row
            prob = _sigmoid(self._z(theta, row))
            residual = c * (prob - y)
            curvature = c * prob * (1.0 - prob)
            cols = (0, *(j + 1 for j in index))
            vals = (1.0, *values)
            for a, (ca, va) in enumerate(zip(cols, vals, strict=True)):
                grad[ca] += residual * va
                weight = curvature * va
                hess_a = hess[ca]
                for cb, vb in zip(cols[a:], vals[a:], strict=True):
                    hess_a[cb] += weight * vb
        for j in self.free:
            s2 = self.l2 * self.scale[j] ** 2
            grad[j + 1] += s2 * (theta[j + 1] - self.prior[j])
            hess[j + 1][j + 1] += s2
        for a in range(size):  # only the upper triangle (cb >= ca, columns ascending) was accumulated
            for b in range(a + 1, size):
                hess[b][a] = hess[a][b]
        return grad, hess

    # -- projected Newton ------------------------------------------------------------------------------------------

    def _project(self, theta: list[float]) -> list[float]:
        out = [theta[0]]
        for j in range(len(FEATURES)):
            out.append(min(self.hi[j], max(self.lo[j], theta[j + 1])) if j in self.free else self.prior[j])
        return out

    def _start(self) -> list[float]:
        """The prior weights, and the intercept that makes the mean prediction the observed bad rate."""
        total = sum(self.costs) or 1.0
        rate = sum(c * y for c, y in zip(self.costs, self.labels, strict=True)) / total
        rate = min(1 - 1e-6, max(1e-6, rate))
        weights = list(self.prior)
        intercept = math.log(rate / (1 - rate)) - sum(w * m for w, m in zip(weights, self.means, strict=True))
        return [intercept, *weights]

    def _blocked(self, theta: Sequence[float], grad: Sequence[float], j: int) -> bool:
        """Feature j sits on a bound and the gradient pushes it outward: it stays put this iteration."""
        w, eps = theta[j + 1], 1e-10
        return (w <= self.lo[j] + eps and grad[j + 1] > 0) or (w >= self.hi[j] - eps and grad[j + 1] < 0)

    def solve(self, max_iterations: int) -> tuple[list[float], int, bool]:
        theta = self._project(self._start())
        value = self.objective(theta)
        for iteration in range(1, max_iterations + 1):
            grad, hess = self.derivatives(theta)
            moving = [0] + [j + 1 for j in sorted(self.free) if not self._blocked(theta, grad, j)]
            if max((abs(grad[k]) for k in moving), default=0.0) < 1e-8 * max(1.0, len(self.rows)):
                return theta, iteration, True
            step = _solve([[hess[a][b] for b in moving] for a in moving], [-grad[k] for k in moving])
            direction = [0.0] * len(theta)
            for k, d in zip(moving, step, strict=True):
                direction[k] = d
            accepted = self._line_search(theta, value, grad, direction)
            if accepted is None:  # Newton failed along the projected arc: fall back to steepest descent
                steepest = [0.0] * len(theta)
                for k in moving:
                    steepest[k] = -grad[k] / max(1e-12, hess[k][k])
                accepted = self._line_search(theta, value, grad, steepest)
            if accepted is None:
                return theta, iteration, True  # no descent direction left: a (constrained) optimum
            new_theta, new_value = accepted
            done = value - new_value <= 1e-12 * max(1.0, abs(value))
            theta, value = new_theta, new_value
            if done:
                return theta, iteration, True
        return theta, max_iterations, False

    def _line_search(
        self, theta: list[float], value: float, grad: Sequence[float], direction: Sequence[float]
    ) -> tuple[list[float], float] | None:
        """Armijo backtracking along the projected path theta -> P(theta + t d)."""
        t = 1.0
        for _ in range(60):
            candidate = self._project([a + t * d for a, d in zip(theta, direction, strict=True)])
            decrease = sum(g * (c - a) for g, c, a in zip(grad, candidate, theta, strict=True))
            new_value = self.objective(candidate)
            if decrease < 0 and new_value <= value + 1e-4 * decrease:
                return candidate, new_value
            t *= 0.5
        return None


def _solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Solve a small symmetric positive-definite system by Cholesky; a ridge is added if it is only semi-definite."""
    size = len(rhs)
    jitter = 0.0
    for _ in range(12):
        lower = _cholesky(matrix, jitter)
        if lower is not None:
            y = [0.0] * size
            for i in range(size):
                y[i] = (rhs[i] - sum(lower[i][k] * y[k] for k in range(i))) / lower[i][i]
            x = [0.0] * size
            for i in reversed(range(size)):
                x[i] = (y[i] - sum(lower[k][i] * x[k] for k in range(i + 1, size))) / lower[i][i]
            return x
        scale = max((abs(matrix[i][i]) for i in range(size)), default=1.0)
        jitter = max(jitter * 10, 1e-10 * max(scale, 1e-12))
    return [r / max(1e-12, abs(matrix[i][i])) for i, r in enumerate(rhs)]


def _cholesky(matrix: list[list[float]], jitter: float) -> list[list[float]] | None:
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for k in range(i + 1):
            total = matrix[i][k] + (jitter if i == k else 0.0) - sum(lower[i][m] * lower[k][m] for m in range(k))
            if i == k:
                if total <= 0:
                    return None
                lower[i][i] = math.sqrt(total)
            else:
                lower[i][k] = total / lower[k][k]
    return lower


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _softplus(z: float) -> float:
    """log(1 + e^z) without overflow."""
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


# -- metrics -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Metrics:
    """How well one ranking finds the reverted commits of a window. Shares are 0-1."""

    roc_auc: float
    pr_auc: float
    """Average precision: the mean precision at each reverted commit's rank (prevalence for a random ranking)."""
    top: dict[int, float]
    """Share of reverted commits among the riskiest `k` % of commits, k in TOP_SHARES."""
    effort: float
    """Share of reverted commits found by reviewing, in rank order, commits adding up to 20 % of the changed lines."""
    commits: int
    positives: float

    def as_dict(self) -> dict[str, float]:
        out = {"roc_auc": self.roc_auc, "pr_auc": self.pr_auc}
        out.update({f"top{k}_caught": v for k, v in self.top.items()})
        out["recall_at_20pct_lines"] = self.effort
        return {k: round(v, 4) for k, v in out.items()}


@dataclass(frozen=True, slots=True)
class Ranking:
    """One method's scores on one window, sorted once so that bootstrap resamples cost O(n) each.

    Ties are scored at their expected value under a random tie-break (AUC counts a tie as half; a group straddling
    a cut-off is counted by the share of it that fits), so a coarse score gains nothing from the order of the input.
    """

    labels: tuple[bool, ...]
    efforts: tuple[float, ...]
    groups: tuple[tuple[int, ...], ...]
    """Indices with equal scores, highest score first."""
    effort_groups: tuple[tuple[int, ...], ...]
    """The same for the effort-aware ordering (risk per changed line)."""

    @classmethod
    def of(
        cls,
        scores: Sequence[float],
        labels: Sequence[bool],
        efforts: Sequence[float],
        effort_scores: Sequence[float] | None = None,
    ) -> Ranking:
        return cls(
            tuple(labels),
            tuple(max(1.0, e) for e in efforts),
            _groups(scores),
            _groups(effort_scores if effort_scores is not None else scores),
        )

    def metrics(self, counts: Sequence[int] | None = None) -> Metrics:
        """Metrics of the window, or of a bootstrap resample given as a multiplicity per commit."""
        weight = counts if counts is not None else [1] * len(self.labels)
        pos = [weight[i] if self.labels[i] else 0 for i in range(len(self.labels))]
        total_pos, total = sum(pos), sum(weight)
        total_neg = total - total_pos
        nan = math.nan
        if total_pos == 0 or total == 0:
            return Metrics(nan, nan, {k: nan for k in TOP_SHARES}, nan, total, total_pos)
        group_pos = [sum(pos[i] for i in g) for g in self.groups]
        group_all = [sum(weight[i] for i in g) for g in self.groups]
        # ROC AUC (Mann-Whitney): walk from the lowest score up, counting negatives below each positive.
        below, concordant = 0.0, 0.0
        for gp, ga in zip(reversed(group_pos), reversed(group_all), strict=True):
            gn = ga - gp
            concordant += gp * (below + 0.5 * gn)
            below += gn
        auc = concordant / (total_pos * total_neg) if total_neg else nan
        # Average precision, one step per tie group.
        seen_pos, seen, ap = 0.0, 0.0, 0.0
        for gp, ga in zip(group_pos, group_all, strict=True):
            seen_pos += gp
            seen += ga
            if gp:
                ap += (gp / total_pos) * (seen_pos / seen)
        top = {k: _caught(group_pos, group_all, total * k / 100) / total_pos for k in TOP_SHARES}
        effort_pos = [sum(pos[i] for i in g) for g in self.effort_groups]
        effort_cost = [sum(weight[i] * self.efforts[i] for i in g) for g in self.effort_groups]
        budget = EFFORT_SHARE * sum(weight[i] * self.efforts[i] for i in range(len(self.labels)))
        effort = _caught(effort_pos, effort_cost, budget) / total_pos
        return Metrics(auc, ap, top, effort, total, total_pos)

    def bootstrap(self, resamples: Sequence[Sequence[int]]) -> list[Metrics]:
        return [self.metrics(counts) for counts in resamples]


def _groups(scores: Sequence[float]) -> tuple[tuple[int, ...], ...]:
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    groups: list[tuple[int, ...]] = []
    current: list[int] = []
    for i in order:
        if current and scores[i] != scores[current[0]]:
            groups.append(tuple(current))
            current = []
        current.append(i)
    if current:
        groups.append(tuple(current))
    return tuple(groups)


def _caught(group_pos: Sequence[float], group_cost: Sequence[float], budget: float) -> float:
    """Positives among the leading groups whose cost fits `budget`; the straddling group counts pro rata."""
    caught, spent = 0.0, 0.0
    for gp, cost in zip(group_pos, group_cost, strict=True):
        if spent + cost <= budget:
            caught += gp
            spent += cost
            continue
        if cost > 0:
            caught += gp * (budget - spent) / cost
        break
    return caught


def random_metrics(commits: int, positives: float) -> Metrics:
    """What a random ranking achieves in expectation: no need to draw one and report its luck."""
    rate = positives / commits if commits else math.nan
    return Metrics(0.5, rate, {k: k / 100 for k in TOP_SHARES}, EFFORT_SHARE, commits, positives)


def resamples(size: int, count: int, seed: int) -> list[list[int]]:
    """Bootstrap multiplicities (how often each commit is drawn), reproducible from `seed`."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        counts = [0] * size
        for _ in range(size):
            counts[rng.randrange(size)] += 1
        out.append(counts)
    return out


def interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Percentile interval, ignoring resamples without any reverted commit (NaN)."""
    finite = sorted(v for v in values if not math.isnan(v))
    if not finite:
        return math.nan, math.nan
    tail = (1 - level) / 2
    low = finite[min(len(finite) - 1, max(0, math.floor(tail * len(finite))))]
    high = finite[min(len(finite) - 1, max(0, math.ceil((1 - tail) * len(finite)) - 1))]
    return low, high


# -- rankings of one window ----------------------------------------------------------------------------------------


def model_ranking(samples: Sequence[Sample], model: RiskModel, *, known_by: float | None = None) -> Ranking:
    """Rank by the score `queue` shows (same `score()` code), effort by its risk per changed line."""
    risks = [score(s.measurements, (), model) for s in samples]
    return Ranking.of(
        [r.score for r in risks],
        [s.bad(known_by) for s in samples],
        [float(s.lines) for s in samples],
        [r.effort_aware for r in risks],
    )


def baseline_ranking(samples: Sequence[Sample], name: str, *, known_by: float | None = None) -> Ranking:
    """The classic size baselines: biggest first (lines added alone), and smallest first (1/size, Kamei's effort
    baseline, which is notoriously hard to beat on effort-aware recall)."""
    labels = [s.bad(known_by) for s in samples]
    efforts = [float(s.lines) for s in samples]
    if name == "lines_added":
        scores = [float(s.measurements.values.get("lines_added", 0.0)) for s in samples]
    elif name == "inverse_size":
        scores = [1.0 / max(1, s.lines) for s in samples]
    else:
        raise ValueError(f"unknown baseline {name!r}")
    return Ranking.of(scores, labels, efforts)


# -- the whole procedure -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Split:
    train: tuple[Sample, ...]
    test: tuple[Sample, ...]
    cutoff: float
    """Committer time of the newest training commit: training labels are the reverts known by then."""


def time_split(samples: Sequence[Sample], train_share: float = TRAIN_SHARE) -> Split:
    """Older `train_share` to fit, newer rest to judge; never a random split, which would train on the future."""
    if not 0 < train_share < 1:
        raise ReviewtuiError(f"the training share must be between 0 and 1, not {train_share}")
    ordered = sorted(samples, key=lambda s: (s.committed, s.sha))
    at = min(len(ordered) - 1, max(1, round(len(ordered) * train_share))) if len(ordered) > 1 else len(ordered)
    train, test = tuple(ordered[:at]), tuple(ordered[at:])
    cutoff = train[-1].committed if train else -math.inf
    return Split(train, test, cutoff)


@dataclass(frozen=True, slots=True)
class Calibration:
    """The fitted model, how it did on the held-out window next to the baselines, and what it was fitted on."""

    model: RiskModel
    fit: Fit
    evaluated: Fit
    """The fit on the older window only, whose held-out metrics are reported."""
    metrics: dict[str, Metrics]
    """Held-out metrics by method: calibrated, shipped, and each of BASELINES."""
    training: dict[str, Any] = field(default_factory=dict)


def check_positives(split: Split) -> None:
    """Refuse to fit on too little evidence, saying exactly how much there is and how much is needed."""
    train = sum(1 for s in split.train if s.bad(split.cutoff))
    test = sum(1 for s in split.test if s.bad())
    if train < MIN_TRAIN_POSITIVES or test < MIN_TEST_POSITIVES:
        raise ReviewtuiError(
            f"too few reverted commits to calibrate: need at least {MIN_TRAIN_POSITIVES} in the older "
            f"{len(split.train)} commits (training) and {MIN_TEST_POSITIVES} in the newer {len(split.test)} (testing); "
            f"found {train} and {test}. Widen the window (--since, --range) or keep the shipped weights"
        )


def calibrate(
    dataset: Dataset,
    *,
    l2: float = DEFAULT_L2,
    train_share: float = TRAIN_SHARE,
    prior: Mapping[str, float] | None = None,
    positive_weight: float = 1.0,
) -> Calibration:
    """Fit on the older window, judge on the newer one, then refit on everything for the model that is written."""
    if not dataset.samples:
        raise ReviewtuiError(f"{dataset.repo}: no non-merge commits in {dataset.rev_range!r} to calibrate on")
    split = time_split(dataset.samples, train_share)
    check_positives(split)
    evaluated = fit(split.train, known_by=split.cutoff, l2=l2, prior=prior, positive_weight=positive_weight)
    final = fit(dataset.samples, l2=l2, prior=prior, positive_weight=positive_weight)
    test = split.test
    results = {
        "calibrated": model_ranking(test, evaluated.model()).metrics(),
        "shipped": model_ranking(test, RiskModel()).metrics(),
    }
    positives = sum(1 for s in test if s.bad())
    results["random"] = random_metrics(len(test), positives)
    for name in BASELINES[1:]:
        results[name] = baseline_ranking(test, name).metrics()
    training = _training_table(dataset, split, final, train_share)
    label = f"calibrated on {dataset.repo.name} {training['first_commit'][:10]}..{training['last_commit'][:10]}"
    model = final.model(label, results["calibrated"].as_dict())
    return Calibration(model, final, evaluated, results, training)


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _training_table(dataset: Dataset, split: Split, final: Fit, train_share: float) -> dict[str, Any]:
    samples = dataset.samples
    return {
        "commits": len(samples),
        "positives": sum(1 for s in samples if s.bad()),
        "train_commits": len(split.train),
        "train_positives": sum(1 for s in split.train if s.bad(split.cutoff)),
        "test_commits": len(split.test),
        "test_positives": sum(1 for s in split.test if s.bad()),
        "first_commit": _iso(samples[0].committed),
        "last_commit": _iso(samples[-1].committed),
        "test_from": _iso(split.test[0].committed) if split.test else "",
        "train_share": train_share,
        "range": dataset.rev_range,
        "labels": f"commits reverted by a later commit of {dataset.labels_from} ('This reverts commit <sha>', "
        "'Reverts <sha>')",
        "l2": final.l2,
        "prior": "shipped weights",
        "positive_weight": final.positive_weight,
        "held_at_prior": list(final.held),
        "converged": final.converged,
        "weights_fitted_on": "all commits; metrics are from a fit on the training commits only",
        "tool": f"reviewtui {__version__}",
    }


# -- the model file ------------------------------------------------------------------------------------------------


def model_toml(calibration: Calibration) -> str:
    """The `.reviewtui/risk-model.toml` text: intercept, [weights], [metrics], [baselines.*], [training].

    `parse_model` reads intercept, weights and metrics; the rest is for the humans who review the commit adding it.
    """
    data: dict[str, Any] = {
        "intercept": calibration.model.intercept,
        "weights": {f.name: calibration.model.weight(f.name) for f in FEATURES},
        "metrics": calibration.metrics["calibrated"].as_dict(),
        "baselines": {
            name: _finite(calibration.metrics[name].as_dict()) for name in ("shipped", *BASELINES)
        },
        "training": calibration.training,
    }
    header = (
        "# Risk model fitted by `reviewtui calibrate` on this repository's history (reverted commits = bad).\n"
        "# Commit this file: reviewtui reads it at each change's base. Metrics are on the newest, held-out commits.\n"
    )
    return header + tomli_w.dumps(data)


def _finite(values: Mapping[str, float]) -> dict[str, float]:
    """TOML has nan, but a reader should not have to care: metrics that do not exist are left out."""
    return {k: v for k, v in values.items() if not math.isnan(v)}


def default_output(repo_root: Path) -> Path:
    return repo_root / MODEL_FILE


def write_model(path: Path, text: str) -> None:
    """Replace `path` atomically: a reader (or a crash) sees the old model or the new one, never half of one.

    Unlike `config.write_new_file`, an existing model is replaced: recalibrating is the normal way to update it.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ReviewtuiError(f"{path}: cannot write: {exc.strerror}") from None


def _head(item: Change | Unread) -> str | None:
    return (item.change if isinstance(item, Unread) else item).head
