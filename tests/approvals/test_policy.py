"""Every key of `.reviewtui/policy.toml`, passing and failing, judged at the change's base."""

from __future__ import annotations

import json
from pathlib import Path

from reviewtui.approvals.clerk import Coverage
from reviewtui.approvals.statement import Acknowledgement
from tests.approvals.conftest import Keys
from tests.approvals.kit import (
    POLICY,
    TIER_MAP,
    add_change,
    cli,
    load,
    make_shop,
    record,
    review_by,
)

FEE = "def fee(amount):\n    return amount // 100\n"
TIER1_ONLY = "[tier1]\nacknowledge = []\nfull_coverage = false\n"


def test_two_distinct_approvers_satisfy_the_rule(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    head = add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items)\n"})
    where = ("--repo", str(repo.path))

    first = cli("approve", "ai/cart", "--key", str(keys.alice.path), *where)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0].startswith(
        f"recorded approve by alice@example.com on ai/cart (head {head[:12]}"
    )
    assert first.stdout.splitlines()[-1] == "approvals: 1/2 (not satisfied)"
    before = cli("verify", "ai/cart", *where)
    assert before.returncode == 1, before.stderr
    assert before.stdout.splitlines() == [
        "ai/cart: 1/2 — NOT satisfied",
        "  counted      approve          alice@example.com",
        "  missing: 1 more approval(s) from distinct eligible reviewers",
    ]

    assert record(repo.path, "ai/cart", keys.bob).satisfied
    after = cli("verify", "ai/cart", "--json", *where)
    assert after.returncode == 0, after.stderr
    body = json.loads(after.stdout)
    assert (body["change"], body["head"], body["satisfied"], body["label"]) == ("ai/cart", head, True, "2/2")
    assert body["approvers"] == ["alice@example.com", "bob@example.com"]
    assert sorted((r["principal"], r["decision"], r["status"], r["reasons"], r["head"]) for r in body["reviews"]) == [
        ("alice@example.com", "approve", "counted", [], head),
        ("bob@example.com", "approve", "counted", [], head),
    ]
    assert body["missing"] == []


def test_required_is_a_count_of_distinct_approvers(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob", "carol"), policy="[approvals]\nrequired = 3\n")
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    record(repo.path, "ai/cart", keys.alice)
    two = record(repo.path, "ai/cart", keys.bob)
    assert (two.required, two.approvers, two.satisfied) == (3, ("alice@example.com", "bob@example.com"), False)
    assert two.missing == ("1 more approval(s) from distinct eligible reviewers",)
    three = record(repo.path, "ai/cart", keys.carol)
    assert (three.label(), three.satisfied, three.missing) == ("3/3", True, ())


def test_required_by_tier(tmp_path: Path, keys: Keys) -> None:
    policy = '[approvals]\nrequired = 1\n[approvals.required_by_tier]\n"1" = 2\n' + TIER1_ONLY
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice", "bob"),
        policy=policy,
        systems=TIER_MAP,
        files={"services/payments/fees.py": FEE, "docs/guide.md": "# Guide\n"},
    )
    add_change(repo, "ai/fees", {"services/payments/fees.py": FEE.replace("100", "1000")})
    add_change(repo, "ai/docs", {"docs/guide.md": "# Guide\n\nHow to pay.\n"})

    docs = record(repo.path, "ai/docs", keys.alice)
    assert (docs.required, docs.label(), docs.satisfied) == (1, "1/1", True)
    fees = record(repo.path, "ai/fees", keys.alice)
    assert (fees.required, fees.label(), fees.satisfied) == (2, "1/2", False)
    assert review_by(fees, "alice@example.com").status == "counted"
    fees = record(repo.path, "ai/fees", keys.bob)
    assert (fees.label(), fees.satisfied) == ("2/2", True)


def test_tier1_blocking_findings_must_be_acknowledged(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice", "bob", "carol"),
        policy='[approvals]\nrequired = 2\n[tier1]\nacknowledge = ["high", "critical"]\nfull_coverage = false\n',
        systems=TIER_MAP,
        files={"services/payments/fees.py": FEE},
    )
    add_change(repo, "ai/fees", {"services/payments/fees.py": "def fee(amount):\n    return eval(amount)\n"})
    assert "dynamic-code-execution" in {f.rule for f in load(repo.path, "ai/fees").findings}
    where = ("--repo", str(repo.path))

    silent = cli("approve", "ai/fees", "--key", str(keys.alice.path), *where)
    assert silent.returncode == 0, silent.stderr
    assert (
        "note: this decision does not count yet: 1 blocking finding(s) not acknowledged (dynamic-code-execution)"
        in silent.stdout.splitlines()
    )
    wrong_rule = Acknowledgement("shell-injection", None, None, "ack", "no shell here")
    result = record(repo.path, "ai/fees", keys.carol, acks=(wrong_rule,))
    assert review_by(result, "carol@example.com").reasons == (
        "1 blocking finding(s) not acknowledged (dynamic-code-execution)",
    )

    acked = cli(
        "approve", "ai/fees", "--key", str(keys.bob.path), "--ack", "dynamic-code-execution:amount is a literal", *where
    )
    assert acked.returncode == 0, acked.stderr
    assert "does not count" not in acked.stdout
    waived = Acknowledgement("dynamic-code-execution", None, None, "waive", "test fixture only")
    result = record(repo.path, "ai/fees", keys.carol, acks=(waived,))
    assert review_by(result, "bob@example.com").status == "counted"
    assert sorted((r.principal, r.status) for r in result.reviews if r.status != "counted") == [
        ("alice@example.com", "not-counted"),
        ("carol@example.com", "not-counted"),
    ]
    assert (result.approvers, result.satisfied) == (("bob@example.com", "carol@example.com"), True)
    [carol] = [r for r in result.reviews if r.status == "counted" and r.principal == "carol@example.com"]
    assert carol.record is not None and carol.record.acknowledged == (waived,)


