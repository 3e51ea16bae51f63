"""A snapshot clerk (the `queue` report) judges every change as of its first question; a live clerk (the TUI)
sees a decision recorded a moment ago."""

from __future__ import annotations

from pathlib import Path

from reviewtui.approvals.clerk import Clerk
from tests.approvals.conftest import Keys
from tests.approvals.kit import add_change, analyzer, load, make_shop, record

CART = {"cart.py": "def total(items):\n    return sum(items)\n"}


def test_a_snapshot_clerk_keeps_the_moment_of_its_first_question(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/cart", CART)
    using = analyzer()
    analysis = load(repo.path, "ai/cart", using=using)
    snapshot, live = Clerk(using, snapshot=True), Clerk(using)
    assert snapshot.verdict(analysis).approvers == live.verdict(analysis).approvers == ()

    record(repo.path, "ai/cart", keys.alice)

    assert live.verdict(analysis).approvers == ("alice@example.com",)
    assert snapshot.verdict(analysis).approvers == ()
    assert Clerk(using, snapshot=True).verdict(analysis).approvers == ("alice@example.com",)


def test_the_clerk_uses_the_analysers_repository(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice"))
    using = analyzer()
    assert Clerk(using).repo(str(repo.path)) is using.repository(str(repo.path))
    assert Clerk(using).repo(str(tmp_path / "nowhere")) is None
