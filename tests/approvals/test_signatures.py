"""Only a signature that ssh-keygen accepts, for reviewtui's namespace, under the base's allowed_signers counts."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from reviewtui.approvals import notes
from reviewtui.repository import Repository
from tests.approvals.conftest import Keys
from tests.approvals.kit import (
    ALLOWED_SIGNERS,
    NOTES_REF,
    add_change,
    forge,
    make_shop,
    note_lines,
    record,
    review_by,
    statuses,
    verdict,
)
from tests.gitrepo import GitRepo

BAD_SIGNATURE = "signature by alice@example.com rejected: Signature verification failed: incorrect signature"


def _shop_with_alice_approval(tmp_path: Path, keys: Keys) -> tuple[GitRepo, str, str]:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    head = add_change(repo, "ai/cart", {"cart.py": "def total(items):\n    return sum(items)\n"})
    record(repo.path, "ai/cart", keys.alice)
    [line] = note_lines(repo, head)
    return repo, head, line


def _replace_note(repo: GitRepo, head: str, *lines: str) -> None:
    note = repo.path.parent / "note.txt"
    note.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    repo.git("notes", "--ref", NOTES_REF, "add", "-f", "-F", str(note), head)


def test_a_flipped_payload_byte_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo, head, line = _shop_with_alice_approval(tmp_path, keys)
    data = json.loads(line)
    payload = bytearray(base64.b64decode(data["payload"]))
    digit = payload.index(b'Z"', payload.index(b'"timestamp":"')) - 1  # the last digit of the microseconds
    payload[digit] = ord("1") if payload[digit] == ord("0") else ord("0")
    data["payload"] = base64.b64encode(bytes(payload)).decode("ascii")
    _replace_note(repo, head, json.dumps(data))

    result = verdict(repo.path, "ai/cart")
    alice = review_by(result, "alice@example.com")
    assert (alice.status, alice.reasons) == ("invalid", (BAD_SIGNATURE,))
    assert (result.approvers, result.satisfied) == ((), False)


def test_a_flipped_signature_byte_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo, head, line = _shop_with_alice_approval(tmp_path, keys)
    data = json.loads(line)
    armored = base64.b64decode(data["signatures"][0]["sig"]).decode("ascii").splitlines()
    blob = bytearray(base64.b64decode("".join(armored[1:-1])))
    blob[-1] ^= 0x01  # the last byte of the ed25519 signature itself
    forged = "\n".join([armored[0], base64.b64encode(bytes(blob)).decode("ascii"), armored[-1]]) + "\n"
    data["signatures"][0]["sig"] = base64.b64encode(forged.encode("ascii")).decode("ascii")
    _replace_note(repo, head, json.dumps(data))

    alice = review_by(verdict(repo.path, "ai/cart"), "alice@example.com")
    assert (alice.status, alice.reasons) == ("invalid", (BAD_SIGNATURE,))


def test_a_key_not_in_allowed_signers_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    forge(repo.path, "ai/cart", keys.dave, "dave@example.com")
    forge(repo.path, "ai/cart", keys.dave, "alice@example.com")  # and claiming to be someone who is listed

    result = verdict(repo.path, "ai/cart")
    assert statuses(result) == [
        ("alice@example.com", "invalid", ("signed by a key that is not in allowed_signers",)),
        ("dave@example.com", "invalid", ("signed by a key that is not in allowed_signers",)),
    ]
    assert (result.approvers, result.label()) == ((), "0/2")


def test_a_listed_key_cannot_speak_for_another_principal(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    forge(repo.path, "ai/cart", keys.bob, "alice@example.com")
    bob = review_by(verdict(repo.path, "ai/cart"), "bob@example.com")
    assert (bob.status, bob.reasons) == ("invalid", ("signed by bob@example.com but claims to be alice@example.com",))


def test_a_signature_for_another_namespace_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    forge(repo.path, "ai/cart", keys.alice, "alice@example.com", namespace="git")
    alice = review_by(verdict(repo.path, "ai/cart"), "alice@example.com")
    assert (alice.status, alice.reasons) == (
        "invalid",
        ("signature by alice@example.com rejected: Couldn't verify signature: namespace does not match",),
    )


def test_an_expired_key_is_invalid(tmp_path: Path, keys: Keys) -> None:
    signers = keys.alice.signer_line(options='valid-before="20200101"') + keys.signers("bob")
    repo = make_shop(tmp_path / "repo", signers)
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    record(repo.path, "ai/cart", keys.alice)
    result = record(repo.path, "ai/cart", keys.bob)

    alice = review_by(result, "alice@example.com")
    assert alice.status == "invalid"
    [reason] = alice.reasons
    assert re.fullmatch(
        r"signing key not accepted by allowed_signers: key has expired: verify time \S+ > valid-before 2020-01-01\S*",
        reason,
    ), reason
    assert (result.approvers, result.satisfied) == (("bob@example.com",), False)


def test_a_key_not_yet_valid_is_invalid(tmp_path: Path, keys: Keys) -> None:
    signers = keys.alice.signer_line(options='valid-after="29990101"')
    repo = make_shop(tmp_path / "repo", signers)
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    alice = review_by(record(repo.path, "ai/cart", keys.alice), "alice@example.com")
    assert alice.status == "invalid"
    assert alice.reasons[0].startswith("signing key not accepted by allowed_signers: key is not yet valid"), alice


def test_a_revoked_key_is_invalid(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice", "bob"),
        policy='[approvals]\nrequired = 2\nrevoked_keys = ".reviewtui/revoked_keys"\n',
        files={".reviewtui/revoked_keys": f"# lost laptop\n{keys.alice.public_key}\n"},
    )
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    record(repo.path, "ai/cart", keys.alice)
    result = record(repo.path, "ai/cart", keys.bob)
    assert statuses(result) == [
        (
            "alice@example.com",
            "invalid",
            ("signature by alice@example.com rejected: the key is revoked, or the signature does not match",),
        ),
        ("bob@example.com", "counted", ()),
    ]
    assert (result.label(), result.satisfied) == ("1/2", False)


def test_a_malformed_line_is_invalid_and_harmless(tmp_path: Path, keys: Keys) -> None:
    repo, head, _ = _shop_with_alice_approval(tmp_path, keys)
    notes.append_line(Repository(repo.path), head, '{"payloadType": "application/vnd.in-toto+json"')
    result = verdict(repo.path, "ai/cart")
    broken = review_by(result, None)
    assert broken.status == "invalid"
    assert broken.reasons[0].startswith("malformed envelope: not JSON")
    assert review_by(result, "alice@example.com").status == "counted"


def test_allowed_signers_is_read_at_the_base(tmp_path: Path, keys: Keys) -> None:
    """The author adds their own key in the change: it signs, but the base does not list it."""
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"))
    add_change(repo, "ai/self", {ALLOWED_SIGNERS: keys.signers("alice", "bob", "priya"), "cart.py": "x = 1\n"})
    forge(repo.path, "ai/self", keys.priya, "priya@example.com")
    priya = review_by(verdict(repo.path, "ai/self"), "priya@example.com")
    assert (priya.status, priya.reasons) == ("invalid", ("signed by a key that is not in allowed_signers",))


def test_an_allowed_signers_namespaces_option_must_name_reviewtui(tmp_path: Path, keys: Keys) -> None:
    signers = keys.alice.signer_line(options='namespaces="git"')
    signers += keys.bob.signer_line(options='namespaces="git,reviewtui-approval-v1"')
    repo = make_shop(tmp_path / "repo", signers)
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    record(repo.path, "ai/cart", keys.alice)
    result = record(repo.path, "ai/cart", keys.bob)
    assert statuses(result) == [
        (
            "alice@example.com",
            "invalid",
            (
                "signature by alice@example.com rejected: "
                'key is not permitted for use in signature namespace "reviewtui-approval-v1"',
            ),
        ),
        ("bob@example.com", "counted", ()),
    ]



def test_a_missing_revocation_list_fails_closed(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(
        tmp_path / "repo",
        keys.signers("alice", "bob"),
        policy='[approvals]\nrequired = 2\nrevoked_keys = ".reviewtui/revoked_keys"\n',
    )
    add_change(repo, "ai/cart", {"cart.py": "x = 1\n"})
    bob = review_by(record(repo.path, "ai/cart", keys.bob), "bob@example.com")
    assert bob.status == "invalid"
    assert bob.reasons == (
        "the policy names revoked_keys '.reviewtui/revoked_keys' but the base commit has no such file",
    )
