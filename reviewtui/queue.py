"""The review queue: every pending change from every source of every repository in the workspace.

Loading is a generator so that a caller can show or serialise each change as it arrives and drop its hunks: a
`--commits` range over years of history never has to sit in memory whole. What was left out, and why, is counted
as the loader goes (already-merged refs, refs without common history) so the user is told, never left guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TypeVar

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.commitlog import read_pair_diffs, read_unmerged
from reviewtui.config import REPO_CONFIG, Config, load_config, load_workspace_file
from reviewtui.errors import GitError, ReviewtuiError, UnrelatedHistoryError
from reviewtui.model import Change, Commit, FileChange
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import Repository
from reviewtui.sources.commits import iter_commit_changes
from reviewtui.sources.full import Unread
from reviewtui.sources.patches import load_patch_folder
from reviewtui.sources.refs import (
    Base,
    Candidate,
    Landed,
    Located,
    build,
    find_candidates,
    locate,
    ref_diff,
    resolve_base,
)
from reviewtui.summary import SummaryCache
from reviewtui.workers import Failure, analysed

T = TypeVar("T")
DIFF_BATCH = 256
"""Refs whose diffs one `git diff-tree --stdin` reads: few processes, and few parsed diffs held at once."""
FIRST_DIFF_BATCH = 16
"""The first batches are smaller (16, 32, ... up to DIFF_BATCH), so the first change reaches a screen after a few
diffs, not after 256 have been read and parsed."""


@dataclass(frozen=True, slots=True)
class QueueRequest:
    """What the user asked for. Naming a source (`commits`, `patches`) narrows the queue to that source."""

    repo: Path = Path(".")
    commits: str | None = None
    patches: Path | None = None
    workspace: Path | None = None
    user_config: Path | None = None
    sarif: tuple[Path, ...] = ()
    """Other scanners' SARIF logs whose results are shown with the findings (the TUI's `--sarif`)."""


@dataclass(slots=True)
class QueueReport:
    """Filled in while the queue loads."""

    repos: list[str] = field(default_factory=list)
    loaded: int = 0
    skipped_merged: int = 0
    skipped_by_content: int = 0
    """Of `skipped_merged`, those whose head is not in the base but whose content is (squash/rebase merges)."""
    warnings: list[str] = field(default_factory=list)
    unit: str = "pending change(s)"
    workers: int = 0
    """Worker processes that analysed the cache misses (0: none were needed or possible)."""
    patch_folders: list[str] = field(default_factory=list)
    """Configured patch folders looked in, empty or not: what is in them is a file's, not git's, to say."""

    def summary(self) -> str:
        """One sentence for the CLI and the TUI status line, so both report the same facts the same way."""
        repos = len(self.repos)
        text = f"{self.loaded} {self.unit} in {repos} repositor{'y' if repos == 1 else 'ies'}"
        if self.skipped_merged:
            text += f"; skipped {self.skipped_merged} already merged"
            if self.skipped_by_content:
                text += f" ({self.skipped_by_content} squashed or rebased)"
        if self.workers:
            text += f"; analysed in {self.workers} worker processes"
        if self.warnings:
            text += f"; {len(self.warnings)} warning(s)"
        return text


class QueueLoader:
    def __init__(self, request: QueueRequest, *, summaries: bool = False) -> None:
        """`summaries`: read diff summaries from the cache and yield summarised changes where they are cached (the
        analyser and the review screen load the full change when they need its lines); off (the default, so that
        no caller meets a change without hunks unless it asked for them), every diff is read."""
        self.request = request
        self.use_summaries = summaries
        self.report = QueueReport(unit="commit(s)" if request.commits is not None else "pending change(s)")
        self._primary: Path | None = None

    def changes(self) -> Iterator[Change]:
        """Yield changes repository by repository; config errors surface before the first change."""
        for item in self._items(defer=False):
            assert isinstance(item, Change)  # nothing is deferred unless asked
            yield item

    def items(self) -> Iterator[Change | Unread]:
        """The changes for `analysed`, some still `Unread` (with summaries): whoever analyses one takes its files
        from the analysis cache or reads its diff (a worker process, when there are workers), not this process."""
        return self._items(defer=True)

    def _items(self, *, defer: bool) -> Iterator[Change | Unread]:
        """The changes; with `defer` (and summaries), every commit of a range and every ref on the base's tip (no
        squash check needs its diff) comes `Unread`, so that whoever analyses it takes its files from the analysis
        cache or reads its diff (a worker, when there are workers), not this process."""
        targets = self._targets()
        self.report.repos += [str(repo.root) for repo, _ in targets]
        for repo, config in targets:
            for change in self._repo_changes(repo, config, defer and self.use_summaries):
                self.report.loaded += 1
                yield change

    def analysed(
        self, analyzer: Analyzer, changes: Iterable[Change | Unread] | None = None, *, jobs: int = 1
    ) -> Generator[Analysis, None, None]:
        """Each change (of `items()` unless given) analysed, in order; with `jobs` > 1 the cache misses are
        analysed in that many worker processes (`workers.py`). A summarised change is read in full when its
        analysis is not cached; one whose objects git can no longer read is skipped with a warning, as while
        loading."""
        def started(workers: int) -> None:
            self.report.workers = workers

        # Whoever analyses a change reads its diff (a worker, when there are workers): this process only lists the
        # changes and assembles what comes back; and one unreadable commit is skipped, not the end of the queue.
        items = self.items() if changes is None else changes
        for result in analysed(items, analyzer, jobs, started):
            if isinstance(result, Failure):
                self.report.loaded -= 1
                self.report.warnings.append(f"skipped {result.change.id}: {result.error}")
            else:
                yield result

    def ordered(self) -> Iterator[Change]:
        """Pending changes oldest first (the longest wait is reviewed first until risk ranking exists); a
        `--commits` range streams in git's order instead, newest first, so it never has to be held whole."""
        if self.request.commits is not None:
            yield from self.changes()
            return
        changes = list(self.changes())
        changes.sort(key=queue_order)
        yield from changes

    # -- where to look -----------------------------------------------------------------------------------------------

    def _targets(self) -> list[tuple[Repository, Config]]:
        request = self.request
        root = request.repo
        workspace: list[Path] = []
        if request.workspace is not None:
            workspace += load_workspace_file(request.workspace)
        if not root.exists():
            raise ReviewtuiError(f"{root}: no such directory")
        if _is_workspace_folder(root):
            workspace_config = load_config(root, user_file=request.user_config)
            workspace += workspace_config.workspace
            primary = None
        else:
            primary = Repository(root)
            self._primary = primary.root
        targets: list[tuple[Repository, Config]] = []
        if primary is not None:
            config = load_config(primary.root, user_file=request.user_config)
            targets.append((primary, config))
            if request.commits is None and request.patches is None:
                workspace += config.workspace
        for path in dict.fromkeys(workspace):
            if any(repo.root == path for repo, _ in targets):
                continue
            repo = Repository(path)
            targets.append((repo, load_config(repo.root, user_file=request.user_config)))
        if not targets:
            raise ReviewtuiError(f"{root}: not a git repository and its {REPO_CONFIG} lists no workspace repos")
        return targets

    def _repo_changes(self, repo: Repository, config: Config, defer: bool) -> Iterator[Change | Unread]:
        detector = ProvenanceDetector(config.agents)
        request = self.request
        if request.commits is not None:
            if repo.root == self._primary:
                yield from iter_commit_changes(repo, request.commits, detector, self._summaries(repo), defer=defer)
            return
        if request.patches is not None:
            if repo.root == self._primary:
                yield from load_patch_folder(request.patches, detector, str(repo.root), self.report.warnings)
            return
        yield from self._ref_changes(repo, config, detector, defer)
        for folder in config.queue.patches:
            self.report.patch_folders.append(str(repo.root / folder))
            yield from load_patch_folder(repo.root / folder, detector, str(repo.root), self.report.warnings)

    def _ref_changes(
        self, repo: Repository, config: Config, detector: ProvenanceDetector, defer: bool
    ) -> Iterator[Change | Unread]:
        base = resolve_base(repo, config.queue.base)
        candidates = find_candidates(
            repo,
            pull_refs=config.queue.pull_refs,
            branch_globs=config.queue.branches,
            remote_branches=config.queue.remote_branches,
            base=base,
        )
        summaries = self._summaries(repo)
        located = self._located(repo, candidates, base)
        size = FIRST_DIFF_BATCH
        while batch := list(islice(located, size)):
            size = min(size * 2, DIFF_BATCH)
            # Deferred: a ref on the base's tip needs no diff before analysis (no squash check against a moved base).
            later = {i for i, p in enumerate(batch) if defer and p.merge_base == base.sha}
            for index, (place, files) in enumerate(zip(batch, self._diffs(repo, batch, summaries, later), strict=True)):
                if files is None and index not in later:
                    continue  # unreadable: a warning was recorded
                step = partial(build, repo, place, files or (), base, detector, summaries)
                change = self._guard(place.candidate, repo, step)
                if isinstance(change, Change):
                    yield Unread(change) if files is None else change
                elif change is not None:
                    self._count(change)

    def _located(self, repo: Repository, candidates: list[Candidate], base: Base) -> Iterator[Located]:
        """Each candidate's merge-base and commits, from one `git log` of the unmerged commits for the first few
        refs and one for the rest: the first changes reach a screen without waiting for the commits of thousands
        of refs to be read and parsed (5000 refs: ~0.15 s)."""
        for chunk in (candidates[:FIRST_DIFF_BATCH], candidates[FIRST_DIFF_BATCH:]):
            if not chunk:
                continue
            try:
                unmerged: dict[str, Commit] | None = read_unmerged(repo, [c.sha for c in chunk], base.sha)
            except GitError:  # an unreadable commit somewhere: ask git ref by ref, so only that change is skipped
                unmerged = None
            for candidate in chunk:
                found = self._guard(candidate, repo, partial(locate, repo, candidate, base, unmerged))
                if isinstance(found, Located):
                    yield found
                elif found is not None:
                    self._count(found)

    def _diffs(
        self, repo: Repository, batch: list[Located], summaries: SummaryCache | None, later: set[int]
    ) -> list[tuple[FileChange, ...] | None]:
        """Each located change's diff: from the summary cache, else read with the batch's other misses in one git
        process (except those to read `later`, left None without a lookup: their analysis entry lists their files);
        if that fails (a missing object), pair by pair, so only the unreadable change is skipped."""
        files = [
            summaries.files(p.merge_base, p.candidate.sha) if summaries and i not in later else None
            for i, p in enumerate(batch)
        ]
        missing = [i for i, found in enumerate(files) if found is None and i not in later]
        try:
            read: list[tuple[FileChange, ...] | None] = list(
                read_pair_diffs(repo, [(batch[i].merge_base, batch[i].candidate.sha) for i in missing])
            )
        except GitError:
            read = [self._guard(batch[i].candidate, repo, partial(_ref_diff, repo, batch[i])) for i in missing]
        for i, diff in zip(missing, read, strict=True):
            files[i] = diff
            if diff is not None and summaries is not None:
                summaries.put_files(batch[i].merge_base, batch[i].candidate.sha, diff)
        return files

    def _guard(self, candidate: Candidate, repo: Repository, step: Callable[[], T]) -> T | None:
        """Run one ref's step; a ref without common history or with unreadable objects is skipped with a warning
        (only that change: not the queue)."""
        try:
            return step()
        except UnrelatedHistoryError as exc:
            self.report.warnings.append(f"{repo.root}: skipped {candidate.id}: {exc}")
        except GitError as exc:
            self.report.warnings.append(f"skipped {candidate.id}: {exc}")
        return None

    def _count(self, landed: Landed) -> None:
        self.report.skipped_merged += 1
        if landed is Landed.CONTENT:
            self.report.skipped_by_content += 1

    def _summaries(self, repo: Repository) -> SummaryCache | None:
        return SummaryCache(repo.git_dir, repo.shape()) if self.use_summaries else None


def _ref_diff(repo: Repository, place: Located) -> tuple[FileChange, ...]:
    return ref_diff(repo, place.merge_base, place.candidate.sha, place.candidate.ref)


def queue_order(change: Change) -> tuple[bool, float, str, str]:
    """Oldest first, undated last; the CLI and the TUI list the queue in this same order."""
    return (change.created is None, change.created.timestamp() if change.created else 0.0, change.repo, change.id)


def _is_workspace_folder(path: Path) -> bool:
    """A plain folder (not inside a repository) whose `.reviewtui/config.toml` lists repositories."""
    if not (path / REPO_CONFIG).is_file():
        return False
    try:
        Repository(path)
    except ReviewtuiError:
        return True
    return False
