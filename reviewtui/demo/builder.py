"""Git mechanics for the demo: one isolated, deterministic repository driven through GitPython.

Every git process gets the same neutralised config and environment so the result does not depend on who
runs the build or where: a user's global config (signing, hooks, autocrlf, excludes, attributes) or GIT_*
variables inherited from a surrounding git hook would otherwise change trees, refuse commits or move
shas. Dates come from fixed offsets, never the clock, for the same reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import git

from reviewtui.demo.errors import DemoBuildError
from reviewtui.demo.operations import Chmod, Delete, Edit, apply
from reviewtui.demo.people import Person
from reviewtui.demo.recipes import (
    ChangeRecipe,
    CommitRecipe,
    DirectPush,
    HistoryEntry,
    LandedEntry,
    Landing,
    Merge,
    Revert,
    ReviewRecipe,
)

BASE_BRANCH = "main"

# Main's history covers about two months at one commit per working day; the pending changes arrive
# over the following week, four a day. Times fall in the author's working hours, in their own zone.
HISTORY_START = date(2026, 9, 7)
PENDING_START = date(2026, 11, 2)
PENDING_PER_DAY = 4
WORKDAY_START = time(9, 0)
WORKDAY_MINUTES = 8 * 60
COMMIT_STEP = timedelta(minutes=41)
# A bot-authored commit is committed by its operator a little later, as when they accept the agent's work.
COMMITTER_LAG = timedelta(minutes=3)

GIT_SETTINGS = (
    "init.defaultBranch=main",
    "commit.gpgsign=false",
    "tag.gpgsign=false",
    "core.autocrlf=false",
    "core.safecrlf=false",
    "core.symlinks=true",
    "core.fileMode=true",
    f"core.attributesFile={os.devnull}",
    f"core.excludesFile={os.devnull}",
    f"core.hooksPath={os.devnull}",
    "user.name=Shop Demo Builder",
    "user.email=demo-builder@shop.example",
    "gc.auto=0",
    "advice.detachedHead=false",
)


def isolated_environment(work_tree: Path) -> dict[str, str]:
    """Variables that pin git to this repository and away from any user or system configuration.

    GitPython starts from `os.environ` and can only add to it, so inherited variables are overridden with
    explicit values rather than removed.
    """
    git_dir = work_tree / ".git"
    return {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_COUNT": "0",
        "GIT_CONFIG_PARAMETERS": "",
        "GIT_DIR": str(git_dir),
        "GIT_COMMON_DIR": str(git_dir),
        "GIT_WORK_TREE": str(work_tree),
        "GIT_INDEX_FILE": str(git_dir / "index"),
        "GIT_OBJECT_DIRECTORY": str(git_dir / "objects"),
        "GIT_ALTERNATE_OBJECT_DIRECTORIES": "",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_EDITOR": "true",
        "GIT_MERGE_AUTOEDIT": "no",
    }


def work_moment(first_day: date, index: int, per_day: int, person: Person) -> datetime:
    """The `index`-th slot of a schedule with `per_day` slots per working day, in `person`'s zone.

    Pure arithmetic on fixed inputs, never the clock: commit dates are part of commit shas.
    """
    day = first_day
    for _ in range(index // per_day):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    slot = index % per_day
    minutes = slot * WORKDAY_MINUTES // per_day + (index * 97) % (WORKDAY_MINUTES // per_day // 2)
    zone = timezone(timedelta(minutes=person.utc_offset_minutes))
    return datetime.combine(day, WORKDAY_START, tzinfo=zone) + timedelta(minutes=minutes)


def identity_environment(author: Person, committer: Person | None, when: datetime) -> dict[str, str]:
    """Per-commit identity and dates; passed explicitly so nothing falls back to the user's name or clock."""
    committer = committer or author
    committed = when if committer == author else when + COMMITTER_LAG
    return {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_AUTHOR_DATE": author.timestamp(when),
        "GIT_COMMITTER_NAME": committer.name,
        "GIT_COMMITTER_EMAIL": committer.email,
        "GIT_COMMITTER_DATE": committer.timestamp(committed),
    }


