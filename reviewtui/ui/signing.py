"""A decision from the TUI, from "what will be signed" to "what it amounts to", without Textual.

`PendingDecision` is built when the reviewer presses a decision key and is the single source of the confirmation
dialog: every field the dialog shows is a field that `sign` passes to `Clerk.record`, so what the reviewer confirms
is what is signed. `sign` runs in a worker thread (ssh-keygen may take a while, wait for a hardware key's touch, or
need a passphrase, which reaches it through `askpass` and never through the terminal Textual owns).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewtui.analysis import Analysis
from reviewtui.approvals.binding import Binding
from reviewtui.approvals.clerk import Clerk, Coverage
from reviewtui.approvals.signer import SigningError
from reviewtui.approvals.statement import Acknowledgement, Decision
from reviewtui.approvals.verdict import Review, Verdict
from reviewtui.errors import ReviewtuiError
from reviewtui.text import inert
from reviewtui.ui.askpass import askpass
from reviewtui.ui.identities import Identity
from reviewtui.ui.session import Standing

VERBS = {"approve": "Approve", "request-changes": "Request changes", "reject": "Reject"}


@dataclass(frozen=True, slots=True)
class PendingDecision:
    """Exactly what confirming will sign, and the policy preview shown beside it."""

    decision: str
    analysis: Analysis
    binding: Binding
    identity: Identity
    principal: str | None
    """The allowed_signers principal of the key at the change's base; None: the key is not listed (refused)."""
    allowed_signers: str
    acknowledged: tuple[Acknowledgement, ...]
    coverage: Coverage
    standing: Standing


@dataclass(frozen=True, slots=True)
class Outcome:
    """A stored decision and the verdict on the change right after it."""

    record: Decision
    verdict: Verdict
    mine: Review | None
    """How the verdict judged this very envelope (None only if it could not be found again)."""

    @property
    def counted(self) -> bool:
        return self.mine is not None and self.mine.status == "counted"

    def headline(self) -> str:
        """`1/2 — counted`, `0/2 — not counted`, `changes requested — recorded`."""
        label = self.verdict.label()
        if self.mine is None:
            return f"{label} — recorded, but the stored decision could not be read back"
        if self.mine.status == "counted":
            return f"{label} — counted" if self.record.decision == "approve" else f"{label} — recorded"
        return f"{label} — {self.mine.status.replace('-', ' ')}"

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why this decision does not count (empty when it does)."""
        return self.mine.reasons if self.mine is not None and self.mine.status != "counted" else ()

    def summary(self) -> str:
        """One line: the headline and, when it does not count, why."""
        return self.headline() + (f": {'; '.join(self.reasons)}" if self.reasons else "")

    def notes(self) -> list[str]:
        """What else the reviewer should know: one principal counts once, and what the change still needs."""
        notes = []
        earlier = [
            r
            for r in self.verdict.reviews
            if r.principal == self.record.reviewer and r is not self.mine and r.status != "invalid"
        ]
        if earlier:
            notes.append(
                f"{self.record.reviewer} had decided on this change before: only the latest decision of a principal "
                "counts, and a principal never counts twice"
            )
        notes += list(self.verdict.missing)
        return notes


def sign(clerk: Clerk, pending: PendingDecision, comment: str, passphrase: str | None) -> Outcome:
    """Sign and store the pending decision (blocking: call from a worker thread)."""
    if pending.principal is None:
        raise ReviewtuiError(
            f"{pending.identity.key.path}: this key ({pending.identity.fingerprint}) is not in "
            f"{pending.allowed_signers} at the base commit, so a decision signed with it would not count"
        )
    try:
        with askpass(passphrase):
            record, verdict = clerk.record(
                pending.analysis,
                pending.identity.key,
                pending.decision,
                acknowledged=pending.acknowledged,
                coverage=pending.coverage,
                comment=inert(comment.strip(), keep_tabs=False),
                interactive=False,
            )
    except SigningError as exc:
        if "passphrase" in str(exc).lower():
            raise PassphraseError(
                "ssh-keygen needs the key's passphrase (or the one given is wrong); nothing was signed"
            ) from exc
        raise
    except OSError as exc:
        raise ReviewtuiError(f"could not prepare signing: {exc}") from exc
    if record.binding != pending.binding:
        raise ReviewtuiError(
            "the decision was bound to different content than the dialog showed (the change moved while signing); "
            f"it names diff sha256 {record.binding.diff_sha256}: verify it with `reviewtui verify`"
        )
    mine = next(
        (
            r
            for r in verdict.reviews
            if r.record is not None and r.record.timestamp == record.timestamp and r.principal == record.reviewer
        ),
        None,
    )
    return Outcome(record, verdict, mine)


class PassphraseError(ReviewtuiError):
    """ssh-keygen could not unlock the key with the passphrase it was given (or none was given)."""
