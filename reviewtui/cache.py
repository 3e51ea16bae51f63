"""The analysis cache: a change's findings, measurements and risk score, stored under the repository's git dir.

Analysing a change (rules, history features, score) costs tens of milliseconds; a queue of thousands re-read every
morning would redo the same work for changes that did not move. An entry is keyed by everything that determines the
result — the change's id, head, merge-base and base, its agent, the rules digest, the system-map and risk-model
digests, the history it was measured against, the tool's version and the fingerprint of its code — so a hit gives
exactly what a fresh analysis would. Entries are JSON (never pickle: the directory is writable by anything that can
write the repository) and are checked field by field when read; an entry that does not decode, belongs to another
key or has the wrong shape is ignored and recomputed, never trusted. Writes go to a temporary file renamed into
place, so two processes analysing the same change at once each leave a complete entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewtui import __version__
from reviewtui.filerecord import decode_files, encode_file
from reviewtui.fingerprint import code_fingerprint, tool_versions
from reviewtui.jsonstore import NUM, STR, JsonStore, numbers, shaped
from reviewtui.jsonstore import array as _list
from reviewtui.jsonstore import integer as _int
from reviewtui.jsonstore import mapping as _dict
from reviewtui.jsonstore import number as _num
from reviewtui.jsonstore import optional as _opt
from reviewtui.jsonstore import string as _str
from reviewtui.jsonstore import strings as _strs
from reviewtui.model import Change, FileChange, SourceKind
from reviewtui.risk.features import Measurements
from reviewtui.risk.score import Contribution, Hint, RiskScore
from reviewtui.risk.weights import RiskModel
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.rule import Severity
from reviewtui.systems import System, SystemMap

SCHEMA = 2
"""2: an entry carries the change's files (summarised), so a warm queue reads one file per change, not two."""
CACHE_DIR = Path("reviewtui") / "cache" / "analysis"
"""Inside the git dir: never in the work tree, never committed, shared by every clone's worktrees."""


@dataclass(frozen=True, slots=True)
class Entry:
    findings: tuple[Finding, ...]
    measurements: Measurements
    risk: RiskScore
    files: tuple[FileChange, ...]
    """The change's files summarised (counts, no hunks): a change whose diff was not read yet (`sources.full.
    Unread`) is listed from them, as from the summary cache."""


class InvalidEntry(Exception):
    """A stored entry that is not what this version writes; the caller recomputes."""


class AnalysisCache:
    def __init__(self, git_dir: Path) -> None:
        self.root = git_dir / CACHE_DIR
        self._store = JsonStore(self.root)
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Entry | None:
        """The entry stored under `key`, or None when absent or invalid (an invalid one is overwritten later)."""
        try:
            entry = decode_entry(self._store.read(key), key)
        except InvalidEntry:
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self._store.write(key, encode_entry(entry, key))


