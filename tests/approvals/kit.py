"""The harness every approval test uses: real keys from `ssh-keygen`, real repositories, the real clerk and CLI.

A test builds a small repository whose `main` (the base) commits `.reviewtui/allowed_signers` and
`.reviewtui/policy.toml`, adds an agent branch (the change), and records decisions either in-process through
`Clerk.record` (fast) or through `python -m reviewtui` as a real process (what CI and scripts see).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.approvals import notes
from reviewtui.approvals.clerk import Clerk, Coverage
from reviewtui.approvals.dsse import NAMESPACE, PAYLOAD_TYPE, Envelope, Signature
from reviewtui.approvals.signer import fingerprint, resolve_key
from reviewtui.approvals.statement import Acknowledgement, Decision, payload_bytes
from reviewtui.approvals.verdict import Review, Verdict
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.repository import Repository
from tests.gitrepo import GitRepo

ALLOWED_SIGNERS = ".reviewtui/allowed_signers"
POLICY = ".reviewtui/policy.toml"
SYSTEMS = ".reviewtui/systems.toml"
NOTES_REF = "refs/notes/reviewtui/approvals"
TWO_PERSON = "[approvals]\nrequired = 2\n"
TIER_MAP = """
[[system]]
name = "payments"
tier = 1
paths = ["services/payments/**"]

