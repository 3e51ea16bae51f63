"""Turn measurements into a 0-100 score whose every point is explained.

score = 100 x impact x sigmoid(intercept + sum of weight x transformed value). Impact comes from the most
critical system touched (Tier 1 = 1.0). To explain it, the features are added one at a time, largest effect first,
and each is credited with how far it moved the score; the base rate gets the rest. These parts are exact (they sum
to the score, before rounding to tenths), bounded, and each has the sign of its effect, which a reviewer can trust
in a way they cannot trust an opaque number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reviewtui.risk.features import Measurements
from reviewtui.risk.weights import BY_NAME, TIER_IMPACT, UNMAPPED_IMPACT, RiskModel, transformed
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    label: str
    value: float
    points: float


@dataclass(frozen=True, slots=True)
class Hint:
    text: str
    saves: float
    """Points the score would drop by if the hint were followed (all else equal)."""


@dataclass(frozen=True, slots=True)
class RiskScore:
    score: float
    likelihood: float
    impact: float
    impact_reason: str
    breakdown: tuple[Contribution, ...]
    """Base rate first, then features by points, largest first; points sum to `score`."""
    hints: tuple[Hint, ...]
    flags: tuple[str, ...]
    """Critical findings: shown whatever the score."""
    lines: int
    systems: tuple[tuple[str, int], ...]
    precise: float = 0.0
    """The unrounded score, for ranking: a calibrated model can put most changes below one point, where tenths tie."""

    @property
    def tier1(self) -> bool:
        return any(tier == 1 for _, tier in self.systems)

    @property
    def effort_aware(self) -> float:
        """Risk per changed line (x100), for ranking by where an hour of review finds the most."""
        return self.precise * 100 / max(1, self.lines)


def score(measurements: Measurements, findings: Sequence[Finding], model: RiskModel) -> RiskScore:
    impact, reason = _impact(measurements)
    terms = _terms(measurements, model)
    z = model.intercept + sum(term for _, term in terms)
    likelihood = _sigmoid(z)
    breakdown = _attribute(measurements, terms, model, impact)
    total = round(sum(c.points for c in breakdown), 1)
    return RiskScore(
        score=total,
        likelihood=round(likelihood, 4),
        impact=impact,
        impact_reason=reason,
        breakdown=breakdown,
        hints=_hints(measurements, findings, model, impact, total),
        flags=tuple(f"{f.rule}: {f.message}" for f in findings if f.severity is Severity.CRITICAL),
        lines=measurements.lines,
        systems=tuple((s.name, s.tier) for s in measurements.systems),
        precise=100.0 * impact * likelihood,
    )


def _impact(measurements: Measurements) -> tuple[float, str]:
    if not measurements.systems:
        return UNMAPPED_IMPACT, "touches no mapped system"
    tier = min(s.tier for s in measurements.systems)
    names = ", ".join(s.name for s in measurements.systems if s.tier == tier)
    return TIER_IMPACT.get(tier, TIER_IMPACT[3]), f"Tier {tier}: {names}"


def _terms(measurements: Measurements, model: RiskModel) -> list[tuple[str, float]]:
    return [
        (name, model.weight(name) * transformed(name, value))
        for name, value in measurements.values.items()
        if name in BY_NAME and model.weight(name) != 0.0 and value != 0
    ]


def _attribute(
    measurements: Measurements, terms: list[tuple[str, float]], model: RiskModel, impact: float
) -> tuple[Contribution, ...]:
    scale = 100.0 * impact
    z = model.intercept
    parts = [Contribution("base_rate", "base rate", 1.0, round(scale * _sigmoid(z), 1))]
    for name, term in sorted(terms, key=lambda t: (-abs(t[1]), t[0])):
        before = _sigmoid(z)
        z += term
        points = round(scale * (_sigmoid(z) - before), 1)
        if points != 0.0:
            parts.append(Contribution(name, BY_NAME[name].label, measurements.values[name], points))
    head, rest = parts[0], sorted(parts[1:], key=lambda c: (-c.points, c.feature))
    return (head, *rest)


def _hints(
    measurements: Measurements, findings: Sequence[Finding], model: RiskModel, impact: float, current: float
) -> tuple[Hint, ...]:
    """Concrete ways to lower the score, each priced by recomputing the score as if it were done."""
    values = measurements.values
    options: list[tuple[str, dict[str, float]]] = []
    if values.get("lines_added", 0) > 400 or values.get("files", 0) > 20:
        options.append(
            (
                f"Split the change: {int(values['lines_added'])} added lines in {int(values['files'])} files; "
                "review small, single-purpose changes",
                {"lines_added": min(values["lines_added"], 200), "files": min(values["files"], 5)},
            )
        )
    if values.get("subsystems", 0) > 2:
        options.append(
            (
                f"Keep it within one area: it touches {int(values['subsystems'])} top-level directories",
                {"subsystems": 1, "entropy": 0.0},
            )
        )
    if values.get("code_without_tests"):
        options.append(("Add or update tests for the changed code", {"code_without_tests": 0.0, "tests_touched": 1.0}))
    if values.get("tests_deleted") or values.get("tests_weakened"):
        options.append(
            (
                "Restore the deleted or weakened tests and fix the code instead",
                {"tests_deleted": 0.0, "tests_weakened": 0.0},
            )
        )
    serious = [f for f in findings if f.severity >= Severity.HIGH]
    if serious:
        rules = ", ".join(sorted({f.rule for f in serious})[:4])
        options.append(
            (
                f"Resolve the {len(serious)} high/critical findings ({rules})",
                {"findings_critical": 0.0, "findings_high": 0.0},
            )
        )
    sensitive = [k for k in ("ci", "infrastructure", "migration", "dependencies") if values.get(f"touches_{k}")]
    if sensitive and values.get("files", 0) > len(sensitive):
        options.append(
            (
                f"Move the {', '.join(sensitive)} edits into their own change, reviewed by their owners",
                {f"touches_{k}": 0.0 for k in sensitive},
            )
        )
    hints = []
    for text, counterfactual in options:
        lowered = _score_with(measurements, model, impact, counterfactual)
        saves = round(current - lowered, 1)
        if saves > 0:
            hints.append(Hint(text, saves))
    return tuple(sorted(hints, key=lambda h: -h.saves))


def _score_with(measurements: Measurements, model: RiskModel, impact: float, changes: dict[str, float]) -> float:
    values = {**measurements.values, **changes}
    z = model.intercept + sum(
        model.weight(name) * transformed(name, value) for name, value in values.items() if name in BY_NAME
    )
    return round(100.0 * impact * _sigmoid(z), 1)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
