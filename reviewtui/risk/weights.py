"""The risk model's parameters: how much each feature moves the odds that a change is bad, and why.

Shipped weights are set by hand from the just-in-time defect prediction literature and the incidents reviewtui
exists for; `reviewtui calibrate` replaces them with weights fitted on the repository's own history (written to
`.reviewtui/risk-model.toml`). Weights live in log-odds space per unit of the transformed feature; counts are
transformed with log(1 + x) so the tenth file adds less than the second. Each weight has a sign constraint where
the direction is a matter of principle, not data: more findings, deleted tests or a Tier-1 system must never make a
change look safer, whatever a fit on a small history suggests.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from enum import Enum

from reviewtui.errors import ConfigError

MODEL_FILE = ".reviewtui/risk-model.toml"


class Transform(Enum):
    LOG = "log1p"
    LINEAR = "linear"


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    label: str
    """How the breakdown names it, for a reviewer."""
    weight: float
    transform: Transform = Transform.LOG
    sign: int = 0
    """+1: the weight may never go below 0; -1: never above 0; 0: free."""
    why: str = ""


FEATURES: tuple[Feature, ...] = (
    Feature("lines_added", "lines added", 0.38, sign=1, why="LA: the strongest single predictor (Zeng et al. 2021)"),
    Feature("lines_deleted", "lines deleted", 0.08, why="LD: deletions break callers less often than additions"),
    Feature("files", "files", 0.12, sign=1, why="NF: more files, more interactions to review"),
    Feature("directories", "directories", 0.10, why="ND: spread across directories"),
    Feature("subsystems", "top-level areas", 0.25, sign=1, why="NS: changes crossing subsystems fail more often"),
    Feature("entropy", "spread of edits (entropy)", 0.35, Transform.LINEAR, why="Kamei: scattered changes are riskier"),
    Feature("prior_changes", "prior changes to these files", 0.10, why="NUC: churn-heavy files keep breaking"),
    Feature("developers", "developers who touched these files", 0.12, why="NDEV: many hands, weak ownership"),
    Feature("file_age_days", "days since files last changed", -0.04, why="AGE: long-stable code is better understood"),
    Feature("prior_fixes", "prior fixes to these files", 0.22, sign=1, why="bug-prone files stay bug-prone"),
    Feature("prior_reverts", "prior reverts in these files", 0.45, sign=1, why="files that needed reverts before"),
    Feature("new_files", "new files", 0.05, why="no history to learn from"),
    Feature("author_experience", "author's prior commits", -0.12, sign=-1, why="EXP: experience lowers risk"),
    Feature("author_recent_experience", "author's recent activity", -0.10, sign=-1, why="REXP"),
    Feature("author_subsystem_experience", "author's commits in these areas", -0.10, sign=-1, why="SEXP"),
    Feature(
        "operator_file_experience",
        "operator's commits to these files",
        -0.15,
        sign=-1,
        why="an operator who knows the files catches the agent's mistakes",
    ),
    Feature("is_fix", "is a fix", 0.35, Transform.LINEAR, why="FIX: fixes are themselves defect-prone (Kamei)"),
    Feature(
        "ai_origin",
        "written by an AI agent",
        0.45,
        Transform.LINEAR,
        sign=1,
        why="agent code needs more scrutiny (Pearce et al.: ~40 % of security-relevant Copilot code vulnerable)",
    ),
    Feature(
        "tests_touched", "tests added or changed", -0.30, Transform.LINEAR, sign=-1, why="tested changes fail less"
    ),
    Feature("code_without_tests", "code changed without tests", 0.35, Transform.LINEAR, sign=1),
    Feature("tests_deleted", "test files deleted", 1.20, sign=1, why="agents delete failing tests (ImpossibleBench)"),
    Feature("tests_weakened", "tests weakened", 0.90, sign=1, why="skips, assert True, edited expectations"),
    Feature(
        "touches_ci", "CI configuration", 0.45, Transform.LINEAR, sign=1, why="changes how every change is checked"
    ),
    Feature(
        "touches_infrastructure",
        "infrastructure as code",
        0.80,
        Transform.LINEAR,
        sign=1,
        why="one apply can delete an environment",
    ),
    Feature("touches_migration", "database migration", 0.80, Transform.LINEAR, sign=1, why="data loss is permanent"),
    Feature(
        "touches_dependencies",
        "dependency manifests",
        0.35,
        Transform.LINEAR,
        sign=1,
        why="supply chain; hallucinated packages",
    ),
    Feature("touches_security", "auth, crypto or secrets code", 0.55, Transform.LINEAR, sign=1),
    Feature("findings_critical", "critical findings", 2.20, sign=1, why="rule findings are direct evidence"),
    Feature("findings_high", "high findings", 1.00, sign=1),
    Feature("findings_medium", "medium findings", 0.35, sign=1),
    Feature("findings_low", "low findings", 0.08, sign=1),
)
BY_NAME = {f.name: f for f in FEATURES}
DEFAULT_INTERCEPT = -3.4
"""About a 3 % chance that an unremarkable change is bad: the revert rate of typical projects is 1-5 %."""

TIER_IMPACT = {1: 1.0, 2: 0.7, 3: 0.45}
UNMAPPED_IMPACT = 0.6
"""Unmapped code is not known to be safe: it weighs more than Tier 3, less than Tier 2."""


@dataclass(frozen=True, slots=True)
class RiskModel:
    intercept: float = DEFAULT_INTERCEPT
    weights: dict[str, float] = field(default_factory=lambda: {f.name: f.weight for f in FEATURES})
    source: str = "built-in weights"
    metrics: dict[str, float] = field(default_factory=dict)

    def weight(self, name: str) -> float:
        return self.weights.get(name, 0.0)


def transformed(name: str, value: float) -> float:
    feature = BY_NAME[name]
    if feature.transform is Transform.LOG:
        return math.log1p(max(0.0, value))
    return value


def clamp_sign(name: str, weight: float) -> float:
    sign = BY_NAME[name].sign
    if sign > 0:
        return max(0.0, weight)
    if sign < 0:
        return min(0.0, weight)
    return weight


def parse_model(text: str, label: str) -> RiskModel:
    """Read `.reviewtui/risk-model.toml`; unknown features are errors (a typo would silently drop a weight)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None
    intercept = data.get("intercept")
    weights = data.get("weights")
    if not isinstance(intercept, int | float) or isinstance(intercept, bool):
        raise ConfigError(f"{label}: 'intercept' must be a number")
    if not isinstance(weights, dict):
        raise ConfigError(f"{label}: [weights] table is required")
    parsed: dict[str, float] = {}
    for name, value in weights.items():
        if name not in BY_NAME:
            raise ConfigError(f"{label}: unknown feature {name!r} in [weights]")
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ConfigError(f"{label}: weights.{name} must be a number")
        parsed[name] = clamp_sign(name, float(value))
    metrics = {k: float(v) for k, v in data.get("metrics", {}).items() if isinstance(v, int | float)}
    return RiskModel(float(intercept), parsed, f"calibrated ({label})", metrics)