class DemoRepo:
    """The shop repository under construction; each method costs one to three git processes."""

    def __init__(self, work_tree: Path) -> None:
        if work_tree.exists():
            raise DemoBuildError(f"{work_tree} already exists; the demo repository must be created fresh")
        work_tree.mkdir(parents=True)
        self._work_tree = work_tree
        environment = isolated_environment(work_tree)
        # An empty template keeps sample hooks and the user's init.templateDir out of the repository.
        repo = git.Repo.init(
            work_tree,
            mkdir=False,
            initial_branch=BASE_BRANCH,
            template="",
            allow_unsafe_options=True,
            env=environment,
        )
        repo.git.set_persistent_git_options(c=list(GIT_SETTINGS))
        repo.git.update_environment(**environment)
        self._repo = repo
        self._git = repo.git
        self._marks: dict[str, str] = {}
        self._history_commits = 0

    def play_history(self, entries: Iterable[HistoryEntry]) -> None:
        """Build main from `entries` in order, one commit per working day, so `git log` reads as a calendar."""
        for entry in entries:
            match entry:
                case CommitRecipe():
                    self._commit(entry, self._next_history_moment(entry.author))
                case Merge():
                    self._merge(entry)
                case Revert():
                    env = identity_environment(entry.author, None, self._next_history_moment(entry.author))
                    self._git.revert("--no-edit", self._sha_of_mark(entry.mark), env=env)

    def add_changes(self, changes: Iterable[ChangeRecipe]) -> None:
        """Create each pending change from its base without touching main."""
        tip = self._git.rev_parse(BASE_BRANCH)
        for index, change in enumerate(changes):
            base = tip if change.base is None else self._sha_of_mark(change.base)
            start = work_moment(PENDING_START, index, PENDING_PER_DAY, change.commits[0].author)
            self._start(change, base)
            for number, commit in enumerate(change.commits):
                self._commit(commit, start + number * COMMIT_STEP)
            if change.is_pull_request:
                self._git.update_ref(change.ref, "HEAD")

    def commit_on_main(self, files: dict[str, str], message: str, author: Person) -> None:
        """A last commit on main, after the pending changes were cut from it, so their merge-bases stay put."""
        self._git.checkout("--quiet", BASE_BRANCH)
        for path, text in files.items():
            target = self._work_tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self._git.add("--all")
        env = identity_environment(author, None, self._next_history_moment(author))
        self._git.commit("--quiet", "--no-verify", "-m", message, env=env)

    def play_landings(
        self, entries: Iterable[LandedEntry], sign: Callable[[str, tuple[ReviewRecipe, ...]], None]
    ) -> None:
        """Open each change, let `sign` record its reviews, push again if the story says so, and land it on main.

        Signing is a callback because it is not git mechanics: it goes through the clerk, which reads the change
        the way `reviewtui approve` does, while this class only makes commits, refs and merges.
        """
        for entry in entries:
            match entry:
                case Landing():
                    self._open(entry.change, entry.opened)
                    sign(entry.change.change_id, entry.reviews)
                    if entry.repush is not None:
                        self._push_again(entry.change, *entry.repush)
                    self._land(entry)
                case DirectPush():
                    self._git.checkout("--quiet", BASE_BRANCH)
                    self._commit(entry.commit, entry.at)

    @property
    def environment(self) -> dict[str, str]:
        """The isolated git environment every process of this build runs with (see `isolated_environment`)."""
        return isolated_environment(self._work_tree)

    def finish(self) -> None:
        """Leave main checked out and prove the work tree is clean, as a reviewer would find it."""
        self._git.checkout("--quiet", BASE_BRANCH)
        status = self._git.status("--porcelain", "--untracked-files=all")
        if status:
            raise DemoBuildError(f"demo work tree is not clean after the build:\n{status}")
        self._repo.close()

    def _next_history_moment(self, author: Person) -> datetime:
        moment = work_moment(HISTORY_START, self._history_commits, 1, author)
        self._history_commits += 1
        return moment

    def _sha_of_mark(self, mark: str) -> str:
        try:
            return self._marks[mark]
        except KeyError:
            raise DemoBuildError(f"no commit is marked {mark!r} (marks must precede their use)") from None

    def _start(self, change: ChangeRecipe, base: str) -> None:
        if change.is_pull_request:
            self._git.checkout("--quiet", "--detach", base)
        else:
            self._git.checkout("--quiet", "-B", change.change_id, base)

    def _commit(self, recipe: CommitRecipe, when: datetime) -> None:
        for operation in recipe.operations:
            apply(self._work_tree, operation)
        # A commit that only edits, deletes or re-modes tracked files needs no `git add`: `commit --all` stages
        # exactly those, so the tree is the same and the build spawns one git process fewer.
        tracked_only = all(isinstance(op, Edit | Delete | Chmod) for op in recipe.operations)
        if not tracked_only:
            self._git.add("--all")
        env = identity_environment(recipe.author, recipe.committer, when)
        # whitespace cleanup keeps lines starting with '#' that the default "strip" mode would delete.
        self._git.commit("--quiet", "--no-verify", "--cleanup=whitespace", *(["--all"] if tracked_only else []),
                         "-m", recipe.message, env=env)
        if recipe.mark is not None:
            self._marks[recipe.mark] = self._git.rev_parse("HEAD")

    def _open(self, change: ChangeRecipe, when: datetime) -> None:
        self._start(change, self._sha_of_mark(change.base) if change.base else BASE_BRANCH)
        for number, commit in enumerate(change.commits):
            self._commit(commit, when + number * COMMIT_STEP)
        if change.is_pull_request:
            self._git.update_ref(change.ref, "HEAD")

    def _push_again(self, change: ChangeRecipe, commit: CommitRecipe, when: datetime) -> None:
        if change.is_pull_request:
            self._git.checkout("--quiet", "--detach", change.ref)
        else:
            self._git.checkout("--quiet", change.change_id)
        self._commit(commit, when)
        if change.is_pull_request:
            self._git.update_ref(change.ref, "HEAD")

    def _land(self, landing: Landing) -> None:
        """Merge (or squash) the change into main as its merger did, edits slipped into the merge included."""
        self._git.checkout("--quiet", BASE_BRANCH)
        env = identity_environment(landing.merger, None, landing.merged)
        ref = landing.change.ref
        if landing.squash:
            self._git.merge("--quiet", "--squash", ref)
        elif landing.slipped:
            self._git.merge("--quiet", "--no-ff", "--no-commit", ref)
            for operation in landing.slipped:
                apply(self._work_tree, operation)
            self._git.add("--all")
        else:
            self._git.merge("--quiet", "--no-ff", "-m", landing.message, ref, env=env)
            return
        self._git.commit("--quiet", "--no-verify", "--cleanup=whitespace", "-m", landing.message, env=env)

    def _merge(self, entry: Merge) -> None:
        change = entry.change
        self._start(change, self._sha_of_mark(change.base) if change.base else BASE_BRANCH)
        for commit in change.commits:
            self._commit(commit, self._next_history_moment(commit.author))
        if change.is_pull_request:
            self._git.update_ref(change.ref, "HEAD")
        self._git.checkout("--quiet", BASE_BRANCH)
        env = identity_environment(entry.merger, None, self._next_history_moment(entry.merger))
        self._git.merge("--quiet", "--no-ff", "-m", entry.message, change.ref, env=env)
