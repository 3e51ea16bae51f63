"""The change model: what a pending change *is*, independent of where it came from and of any UI.

Every later stage (rules, risk, the TUI, approvals, audit) reads these objects and never touches git plumbing or
diff text again, so the model records everything a reviewer or a verifier may need: exact line texts with their
line endings, file modes and blob ids, whether decoding had to replace bytes, and where the change came from.
Objects are frozen so that a change, once loaded, can be shared between threads and hashed into approvals.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SourceKind(StrEnum):
    """Where a change was found; decides what `base` and `head` mean for it."""

    PULL_REQUEST = "pull-request"
    MERGE_REQUEST = "merge-request"
    BRANCH = "branch"
    PATCH = "patch"
    COMMIT = "commit"


class FileStatus(StrEnum):
    """What happened to one path, in git's vocabulary (`git diff --raw` letters A D M R C T plus mode-only)."""

    ADDED = "added"
    DELETED = "deleted"
    MODIFIED = "modified"
    RENAMED = "renamed"
    COPIED = "copied"
    MODE_CHANGED = "mode-changed"
    TYPE_CHANGED = "type-changed"


class LineKind(StrEnum):
    CONTEXT = "context"
    ADDED = "added"
    REMOVED = "removed"


SUBMODULE_MODE = "160000"
SYMLINK_MODE = "120000"


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a hunk.

    `text` excludes the line terminator; `eol` keeps it ("\\n", "\\r\\n", or "" when the file ends without a newline)
    so CRLF files and "\\ No newline at end of file" survive exactly, which signatures over reviewed content need.
    """

    kind: LineKind
    old_no: int | None
    new_no: int | None
    text: str
    eol: str = "\n"

    @property
    def no_newline(self) -> bool:
        return self.eol == ""


@dataclass(frozen=True, slots=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str
    lines: tuple[DiffLine, ...]

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.kind is LineKind.ADDED)

    @property
    def deleted(self) -> int:
        return sum(1 for line in self.lines if line.kind is LineKind.REMOVED)

    def digest(self) -> str:
        """Content hash independent of position, so "viewed" marks survive a re-push that only moves the hunk."""
        h = hashlib.sha256()
        for line in self.lines:
            h.update(line.kind.value[0].encode())
            h.update(line.text.encode("utf-8", "surrogatepass"))
            h.update(line.eol.encode() or b"\x00")
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class LineCounts:
    """A file's size when its hunks were left out: a change read back from the summary cache
    (`reviewtui.summary`) lists, counts and ranks without git producing or anything parsing its diff."""

    hunks: int
    added: int
    deleted: int


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path's change. Paths are repository-relative and exactly as git stores them (never quoted)."""

    old_path: str | None
    new_path: str | None
    status: FileStatus
    hunks: tuple[Hunk, ...] = ()
    similarity: int | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    old_blob: str | None = None
    new_blob: str | None = None
    binary: bool = False
    language: str | None = None
    decode_errors: int = 0
    """How many undecodable byte sequences were replaced by U+FFFD while reading this file's diff."""
    counts: LineCounts | None = None
    """Set instead of `hunks` on a summarised file (see LineCounts); `sources.full.full_change` reads the hunks."""

    @property
    def path(self) -> str:
        """The path a reviewer knows the file by: the new one unless the file was deleted."""
        return self.new_path if self.new_path is not None else (self.old_path or "")

    @property
    def submodule(self) -> bool:
        return SUBMODULE_MODE in (self.old_mode, self.new_mode)

    @property
    def symlink(self) -> bool:
        return SYMLINK_MODE in (self.old_mode, self.new_mode)

    @property
    def added(self) -> int:
        return self.counts.added if self.counts is not None else sum(h.added for h in self.hunks)

    @property
    def deleted(self) -> int:
        return self.counts.deleted if self.counts is not None else sum(h.deleted for h in self.hunks)

    @property
    def hunk_count(self) -> int:
        return self.counts.hunks if self.counts is not None else len(self.hunks)

    def summarised(self) -> FileChange:
        """The same file with its hunks replaced by their counts (what the summary cache stores)."""
        if self.counts is not None:
            return self
        counts = LineCounts(len(self.hunks), self.added, self.deleted)
        return FileChange(
            old_path=self.old_path,
            new_path=self.new_path,
            status=self.status,
            similarity=self.similarity,
            old_mode=self.old_mode,
            new_mode=self.new_mode,
            old_blob=self.old_blob,
            new_blob=self.new_blob,
            binary=self.binary,
            language=self.language,
            decode_errors=self.decode_errors,
            counts=counts,
        )


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True, slots=True)
class Trailer:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author: Person
    authored: datetime
    committer: Person
    committed: datetime
    message: str
    trailers: tuple[Trailer, ...] = ()

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    @property
    def body(self) -> str:
        parts = self.message.split("\n", 1)
        return parts[1].strip("\n") if len(parts) == 2 else ""

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


@dataclass(frozen=True, slots=True)
class Agent:
    """Which automation produced a change, who ran it, and the evidence; `signal` is shown to reviewers verbatim."""

    name: str
    operator: str | None
    signal: str
    kind: str = "ai"
    """"ai" for coding agents, "bot" for non-AI automation such as dependency bots."""


@dataclass(frozen=True, slots=True)
class Stats:
    files: int
    added: int
    deleted: int


@dataclass(frozen=True, slots=True)
class Change:
    """A pending change as a reviewer sees it: merge-base..head of a ref, one commit, or one patch file.

    `base` is the tip of the base branch when the queue was read; `merge_base` is what the diff is taken against
    (what a pull-request page shows). Patch files have neither unless their headers name commits.
    """

    id: str
    title: str
    description: str
    source: SourceKind
    repo: str
    files: tuple[FileChange, ...]
    commits: tuple[Commit, ...] = ()
    base_ref: str | None = None
    base: str | None = None
    merge_base: str | None = None
    head: str | None = None
    ref: str | None = None
    aliases: tuple[str, ...] = ()
    """Other refs that point at the same head (a branch that is also a PR, a local and a remote branch)."""
    agent: Agent | None = None
    created: datetime | None = None
    updated: datetime | None = None
    origin: str | None = None
    """For patch changes: the file it was read from."""
    notes: tuple[str, ...] = field(default=())
    """Facts found while loading that a reviewer should know (e.g. a diff that was not valid UTF-8)."""

    @property
    def authors(self) -> tuple[Person, ...]:
        seen: dict[Person, None] = {}
        for commit in self.commits:
            seen.setdefault(commit.author, None)
        return tuple(seen)

    @property
    def stats(self) -> Stats:
        return Stats(
            files=len(self.files),
            added=sum(f.added for f in self.files),
            deleted=sum(f.deleted for f in self.files),
        )

    @property
    def human_only(self) -> bool:
        return self.agent is None

    @property
    def summarised(self) -> bool:
        """True when the files carry counts instead of hunks: listing, ranking and cached findings need no more, but
        anything that reads lines (the rule scan, the diff view, an approval's coverage) must load the full change
        first (`reviewtui.sources.full.full_change`)."""
        return any(f.counts is not None for f in self.files)
