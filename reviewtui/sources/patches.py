"""Pending changes that arrive as files: `git format-patch` mail and plain unified diffs.

Mail is taken apart by git itself (`git mailsplit` and `git mailinfo`, the same code `git am` runs), so encodings,
`[PATCH n/m]` prefixes and bodies that contain "From " lines are handled exactly as git would. Each message is one
change (`patch:<file>`, or `patch:<file>#<n>` inside a multi-message mbox); a series is several changes, because
combining patches would mean applying them, which needs the base they were made on.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from reviewtui.diff import decode_notes, parse_patch_text
from reviewtui.errors import PatchError, ReviewtuiError
from reviewtui.model import Change, Commit, Person, SourceKind, Trailer
from reviewtui.provenance import ProvenanceDetector
from reviewtui.repository import run_git

PATCH_SUFFIXES = frozenset({".patch", ".diff", ".mbox", ".eml"})
_FROM_LINE = re.compile(rb"^From (?P<sha>[0-9a-f]{40}) ")
_BASE_COMMIT = re.compile(rb"^base-commit: (?P<sha>[0-9a-f]{40})\s*$", re.MULTILINE)
_PLAIN_DIFF_START = (b"diff ", b"--- ", b"Index: ", b"*** ")


def patch_files(folder: Path) -> list[Path]:
    """The patch files of a folder, in name order (format-patch numbers them so that this is series order);
    a single file given instead of a folder is taken as it is, whatever its name."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        raise PatchError(f"{folder}: no such file or folder of patches")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PATCH_SUFFIXES)


def load_patch_folder(
    folder: Path, detector: ProvenanceDetector, repo: str, warnings: list[str] | None = None
) -> list[Change]:
    """Every change of every patch file. With `warnings`, a file that cannot be read is named there and the others
    still load (one bad attachment must not hide the rest of a folder); only when no file loads at all is the first
    problem an error, so a folder of nothing but broken patches still fails with one clear line."""
    changes: list[Change] = []
    problems: list[ReviewtuiError] = []
    for path in patch_files(folder):
        try:
            changes += load_patch_file(path, detector, repo)
        except ReviewtuiError as exc:
            if warnings is None:
                raise
            problems.append(exc)
    if problems and not changes:
        raise problems[0]
    if warnings is not None:
        warnings += [f"skipped {exc}" for exc in problems]
    return changes


def load_patch_file(path: Path, detector: ProvenanceDetector, repo: str) -> list[Change]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PatchError(f"{path}: cannot read: {exc.strerror}") from None
    if _is_plain_diff(data):
        return [_plain_change(path, data, repo)]
    return _mail_changes(path, detector, repo)


def _is_plain_diff(data: bytes) -> bool:
    first = data.lstrip(b"\r\n").split(b"\n", 1)[0]
    return first.startswith(_PLAIN_DIFF_START)


def _plain_change(path: Path, data: bytes, repo: str) -> Change:
    files = parse_patch_text(data, context=str(path))
    if not files:
        raise PatchError(f"{path}: contains no diff")
    return Change(
        id=f"patch:{path.name}",
        title=path.stem,
        description="",
        source=SourceKind.PATCH,
        repo=repo,
        files=files,
        origin=str(path),
        notes=decode_notes(files),
    )


def _mail_changes(path: Path, detector: ProvenanceDetector, repo: str) -> list[Change]:
    with tempfile.TemporaryDirectory(prefix="reviewtui-mail-") as tmp:
        folder = Path(tmp)
        run_git(None, ["mailsplit", f"-o{folder}", "-b", "--keep-cr", "--", str(path)], where=str(path))
        messages = sorted(folder.iterdir())
        changes = []
        for number, message in enumerate(messages, 1):
            suffix = f"#{number}" if len(messages) > 1 else ""
            change = _mail_change(path, message, f"patch:{path.name}{suffix}", detector, repo, folder)
            if change is not None:
                changes.append(change)
    if not changes:
        raise PatchError(f"{path}: contains no patch (is it a cover letter?)")
    return changes


def _mail_change(
    path: Path, message: Path, change_id: str, detector: ProvenanceDetector, repo: str, scratch: Path
) -> Change | None:
    raw = message.read_bytes()
    msg_file, patch_file = scratch / "msg", scratch / "patch"
    with message.open("rb") as stdin:
        info = run_git(None, ["mailinfo", str(msg_file), str(patch_file)], where=str(path), stdin=stdin)
    headers = _mail_headers(info.decode("utf-8", "replace"))
    patch = patch_file.read_bytes()
    files = parse_patch_text(patch, context=str(path))
    if not files:
        return None  # a cover letter or a message without a diff
    body = msg_file.read_text(encoding="utf-8", errors="replace").strip("\n")
    subject = headers.get("Subject", "").strip() or path.stem
    sha = _FROM_LINE.match(raw)
    base = _BASE_COMMIT.search(raw)
    commit = _commit(headers, subject, body, sha.group("sha").decode() if sha else "", path)
    return Change(
        id=change_id,
        title=subject,
        description=body,
        source=SourceKind.PATCH,
        repo=repo,
        files=files,
        commits=(commit,),
        base=base.group("sha").decode() if base else None,
        merge_base=base.group("sha").decode() if base else None,
        head=commit.sha or None,
        agent=detector.detect([commit]),
        created=commit.authored,
        updated=commit.committed,
        origin=str(path),
        notes=decode_notes(files),
    )


def _mail_headers(info: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in info.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            headers[key] = value
    return headers


def _commit(headers: dict[str, str], subject: str, body: str, sha: str, path: Path) -> Commit:
    author = Person(headers.get("Author", ""), headers.get("Email", ""))
    date = _mail_date(headers.get("Date"), path)
    message = f"{subject}\n\n{body}" if body else subject
    return Commit(
        sha=sha,
        parents=(),
        author=author,
        authored=date,
        committer=author,
        committed=date,
        message=message,
        trailers=_trailers(message, path),
    )


def _mail_date(value: str | None, path: Path) -> datetime:
    if not value:
        raise PatchError(f"{path}: the mail has no Date header")
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise PatchError(f"{path}: unreadable Date header {value!r}") from None


def _trailers(message: str, path: Path) -> tuple[Trailer, ...]:
    """Let git find the trailers, exactly as it does for commits."""
    with tempfile.TemporaryFile() as stdin:
        stdin.write(message.encode("utf-8"))
        stdin.seek(0)
        out = run_git(None, ["interpret-trailers", "--parse", "--unfold"], where=str(path), stdin=stdin)
    trailers = []
    for line in out.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            trailers.append(Trailer(key.strip(), value.strip()))
    return tuple(trailers)
