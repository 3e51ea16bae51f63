"""The repository's past as the risk model sees it: who changed which paths when, and which commits fixed or reverted.

Just-in-time defect prediction (Kamei et al., TSE 2013) scores a change by its history features: how often and by
how many people the touched files were changed before (NUC, NDEV), how long ago (AGE), how experienced the author is
overall, recently and in the touched subsystems (EXP, REXP, SEXP), and whether the touched files keep needing fixes.
Computing those per change with `git log -- path` would cost one git process per file per change; a queue of
thousands of changes (or a calibration run over years of commits) needs them in microseconds. So the index reads the
whole history once, in ONE streaming `git log --name-status` process, and answers every later question from memory
with binary searches over per-path and per-author event lists sorted by time.

No look-ahead: every question is asked "as of" a moment `before` (a Unix timestamp) and only commits whose committer
time is strictly earlier count, and the change's own commit (`exclude`) never counts. Scoring a commit from last
year therefore sees exactly the history that existed when it was made, which is what makes calibrating on past
commits honest. Commits sharing the same committer second are treated as concurrent (neither sees the other); that
is the price of a timestamp cut and matters only for rebased series, which git stamps with one time.

Choices worth knowing:
- Times are committer times: the moment a commit became part of history, which is what "existed before" means.
- A rename `a -> b` gives `b` the events `a` had up to the rename; `b` shows them to questions asked after the
  rename (and to the rename commit itself when it is the excluded change), never earlier, so knowing that `a` will
  become `b` is not look-ahead. Copies do not inherit (the index runs `-M`, not `-C`). A deleted path keeps its
  events, so a file re-added under the same name is not new.
- For changes not yet in the index (a pending branch), pass renamed files' old paths too: the index only knows
  renames that were committed.
- Fix keywords are looked for in the whole message (subject and body: "Refactor ... this fixes #12" is corrective),
  so `Revert "Fix x"` is a fix too. A subsystem (SEXP) is a top-level directory; files at the root share one, "".
- Identities are author e-mails, lower-cased (`%ae`, no mailmap), so "Dana <DANA@x>" and "dana@x" are one person.
- An unborn branch (a fresh repository without commits) gives an empty index: every path is new and everybody
  inexperienced, which is the truth about such a repository. Any other revision that names no commit is an error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewtui import __version__
from reviewtui.errors import GitError, ReviewtuiError
from reviewtui.fingerprint import code_fingerprint
from reviewtui.jsonstore import JsonStore, array, integer, mapping, string
from reviewtui.logframe import format_option, new_marker, records
from reviewtui.repository import Repository, run_git

SECONDS_PER_DAY = 86400.0
SECONDS_PER_YEAR = 365.25 * SECONDS_PER_DAY

# One record per commit: the fields below, NUL-separated; then git's `--name-status -z` entries.
_FIELDS = ("%H", "%P", "%ae", "%an", "%at", "%ct", "%s", "%B")

# Corrective-change keywords (the FIX feature). Word boundaries so "prefix", "suffix" and "debug" are not fixes.
_FIX = re.compile(
    r"\b(?:fix(?:e[sd]|ing)?|bug(?:s|fix(?:es)?)?|defects?|hotfix(?:es)?|regressions?|patch(?:e[sd]|ing)?)\b",
    re.IGNORECASE,
)
# git's own revert message; git writes the full sha, people shorten it, so any abbreviation git itself accepts.
_THIS_REVERTS = re.compile(r"\bThis reverts commit ([0-9a-f]{4,40})\b", re.IGNORECASE)
# Hand-written forms ("Reverts 1a2b3c4", "Revert commit 1a2b3c4"): 7+ hex digits, git's default abbreviation, so
# ordinary words made of hex letters ("Revert added ...") are not taken for shas.
_REVERTS_SHA = re.compile(r"\bReverts?:?\s+(?:commit\s+)?([0-9a-f]{7,40})\b", re.IGNORECASE)
# A revert that names no sha: git's `Revert "subject"` when the body was edited away, or Conventional Commits.
_REVERT_SUBJECT = re.compile(r"""^(?:Revert\s+["'“]|revert(?:\([^)]*\))?!?:)""", re.IGNORECASE)
_EMAIL_IN_ANGLES = re.compile(r"<([^<>]*)>\s*$")
_STATUS_LETTERS = frozenset(b"ABCDMRTUX")
_MIN_ABBREV = 4  # git refuses shorter abbreviations
_FULL_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
HISTORY_DIR = Path("reviewtui") / "cache" / "history"
"""Under the git dir, beside the other caches: what `git log` said about a tip's history (see `HistoryIndex.build`)."""
_SCHEMA = 1


@dataclass(frozen=True, slots=True)
class FileHistory:
    """History of a set of paths strictly before a moment (Kamei's "history" dimension of a change)."""

    changes: int
    """NUC: prior commits touching any of the paths; a commit touching two of them counts once."""
    developers: int
    """NDEV: distinct author e-mails (lower-cased) among those commits."""
    age_days: float
    """AGE: mean over the paths of days since each was last changed; new paths contribute 0.0."""
    fixes: int
    """Prior commits touching the paths whose message says fix/bug/defect/hotfix/regression/patch."""
    reverts: int
    """Prior commits touching the paths that are reverts, or that were reverted before the moment."""
    new_paths: int
    """Paths with no history at all before the moment."""


@dataclass(frozen=True, slots=True)
class Experience:
    """What one identity had done strictly before a moment (Kamei's "experience" dimension)."""

    commits: int
    """EXP: prior commits by this identity."""
    recent: float
    """REXP: sum over prior commits of 1 / (1 + age in years), so last month's work weighs more than 2015's."""
    on_paths: int
    """Prior commits by this identity touching any of the given paths (following renames like `file_history`)."""
    on_subsystems: int
    """SEXP: prior commits by this identity touching the top-level directories of the given paths."""


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One indexed commit, for calibration and for explaining a score ("3 of the 12 prior changes were fixes")."""

    sha: str
    author_email: str
    author_name: str
    authored: int
    committed: int
    subject: str
    fix: bool
    revert: bool
    paths: tuple[str, ...]
    reverts: tuple[str, ...]
    """The indexed commits this one reverts (empty for a revert that names no sha or one outside the index)."""


@dataclass(slots=True)
class _Track:
    """Commit indices with their committer times, sorted by (time, index) so `bisect` finds "before T" at once."""

    times: list[int] = field(default_factory=list)
    commits: list[int] = field(default_factory=list)

    def add(self, time: int, commit: int) -> None:
        self.times.append(time)
        self.commits.append(commit)

    def sort(self) -> None:
        pairs = sorted(zip(self.times, self.commits, strict=True))
        self.times = [t for t, _ in pairs]
        self.commits = [c for _, c in pairs]


@dataclass(slots=True)
class _Inherited:
    """Events a path got from a rename: visible from the rename's time on, or to the rename commit itself."""

    visible_from: int
    via: int
    track: _Track


@dataclass(slots=True)
class _PathEvents:
    own: _Track = field(default_factory=_Track)
    inherited: list[_Inherited] = field(default_factory=list)

    def tracks(self, before: float, exclude: int) -> Iterator[_Track]:
        yield self.own
        for item in self.inherited:
            if item.visible_from < before or item.via == exclude:
                yield item.track


@dataclass(slots=True)
class _Raw:
    """One `git log` record as read, before indices exist."""

    sha: str
    email: str
    name: str
    authored: int
    committed: int
    subject: str
    message: str
    changes: list[tuple[str, tuple[str, ...]]]


class HistoryIndex:
    """Everything `git log --no-merges --name-status -M` says about a revision's history, indexed for lookups."""

    commits: int
    """How many commits were indexed."""

    def __init__(self, raws: Sequence[_Raw] = ()) -> None:
        """Index records given oldest first (parents before children); use `build` to read them from git."""
        self.commits = len(raws)
        self._shas = [raw.sha for raw in raws]
        self._index = {sha: i for i, sha in enumerate(self._shas)}
        self._sorted_shas = sorted(self._shas)
        self._times = [raw.committed for raw in raws]
        self._authored = [raw.authored for raw in raws]
        self._names = [raw.name for raw in raws]
        self._subjects = [raw.subject for raw in raws]
        self._emails: list[str] = []
        self._author_ids: dict[str, int] = {}
        self._author = [self._author_id(raw.email) for raw in raws]
        self._fix = [bool(_FIX.search(raw.message)) for raw in raws]
        self._revert = [False] * len(raws)
        self._reverts: list[tuple[int, ...]] = [()] * len(raws)
        self._reverters: dict[int, list[int]] = {}
        self._paths: list[tuple[str, ...]] = []
        self._events: dict[str, _PathEvents] = {}
        self._by_author: dict[int, _Track] = {}
        self._by_author_dir: dict[tuple[int, str], _Track] = {}
        renames: list[tuple[int, str, str]] = []

        for i, raw in enumerate(raws):
            touched: dict[str, None] = {}
            for status, paths in raw.changes:
                touched.update(dict.fromkeys(paths))
                if status.startswith("R") and len(paths) == 2:
                    renames.append((i, paths[0], paths[1]))
            self._paths.append(tuple(touched))
            for path in touched:
                self._events.setdefault(path, _PathEvents()).own.add(raw.committed, i)
            self._by_author.setdefault(self._author[i], _Track()).add(raw.committed, i)
            for top in dict.fromkeys(_subsystem(path) for path in touched):
                self._by_author_dir.setdefault((self._author[i], top), _Track()).add(raw.committed, i)

        for events in self._events.values():
            events.own.sort()
        for track in (*self._by_author.values(), *self._by_author_dir.values()):
            track.sort()
        self._link_reverts(raws)
        for commit, old, new in renames:  # oldest first, so a -> b -> c gives c what b had from a
            self._inherit(commit, old, new)

    # -- building ------------------------------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        repo: Repository,
        rev: str = "HEAD",
        *,
        max_commits: int | None = None,
        store: JsonStore | None = None,
        later: Callable[[Callable[[], None]], None] | None = None,
    ) -> HistoryIndex:
        """Index the non-merge history of `rev` (its newest `max_commits` commits when given) in one git process.

        With `store` (a JSON store, e.g. at HISTORY_DIR) and `rev` a full commit id, what git said is kept there and
        read back instead of asking git again: the history of a commit never changes, and a queue run over an
        unmoved base (new pull requests, a warm queue with a few misses) then spends ~0.1 s reading it instead of
        ~0.6 s of `git log` with rename detection and the parse (pip: 12,000 commits). The index itself is built
        from the records either way, so a stored entry can only ever stand for exactly what git printed; an entry
        that does not check out (shape, key, field types) is ignored and rewritten. JSON only: never code. Writing
        it takes ~0.25 s on pip: `later` receives the write instead, for a caller with a better moment (after
        forking workers, which do not wait for it).

        An unborn branch gives an empty index; a revision that names no commit raises ReviewtuiError.
        """
        if max_commits is not None and max_commits < 1:
            raise ReviewtuiError(f"max_commits must be at least 1, not {max_commits}")
        stored_whole = store is not None and max_commits is None and _FULL_ID.fullmatch(rev)
        key = _store_key(rev, repo.shape()) if stored_whole else None
        if store is not None and key is not None:
            stored = _decode_raws(store.read(key), key)
            if stored is not None:
                return cls(stored)
        raws = cls._read(repo, rev, max_commits)
        if store is not None and key is not None and raws is not None:
            write = functools.partial(_write, store, key, raws)
            write() if later is None else later(write)
        return cls(raws or ())

    @staticmethod
    def _read(repo: Repository, rev: str, max_commits: int | None) -> list[_Raw] | None:
        """The records oldest first (parents before children); None for an unborn branch."""
        marker = new_marker()
        # -l pins the rename limit the user's diff.renameLimit would set: the stored history must not depend on it.
        args = ["log", "--no-merges", "--topo-order", "-z", "--name-status", "-M", "-l1000", "--no-relative"]
        args += ["--ignore-submodules=none", "--encoding=UTF-8", format_option(marker, _FIELDS)]
        if max_commits is not None:
            args.append(f"--max-count={max_commits}")
        args += ["--end-of-options", rev, "--"]
        raws: list[_Raw] = []
        try:
            for record in records(repo.stream(*args), marker):
                raws.append(_parse(record))
        except GitError as error:
            if _unborn(repo, rev):
                return None
            raise ReviewtuiError(f"{repo.root}: cannot read the history of {rev!r}: {error}") from error
        raws.reverse()  # --topo-order newest first; reversed, every parent precedes its children
        return raws

    def _author_id(self, email: str) -> int:
        key = email.strip().lower()
        if key not in self._author_ids:
            self._author_ids[key] = len(self._emails)
            self._emails.append(key)
        return self._author_ids[key]

    def _link_reverts(self, raws: Sequence[_Raw]) -> None:
        """Mark revert commits and link them to what they revert, once every sha is known (abbreviations)."""
        for i, raw in enumerate(raws):
            targets: dict[int, None] = {}
            revert = bool(_REVERT_SUBJECT.match(raw.subject))
            for match in _THIS_REVERTS.finditer(raw.message):
                revert = True
                target = self._lookup(match.group(1))
                if target is not None:
                    targets[target] = None
            for match in _REVERTS_SHA.finditer(raw.message):
                token = match.group(1).lower()
                target = self._lookup(token)
                if target is not None:
                    targets[target] = None
                # An unknown token is still a revert if it looks like a sha rather than a word: full length or
                # containing a digit (the reverted commit may predate `max_commits`).
                revert = revert or target is not None or len(token) == 40 or any(c.isdigit() for c in token)
            targets.pop(i, None)
            self._revert[i] = revert
            self._reverts[i] = tuple(targets)
            for target in targets:
                self._reverters.setdefault(target, []).append(i)
        for reverters in self._reverters.values():
            reverters.sort(key=lambda r: (self._times[r], r))

    def _inherit(self, commit: int, old: str, new: str) -> None:
        """Give `new` the events `old` had up to the rename, visible only from the rename on."""
        source = self._events.get(old)
        if source is None:
            return
        when = self._times[commit]
        pairs: dict[int, int] = {}
        for track in (source.own, *(item.track for item in source.inherited if item.visible_from <= when)):
            for time, c in zip(track.times, track.commits, strict=True):
                if time <= when and c != commit:
                    pairs[c] = time
        if pairs:
            track = _Track(list(pairs.values()), list(pairs))
            track.sort()
            self._events.setdefault(new, _PathEvents()).inherited.append(_Inherited(when, commit, track))

    # -- questions -----------------------------------------------------------------------------------------------

    def resolve(self, sha: str) -> str | None:
        """The indexed commit a full or abbreviated sha names, or None (unknown, too short or ambiguous)."""
        index = self._lookup(sha)
        return None if index is None else self._shas[index]

    def commit(self, sha: str) -> CommitInfo | None:
        """What the index knows about one commit (full or abbreviated sha), or None if it was not indexed."""
        i = self._lookup(sha)
        if i is None:
            return None
        return CommitInfo(
            sha=self._shas[i],
            author_email=self._emails[self._author[i]],
            author_name=self._names[i],
            authored=self._authored[i],
            committed=self._times[i],
            subject=self._subjects[i],
            fix=self._fix[i],
            revert=self._revert[i],
            paths=self._paths[i],
            reverts=tuple(self._shas[t] for t in self._reverts[i]),
        )

    def file_history(self, paths: Sequence[str], before: float, *, exclude: str | None = None) -> FileHistory:
        """History of `paths` from commits strictly before `before`, never counting the commit `exclude`."""
        _check_paths(paths)
        skip = self._exclude(exclude)
        selected, ages = self._select(paths, before, skip)
        reverts = sum(1 for c in selected if self._revert[c] or self._reverted_before(c, before, skip))
        return FileHistory(
            changes=len(selected),
            developers=len({self._author[c] for c in selected}),
            age_days=sum(age for age in ages if age is not None) / len(ages) if ages else 0.0,
            fixes=sum(1 for c in selected if self._fix[c]),
            reverts=reverts,
            new_paths=sum(1 for age in ages if age is None),
        )

    def experience(
        self, identity: str, before: float, paths: Sequence[str], *, exclude: str | None = None
    ) -> Experience:
        """What `identity` (an e-mail, or "Name <email>") had committed strictly before `before`."""
        _check_paths(paths)
        author = self._author_ids.get(normalize_identity(identity))
        if author is None:
            return Experience(commits=0, recent=0.0, on_paths=0, on_subsystems=0)
        skip = self._exclude(exclude)
        track = self._by_author[author]
        end = bisect_left(track.times, before)
        prior = [t for t, c in zip(track.times[:end], track.commits[:end], strict=True) if c != skip]
        selected, _ = self._select(paths, before, skip)
        in_dirs: set[int] = set()
        for top in dict.fromkeys(_subsystem(path) for path in paths):
            dir_track = self._by_author_dir.get((author, top))
            if dir_track is not None:
                in_dirs.update(dir_track.commits[: bisect_left(dir_track.times, before)])
        in_dirs.discard(skip)
        return Experience(
            commits=len(prior),
            recent=sum(1.0 / (1.0 + (before - t) / SECONDS_PER_YEAR) for t in prior),
            on_paths=sum(1 for c in selected if self._author[c] == author),
            on_subsystems=len(in_dirs),
        )

    def revert_of(self, sha: str) -> str | None:
        """The commit that reverts `sha` (the earliest, if several did), or None."""
        target = self._lookup(sha)
        reverters = self._reverters.get(target) if target is not None else None
        return self._shas[reverters[0]] if reverters else None

    def reverted(self) -> dict[str, str]:
        """Every indexed reverted commit -> its earliest reverting commit: the "this change was bad" labels.

        A revert that was itself reverted (a re-apply) is listed too, and its target stays listed: the original
        change did go bad once. Callers that want to forgive re-applied changes can check `commit(r).revert`.
        """
        return {self._shas[t]: self._shas[rs[0]] for t, rs in self._reverters.items()}

    # -- internals -----------------------------------------------------------------------------------------------

    def _lookup(self, sha: str) -> int | None:
        key = sha.strip().lower()
        if key in self._index:
            return self._index[key]
        if len(key) < _MIN_ABBREV or len(key) >= 40:
            return None
        at = bisect_left(self._sorted_shas, key)
        if at == len(self._sorted_shas) or not self._sorted_shas[at].startswith(key):
            return None
        if at + 1 < len(self._sorted_shas) and self._sorted_shas[at + 1].startswith(key):
            return None  # ambiguous: better no link than a wrong one
        return self._index[self._sorted_shas[at]]

    def _exclude(self, sha: str | None) -> int:
        """The index of the excluded commit, or -1 (never an index) when there is none or it was not indexed."""
        if sha is None:
            return -1
        index = self._lookup(sha)
        return -1 if index is None else index

    def _select(self, paths: Iterable[str], before: float, skip: int) -> tuple[set[int], list[float | None]]:
        """Commits touching `paths` before `before` (minus `skip`), and per distinct path its age in days or None."""
        selected: set[int] = set()
        ages: list[float | None] = []
        for path in dict.fromkeys(paths):
            events = self._events.get(path)
            last: int | None = None
            if events is not None:
                for track in events.tracks(before, skip):
                    end = bisect_left(track.times, before)
                    selected.update(track.commits[:end])
                    at = end - 1
                    if at >= 0 and track.commits[at] == skip:
                        at -= 1
                    if at >= 0 and (last is None or track.times[at] > last):
                        last = track.times[at]
            ages.append(None if last is None else (before - last) / SECONDS_PER_DAY)
        selected.discard(skip)
        return selected, ages

    def _reverted_before(self, commit: int, before: float, skip: int) -> bool:
        return any(r != skip and self._times[r] < before for r in self._reverters.get(commit, ()))