[[system]]
name = "docs"
tier = 3
paths = ["docs/**"]
"""
PRIYA = ("Priya Raman", "priya@example.com")
"""Who runs the agent and authors the changes."""
MAINTAINER = ("Tomas Berg", "tomas@example.com")


@dataclass(frozen=True)
class Key:
    """A throw-away ed25519 key pair and the allowed_signers principal it is listed under."""

    name: str
    principal: str
    path: Path
    passphrase: str | None = None

    @property
    def pub(self) -> Path:
        return self.path.with_name(self.path.name + ".pub")

    @property
    def public_key(self) -> str:
        """`ssh-ed25519 AAAA...` without the comment, as allowed_signers and revoked_keys list it."""
        return " ".join(self.pub.read_text(encoding="ascii").split()[:2])

    def signer_line(self, *, principal: str | None = None, options: str = "") -> str:
        return " ".join(part for part in (principal or self.principal, options, self.public_key) if part) + "\n"


def make_key(folder: Path, name: str, principal: str, passphrase: str | None = None) -> Key:
    path = folder / name / "id_ed25519"
    path.parent.mkdir(parents=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase or "", "-C", principal, "-f", str(path)],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    return Key(name, principal, path, passphrase)


def make_shop(
    root: Path,
    signers: str,
    *,
    policy: str = TWO_PERSON,
    systems: str | None = None,
    files: Mapping[str, str] | None = None,
    first: str | None = None,
) -> GitRepo:
    """A repository whose `main` adopts the two-person rule: allowed_signers and the policy are in the base.

    Repositories share their root commit (dates are fixed) unless `first` gives the README another text.
    """
    repo = GitRepo(root, initial=first is None)
    if first is not None:
        repo.write("README.md", first)
        repo.commit("Initial commit")
    for path, text in (files or {}).items():
        repo.write(path, text)
    if signers:
        repo.write(ALLOWED_SIGNERS, signers)
    repo.write(POLICY, policy)
    if systems is not None:
        repo.write(SYSTEMS, systems)
    repo.commit("Adopt two-person review", author=MAINTAINER)
    return repo


def add_change(
    repo: GitRepo,
    branch: str,
    files: Mapping[str, str | None],
    *,
    message: str = "Agent change",
    author: tuple[str, str] = PRIYA,
    committer: tuple[str, str] | None = None,
) -> str:
    """Commit `files` (None deletes) on `branch`, creating it from main if needed; returns the new head."""
    exists = bool(repo.git("branch", "--list", branch))
    repo.checkout(branch, new=not exists)
    for path, text in files.items():
        if text is None:
            repo.remove(path)
        else:
            repo.write(path, text)
    head = repo.commit(message, author=author, committer=committer, allow_empty=True)
    repo.checkout("main")
    return head


def analyzer() -> Analyzer:
    """The real analyzer without the history pass: risk is not what these tests judge, and it costs a git log."""
    return Analyzer(history=False)


def load(repo: Path, change_id: str, *, patches: Path | None = None, using: Analyzer | None = None) -> Analysis:
    """One change through the real queue and analyzer."""
    found = [c for c in QueueLoader(QueueRequest(repo=repo, patches=patches)).changes() if c.id == change_id]
    assert len(found) == 1, [c.id for c in QueueLoader(QueueRequest(repo=repo, patches=patches)).changes()]
    return (using or analyzer()).analyze(found[0])


def verdict(repo: Path, change_id: str, *, patches: Path | None = None) -> Verdict:
    using = analyzer()
    return Clerk(using).verdict(load(repo, change_id, patches=patches, using=using))


def record(
    repo: Path,
    change_id: str,
    key: Key,
    decision: str = "approve",
    *,
    acks: tuple[Acknowledgement, ...] = (),
    coverage: Coverage | None = None,
    patches: Path | None = None,
    agent: bool = False,
) -> Verdict:
    """Sign and store one decision the way `reviewtui approve` does: with the private key file, or (`agent`) with
    the public key file, which signs through ssh-agent."""
    using = analyzer()
    analysis = load(repo, change_id, patches=patches, using=using)
    signing_key = resolve_key(key.pub if agent else key.path, None, None)
    _, result = Clerk(using).record(analysis, signing_key, decision, acknowledged=acks, coverage=coverage or Coverage())
    return result


def review_by(result: Verdict, principal: str | None) -> Review:
    """The one review of `principal` (None: the one review nobody valid signed)."""
    found = [r for r in result.reviews if r.principal == principal]
    assert len(found) == 1, result.reviews
    return found[0]


def statuses(result: Verdict) -> list[tuple[str, str, tuple[str, ...]]]:
    """(principal, status, reasons) of every review, sorted: notes keep lines sorted by their bytes, not by time."""
    return sorted((r.principal or "", r.status, r.reasons) for r in result.reviews)


def decision_for(analysis: Analysis, reviewer: str, decision: str = "approve") -> Decision:
    """A well-formed statement for the change as it is now, claiming to be by `reviewer`."""
    facts = Clerk(analyzer()).facts(analysis)
    return Decision(
        decision=decision,
        reviewer=reviewer,
        change=analysis.change.id,
        binding=facts.binding,
        rules_digest="0" * 64,
        system_map_digest="0" * 64,
        policy_digest=facts.policy.digest,
        timestamp="2026-01-02T00:00:00.000000Z",
        tool_version="test",
    )


def envelope_line(payload: bytes, key: Key, *, namespace: str = NAMESPACE) -> str:
    """Sign the DSSE pre-authentication encoding of `payload` with plain `ssh-keygen -Y sign -n namespace`."""
    with tempfile.TemporaryDirectory(prefix="approval-test-") as folder:
        message = Path(folder) / "message"
        message.write_bytes(Envelope(PAYLOAD_TYPE, payload, ()).pae())
        subprocess.run(
            ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key.path), str(message)],
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        armored = Path(f"{message}.sig").read_text(encoding="ascii")
    return Envelope(PAYLOAD_TYPE, payload, (Signature(fingerprint(key.public_key), armored),)).to_line()


def forge(repo: Path, change_id: str, key: Key, reviewer: str, decision: str = "approve", **kw: str) -> str:
    """Sign a decision without the clerk's checks and store it on the change's head; returns the stored line."""
    analysis = load(repo, change_id)
    line = envelope_line(payload_bytes(decision_for(analysis, reviewer, decision)), key, **kw)
    assert analysis.change.head is not None
    notes.append_line(Repository(repo), analysis.change.head, line)
    return line


def note_lines(repo: GitRepo, commit: str) -> list[str]:
    """What plain git says is stored for a commit."""
    done = subprocess.run(
        ["git", "notes", "--ref", NOTES_REF, "show", commit], cwd=repo.path, capture_output=True, text=True
    )
    return done.stdout.splitlines() if done.returncode == 0 else []


def notes_refs(path: Path) -> str:
    return subprocess.run(
        ["git", "for-each-ref", "refs/notes/"], cwd=path, capture_output=True, text=True, check=True
    ).stdout


def cli(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m reviewtui ARGS` as a real process, without a terminal (so signing never prompts)."""
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit 2, no traceback, exactly one `reviewtui: ...` line on stderr naming every fragment; returns it."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("reviewtui: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
