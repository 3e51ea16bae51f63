"""Approval envelopes from anyone who can push a notes ref: parsing and verification never raise on arbitrary
bytes, and nothing counts unless a listed key signed exactly those payload bytes in reviewtui's namespace."""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reviewtui.analysis import Analysis
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.dsse import EnvelopeError, parse_envelope
from reviewtui.approvals.statement import StatementError, parse_statement, payload_bytes
from reviewtui.approvals.verdict import Facts, evaluate
from tests.approvals.kit import Key, add_change, analyzer, decision_for, envelope_line, load, make_key, make_shop

SLOW = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Signed:
    analysis: Analysis
    facts: Facts
    alice: Key
    mallory: Key
    """A key the base's allowed_signers does not list."""
    line: str
    """Alice's valid approval of the change as it is."""


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    root = tmp_path_factory.mktemp("envelopes")
    alice = make_key(root / "keys", "alice", "alice@example.com")
    mallory = make_key(root / "keys", "mallory", "mallory@example.com")
    repo = make_shop(root / "repo", alice.signer_line(), policy="[approvals]\nrequired = 1\n")
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    analysis = load(repo.path, "ai/cart")
    facts = Clerk(analyzer()).facts(analysis)
    line = envelope_line(payload_bytes(decision_for(analysis, "alice@example.com")), alice)
    assert evaluate(facts, [line]).satisfied  # the unmodified line counts: what follows is about changes to it
    return Signed(analysis, facts, alice, mallory, line)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_parsing_arbitrary_bytes_never_raises_anything_but_an_envelope_error(data: bytes | str) -> None:
    try:
        envelope = parse_envelope(data)
    except EnvelopeError:
        return
    with contextlib.suppress(StatementError):
        parse_statement(envelope.payload)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["_type", "predicateType", "predicate", "subject", "x"]), json_values))
def test_parsing_an_arbitrary_statement_never_raises_anything_but_a_statement_error(data: dict[str, object]) -> None:
    data.setdefault("_type", "https://in-toto.io/Statement/v1")
    data.setdefault("predicateType", "https://reviewtui.dev/attestation/review-decision/v1")
    with contextlib.suppress(StatementError):
        parse_statement(json.dumps(data).encode())


@SLOW
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_an_arbitrary_note_line_is_never_counted(signed: Signed, junk: bytes) -> None:
    line = junk.decode("utf-8", "replace").replace("\n", " ")
    result = evaluate(signed.facts, [line, signed.line])
    assert result.approvers == ("alice@example.com",)  # the junk neither counts nor spoils the valid line
    assert all(r.status == "invalid" for r in result.reviews if r.record is None or r.principal is None)


@SLOW
@given(st.data())
def test_any_edit_to_a_valid_line_either_keeps_the_signed_bytes_or_is_rejected(
    signed: Signed, data: st.DataObject
) -> None:
    raw = bytearray(signed.line.encode())
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip":
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "insert":
            raw.insert(at, data.draw(st.integers(0, 255)))
        else:
            del raw[at]
    edited = raw.decode("utf-8", "replace").replace("\n", " ")
    assume(edited != signed.line)
    result = evaluate(signed.facts, [edited])
    original = parse_envelope(signed.line)
    for review in result.reviews:
        if review.status == "counted":
            # Only an edit outside the signed content survives (e.g. whitespace between JSON tokens, the keyid).
            survivor = parse_envelope(edited)
            assert survivor.payload == original.payload
            assert survivor.signatures[0].armored == original.signatures[0].armored


@SLOW
@given(
    st.sampled_from(["approve", "reject", "request-changes"]),
    st.sampled_from(["alice@example.com", "mallory@example.com", "*", "alice@example.com,mallory@example.com", ""]),
    st.sampled_from(["reviewtui-approval-v1", "git", "file"]),
)
def test_a_statement_signed_by_an_unlisted_key_never_counts(
    signed: Signed, decision: str, claimed: str, namespace: str
) -> None:
    payload = payload_bytes(decision_for(signed.analysis, claimed, decision))
    line = envelope_line(payload, signed.mallory, namespace=namespace)
    [review] = evaluate(signed.facts, [line]).reviews
    assert review.status == "invalid" and review.reasons
    assert review.principal in (None, claimed)


@SLOW
@given(st.binary(min_size=1, max_size=120))
def test_a_listed_signature_over_other_bytes_never_counts(signed: Signed, other: bytes) -> None:
    """Alice's real signature, attached to a payload she did not sign."""
    data = json.loads(signed.line)
    original = base64.b64decode(data["payload"])
    assume(other != original)
    data["payload"] = base64.b64encode(other).decode()
    result = evaluate(signed.facts, [json.dumps(data)])
    assert result.approvers == ()
    assert all(r.status == "invalid" for r in result.reviews)


@pytest.mark.parametrize(
    "nested", ["[" * 100_000, '{"a":' * 100_000, "[" * 100_000 + "]" * 100_000], ids=["open", "object", "closed"]
)
def test_deeply_nested_json_is_a_malformed_envelope_not_a_crash(signed: Signed, nested: str) -> None:
    with pytest.raises(EnvelopeError, match="not JSON"):
        parse_envelope(nested)
    with pytest.raises(StatementError, match="not JSON"):
        parse_statement(nested.encode())
    data = json.loads(signed.line)
    data["payload"] = base64.b64encode(nested.encode()).decode()
    result = evaluate(signed.facts, [nested, json.dumps(data), signed.line])
    assert result.approvers == ("alice@example.com",)
    assert [r.status for r in result.reviews].count("invalid") == 2


def test_a_payload_or_signature_with_non_ascii_characters_is_malformed(signed: Signed) -> None:
    """b64decode raises a plain ValueError for a str with non-ASCII characters: once a crash of `verify`."""
    data = json.loads(signed.line)
    for field in ("payload", "sig"):
        edited = dict(data, signatures=[dict(data["signatures"][0])])
        target = edited if field == "payload" else edited["signatures"][0]
        target[field] = "\u00e9" + target[field]
        [review] = evaluate(signed.facts, [json.dumps(edited, ensure_ascii=False)]).reviews
        assert review.status == "invalid" and "base64" in review.reasons[0]
