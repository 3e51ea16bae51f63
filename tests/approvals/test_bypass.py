"""Every policy bypass attempt named in issue 9, each rejected with a reason (docs/security.md, sections 2, 4, 6).

Each attempt is made the way an attacker would: with real keys and plain git, writing straight into the notes ref
where the clerk would refuse (`forge`), so what is tested is the verifier, not the courtesy checks before signing.
The assertion is always twofold: the decision does not count, and the reason says why.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from reviewtui.approvals.dsse import parse_envelope
from tests.approvals.conftest import Keys
from tests.approvals.kit import (
    ALLOWED_SIGNERS,
    MAINTAINER,
    NOTES_REF,
    POLICY,
    PRIYA,
    add_change,
    cli,
    forge,
    make_shop,
    note_lines,
    record,
    review_by,
    statuses,
    verdict,
)
from tests.gitrepo import GitRepo

CART = {"cart.py": "def total(items):\n    return sum(items)\n"}
CLAUDE_TRAILER = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


def _replace_note(repo: GitRepo, head: str, lines: list[str]) -> None:
    note = repo.path.parent / "note.txt"
    note.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    repo.git("notes", "--ref", NOTES_REF, "add", "-f", "-F", str(note), head)


def test_the_author_approving_under_another_key_is_not_counted(tmp_path: Path, keys: Keys) -> None:
    """Priya authored the change; her second key is listed under the same principal, her alias under a person."""
    policy = '[approvals]\nrequired = 2\n[[person]]\nprincipal = "p.raman"\nemails = ["priya@example.com"]\n'
    signers = keys.signers("alice") + keys.claude.signer_line(principal="priya@example.com")
    signers += keys.priya.signer_line(principal="p.raman")
    repo = make_shop(tmp_path / "repo", signers, policy=policy)
    add_change(repo, "ai/cart", CART, author=PRIYA, committer=MAINTAINER)
    forge(repo.path, "ai/cart", keys.claude, "priya@example.com")
    forge(repo.path, "ai/cart", keys.priya, "p.raman")
    record(repo.path, "ai/cart", keys.alice)
    result = verdict(repo.path, "ai/cart")
    assert [(p, s, r[0]) for p, s, r in statuses(result) if r] == [
        ("p.raman", "not-counted", "p.raman is an author of the change"),
        ("priya@example.com", "not-counted", "priya@example.com is an author of the change"),
    ]
    assert (result.approvers, result.satisfied) == (("alice@example.com",), False)


def test_one_principal_with_two_keys_is_one_approver(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "alice_laptop", "bob"))
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    result = record(repo.path, "ai/cart", keys.alice_laptop)
    assert {r.principal for r in result.reviews} == {"alice@example.com"}
    assert (result.approvers, result.satisfied) == (("alice@example.com",), False)
    assert result.missing == ("1 more approval(s) from distinct eligible reviewers",)


def test_the_agents_identity_is_not_counted(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "claude"))
    add_change(repo, "ai/cart", CART, author=("Claude", "noreply@anthropic.com"), committer=PRIYA)
    record(repo.path, "ai/cart", keys.alice)
    claude = review_by(record(repo.path, "ai/cart", keys.claude), "noreply@anthropic.com")
    assert claude.status == "not-counted"
    assert "noreply@anthropic.com is an agent identity" in claude.reasons
    assert "noreply@anthropic.com is an author of the change" in claude.reasons


def test_the_operator_is_not_counted(tmp_path: Path, keys: Keys) -> None:
    """The agent commits as itself; Priya ran it and is named only as the committer (the operator)."""
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "priya"))
    add_change(repo, "ai/cart", CART, author=("Claude", "noreply@anthropic.com"), committer=PRIYA)
    record(repo.path, "ai/cart", keys.alice)
    priya = review_by(record(repo.path, "ai/cart", keys.priya), "priya@example.com")
    assert priya.status == "not-counted"
    assert "priya@example.com is the operator of the agent that wrote the change" in priya.reasons


def test_an_approval_of_an_older_head_replayed_onto_the_new_push_is_stale(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    old = add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    new = add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items) * 0\n"})
    _replace_note(repo, new, note_lines(repo, old))  # the old approvals, copied onto the new head
    result = verdict(repo.path, "ai/cart")
    stale = f"approves an older head {old[:12]}; the change was pushed again since"
    assert statuses(result) == [("alice@example.com", "stale", (stale,)), ("bob@example.com", "stale", (stale,))]
    assert (result.approvers, result.label(), result.satisfied) == ((), "stale", False)


def test_an_approval_copied_to_another_change_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    first = add_change(repo, "ai/first", CART)
    second = add_change(repo, "ai/second", {"orders.py": "ORDERS = []\n"})
    record(repo.path, "ai/first", keys.alice)
    _replace_note(repo, second, note_lines(repo, first))
    copied = review_by(verdict(repo.path, "ai/second"), "alice@example.com")
    assert (copied.status, copied.reasons) == ("invalid", ("made for another change (ai/first)",))


def test_an_approval_copied_to_another_repository_is_invalid(tmp_path: Path, keys: Keys) -> None:
    one = make_shop(tmp_path / "one", keys.signers("alice", "bob"))
    other = make_shop(tmp_path / "other", keys.signers("alice", "bob"), first="# a fork with its own history\n")
    add_change(one, "ai/cart", CART)
    other_head = add_change(other, "ai/cart", CART)
    record(one.path, "ai/cart", keys.alice)
    _replace_note(other, other_head, note_lines(one, one.git("rev-parse", "ai/cart")))
    copied = review_by(verdict(other.path, "ai/cart"), "alice@example.com")
    assert (copied.status, copied.reasons) == ("invalid", ("made for another repository",))


def test_a_valid_signature_in_another_namespace_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/cart", CART)
    for namespace in ("git", "file", "reviewtui-approval-v2"):
        forge(repo.path, "ai/cart", keys.alice, "alice@example.com", namespace=namespace)
    result = verdict(repo.path, "ai/cart")
    assert len(result.reviews) == 3
    for review in result.reviews:
        assert (review.status, review.reasons) == (
            "invalid",
            ("signature by alice@example.com rejected: Couldn't verify signature: namespace does not match",),
        )
    assert result.approvers == ()


def test_a_change_that_lowers_required_approvals_is_judged_by_the_base_policy(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/lenient", {POLICY: "[approvals]\nrequired = 1\n", **CART})
    result = record(repo.path, "ai/lenient", keys.alice)
    assert (result.required, result.label(), result.satisfied) == (2, "1/2", False)
    assert result.missing == ("1 more approval(s) from distinct eligible reviewers",)


def test_a_change_that_adds_its_author_to_allowed_signers_gains_nothing(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/self", {ALLOWED_SIGNERS: keys.signers("alice", "bob", "priya"), **CART})
    refused = cli("approve", "ai/self", "--key", str(keys.priya.path), "--repo", str(repo.path))
    assert refused.returncode == 2 and "is not in .reviewtui/allowed_signers at the base commit" in refused.stderr
    forge(repo.path, "ai/self", keys.priya, "priya@example.com")  # signed anyway, written with plain git
    priya = review_by(verdict(repo.path, "ai/self"), "priya@example.com")
    assert (priya.status, priya.reasons) == ("invalid", ("signed by a key that is not in allowed_signers",))


def test_a_revoked_key_is_rejected_even_for_decisions_made_before_revocation(tmp_path: Path, keys: Keys) -> None:
    """The stolen-laptop response: once the base lists the key as revoked, its earlier approvals stop counting."""
    policy = '[approvals]\nrequired = 2\nrevoked_keys = ".reviewtui/revoked_keys"\n'
    repo = make_shop(
        tmp_path / "repo", keys.signers("alice", "bob"), policy=policy, files={".reviewtui/revoked_keys": ""}
    )
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    assert record(repo.path, "ai/cart", keys.bob).satisfied
    repo.write(".reviewtui/revoked_keys", f"# alice's laptop was stolen\n{keys.alice.public_key}\n")
    repo.commit("Revoke alice's stolen key", author=MAINTAINER)
    result = verdict(repo.path, "ai/cart")
    alice = review_by(result, "alice@example.com")
    assert (alice.status, alice.reasons) == (
        "invalid",
        ("signature by alice@example.com rejected: the key is revoked, or the signature does not match",),
    )
    assert (result.approvers, result.satisfied) == (("bob@example.com",), False)


def test_an_expired_key_is_rejected(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.alice.signer_line(options='valid-before="20200101"'))
    add_change(repo, "ai/cart", CART)
    forge(repo.path, "ai/cart", keys.alice, "alice@example.com")
    alice = review_by(verdict(repo.path, "ai/cart"), "alice@example.com")
    assert alice.status == "invalid"
    assert alice.reasons[0].startswith("signing key not accepted by allowed_signers: key has expired"), alice


def test_an_edited_note_line_is_invalid(tmp_path: Path, keys: Keys) -> None:
    """A reject turned into an approval breaks the signature; a rewritten keyid changes nothing (ssh-keygen decides)."""
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    head = add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice, "reject")
    [line] = note_lines(repo, head)
    envelope = parse_envelope(line)
    flipped = replace(envelope, payload=envelope.payload.replace(b'"decision":"reject"', b'"decision":"approve"'))
    data = json.loads(line)
    data["signatures"][0]["keyid"] = "SHA256:someone-else"  # informational only: changes nothing either way
    _replace_note(repo, head, [flipped.to_line(), json.dumps(data)])
    result = verdict(repo.path, "ai/cart")
    by_status = sorted((r.status, r.decision, r.reasons) for r in result.reviews)
    assert by_status == [
        ("counted", "reject", ()),
        (
            "invalid",
            "approve",
            ("signature by alice@example.com rejected: Signature verification failed: incorrect signature",),
        ),
    ]
    assert (result.approvers, result.rejected) == ((), ("alice@example.com",))


def test_a_deleted_note_line_shows_as_missing_never_as_approved(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    head = add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob, "reject")
    lines = note_lines(repo, head)
    _replace_note(repo, head, [ln for ln in lines if b'"decision":"reject"' not in parse_envelope(ln).payload])
    without_reject = verdict(repo.path, "ai/cart")
    assert (without_reject.label(), without_reject.satisfied) == ("1/2", False)  # a lost veto is not an approval
    repo.git("notes", "--ref", NOTES_REF, "remove", head)
    gone = verdict(repo.path, "ai/cart")
    assert (gone.reviews, gone.label(), gone.satisfied) == ((), "0/2", False)
    assert gone.missing == ("2 more approval(s) from distinct eligible reviewers",)
    shown = cli("verify", "ai/cart", "--repo", str(repo.path))
    assert shown.returncode == 1 and "NOT satisfied" in shown.stdout
