"""Who may count: distinct people, never an author, committer, co-author, agent or operator of the change."""

from __future__ import annotations

from pathlib import Path

from tests.approvals.conftest import Keys
from tests.approvals.kit import MAINTAINER, PRIYA, add_change, load, make_shop, record, review_by, statuses

CLAUDE_TRAILER = "\n\nCo-Authored-By: Claude <noreply@anthropic.com>"


def test_one_person_with_two_keys_counts_once(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "alice_laptop", "bob"))
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.alice)  # the same key twice is one more envelope, still one person
    twice = record(repo.path, "ai/cart", keys.alice_laptop)
    assert [r.status for r in twice.reviews] == ["counted"] * 3
    assert {r.principal for r in twice.reviews} == {"alice@example.com"}
    assert (twice.approvers, twice.label(), twice.satisfied) == (("alice@example.com",), "1/2", False)
    both = record(repo.path, "ai/cart", keys.bob)
    assert (both.approvers, both.satisfied) == (("alice@example.com", "bob@example.com"), True)


def test_the_author_cannot_approve_their_own_change(tmp_path: Path, keys: Keys) -> None:
    policy = (
        "[approvals]\nrequired = 2\n\n"
        '[[person]]\nprincipal = "priya"\nemails = ["priya@example.com", "p.raman@home.example"]\n'
    )
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice") + keys.priya.signer_line(principal="priya"),
        policy=policy,
        files={".reviewtui/config.toml": '[queue]\nbranches = ["feature/*"]\n'},
    )
    add_change(repo, "feature/cart", {"cart.py": "x = 1\n"}, message="Tidy the cart", committer=MAINTAINER)
    assert load(repo.path, "feature/cart").change.agent is None
    record(repo.path, "feature/cart", keys.alice)
    result = record(repo.path, "feature/cart", keys.priya)
    assert statuses(result) == [
        ("alice@example.com", "counted", ()),
        ("priya", "not-counted", ("priya is an author of the change",)),
    ]
    assert (result.approvers, result.satisfied) == (("alice@example.com",), False)


def test_the_operator_of_the_agent_cannot_approve(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "priya"))
    add_change(repo, "claude/cart", {"cart.py": "x = 1\n"}, message="Fix the cart" + CLAUDE_TRAILER)
    agent = load(repo.path, "claude/cart").change.agent
    assert agent is not None and (agent.name, agent.operator) == ("Claude Code", "Priya Raman <priya@example.com>")
    record(repo.path, "claude/cart", keys.alice)
    priya = review_by(record(repo.path, "claude/cart", keys.priya), "priya@example.com")
    assert (priya.status, priya.reasons) == (
        "not-counted",
        (
            "priya@example.com is an author of the change",
            "priya@example.com is a committer of the change",
            "priya@example.com is the operator of the agent that wrote the change",
        ),
    )


def test_the_operator_is_recognised_by_name_under_another_email(tmp_path: Path, keys: Keys) -> None:
    """An agent commits as itself; the operator is the human committer, who signs under a personal principal."""
    policy = '[[person]]\nprincipal = "priya"\nemails = ["priya@home.example"]\nnames = ["Priya Raman"]\n'
    repo = make_shop(
        tmp_path / "repo", keys.signers("alice") + keys.priya.signer_line(principal="priya"), policy=policy
    )
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"}, author=("Claude", "noreply@anthropic.com"), committer=PRIYA)
    agent = load(repo.path, "ai/cart").change.agent
    assert agent is not None and agent.operator == "Priya Raman <priya@example.com>"
    priya = review_by(record(repo.path, "ai/cart", keys.priya), "priya")
    assert (priya.status, priya.reasons) == (
        "not-counted",
        ("priya is a committer of the change", "priya is the operator of the agent that wrote the change"),
    )


def test_an_agent_identity_cannot_approve(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "claude"))
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"}, message="Fix the cart" + CLAUDE_TRAILER)
    add_change(repo, "ai/docs", {"README.md": "# shop\n"}, message="Docs by a human")
    on_its_own = review_by(record(repo.path, "ai/cart", keys.claude), "noreply@anthropic.com")
    assert (on_its_own.status, on_its_own.reasons) == (
        "not-counted",
        (
            "noreply@anthropic.com is a co-author of the change",
            "noreply@anthropic.com is an agent identity",
        ),
    )
    elsewhere = review_by(record(repo.path, "ai/docs", keys.claude), "noreply@anthropic.com")
    assert (elsewhere.status, elsewhere.reasons) == ("not-counted", ("noreply@anthropic.com is an agent identity",))


def test_a_bot_principal_cannot_approve(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.claude.signer_line(principal="release[bot]@example.com"))
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    bot = review_by(record(repo.path, "ai/cart", keys.claude), "release[bot]@example.com")
    assert (bot.status, bot.reasons) == ("not-counted", ("release[bot]@example.com is an agent identity",))
