"""Gather what a decision is judged against, record new decisions, and read the stored ones.

Everything comes from the change's base commit (policy, allowed_signers, revoked keys, rules, system map) and
its current head (binding), so `approve`, `verify`, `queue` and the TUI all judge a change the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reviewtui import __version__
from reviewtui.analysis import Analysis, Analyzer
from reviewtui.approvals import notes
from reviewtui.approvals.binding import Binding, bind
from reviewtui.approvals.dsse import PAYLOAD_TYPE, Envelope, Signature
from reviewtui.approvals.ledger import append_ledger, ledger_path, read_ledger
from reviewtui.approvals.policy import POLICY_FILE, Policy, default_policy, parse_policy
from reviewtui.approvals.signer import SigningKey, sign
from reviewtui.approvals.statement import Acknowledgement, Decision, payload_bytes
from reviewtui.approvals.verdict import Facts, Verdict, evaluate
from reviewtui.approvals.verifier import time_bound
from reviewtui.config import load_config
from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change, SourceKind
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import Repository
from reviewtui.sources.full import full_change

_KEY_TYPES = re.compile(r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+)$")


@dataclass(frozen=True, slots=True)
class Coverage:
    hunks_displayed: tuple[str, ...] = ()
    seconds: float = 0.0


class Clerk:
    def __init__(self, analyzer: Analyzer | None = None, *, snapshot: bool = False) -> None:
        """`snapshot`: read which commits carry decisions once per repository, at the first question. A one-shot
        report (`queue`) judges every change as of one moment and is spared a ref lookup per change; a long-lived
        clerk (the TUI, which records decisions itself) leaves it off and sees each new notes commit at once."""
        self.analyzer = analyzer or Analyzer()
        self.snapshot = snapshot
        self._detectors: dict[str, ProvenanceDetector] = {}
        self._annotated: dict[str, frozenset[str]] = {}
        self.time_bound = False
        """Whether some verdict given so far could change with the clock alone (`verifier.time_bound`)."""

    # -- facts -------------------------------------------------------------------------------------------------------

    def facts(self, analysis: Analysis, *, binding: Binding | None = None) -> Facts:
        # Judging stored decisions reads hunks (Tier-1 coverage, the count a decision records): never from a summary.
        change = full_change(analysis.change) if binding is None else analysis.change
        repo = self.repo(change.repo)
        base = change.base
        policy = self.policy(repo, base)
        systems = self.analyzer.system_map(repo, base)
        tiers = [tier for _, tier in analysis.risk.systems]
        allowed_signers = self._at_base(repo, base, policy.allowed_signers)
        self.time_bound = self.time_bound or time_bound(allowed_signers)
        return Facts(
            change=change,
            binding=binding if binding is not None else self.binding(repo, change),
            policy=policy,
            allowed_signers=allowed_signers,
            revoked_keys=self._at_base(repo, base, policy.revoked_keys) if policy.revoked_keys else None,
            findings=analysis.findings,
            tier=min(tiers) if tiers else None,
            tier1_paths=frozenset(f.path for f in change.files if systems.is_tier1(f.path)),
            detector=self._detector(change.repo, repo),
        )

    def _detector(self, path: str, repo: Repository | None) -> ProvenanceDetector:
        """Agent identities per repository, read once per run rather than once per change."""
        if path not in self._detectors:
            self._detectors[path] = ProvenanceDetector(load_config(repo.root if repo else None).agents)
        return self._detectors[path]

    def binding(self, repo: Repository | None, change: Change) -> Binding:
        patch = Path(change.origin).read_bytes() if change.origin and Path(change.origin).is_file() else None
        return bind(repo, change, patch_bytes=patch)

    def policy(self, repo: Repository | None, base: str | None) -> Policy:
        text = self._at_base(repo, base, POLICY_FILE)
        if text is None or base is None:
            return default_policy()
        return parse_policy(text, f"{base[:12]}:{POLICY_FILE}")

    def repo(self, path: str) -> Repository | None:
        """The analyser's repository: one set of git processes, and the governance files it already looked up at
        each base (rules, system map) are not asked for again (policy, allowed signers)."""
        return self.analyzer.repository(path)

    @staticmethod
    def _at_base(repo: Repository | None, base: str | None, path: str) -> bytes | None:
        if repo is None or base is None:
            return None
        return repo.show_file(base, path)

    # -- stored decisions --------------------------------------------------------------------------------------------

    def stored(self, facts: Facts) -> list[str]:
        """Envelopes on the head and on every earlier commit of the change (older heads: shown as stale)."""
        repo = self.repo(facts.change.repo)
        if facts.binding.head is None or repo is None:
            return read_ledger(self._ledger(repo, facts.binding))
        lines: list[str] = []
        present = self._present(repo)
        for sha in [facts.binding.head, *reversed([c.sha for c in facts.change.commits])]:
            if sha in present:
                lines += notes.read_lines(repo, sha)
        return list(dict.fromkeys(lines))

    def verdict(self, analysis: Analysis) -> Verdict:
        change = analysis.change
        repo = self.repo(change.repo)
        from_git = change.source is not SourceKind.PATCH and change.head is not None
        if repo is not None and from_git and not self._noted(repo, change):
            # No envelope is stored on any of the change's commits, so no binding is ever compared: skip computing
            # it (a full diff, patch-id and a walk to the root commit; most of a queue's time on a large history).
            return evaluate(self.facts(analysis, binding=_unbound(change)), [])
        facts = self.facts(analysis)
        return evaluate(facts, self.stored(facts))

    def _noted(self, repo: Repository, change: Change) -> bool:
        present = self._present(repo)
        return bool(present) and any(sha in present for sha in (change.head, *(c.sha for c in change.commits)))

    def _present(self, repo: Repository) -> frozenset[str]:
        """The commits that carry decisions: as of now, or as of the first question with `snapshot`."""
        if not self.snapshot:
            return notes.annotated(repo)
        key = str(repo.git_dir)
        if key not in self._annotated:
            self._annotated[key] = notes.annotated(repo)
        return self._annotated[key]

    # -- recording ---------------------------------------------------------------------------------------------------

    def record(
        self,
        analysis: Analysis,
        key: SigningKey,
        decision: str,
        *,
        acknowledged: tuple[Acknowledgement, ...] = (),
        coverage: Coverage = Coverage(),
        comment: str = "",
        interactive: bool = False,
        at: datetime | None = None,
    ) -> tuple[Decision, Verdict]:
        """Sign and store one decision; refuses before signing when the key could never count here.

        `at` is when the decision was made (default: now); the demo replays a week of reviews with it.
        """
        facts = self.facts(analysis)
        if facts.allowed_signers is None:
            raise ReviewtuiError(
                f"{analysis.change.id}: no {facts.policy.allowed_signers} in the base commit: nobody's decision "
                "can be verified; commit an allowed_signers file first"
            )
        principal = principal_for(key.public_key, facts.allowed_signers)
        if principal is None:
            raise ReviewtuiError(
                f"{key.path}: this key ({key.fingerprint}) is not in {facts.policy.allowed_signers} at the base "
                "commit, so a decision signed with it would not count"
            )
        record = Decision(
            decision=decision,
            reviewer=principal,
            change=analysis.change.id,
            binding=facts.binding,
            rules_digest=analysis.ruleset.digest,
            system_map_digest=self.analyzer.system_map(self.repo(analysis.change.repo), analysis.change.base).digest(),
            policy_digest=facts.policy.digest,
            acknowledged=acknowledged,
            hunks_displayed=coverage.hunks_displayed,
            hunks_total=sum(len(f.hunks) for f in facts.change.files),
            seconds=coverage.seconds,
            timestamp=(at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            tool_version=__version__,
            comment=comment,
        )
        payload = payload_bytes(record)
        envelope = Envelope(PAYLOAD_TYPE, payload, ())
        armored = sign(key, envelope.pae(), interactive=interactive)
        line = Envelope(PAYLOAD_TYPE, payload, (Signature(key.fingerprint, armored),)).to_line()
        repo = self.repo(analysis.change.repo)
        if facts.binding.head is None or repo is None:
            append_ledger(self._ledger(repo, facts.binding), line)
        else:
            notes.append_line(repo, facts.binding.head, line)
        return record, evaluate(facts, self.stored(facts))

    def _ledger(self, repo: Repository | None, binding: Binding) -> Path:
        root = repo.git_dir if repo is not None else Path.home() / ".local" / "share"
        return ledger_path(root, binding.diff_sha256)


def principal_for(public_key: str, allowed_signers: bytes) -> str | None:
    """The first principal an allowed_signers file lists for this key (git's format: principals, options, key)."""
    wanted = public_key.split()[1] if len(public_key.split()) > 1 else public_key
    for raw in allowed_signers.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = line.split()
        for index, token in enumerate(tokens[1:], start=1):
            if _KEY_TYPES.match(token) and index + 1 < len(tokens) and tokens[index + 1] == wanted:
                return tokens[0].split(",")[0].strip('"')
    return None


def _unbound(change: Change) -> Binding:
    """What is known of a change's binding without asking git; only for judging a change with no stored decisions,
    where `evaluate` never reads the binding."""
    return Binding(change.head, None, change.merge_base, change.base, change.base_ref, "", None, None)