def _check_paths(paths: Sequence[str]) -> None:
    """A bare string is a Sequence[str] too; counting its characters as paths would fail silently."""
    if isinstance(paths, str):
        raise TypeError(f"paths must be a sequence of paths, not the string {paths!r}")


def normalize_identity(identity: str) -> str:
    """The lower-cased e-mail of "Name <email>" or of a bare e-mail, the key experience is counted under."""
    match = _EMAIL_IN_ANGLES.search(identity)
    return (match.group(1) if match else identity).strip().lower()


def _subsystem(path: str) -> str:
    """The top-level directory (SEXP's subsystem); files at the root all belong to the root, ""."""
    head, sep, _ = path.partition("/")
    return head if sep else ""


def _parse(record: bytes) -> _Raw:
    """One record: NUL-separated fields, then `status NUL path NUL [path NUL]` entries (two paths for R and C)."""
    parts = record.split(b"\x00", len(_FIELDS))
    if len(parts) <= len(_FIELDS):
        raise GitError(f"git log printed a record reviewtui cannot read: {record[:80]!r}")
    sha, _parents, email, name, authored, committed, subject, message = (
        part.decode("utf-8", "replace") for part in parts[: len(_FIELDS)]
    )
    tokens = parts[len(_FIELDS)].lstrip(b"\x00\n").split(b"\x00")
    changes: list[tuple[str, tuple[str, ...]]] = []
    at = 0
    while at < len(tokens):
        status = tokens[at]
        at += 1
        if not status:
            continue
        if status[0] not in _STATUS_LETTERS:
            raise GitError(f"git log printed a file status reviewtui cannot read in {sha[:12]}: {status[:20]!r}")
        count = 2 if status[:1] in (b"R", b"C") else 1
        paths = tuple(token.decode("utf-8", "surrogateescape") for token in tokens[at : at + count])
        at += count
        if len(paths) != count or not all(paths):
            raise GitError(f"git log printed a truncated file list for {sha[:12]}")
        changes.append((status.decode("ascii", "replace"), paths))
    return _Raw(sha, email, name, int(authored), int(committed), subject, message, changes)