def cache_key(
    change: Change,
    *,
    rules_digest: str,
    systems: SystemMap,
    model: RiskModel,
    history_tip: str | None,
    repository: str = "-",
) -> str:
    """sha256 over everything that determines a change's analysis. The diff itself is fixed by (merge-base, head)
    and `repository` (`Repository.shape`: replace refs, grafts, attributes git reads), so only changes read from
    git are keyable; a patch file's change is not (see `keyable`)."""
    parts = {
        "schema": SCHEMA,
        "version": __version__,
        "code": code_fingerprint(),
        "tools": tool_versions(),
        "change": change.id,
        "source": change.source.value,
        "head": change.head,
        "merge_base": change.merge_base,
        "base": change.base,
        "created": change.created.isoformat() if change.created else None,
        "updated": change.updated.isoformat() if change.updated else None,
        "title": change.title,
        "description": change.description,
        "agent": [change.agent.name, change.agent.operator, change.agent.signal, change.agent.kind]
        if change.agent
        else None,
        "rules": rules_digest,
        "systems": [systems.digest(), systems.source],
        "model": model_digest(model),
        "history": history_tip,
        "repository": repository,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def keyable(change: Change) -> bool:
    """Whether (merge-base, head) pin the change's content: true for refs and commits (a root commit against the
    empty tree), not for patch files, whose content is the file's."""
    if change.origin is not None or change.head is None:
        return False
    return change.merge_base is not None or change.source is SourceKind.COMMIT


def model_digest(model: RiskModel) -> str:
    """Asked once per change for the same few models (one per base that has its own): remembered per object."""
    known = _MODEL_DIGESTS.get(id(model))
    if known is not None and known[0] is model:
        return known[1]
    digest = _digest_model(model)
    if len(_MODEL_DIGESTS) >= 256:
        _MODEL_DIGESTS.clear()
    _MODEL_DIGESTS[id(model)] = (model, digest)
    return digest


_MODEL_DIGESTS: dict[int, tuple[RiskModel, str]] = {}
"""id -> (the model itself, kept alive so its id is not reused while remembered; its digest)."""


def _digest_model(model: RiskModel) -> str:
    canonical = {"intercept": model.intercept, "weights": model.weights, "source": model.source}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


# -- encoding ---------------------------------------------------------------------------------------------------------


def encode_entry(entry: Entry, key: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "key": key,
        "findings": [_encode_finding(f) for f in entry.findings],
        "measurements": {
            "values": entry.measurements.values,
            "systems": [[s.name, s.tier, list(s.paths), list(s.owners), list(s.exclude)] for s in
                        entry.measurements.systems],
            "lines": entry.measurements.lines,
        },
        "risk": _encode_risk(entry.risk),
        "files": [encode_file(f) for f in entry.files],
    }


def decode_entry(data: Any, key: str) -> Entry:
    """Rebuild an entry, checking every field's type; anything unexpected raises InvalidEntry."""
    try:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("key") != key:
            raise InvalidEntry("foreign or old entry")
        findings = tuple(_decode_finding(f) for f in _list(data["findings"]))
        m = data["measurements"]
        values = numbers(m["values"])
        systems = tuple(
            System(_str(n), _int(t), _strs(p), _strs(o), _strs(e)) for n, t, p, o, e in _list(m["systems"])
        )
        measurements = Measurements(values, systems, _int(m["lines"]))
        return Entry(findings, measurements, _decode_risk(_dict(data["risk"])), decode_files(data["files"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidEntry(str(exc)) from None


def _encode_finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "change": f.change,
        "source": f.source,
        "path": f.path,
        "line": f.line,
        "side": f.side.value if f.side else None,
        "span": list(f.span) if f.span else None,
        "hunk": f.hunk,
        "title": f.title,
        "fix": f.fix,
        "docs": f.docs,
        "tool": f.tool,
    }


def _decode_finding(data: Any) -> Finding:
    d = _dict(data)
    span = d["span"]
    return Finding(
        rule=_str(d["rule"]),
        severity=Severity(d["severity"]),
        message=_str(d["message"]),
        change=_str(d["change"]),
        source=_str(d["source"]),
        path=_opt(_str, d["path"]),
        line=_opt(_int, d["line"]),
        side=None if d["side"] is None else Side(d["side"]),
        span=None if span is None else (_int(_list(span)[0]), _int(_list(span)[1])),
        hunk=_opt(_int, d["hunk"]),
        title=_str(d["title"]),
        fix=_opt(_str, d["fix"]),
        docs=_opt(_str, d["docs"]),
        tool=_opt(_str, d["tool"]),
    )


def _encode_risk(r: RiskScore) -> dict[str, Any]:
    return {
        "score": r.score,
        "likelihood": r.likelihood,
        "impact": r.impact,
        "impact_reason": r.impact_reason,
        "breakdown": [[c.feature, c.label, c.value, c.points] for c in r.breakdown],
        "hints": [[h.text, h.saves] for h in r.hints],
        "flags": list(r.flags),
        "lines": r.lines,
        "systems": [[name, tier] for name, tier in r.systems],
        "precise": r.precise,
    }


_CONTRIBUTION = (STR, STR, NUM, NUM)


def _decode_risk(d: dict[str, Any]) -> RiskScore:
    return RiskScore(
        score=_num(d["score"]),
        likelihood=_num(d["likelihood"]),
        impact=_num(d["impact"]),
        impact_reason=_str(d["impact_reason"]),
        breakdown=tuple(Contribution(*shaped(c, _CONTRIBUTION)) for c in _list(d["breakdown"])),
        hints=tuple(Hint(_str(t), _num(s)) for t, s in _list(d["hints"])),
        flags=_strs(d["flags"]),
        lines=_int(d["lines"]),
        systems=tuple((_str(n), _int(t)) for n, t in _list(d["systems"])),
        precise=_num(d["precise"]),
    )
