"""`approve`, `verify` and `queue --json` as scripts and CI see them: exit codes, one-line errors, JSON keys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reviewtui.approvals.signer import SigningError
from tests.approvals.conftest import Keys
from tests.approvals.kit import (
    add_change,
    assert_one_line_error,
    cli,
    make_shop,
    note_lines,
    notes_refs,
    record,
    review_by,
)
from tests.gitrepo import GitRepo

CART = {"cart.py": "def total(items):\n    return sum(items)\n"}


def _shop(tmp_path: Path, keys: Keys) -> GitRepo:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob", "carol", "erin"))
    add_change(repo, "ai/cart", CART)
    return repo


def test_queue_json_carries_the_approvals(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    old = repo.git("rev-parse", "ai/cart")
    add_change(repo, "ai/orders", {"orders.py": "ORDERS = []\n"})
    record(repo.path, "ai/cart", keys.alice)
    add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items, 0)\n"})
    record(repo.path, "ai/cart", keys.carol, "reject")
    record(repo.path, "ai/orders", keys.alice)
    record(repo.path, "ai/orders", keys.bob)

    listed = cli("queue", "--json", "--repo", str(repo.path))
    assert listed.returncode == 0, listed.stderr
    approvals = {change["id"]: change["approvals"] for change in json.loads(listed.stdout)}
    cart, orders = approvals["ai/cart"], approvals["ai/orders"]
    assert {k: cart[k] for k in ("valid", "required", "stale", "rejected", "approvers", "satisfied", "label")} == {
        "valid": 0,
        "required": 2,
        "stale": ["alice@example.com"],
        "rejected": ["carol@example.com"],
        "approvers": [],
        "satisfied": False,
        "label": "rejected",
    }
    assert sorted((r["principal"], r["status"], r["head"]) for r in cart["reviews"]) == [
        ("alice@example.com", "stale", old),
        ("carol@example.com", "counted", repo.git("rev-parse", "ai/cart")),
    ]
    assert {k: orders[k] for k in ("valid", "required", "stale", "rejected", "approvers", "satisfied", "label")} == {
        "valid": 2,
        "required": 2,
        "stale": [],
        "rejected": [],
        "approvers": ["alice@example.com", "bob@example.com"],
        "satisfied": True,
        "label": "2/2",
    }


def test_approving_an_unknown_change_writes_nothing(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    result = cli("approve", "ai/nope", "--key", str(keys.alice.path), "--repo", str(repo.path))
    assert_one_line_error(result, "no pending change or revision 'ai/nope'")
    assert notes_refs(repo.path) == ""


def test_a_key_missing_from_allowed_signers_is_refused_before_signing(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    result = cli("approve", "ai/cart", "--key", str(keys.dave.path), "--repo", str(repo.path))
    assert_one_line_error(
        result, str(keys.dave.path), "is not in .reviewtui/allowed_signers at the base commit", "would not count"
    )
    assert notes_refs(repo.path) == ""


def test_the_change_cannot_add_its_authors_key(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/self", {".reviewtui/allowed_signers": keys.signers("alice", "bob", "priya")})
    result = cli("approve", "ai/self", "--key", str(keys.priya.path), "--repo", str(repo.path))
    assert_one_line_error(result, "is not in .reviewtui/allowed_signers at the base commit")
    assert notes_refs(repo.path) == ""


@pytest.mark.parametrize("name", ["id_missing", "id_missing.pub"])
def test_a_missing_key_file_is_one_line(tmp_path: Path, keys: Keys, name: str) -> None:
    repo = _shop(tmp_path, keys)
    missing = tmp_path / name
    result = cli("approve", "ai/cart", "--key", str(missing), "--repo", str(repo.path))
    message = assert_one_line_error(result, str(missing))
    assert ("signing key not found (--key)" if name == "id_missing" else "cannot read public key") in message
    assert notes_refs(repo.path) == ""


def test_without_allowed_signers_at_the_base_nothing_can_be_signed(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", "")
    add_change(repo, "ai/cart", {**CART, ".reviewtui/allowed_signers": keys.signers("alice")})
    result = cli("approve", "ai/cart", "--key", str(keys.alice.path), "--repo", str(repo.path))
    assert_one_line_error(result, "ai/cart: no .reviewtui/allowed_signers in the base commit")
    assert notes_refs(repo.path) == ""
    shown = cli("verify", "ai/cart", "--repo", str(repo.path))
    assert shown.returncode == 1
    assert "  missing: no allowed_signers file at .reviewtui/allowed_signers in the base commit" in shown.stdout


def test_an_ack_without_a_reason_is_refused(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    result = cli("approve", "ai/cart", "--key", str(keys.alice.path), "--ack", "eval:", "--repo", str(repo.path))
    assert_one_line_error(result, "--ack 'eval:': expected RULE:REASON with a non-empty reason")
    assert notes_refs(repo.path) == ""


def test_a_passphrase_key_signs_through_ssh_askpass(tmp_path: Path, keys: Keys, askpass: Path) -> None:
    repo = _shop(tmp_path, keys)
    signed = cli("approve", "ai/cart", "--key", str(keys.erin.path), "--repo", str(repo.path))
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.startswith("recorded approve by erin@example.com on ai/cart")
    result = record(repo.path, "ai/cart", keys.erin)  # in-process too: the environment reaches ssh-keygen
    assert [r.status for r in result.reviews] == ["counted", "counted"]


def test_a_wrong_passphrase_is_one_line_and_writes_nothing(tmp_path: Path, keys: Keys, askpass: Path) -> None:
    repo = _shop(tmp_path, keys)
    wrong = tmp_path / "wrong.sh"
    wrong.write_text("#!/bin/sh\necho not-the-passphrase\n", encoding="ascii")
    wrong.chmod(0o755)
    result = cli(
        "approve", "ai/cart", "--key", str(keys.erin.path), "--repo", str(repo.path), env={"SSH_ASKPASS": str(wrong)}
    )
    assert_one_line_error(result, str(keys.erin.path), "ssh-keygen could not sign", "incorrect passphrase")
    assert notes_refs(repo.path) == ""


def test_an_agent_key_signs_through_its_public_key(
    tmp_path: Path, keys: Keys, askpass: Path, ssh_agent: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _shop(tmp_path, keys)
    added = subprocess.run(["ssh-add", str(keys.erin.path)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert added.returncode == 0, added.stderr
    refuse = tmp_path / "refuse.sh"  # from here on, only the agent can sign: no passphrase is available
    refuse.write_text("#!/bin/sh\nexit 1\n", encoding="ascii")
    refuse.chmod(0o755)
    monkeypatch.setenv("SSH_ASKPASS", str(refuse))

    signed = cli("approve", "ai/cart", "--key", str(keys.erin.pub), "--repo", str(repo.path))
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.splitlines()[-1] == "approvals: 1/2 (not satisfied)"
    result = record(repo.path, "ai/cart", keys.bob)
    assert review_by(result, "erin@example.com").status == "counted"
    assert result.satisfied

    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "no-agent-here"))
    with pytest.raises(SigningError, match=r"ssh-keygen could not sign"):
        record(repo.path, "ai/cart", keys.erin, agent=True)
    assert len(note_lines(repo, repo.git("rev-parse", "ai/cart"))) == 2


def test_a_cli_decision_is_journaled_like_one_signed_in_the_tui(tmp_path: Path, keys: Keys) -> None:
    """`audit --journal` must see every decision its reviewer signed, whichever front door signed it."""
    repo = _shop(tmp_path, keys)
    journal = tmp_path / "journal.jsonl"
    env = {"REVIEWTUI_JOURNAL": str(journal)}
    done = cli("approve", "ai/cart", "--key", str(keys.alice.path), "--repo", str(repo.path), env=env)
    assert done.returncode == 0, done.stderr
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(e["action"], e["change"], e["decision"], e["name"], e["head"], e["counted"]) for e in entries] == [
        ("decision-signed", "ai/cart", "approve", "alice@example.com", repo.git("rev-parse", "ai/cart"), True)
    ]
    assert entries[0]["reviewer"].startswith("SHA256:")
    checked = cli("audit", "--journal", str(journal), "--json", "--repo", str(repo.path))
    assert checked.returncode == 0, checked.stderr

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the journal's folder should be\n")
    again = cli("approve", "ai/cart", "--key", str(keys.bob.path), "--repo", str(repo.path),
                env={"REVIEWTUI_JOURNAL": str(blocked / "journal.jsonl")})
    assert again.returncode == 0, again.stderr
    assert "the decision is recorded, but not journaled" in again.stderr
    assert "Traceback" not in again.stderr