def _store_key(rev: str, shape: str) -> str:
    """Everything that shapes the records: the commit, this format, the tool (version and code), git (its
    rename detection) and the repository's shape (grafts, `shallow` and replace refs change a history)."""
    parts = ["history", _SCHEMA, __version__, code_fingerprint(), _git_version(), shape, rev]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


@functools.cache
def _git_version() -> str:
    return run_git(None, ("--version",), check=False).decode("ascii", "replace").strip()


def _write(store: JsonStore, key: str, raws: Sequence[_Raw]) -> None:
    store.write(key, _encode_raws(raws, key))


def _encode_raws(raws: Sequence[_Raw], key: str) -> dict[str, Any]:
    rows = [
        [r.sha, r.email, r.name, r.authored, r.committed, r.subject, r.message, [[s, list(p)] for s, p in r.changes]]
        for r in raws
    ]
    return {"schema": _SCHEMA, "key": key, "commits": rows}


def _decode_raws(data: Any, key: str) -> list[_Raw] | None:
    """The stored records, every field checked; None when the entry is absent or anything in it is off."""
    try:
        entry = mapping(data)
        if entry.get("schema") != _SCHEMA or entry.get("key") != key:
            return None
        raws = []
        for row in array(entry["commits"]):
            sha, email, name, authored, committed, subject, message, changes = array(row)
            files: list[tuple[str, tuple[str, ...]]] = []
            for change in array(changes):
                status, paths = array(change)
                names = tuple(string(path) for path in array(paths))
                if not string(status) or status[0] not in _STATUS_TEXT or len(names) != (2 if status[0] in "RC" else 1):
                    return None
                files.append((status, names))
            raws.append(_Raw(string(sha), string(email), string(name), _moment(authored), _moment(committed),
                             string(subject), string(message), files))  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None
    return raws


_STATUS_TEXT = frozenset("ABCDMRTUX")
_LATEST = 2**53
"""Times beyond this are no time git prints (its timestamps are 64-bit, and anything over 2**53 seconds is
hundreds of millions of years away) and would overflow a float (10**400) in the features: a stored one is refused."""


def _moment(value: Any) -> int:
    seconds = integer(value)
    if not -_LATEST < seconds < _LATEST:
        raise ValueError(f"not a commit time: {seconds}")
    return seconds


def _unborn(repo: Repository, rev: str) -> bool:
    """Whether `rev` is the current branch and it has no commit yet (a fresh `git init`)."""
    branch = repo.current_branch()
    if branch is None or rev not in ("HEAD", "@", branch, f"refs/heads/{branch}"):
        return False
    return repo.resolve("HEAD") is None
