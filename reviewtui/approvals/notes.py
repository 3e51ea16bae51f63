"""Decisions stored in git notes, so they travel with the repository and anyone can verify them offline.

Each head commit has one note under NOTES_REF holding one envelope per line, sorted and unique (git's
cat_sort_uniq merge keeps that shape when clones merge). Writing is compare-and-swap on the ref: git builds the new
notes commit on a private ref, and the shared ref only moves if nobody else moved it meanwhile; otherwise we retry
on top of theirs. Two reviewers approving at once therefore both land, and no write can erase another.
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
import time

from reviewtui.errors import GitError, ReviewtuiError
from reviewtui.repository import Repository

NOTES_REF = "refs/notes/reviewtui/approvals"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "reviewtui",
    "GIT_AUTHOR_EMAIL": "reviewtui@localhost",
    "GIT_COMMITTER_NAME": "reviewtui",
    "GIT_COMMITTER_EMAIL": "reviewtui@localhost",
}
"""Notes commits are bookkeeping; who decided is in the signed envelope, not in the notes commit."""


def read_lines(repo: Repository, commit: str) -> list[str]:
    """The stored envelope lines for a commit (empty when there are none)."""
    if repo.resolve(NOTES_REF) is None:
        return []
    out = repo.run("notes", f"--ref={NOTES_REF}", "show", commit, check=False)
    return [line for line in out.decode("utf-8", "replace").splitlines() if line.strip()]


def annotated(repo: Repository) -> frozenset[str]:
    """Every commit that has a note, so readers ask `notes show` only where there is something.

    Asked once per change of a queue: the ref is read through the persistent cat-file process and the list is
    kept per notes commit, so a queue of thousands costs one `notes list`, yet a decision recorded meanwhile (a new
    notes commit) is seen at once."""
    tip = repo.ref_target(NOTES_REF)
    if tip is None:
        return frozenset()
    key = str(repo.git_dir)
    known = _ANNOTATED.get(key)
    if known is not None and known[0] == tip:
        return known[1]
    out = repo.run("notes", f"--ref={NOTES_REF}", "list", check=False)
    present = frozenset(line.split()[1] for line in out.decode().splitlines() if len(line.split()) == 2)
    _ANNOTATED[key] = (tip, present)
    return present


_ANNOTATED: dict[str, tuple[str, frozenset[str]]] = {}
"""Per git dir: the notes commit last listed and the commits it annotates."""


def append_line(repo: Repository, commit: str, line: str, *, attempts: int = 50) -> None:
    """Add one envelope line to the commit's note, atomically with respect to every other writer."""
    if "\n" in line:
        raise ReviewtuiError("an envelope line must not contain a newline")
    sweep_scratch(repo)
    for attempt in range(attempts):
        old = repo.resolve(NOTES_REF)
        existing = read_lines(repo, commit) if old else []
        if line in existing:
            return
        new = _notes_commit(repo, old, commit, sorted({*existing, line}))
        if _swap(repo, new, old):
            return
        time.sleep(min(0.5, 0.01 * (attempt + 1)) * random.random())
    raise ReviewtuiError(f"{repo.root}: could not record the decision: {NOTES_REF} kept changing ({attempts} tries)")


def _notes_commit(repo: Repository, old: str | None, commit: str, lines: list[str]) -> str:
    """A notes commit with `lines` as the commit's note, whose parent is `old`; built on a private ref."""
    scratch = _scratch_ref()
    try:
        if old is not None:
            repo.run("update-ref", scratch, old)
        note_file = _note_file(repo, lines)
        try:
            repo.run("notes", f"--ref={scratch}", "add", "-f", "-F", note_file, commit, env=_IDENTITY)
        finally:
            os.unlink(note_file)
        sha = repo.resolve(scratch)
        if sha is None:
            raise ReviewtuiError(f"{repo.root}: git notes wrote nothing")
        return sha
    finally:
        repo.run("update-ref", "-d", scratch, check=False)


_SCRATCH = "refs/notes/reviewtui/tmp/"


def _note_file(repo: Repository, lines: list[str]) -> str:
    """The note's text in a temporary file for `git notes add -F`; a full disk is a clear error, not a crash."""
    handle, name = tempfile.mkstemp(suffix=".jsonl")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    except OSError as exc:
        os.unlink(name)
        reason = exc.strerror or str(exc)
        raise ReviewtuiError(f"{repo.root}: cannot record the decision: {reason}; nothing was written") from None
    return name


def _scratch_ref() -> str:
    return f"{_SCRATCH}{os.getpid()}-{secrets.token_hex(4)}"