def test_tier1_every_hunk_must_have_been_displayed(tmp_path: Path, keys: Keys) -> None:
    body = "".join(f"RATE_{n} = {n}\n" for n in range(30))
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice", "bob"),
        policy="[tier1]\nacknowledge = []\nfull_coverage = true\n",
        systems=TIER_MAP,
        files={"services/payments/rates.py": body, "docs/guide.md": "# Guide\n"},
    )
    edited = body.replace("RATE_1 = 1\n", "RATE_1 = 11\n").replace("RATE_28 = 28\n", "RATE_28 = 280\n")
    add_change(repo, "ai/rates", {"services/payments/rates.py": edited, "docs/guide.md": "# Guide\n\nRates.\n"})
    change = load(repo.path, "ai/rates").change
    tier1 = [h.digest() for f in change.files if f.path.startswith("services/") for h in f.hunks]
    docs = [h.digest() for f in change.files if f.path.startswith("docs/") for h in f.hunks]
    assert (len(tier1), len(docs)) == (2, 1)

    partial = record(repo.path, "ai/rates", keys.alice, coverage=Coverage(hunks_displayed=(tier1[0], *docs)))
    alice = review_by(partial, "alice@example.com")
    assert (alice.status, alice.reasons) == ("not-counted", ("1 of 2 Tier-1 hunk(s) never displayed to this reviewer",))
    assert alice.record is not None and alice.record.hunks_total == 3

    full = record(repo.path, "ai/rates", keys.bob, coverage=Coverage(hunks_displayed=tuple(tier1)))
    assert (review_by(full, "bob@example.com").status, full.approvers) == ("counted", ("bob@example.com",))


def test_tier1_coverage_is_not_asked_when_the_policy_turns_it_off(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice"),
        policy="[approvals]\nrequired = 1\n" + TIER1_ONLY,
        systems=TIER_MAP,
        files={"services/payments/fees.py": FEE},
    )
    add_change(repo, "ai/fees", {"services/payments/fees.py": FEE.replace("100", "10")})
    result = record(repo.path, "ai/fees", keys.alice)
    assert (review_by(result, "alice@example.com").status, result.satisfied) == ("counted", True)


def test_tier1_minimum_review_time(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice", "bob"),
        policy=TIER1_ONLY + "min_seconds_per_100_lines = 30\n",
        systems=TIER_MAP,
    )
    add_change(repo, "ai/rates", {"services/payments/rates.py": "".join(f"RATE_{n} = {n}\n" for n in range(20))})
    assert load(repo.path, "ai/rates").change.stats.added == 20

    hasty = record(repo.path, "ai/rates", keys.alice, coverage=Coverage(seconds=2.0))
    alice = review_by(hasty, "alice@example.com")
    assert (alice.status, alice.reasons) == ("not-counted", ("reviewed in 2s; the policy asks 6s for 20 lines",))
    careful = record(repo.path, "ai/rates", keys.bob, coverage=Coverage(seconds=6.0))
    assert (review_by(careful, "bob@example.com").status, careful.approvers) == ("counted", ("bob@example.com",))


def test_tier1_rules_do_not_apply_outside_tier1(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice"),
        policy="[approvals]\nrequired = 1\n[tier1]\nmin_seconds_per_100_lines = 600\n",
        systems=TIER_MAP,
    )
    add_change(repo, "ai/docs", {"docs/run.py": "def run(code):\n    return eval(code)\n"})
    result = record(repo.path, "ai/docs", keys.alice)
    assert (review_by(result, "alice@example.com").status, result.satisfied) == ("counted", True)


def test_the_policy_is_read_at_the_base_not_from_the_change(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/lenient", {POLICY: "[approvals]\nrequired = 1\n", "cart.py": "x = 1\n"})
    result = record(repo.path, "ai/lenient", keys.alice)
    assert (result.required, result.label(), result.satisfied) == (2, "1/2", False)
    assert result.missing == ("1 more approval(s) from distinct eligible reviewers",)
