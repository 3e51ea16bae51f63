"""Bands by percentile of the current queue: where a reviewer's attention goes first.

A fixed score cut-off would put everything or nothing in the top band as a queue's mix changes; percentiles of the
queue itself always single out its riskiest few, and the thresholds are shown so nobody has to guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BANDS = (("top 5%", 95.0), ("top 10%", 90.0), ("top 50%", 50.0))
REST = "rest"


@dataclass(frozen=True, slots=True)
class Banding:
    thresholds: tuple[tuple[str, float], ...]
    """Band name and the lowest score in it, highest band first."""

    def band(self, score: float) -> str:
        for name, threshold in self.thresholds:
            if score >= threshold:
                return name
        return REST

    def describe(self) -> str:
        return ", ".join(f"{name} ≥ {threshold:g}" for name, threshold in self.thresholds)


def banding(scores: Sequence[float]) -> Banding:
    """Nearest-rank percentiles; a band never has a threshold of 0 (a clean queue has no 'top' changes)."""
    ordered = sorted(scores)
    thresholds = []
    for name, percentile in BANDS:
        if not ordered:
            break
        rank = max(1, math.ceil(percentile / 100 * len(ordered)))
        threshold = ordered[rank - 1]
        if threshold > 0:
            thresholds.append((name, threshold))
    return Banding(tuple(thresholds))
