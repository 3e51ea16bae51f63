"""Building a complete demo workspace: the shop repository plus reviewers who can sign approvals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from reviewtui.demo.builder import DemoRepo
from reviewtui.demo.changes import PENDING_CHANGES
from reviewtui.demo.errors import DemoBuildError
from reviewtui.demo.history import HISTORY
from reviewtui.demo.identity import ALLOWED_SIGNERS_FILE, Reviewer, create_reviewers, write_allowed_signers
from reviewtui.demo.landed import LANDED
from reviewtui.demo.people import TOMAS
from reviewtui.demo.reviews import ReviewDesk

REPO_DIR = "shop"
REVIEWERS_DIR = "reviewers"


@dataclass(frozen=True)
class DemoWorkspace:
    """Where a built demo lives; paths are absolute so callers may change directory freely."""

    root: Path
    repo: Path
    reviewers: tuple[Reviewer, ...]
    allowed_signers: Path

    def reviewer(self, name: str) -> Reviewer:
        for reviewer in self.reviewers:
            if reviewer.name == name:
                return reviewer
        raise KeyError(name)


def policy_text(reviewers: tuple[Reviewer, ...]) -> str:
    """The shop's review policy: two approvals everywhere, Tier-1 approvers must account for every blocking finding
    and have seen every Tier-1 hunk (which the TUI records; a plain CLI approval records that nothing was shown)."""
    people = "".join(
        f'\n[[person]]\nprincipal = "{r.principal}"\nemails = ["{r.email}"]\nnames = ["{r.display_name}"]\n'
        for r in reviewers
    )
    return (
        "# Two-person review (docs/approval-format.md).\n"
        "[approvals]\nrequired = 2\nallowed_signers = \".reviewtui/allowed_signers\"\n\n"
        "[tier1]\nacknowledge = [\"high\", \"critical\"]\nfull_coverage = true\nmin_seconds_per_100_lines = 20\n"
        + people
    )


def build_demo(target: Path) -> DemoWorkspace:
    """Build the demo into `target`, which must be missing or empty.

    Refusing a non-empty target protects the caller's files; the demo is cheap to rebuild elsewhere.
    """
    root = Path(target).expanduser().resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ValueError(f"demo target {root} exists and is not an empty directory")
    root.mkdir(parents=True, exist_ok=True)
    reviewers_dir = root / REVIEWERS_DIR
    reviewers = create_reviewers(reviewers_dir)
    allowed_signers = write_allowed_signers(reviewers_dir / ALLOWED_SIGNERS_FILE, reviewers)
    try:
        repo = DemoRepo(root / REPO_DIR)
        repo.play_history(HISTORY)
        repo.add_changes(PENDING_CHANGES)
        repo.commit_on_main(
            {".reviewtui/allowed_signers": allowed_signers.read_text(encoding="ascii"),
             ".reviewtui/policy.toml": policy_text(reviewers)},
            "Adopt two-person review for every change\n\nAlice, Bob and Carol sign their decisions with SSH keys; "
            "the policy asks two of them to approve each change, neither its author nor its operator.",
            TOMAS,
        )
        repo.play_landings(LANDED, ReviewDesk(root / REPO_DIR, reviewers, repo.environment).sign)
        repo.finish()
    except git.GitCommandError as exc:
        detail = str(exc.stderr).strip() or str(exc)
        raise DemoBuildError(f"git failed while building the demo in {root}: {detail}") from exc
    return DemoWorkspace(root, root / REPO_DIR, reviewers, allowed_signers)
