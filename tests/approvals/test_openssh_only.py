"""Anyone can check an approval without reviewtui: plain git, `ssh-keygen -Y verify` and a few lines of Python.

This module deliberately imports nothing from reviewtui (a test below checks that): the approvals are made by
`python -m reviewtui approve` as a separate process, and everything after that is git, OpenSSH and the DSSE spec.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo

DOC = Path(__file__).resolve().parents[2] / "docs" / "approval-format.md"
NOTES_REF = "refs/notes/reviewtui/approvals"
NAMESPACE = "reviewtui-approval-v1"
BINDING_COMMAND = shlex.split(
    "git -c core.quotePath=false -c diff.suppressBlankEmpty=false -c core.attributesFile=/dev/null "
    "diff --full-index --binary --no-color --no-ext-diff --no-textconv --no-renames --src-prefix=a/ --dst-prefix=b/ "
    "--unified=3 --inter-hunk-context=0 --diff-algorithm=myers --indent-heuristic -O/dev/null --no-relative "
    "--submodule=short --ignore-submodules=none"
)
"""The binding diff exactly as docs/approval-format.md gives it."""


@dataclass(frozen=True)
class Approved:
    repo: GitRepo
    base: str
    head: str


def _key(folder: Path, name: str) -> Path:
    path = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def approved(tmp_path_factory: pytest.TempPathFactory) -> Approved:
    """A change approved by two reviewers through the real CLI, with keys made here by ssh-keygen."""
    root = tmp_path_factory.mktemp("openssh")
    home = root / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    env.pop("SSH_AUTH_SOCK", None)
    keys = {name: _key(root, name) for name in ("ana", "ben")}
    repo = GitRepo(root / "repo")
    repo.write(
        ".reviewtui/allowed_signers",
        "".join(
            f"{name}@example.com {' '.join(path.with_suffix('.pub').read_text().split()[:2])}\n"
            for name, path in keys.items()
        ),
    )
    repo.write(".reviewtui/policy.toml", "[approvals]\nrequired = 2\n")
    repo.write("shop/cart.py", "def total(items):\n    return sum(items)\n")
    base = repo.commit("Adopt two-person review")
    repo.checkout("ai/cart", new=True)
    repo.write("shop/cart.py", "def total(items):\n    return round(sum(items), 2)\n")
    repo.write("shop/naïve café.txt", "non-ASCII paths are part of the diff too\n")
    head = repo.commit("Round the total", author=("Priya Raman", "priya@example.com"))
    repo.checkout("main")
    for path in keys.values():
        done = subprocess.run(
            [sys.executable, "-m", "reviewtui", "approve", "ai/cart", "--repo", str(repo.path), "--key", str(path)],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    return Approved(repo, base, head)


def _git(repo: GitRepo, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=repo.path, capture_output=True, check=True).stdout


def _pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _ssh_verify(folder: Path, allowed: bytes, principal: str, armored: bytes, message: bytes) -> str:
    (folder / "allowed_signers").write_bytes(allowed)
    (folder / "sig").write_bytes(armored)
    done = subprocess.run(
        [
            "ssh-keygen",
            "-Y",
            "verify",
            "-f",
            str(folder / "allowed_signers"),
            "-I",
            principal,
            "-n",
            NAMESPACE,
            "-s",
            str(folder / "sig"),
        ],
        input=message,
        capture_output=True,
        check=False,
    )
    return done.stdout.decode() if done.returncode == 0 else f"FAILED: {done.stderr.decode()}"


def test_a_stored_approval_verifies_with_plain_openssh(approved: Approved, tmp_path: Path) -> None:
    repo, head = approved.repo, approved.head
    lines = _git(repo, "notes", "--ref", NOTES_REF, "show", head).decode().splitlines()
    assert len(lines) == 2
    envelope = json.loads(lines[0])
    payload = base64.b64decode(envelope["payload"])
    armored = base64.b64decode(envelope["signatures"][0]["sig"])
    statement = json.loads(payload)
    predicate = statement["predicate"]
    allowed = _git(repo, "show", f"{approved.base}:.reviewtui/allowed_signers")

    message = _pae(envelope["payloadType"], payload)
    reviewer, keyid = predicate["reviewer"], envelope["signatures"][0]["keyid"]
    assert _ssh_verify(tmp_path, allowed, reviewer, armored, message) == (
        f'Good "{NAMESPACE}" signature for {reviewer} with ED25519 key {keyid}\n'
    )
    found = subprocess.run(
        ["ssh-keygen", "-Y", "find-principals", "-f", str(tmp_path / "allowed_signers"), "-s", str(tmp_path / "sig")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == [predicate["reviewer"]]

    # What was signed is exactly this change: the head, its tree, the merge-base and the full diff.
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://reviewtui.dev/attestation/review-decision/v1"
    assert statement["subject"] == [
        {
            "name": "ai/cart",
            "digest": {"gitCommit": head, "gitTree": _git(repo, "rev-parse", f"{head}^{{tree}}").decode().strip()},
        }
    ]
    assert (predicate["decision"], predicate["headCommit"], predicate["mergeBase"]) == ("approve", head, approved.base)
    diff = subprocess.run([*BINDING_COMMAND, approved.base, head, "--"], cwd=repo.path, capture_output=True, check=True)
    assert "naïve café.txt".encode() in diff.stdout
    assert hashlib.sha256(diff.stdout).hexdigest() == predicate["diffSha256"]

    # Negative controls: another payload, another namespace, or another principal do not verify.
    forged = payload.replace(b'"decision":"approve"', b'"decision":"reject"')
    assert _ssh_verify(
        tmp_path, allowed, predicate["reviewer"], armored, _pae(envelope["payloadType"], forged)
    ).startswith("FAILED")
    other = "ben@example.com" if predicate["reviewer"] == "ana@example.com" else "ana@example.com"
    assert _ssh_verify(tmp_path, allowed, other, armored, message).startswith("FAILED")
    assert _ssh_verify(tmp_path, allowed, predicate["reviewer"], armored, payload).startswith("FAILED")


def _documented_recipe() -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- openssh-recipe:start -->\s*```sh\n(.*?)```\s*<!-- openssh-recipe:end -->", text, re.S)
    assert match is not None, "docs/approval-format.md has no openssh-recipe block"
    return match.group(1)


@pytest.mark.parametrize("line", [1, 2])
def test_the_documented_recipe_verifies_each_stored_approval(approved: Approved, line: int) -> None:
    env = {**os.environ, "HEAD_COMMIT": "ai/cart", "BASE": "main", "LINE": str(line)}
    done = subprocess.run(
        ["bash", "-c", _documented_recipe()], cwd=approved.repo.path, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(
        rf'^Good "{NAMESPACE}" signature for (ana|ben)@example.com with ED25519 key SHA256:', done.stdout, re.M
    )
    assert (
        done.stdout.splitlines()[-1]
        == f"OK: approve by {done.stdout.split('signature for ')[1].split()[0]} is bound to {approved.head}"
    )


def test_the_documented_recipe_rejects_an_edited_envelope(approved: Approved, tmp_path: Path) -> None:
    repo = tmp_path / "copy"
    subprocess.run(["git", "clone", "-q", str(approved.repo.path), str(repo)], check=True, capture_output=True)
    subprocess.run(
        ["git", "fetch", "-q", "origin", f"{NOTES_REF}:{NOTES_REF}", "ai/cart:ai/cart"], cwd=repo, check=True
    )
    lines = subprocess.run(
        ["git", "notes", "--ref", NOTES_REF, "show", approved.head],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    envelope = json.loads(lines[0])
    payload = base64.b64decode(envelope["payload"]).replace(b'"comment":""', b'"comment":"LGTM"')
    envelope["payload"] = base64.b64encode(payload).decode()
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=Mallory",
            "-c",
            "user.email=mallory@example.com",
            "notes",
            "--ref",
            NOTES_REF,
            "add",
            "-f",
            "-m",
            json.dumps(envelope),
            approved.head,
        ],
        cwd=repo,
        check=True,
    )
    env = {**os.environ, "HEAD_COMMIT": "ai/cart", "BASE": "origin/main", "LINE": "1"}
    done = subprocess.run(["bash", "-c", _documented_recipe()], cwd=repo, capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "Signature verification failed" in done.stderr
    assert "OK:" not in done.stdout


def test_this_module_needs_nothing_from_reviewtui() -> None:
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.startswith("reviewtui")}
    assert imported >= {"tests.gitrepo"}
