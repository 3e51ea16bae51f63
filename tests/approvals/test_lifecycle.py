"""Decisions over a change's life: re-pushes make them stale, copies never transfer, vetoes block, and edits to
the stored notes can only ever remove a decision, never forge or widen one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reviewtui.approvals.dsse import parse_envelope
from tests.approvals.conftest import Keys
from tests.approvals.kit import (
    NOTES_REF,
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


def _shop(tmp_path: Path, keys: Keys) -> GitRepo:
    return make_shop(tmp_path / "repo", keys.signers("alice", "bob", "carol"))


def test_an_approval_of_an_older_head_is_stale_after_a_push(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    old = add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    assert record(repo.path, "ai/cart", keys.bob).satisfied
    new = add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items) + 1\n"})

    stale = f"approves an older head {old[:12]}; the change was pushed again since"
    result = verdict(repo.path, "ai/cart")
    assert statuses(result) == [("alice@example.com", "stale", (stale,)), ("bob@example.com", "stale", (stale,))]
    assert (result.label(), result.stale, result.approvers) == ("stale", ("alice@example.com", "bob@example.com"), ())
    shown = cli("verify", "ai/cart", "--repo", str(repo.path))
    assert shown.returncode == 1, shown.stderr
    assert shown.stdout.splitlines()[0] == "ai/cart: stale — NOT satisfied"
    assert f"               {stale}" in shown.stdout.splitlines()

    fresh = record(repo.path, "ai/cart", keys.alice)
    assert statuses(fresh) == [
        ("alice@example.com", "counted", ()),
        ("alice@example.com", "stale", (stale,)),
        ("bob@example.com", "stale", (stale,)),
    ]
    assert (fresh.label(), fresh.approvers, fresh.satisfied) == ("1/2", ("alice@example.com",), False)
    assert len(note_lines(repo, old)) == 2 and len(note_lines(repo, new)) == 1


def test_a_new_commit_on_the_base_does_not_make_approvals_stale(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    repo.write("NEWS.md", "unrelated\n")
    repo.commit("Unrelated work on main")
    result = verdict(repo.path, "ai/cart")
    assert (result.label(), result.satisfied) == ("2/2", True)


def test_an_approval_copied_onto_another_change_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    first = add_change(repo, "ai/first", CART)
    second = add_change(repo, "ai/second", {"orders.py": "ORDERS = []\n"})
    record(repo.path, "ai/first", keys.alice)
    [line] = note_lines(repo, first)
    repo.git("notes", "--ref", NOTES_REF, "add", "-m", line, second)

    copied = review_by(verdict(repo.path, "ai/second"), "alice@example.com")
    assert (copied.status, copied.reasons) == ("invalid", ("made for another change (ai/first)",))
    assert review_by(verdict(repo.path, "ai/first"), "alice@example.com").status == "counted"


def test_an_approval_from_another_repository_is_invalid(tmp_path: Path, keys: Keys) -> None:
    """Same change id, different history: the statement names the repository by its root commit."""
    one = _shop(tmp_path / "one", keys)
    other = make_shop(tmp_path / "other", keys.signers("alice", "bob", "carol"), first="# another project\n")
    add_change(one, "ai/cart", CART)
    other_head = add_change(other, "ai/cart", CART)
    record(one.path, "ai/cart", keys.alice)
    [line] = note_lines(one, one.git("rev-parse", "ai/cart"))
    other.git("notes", "--ref", NOTES_REF, "add", "-m", line, other_head)
    copied = review_by(verdict(other.path, "ai/cart"), "alice@example.com")
    assert (copied.status, copied.reasons) == ("invalid", ("made for another repository",))


def test_request_changes_blocks_until_that_reviewer_approves_a_newer_head(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    held = record(repo.path, "ai/cart", keys.carol, "request-changes")
    assert (held.label(), held.satisfied, held.blocking) == (
        "changes requested",
        False,
        ("carol@example.com request-changes",),
    )
    assert held.missing == ("blocked: carol@example.com request-changes",)

    add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items, 0)\n"})
    record(repo.path, "ai/cart", keys.alice)
    others = record(repo.path, "ai/cart", keys.bob)
    assert others.approvers == ("alice@example.com", "bob@example.com")
    assert (others.satisfied, others.blocking) == (False, ("carol@example.com request-changes",))

    lifted = record(repo.path, "ai/cart", keys.carol)
    assert (lifted.label(), lifted.satisfied, lifted.blocking, lifted.missing) == ("3/2", True, (), ())


def test_a_reject_blocks_however_many_approve(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    rejected = record(repo.path, "ai/cart", keys.carol, "reject")
    assert len(rejected.approvers) == 2
    assert (rejected.label(), rejected.satisfied) == ("rejected", False)
    assert (rejected.rejected, rejected.blocking) == (("carol@example.com",), ("carol@example.com reject",))

    add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items, 0)\n"})
    record(repo.path, "ai/cart", keys.alice)
    still = record(repo.path, "ai/cart", keys.bob)
    assert (still.label(), still.satisfied, still.rejected) == ("rejected", False, ("carol@example.com",))


def test_a_reject_is_lifted_only_by_the_same_reviewer(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.carol, "reject")
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    changed_mind = record(repo.path, "ai/cart", keys.carol)
    assert (changed_mind.satisfied, changed_mind.blocking, changed_mind.rejected) == (True, (), ())
    assert changed_mind.label() == "3/2"


def test_a_forged_reject_blocks_nothing(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    forge(repo.path, "ai/cart", keys.dave, "carol@example.com", "reject")
    result = verdict(repo.path, "ai/cart")
    assert (result.label(), result.satisfied, result.rejected, result.blocking) == ("2/2", True, (), ())


def test_an_edited_note_line_is_invalid_and_a_deleted_one_is_missing(tmp_path: Path, keys: Keys) -> None:
    repo = _shop(tmp_path, keys)
    head = add_change(repo, "ai/cart", CART)
    record(repo.path, "ai/cart", keys.alice)
    record(repo.path, "ai/cart", keys.bob)
    bob = next(
        parse_envelope(line) for line in note_lines(repo, head) if b'"reviewer":"bob@' in parse_envelope(line).payload
    )

    # Someone who can push notes turns Bob's approval into a reject, and drops Alice's line.
    tampered = replace(bob, payload=bob.payload.replace(b'"decision":"approve"', b'"decision":"reject"')).to_line()
    note = tmp_path / "note.txt"
    note.write_text(tampered + "\n", encoding="utf-8")
    repo.git("notes", "--ref", NOTES_REF, "add", "-f", "-F", str(note), head)

    result = verdict(repo.path, "ai/cart")
    assert statuses(result) == [
        (
            "bob@example.com",
            "invalid",
            ("signature by bob@example.com rejected: Signature verification failed: incorrect signature",),
        )
    ]
    assert (result.label(), result.satisfied, result.rejected, result.blocking) == ("0/2", False, (), ())

    repo.git("notes", "--ref", NOTES_REF, "remove", head)
    gone = verdict(repo.path, "ai/cart")
    assert (gone.reviews, gone.label()) == ((), "0/2")
