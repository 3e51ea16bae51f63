"""The orders a queue can be read in; the CLI and the TUI share them so both rank changes the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from reviewtui.analysis import Analysis


class RankKey(NamedTuple):
    """What ordering needs of an analysed change (small enough to keep for every change of a long history). A
    NamedTuple: `queue` answered from its memo imports this module for its sort names, not `dataclasses`."""

    id: str
    repo: str
    score: float
    effort: float
    created: float | None
    system: str


def rank_key(analysis: Analysis) -> RankKey:
    risk = analysis.risk
    first_system = min(risk.systems, key=lambda s: (s[1], s[0]))[0] if risk.systems else ""
    created = analysis.change.created.timestamp() if analysis.change.created else None
    return RankKey(analysis.change.id, analysis.change.repo, risk.precise, risk.effort_aware, created, first_system)


SORTS: dict[str, Callable[[RankKey], Any]] = {
    "score": lambda k: (-k.score, k.repo, k.id),
    "effort": lambda k: (-k.effort, -k.score, k.repo, k.id),
    "age": lambda k: (k.created is None, k.created or 0.0, k.repo, k.id),
    "system": lambda k: (k.system == "", k.system, -k.score, k.repo, k.id),
}
"""score: riskiest first; effort: most risk per changed line first; age: longest waiting first; system: grouped."""
