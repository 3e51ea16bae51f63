"""What the queue's filter bar (`/`) understands: free text plus `facet:value` terms.

    payments sev:high agent:codex status:1/2

Terms of different facets must all hold; several terms of one facet are alternatives (`system:pay system:orders`).
Free text matches when every word occurs in the change's id, title, agent, author or systems, or when the whole
text fuzzy-matches the change id (Textual's matcher: `cdxdrop` finds `codex/drop-legacy-...`). Values with spaces
are quoted: `agent:"OpenAI Codex"`. A `facet:` the queue does not know is read as free text and reported, so a typo
shows instead of silently matching nothing.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from textual.fuzzy import Matcher

from reviewtui.analysis import Analysis
from reviewtui.approvals.verdict import Verdict
from reviewtui.rules.rule import Severity

FACETS = {
    "system": "a system's name contains it",
    "tier": "touches a system of that tier (tier:1)",
    "severity": "has a finding of that severity or worse (severity:high)",
    "agent": "the agent's or author's name contains it; agent:ai, agent:bot, agent:human",
    "status": "approvals: 0/2, 1/2, 2/2, awaiting, approved, pending, stale, rejected, changes",
    "repo": "the repository's folder name contains it",
}
ALIASES = {"sys": "system", "sev": "severity", "st": "status"}
_ORDER = [s.value for s in Severity]  # info … critical


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """A parsed filter; `matches` decides one change."""

    text: tuple[str, ...] = ()
    facets: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()
    query: str = ""

    @classmethod
    def parse(cls, query: str) -> QueueFilter:
        try:
            tokens = shlex.split(query)
        except ValueError:  # an unbalanced quote while typing
            tokens = query.split()
        text: list[str] = []
        facets: list[tuple[str, str]] = []
        problems: list[str] = []
        for token in tokens:
            name, colon, value = token.partition(":")
            facet = ALIASES.get(name.casefold(), name.casefold())
            if colon and facet in FACETS and value:
                problem = _value_problem(facet, value)
                if problem:
                    problems.append(problem)
                else:
                    facets.append((facet, value.casefold()))
            else:
                if colon and name.isalpha() and facet not in FACETS:
                    problems.append(f"{name}: is not a filter ({', '.join(FACETS)}); searched as text")
                text.append(token.casefold())
        return cls(tuple(text), tuple(facets), tuple(problems), query.strip())

    @property
    def active(self) -> bool:
        return bool(self.text or self.facets)

    def describe(self) -> str:
        parts = [f"{facet}={value}" for facet, value in self.facets]
        if self.text:
            parts.append("text " + " ".join(self.text))
        return ", ".join(parts)

    def matches(self, analysis: Analysis, verdict: Verdict | str | None) -> bool:
        wanted: dict[str, list[str]] = {}
        for facet, value in self.facets:
            wanted.setdefault(facet, []).append(value)
        for facet, values in wanted.items():
            if not any(_facet_matches(facet, value, analysis, verdict) for value in values):
                return False
        return not self.text or self._text_matches(analysis)

    def _text_matches(self, analysis: Analysis) -> bool:
        change = analysis.change
        hay = " ".join([change.id, change.title, _agent(analysis), *(name for name, _ in analysis.risk.systems)])
        hay = hay.casefold()
        if all(word in hay for word in self.text):
            return True
        return Matcher(" ".join(self.text)).match(change.id.casefold()) > 0


def _value_problem(facet: str, value: str) -> str | None:
    if facet == "tier" and not value.isdigit():
        return f"tier:{value}: a tier is a number (tier:1)"
    if facet == "severity" and _severity(value) is None:
        return f"severity:{value}: not a severity ({', '.join(reversed(_ORDER))})"
    return None


def _severity(value: str) -> int | None:
    found = [index for index, name in enumerate(_ORDER) if name.startswith(value.casefold())]
    return found[0] if len(found) == 1 else None


def _facet_matches(facet: str, value: str, analysis: Analysis, verdict: Verdict | str | None) -> bool:
    change = analysis.change
    if facet == "system":
        return any(value in name.casefold() for name, _ in analysis.risk.systems)
    if facet == "tier":
        return any(tier == int(value) for _, tier in analysis.risk.systems)
    if facet == "severity":
        least = _severity(value)
        return least is not None and any(_ORDER.index(f.severity.value) >= least for f in analysis.findings)
    if facet == "agent":
        if value == "human":
            return change.agent is None
        if value in ("ai", "bot"):
            return change.agent is not None and change.agent.kind == value
        return value in _agent(analysis).casefold()
    if facet == "status":
        return _status_matches(value, verdict)
    if facet == "repo":
        return value in Path(change.repo).name.casefold()
    return False


def _status_matches(value: str, verdict: Verdict | str | None) -> bool:
    if not isinstance(verdict, Verdict):
        return False
    if value == "awaiting":
        return len(verdict.approvers) == 1 and not verdict.blocking and not verdict.satisfied
    if value == "approved":
        return verdict.satisfied
    if value == "pending":
        return not verdict.satisfied and not verdict.blocking
    return verdict.label().casefold().startswith(value)


def _agent(analysis: Analysis) -> str:
    """Who wrote it: the agent (and its operator), else the first commit's author."""
    change = analysis.change
    if change.agent is not None:
        return " ".join(filter(None, (change.agent.name, change.agent.operator)))
    return change.commits[0].author.name if change.commits else ""
