"""The decision record: an in-toto Statement v1 with reviewtui's own predicate (docs/approval-format.md).

The payload is canonical JSON (sorted keys, no whitespace, UTF-8) so the bytes that were signed can be rebuilt
from the parsed record if ever needed; verification, though, always checks the stored bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reviewtui.approvals.binding import Binding
from reviewtui.errors import ReviewtuiError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://reviewtui.dev/attestation/review-decision/v1"
DECISIONS = ("approve", "request-changes", "reject")


class StatementError(ReviewtuiError):
    """A payload that is not a reviewtui decision statement."""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    rule: str
    path: str | None
    line: int | None
    kind: str
    """"ack" (seen, accepted as is) or "waive" (seen, not applicable), each with a reason."""
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str
    reviewer: str
    """The allowed_signers principal the reviewer claims to be (checked against the signature)."""
    change: str
    binding: Binding
    rules_digest: str
    system_map_digest: str
    policy_digest: str
    acknowledged: tuple[Acknowledgement, ...] = ()
    hunks_displayed: tuple[str, ...] = ()
    hunks_total: int = 0
    seconds: float = 0.0
    timestamp: str = ""
    tool_version: str = ""
    comment: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def to_statement(d: Decision) -> dict[str, Any]:
    b = d.binding
    digest = {"sha256": b.diff_sha256} if b.head is None else {"gitCommit": b.head, "gitTree": b.tree}
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": d.change, "digest": digest}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "decision": d.decision,
            "reviewer": d.reviewer,
            "change": d.change,
            "repository": b.repository,
            "targetRef": b.base_ref,
            "baseCommit": b.base,
            "mergeBase": b.merge_base,
            "headCommit": b.head,
            "headTree": b.tree,
            "diffSha256": b.diff_sha256,
            "patchIdVerbatim": b.patch_id,
            "rulesDigest": d.rules_digest,
            "systemMapDigest": d.system_map_digest,
            "policyDigest": d.policy_digest,
            "acknowledged": [
                {"rule": a.rule, "path": a.path, "line": a.line, "kind": a.kind, "reason": a.reason}
                for a in d.acknowledged
            ],
            "coverage": {"hunksDisplayed": list(d.hunks_displayed), "hunksTotal": d.hunks_total},
            "reviewSeconds": round(d.seconds, 1),
            "timestamp": d.timestamp,
            "tool": {"name": "reviewtui", "version": d.tool_version},
            "comment": d.comment,
        },
    }


def payload_bytes(d: Decision) -> bytes:
    return json.dumps(to_statement(d), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_statement(payload: bytes) -> Decision:
    """Read a payload back; every field is type-checked, since payloads come from anyone who can push notes."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise StatementError(f"payload is not JSON: {exc}") from None
    except RecursionError:
        raise StatementError("payload is not JSON: nested too deeply") from None
    if not isinstance(data, dict) or data.get("_type") != STATEMENT_TYPE:
        raise StatementError("not an in-toto Statement v1")
    if data.get("predicateType") != PREDICATE_TYPE:
        raise StatementError(f"predicate type is not {PREDICATE_TYPE}")
    p = data.get("predicate")
    if not isinstance(p, dict):
        raise StatementError("no predicate")
    decision = _text(p, "decision")
    if decision not in DECISIONS:
        raise StatementError(f"unknown decision {decision!r}")
    raw_coverage = p.get("coverage")
    coverage: dict[str, Any] = raw_coverage if isinstance(raw_coverage, dict) else {}
    binding = Binding(
        head=_opt(p, "headCommit"),
        tree=_opt(p, "headTree"),
        merge_base=_opt(p, "mergeBase"),
        base=_opt(p, "baseCommit"),
        base_ref=_opt(p, "targetRef"),
        diff_sha256=_text(p, "diffSha256"),
        patch_id=_opt(p, "patchIdVerbatim"),
        repository=_opt(p, "repository"),
    )
    acks = []
    for item in p.get("acknowledged", []) if isinstance(p.get("acknowledged"), list) else []:
        if isinstance(item, dict) and isinstance(item.get("rule"), str) and isinstance(item.get("reason"), str):
            line = item.get("line")
            acks.append(
                Acknowledgement(
                    item["rule"],
                    item.get("path") if isinstance(item.get("path"), str) else None,
                    line if isinstance(line, int) and not isinstance(line, bool) else None,
                    "waive" if item.get("kind") == "waive" else "ack",
                    item["reason"],
                )
            )
    displayed = coverage.get("hunksDisplayed", [])
    seconds = p.get("reviewSeconds", 0)
    tool = p.get("tool") if isinstance(p.get("tool"), dict) else {}
    return Decision(
        decision=decision,
        reviewer=_text(p, "reviewer"),
        change=_text(p, "change"),
        binding=binding,
        rules_digest=_text(p, "rulesDigest"),
        system_map_digest=_text(p, "systemMapDigest"),
        policy_digest=_text(p, "policyDigest"),
        acknowledged=tuple(acks),
        hunks_displayed=tuple(h for h in displayed if isinstance(h, str)) if isinstance(displayed, list) else (),
        hunks_total=coverage.get("hunksTotal", 0) if isinstance(coverage.get("hunksTotal", 0), int) else 0,
        seconds=float(seconds) if isinstance(seconds, int | float) and not isinstance(seconds, bool) else 0.0,
        timestamp=p.get("timestamp", "") if isinstance(p.get("timestamp"), str) else "",
        tool_version=str(tool.get("version", "")) if isinstance(tool, dict) else "",
        comment=p.get("comment", "") if isinstance(p.get("comment"), str) else "",
    )


def _text(p: dict[str, Any], key: str) -> str:
    value = p.get(key)
    if not isinstance(value, str):
        raise StatementError(f"predicate.{key} must be a string")
    return value


def _opt(p: dict[str, Any], key: str) -> str | None:
    value = p.get(key)
    if value is not None and not isinstance(value, str):
        raise StatementError(f"predicate.{key} must be a string or null")
    return value
