"""The demo reviewers' signed decisions, made through the same clerk and `ssh-keygen` as `reviewtui approve`.

A demo whose approvals were written by hand would show what the demo's author believed the format to be; signing
through `Clerk.record` stores exactly what a real reviewer's decision holds (binding, digests, coverage, time), so
`verify` and `audit` judge the demo the way they judge anyone. Each review must count when it is signed: if a rule
or policy change ever made one of them not count, the build stops rather than ship a demo telling another story.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.approvals.clerk import Clerk, Coverage
from reviewtui.approvals.signer import SigningKey, resolve_key
from reviewtui.approvals.statement import Acknowledgement
from reviewtui.config import load_config
from reviewtui.demo.errors import DemoBuildError
from reviewtui.demo.identity import Reviewer
from reviewtui.demo.recipes import ReviewRecipe
from reviewtui.model import Change
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import Repository
from reviewtui.sources.refs import find_candidates, load_ref_change, resolve_base

NO_USER_FILE = Path(os.devnull)
"""The demo is judged by the repository's own configuration and rules only, never the builder's user config."""


class ReviewDesk:
    """Signs the demo reviewers' decisions on one repository, judging each change as the queue finds it."""

    def __init__(self, repo: Path, reviewers: tuple[Reviewer, ...], environment: dict[str, str]) -> None:
        self.repo = repo
        self.reviewers = {r.name: r for r in reviewers}
        self.environment = environment
        self.analyzer = Analyzer(user_file=NO_USER_FILE, history=False, cache=False)
        self.clerk = Clerk(self.analyzer)
        self._repository: Repository | None = None
        self._keys: dict[str, SigningKey] = {}

    def sign(self, change_id: str, reviews: tuple[ReviewRecipe, ...]) -> None:
        """Record `reviews` of the change as it is now, in order; each must count when it is signed."""
        with pinned_environment(self.environment):
            analysis = self._analysis(change_id)
            for review in reviews:
                self._sign(analysis, review)

    def _sign(self, analysis: Analysis, review: ReviewRecipe) -> None:
        reviewer = self.reviewers[review.reviewer]
        hunks = [h.digest() for f in analysis.change.files for h in f.hunks]
        coverage = Coverage(tuple(hunks[: math.ceil(len(hunks) * review.shown)]), review.seconds)
        waivers = tuple(Acknowledgement(rule, None, None, "waive", reason) for rule, reason in review.waive)
        if reviewer.name not in self._keys:
            self._keys[reviewer.name] = resolve_key(reviewer.key, None, None)
        record, verdict = self.clerk.record(
            analysis, self._keys[reviewer.name], review.decision, acknowledged=waivers, coverage=coverage,
            at=review.at,
        )
        mine = [r for r in verdict.reviews if r.principal == reviewer.principal and r.timestamp == record.timestamp]
        if not mine or mine[0].status != "counted":
            why = "; ".join(mine[0].reasons) if mine else "the decision was not found after signing"
            raise DemoBuildError(f"demo review of {analysis.change.id} by {reviewer.name} does not count: {why}")

    def _analysis(self, change_id: str) -> Analysis:
        """The change as `reviewtui queue` loads it (found among the refs, diffed from its merge-base), analysed."""
        repo = self._repo()
        config = load_config(repo.root, user_file=NO_USER_FILE)
        base = resolve_base(repo, config.queue.base)
        candidates = find_candidates(
            repo,
            pull_refs=config.queue.pull_refs,
            branch_globs=config.queue.branches,
            remote_branches=config.queue.remote_branches,
            base=base,
        )
        found = next((c for c in candidates if c.id == change_id), None)
        if found is None:
            raise DemoBuildError(f"demo change {change_id} is not among the repository's pending changes")
        change = load_ref_change(repo, found, base, ProvenanceDetector(config.agents))
        if not isinstance(change, Change):
            raise DemoBuildError(f"demo change {change_id} has already landed; it cannot be reviewed now")
        return self.analyzer.analyze(change)

    def _repo(self) -> Repository:
        if self._repository is None:
            self._repository = Repository(self.repo)
        return self._repository


@contextmanager
def pinned_environment(environment: dict[str, str]) -> Iterator[None]:
    """Run the clerk's git and ssh-keygen processes with the build's isolated git environment.

    The clerk's `Repository` passes the process environment on to git, so a GIT_DIR or GIT_INDEX_FILE inherited
    from a surrounding git hook (or the user's global config) would point it elsewhere. The builder's own git
    calls get the isolated variables explicitly; the clerk cannot, so they are set here for the duration of a
    signature and the caller's environment is restored afterwards. Demo builds are single-threaded.
    """
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if n.startswith("GIT_")]:
            del os.environ[name]
        os.environ.update(environment)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