def sweep_scratch(repo: Repository) -> int:
    """Delete the private refs of writers that died mid-write (kill -9, power loss); returns how many went.

    A scratch ref is named after its writer's pid; while that process lives the ref is left alone. Deletion is
    compare-and-swap on the sha we saw, so nothing another writer just created is ever removed.
    """
    out = repo.run("for-each-ref", "--format=%(objectname) %(refname)", _SCRATCH, check=False).decode()
    swept = 0
    for line in out.splitlines():
        sha, _, ref = line.partition(" ")
        pid = ref[len(_SCRATCH) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            repo.run("update-ref", "-d", ref, sha, check=False)
            swept += 1
    return swept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap(repo: Repository, new: str, old: str | None, message: str = "reviewtui: record decision") -> bool:
    """Move the shared ref from `old` to `new` only if it still points at `old` (absent when None)."""
    try:
        repo.run("update-ref", "-m", message, NOTES_REF, new, old or "")
    except GitError:
        return False
    return True


def sync(repo: Repository, remote: str, *, attempts: int = 5) -> tuple[str, str]:
    """Fetch the remote's decisions, merge them into ours (cat_sort_uniq: the union of lines), push the result.

    The merge is built on a private ref and swapped in like any other write, so a decision recorded here while
    sync runs is never dropped. A push that loses a race with another reviewer's push is retried on top of theirs;
    nothing is forced, so a decision that reached the remote is never overwritten.
    """
    tracking = f"refs/notes/reviewtui/remotes/{remote}/approvals"
    for _ in range(attempts):
        theirs = _fetch(repo, remote, tracking)
        fetched = "nothing (the remote has no decisions yet)" if theirs is None else theirs[:12]
        if theirs is not None:
            _take_in(repo, theirs, tracking)
        if repo.resolve(NOTES_REF) is None:
            return fetched, "nothing (no decisions here)"
        if _push(repo, remote):
            return fetched, (repo.resolve(NOTES_REF) or "")[:12]
        # someone pushed meanwhile: fetch, merge theirs and try again
    raise ReviewtuiError(f"{repo.root}: {remote} kept changing while syncing {NOTES_REF}; run sync again")


def _take_in(repo: Repository, theirs: str, tracking: str, *, attempts: int = 50) -> None:
    """Make our ref contain `theirs`: a fast-forward, or a cat_sort_uniq merge; compare-and-swap like `append_line`."""
    for attempt in range(attempts):
        ours = repo.resolve(NOTES_REF)
        if ours == theirs or (ours is not None and repo.is_ancestor(theirs, ours)):
            return
        new = theirs if ours is None or repo.is_ancestor(ours, theirs) else _merged(repo, ours, tracking)
        if _swap(repo, new, ours, "reviewtui: merge decisions"):
            return
        time.sleep(min(0.5, 0.01 * (attempt + 1)) * random.random())
    raise ReviewtuiError(f"{repo.root}: could not merge the remote's decisions: {NOTES_REF} kept changing")


def _merged(repo: Repository, ours: str, tracking: str) -> str:
    """The merge of `tracking` into `ours` (git's cat_sort_uniq strategy), made on a private ref."""
    scratch = _scratch_ref()
    try:
        repo.run("update-ref", scratch, ours)
        repo.run("notes", f"--ref={scratch}", "merge", "--quiet", "-s", "cat_sort_uniq", tracking, env=_IDENTITY)
        sha = repo.resolve(scratch)
        if sha is None:
            raise ReviewtuiError(f"{repo.root}: git notes merge wrote nothing")
        return sha
    finally:
        repo.run("update-ref", "-d", scratch, check=False)


def _push(repo: Repository, remote: str) -> bool:
    """Push our ref; False when the remote moved since the fetch (merge theirs first), an error when it refuses."""
    refspec = f"{NOTES_REF}:{NOTES_REF}"
    out = repo.run("push", "--porcelain", remote, refspec, check=False).decode("utf-8", "replace")
    for line in out.splitlines():
        flag, _, rest = line.partition("\t")
        spec, _, summary = rest.partition("\t")
        if spec != refspec:
            continue
        if flag != "!":
            return True
        if summary.startswith("[rejected]"):
            return False  # fetch first / non-fast-forward
        raise ReviewtuiError(
            f"{repo.root}: {remote} refused {NOTES_REF}: {summary.strip()}; nothing was lost, every decision is "
            "still here; run sync again once the remote accepts the push"
        )
    try:  # no status line: the connection failed or dropped before any ref moved; this says why
        repo.run("push", "--quiet", remote, refspec)
    except GitError as exc:
        raise ReviewtuiError(
            f"{repo.root}: pushing {NOTES_REF} to {remote} failed ({_detail(exc)}); nothing was lost, every decision "
            "is still here; run sync again once the remote is reachable"
        ) from None
    return True


def _detail(exc: GitError) -> str:
    """git's own complaint, without the repository path our GitError puts in front of it."""
    return str(exc).split(": ", 1)[-1]


def _fetch(repo: Repository, remote: str, tracking: str) -> str | None:
    try:
        repo.run("fetch", "--quiet", "--no-tags", remote, f"+{NOTES_REF}:{tracking}")
    except GitError as exc:
        if "couldn't find remote ref" in str(exc):
            return None
        raise ReviewtuiError(
            f"{repo.root}: fetching {NOTES_REF} from {remote} failed ({_detail(exc)}); nothing here was changed"
        ) from None
    return repo.resolve(tracking)
