"""Turn diff output into FileChanges.

Two inputs exist. Git's own output (`git diff --raw -z -p`) gives a NUL-separated raw record per path, which
carries the exact path bytes, modes, blob ids, status letter and rename score, followed by the patch; the raw
record is authoritative for metadata (paths with spaces, quotes, newlines or leading dashes are never re-parsed
from quoted headers) and unidiff parses the hunks. Patch files from elsewhere have no raw records, so for them
the metadata comes from unidiff's reading of the git extended headers.

Undecodable bytes in hunk text are replaced with U+FFFD and counted per file; nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from unidiff.errors import UnidiffParseError
from unidiff.patch import Hunk as UnidiffHunk
from unidiff.patch import PatchedFile, PatchSet

from reviewtui.errors import PatchError
from reviewtui.language import guess_language
from reviewtui.model import DiffLine, FileChange, FileStatus, Hunk, LineKind

_STATUS = {
    "A": FileStatus.ADDED,
    "D": FileStatus.DELETED,
    "M": FileStatus.MODIFIED,
    "R": FileStatus.RENAMED,
    "C": FileStatus.COPIED,
    "T": FileStatus.TYPE_CHANGED,
}
_NULL_SHA = "0" * 40
_REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\udc80-\udcff]")
_HUNK_START = re.compile(rb"^@@ ", re.MULTILINE)
_FILE_START = re.compile(rb"^diff --git ", re.MULTILINE)
_BINARY_MARK = re.compile(rb"^(Binary files |GIT binary patch$)", re.MULTILINE)
_KIND = {"+": LineKind.ADDED, "-": LineKind.REMOVED, " ": LineKind.CONTEXT}


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One `git diff --raw -z` entry."""

    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str
    letter: str
    score: int | None
    old_path: str
    new_path: str


def parse_git_diff(data: bytes, *, context: str = "diff") -> tuple[FileChange, ...]:
    """Parse `git diff|log --raw -z -p` output for one change (raw records, then the patch)."""
    try:
        records, patch = _split_raw(data, context)
    except (ValueError, IndexError):  # a record cut short (no NUL), not ASCII, or a bad score: not git's output
        raise PatchError(f"{context}: git printed a raw diff record that cannot be read") from None
    chunks = list(_split_files(patch))
    files: list[FileChange] = []
    index = 0
    for record in records:
        if index >= len(chunks):
            raise PatchError(f"{context}: git printed no patch for {record.new_path!r}")
        pieces = [chunks[index]]
        index += 1
        if record.letter == "T" and _is_delete_create_pair(pieces[0], chunks, index):
            # git prints a type change (file <-> symlink <-> submodule) as a deletion followed by a creation.
            pieces.append(chunks[index])
            index += 1
        files.append(_file_from_record(record, pieces))
    if index != len(chunks):
        raise PatchError(f"{context}: {len(chunks) - index} patch section(s) without a raw record")
    return tuple(files)


def parse_patch_text(data: bytes, *, context: str) -> tuple[FileChange, ...]:
    """Parse a unified diff that did not come from our own git call (a patch file), with unidiff alone."""
    try:
        patch_set = PatchSet(_decode(data))
    except UnidiffParseError as exc:
        raise PatchError(f"{context}: not a valid unified diff: {exc}") from None
    files: list[FileChange] = []
    for patched in patch_set:
        header = "".join(patched.patch_info or [])
        file = _file_from_unidiff(patched, header, context)
        if files and _is_type_change(files[-1], file):
            file = _joined_type_change(files.pop(), file)
        files.append(file)
    return tuple(files)


def _is_type_change(deleted: FileChange, added: FileChange) -> bool:
    """git writes a file <-> symlink change as a deletion and a creation of the same path."""
    return (
        deleted.status is FileStatus.DELETED
        and added.status is FileStatus.ADDED
        and deleted.old_path == added.new_path
        and deleted.old_mode != added.new_mode
    )


def _joined_type_change(deleted: FileChange, added: FileChange) -> FileChange:
    return FileChange(
        old_path=deleted.old_path,
        new_path=added.new_path,
        status=FileStatus.TYPE_CHANGED,
        hunks=deleted.hunks + added.hunks,
        old_mode=deleted.old_mode,
        new_mode=added.new_mode,
        old_blob=deleted.old_blob,
        new_blob=added.new_blob,
        binary=deleted.binary or added.binary,
        language=added.language,
        decode_errors=deleted.decode_errors + added.decode_errors,
    )


def decode_notes(files: Iterable[FileChange]) -> tuple[str, ...]:
    """What a reviewer must be told about bytes we could not show as they are."""
    return tuple(
        f"{file.path}: {file.decode_errors} byte sequence(s) were not valid UTF-8 and are shown as U+FFFD"
        for file in files
        if file.decode_errors
    )


# -- git raw records -----------------------------------------------------------------------------------------------


def _split_raw(data: bytes, context: str) -> tuple[list[RawRecord], bytes]:
    """Read raw records off the front of `data`; what follows the empty record is the patch."""
    records: list[RawRecord] = []
    pos = 0
    size = len(data)
    while pos < size and data[pos : pos + 1] in (b"\n", b"\x00"):
        pos += 1
    while pos < size and data[pos : pos + 1] == b":":
        end = data.index(b"\x00", pos)
        meta = data[pos + 1 : end].decode("ascii").split(" ")
        if len(meta) != 5:
            raise PatchError(f"{context}: unexpected raw diff record {data[pos:end]!r}")
        old_mode, new_mode, old_blob, new_blob, status = meta
        pos = end + 1
        paths = []
        for _ in range(2 if status[0] in "RC" else 1):
            end = data.index(b"\x00", pos)
            paths.append(data[pos:end].decode("utf-8", "surrogateescape"))
            pos = end + 1
        records.append(
            RawRecord(
                old_mode=old_mode,
                new_mode=new_mode,
                old_blob=old_blob,
                new_blob=new_blob,
                letter=status[0],
                score=int(status[1:]) if status[1:] else None,
                old_path=paths[0],
                new_path=paths[-1],
            )
        )
    while pos < size and data[pos : pos + 1] == b"\x00":
        pos += 1
    return records, data[pos:]


def _split_files(patch: bytes) -> Iterator[bytes]:
    """Cut the patch at each `diff --git` line; hunk lines always start with a prefix character, so this is exact."""
    starts = [m.start() for m in _FILE_START.finditer(patch)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(patch)
        yield patch[start:end]


def _is_delete_create_pair(chunk: bytes, chunks: list[bytes], index: int) -> bool:
    return (
        index < len(chunks)
        and re.search(rb"^deleted file mode ", chunk, re.MULTILINE) is not None
        and re.search(rb"^new file mode ", chunks[index], re.MULTILINE) is not None
    )


def _file_from_record(record: RawRecord, pieces: list[bytes]) -> FileChange:
    hunks: tuple[Hunk, ...] = ()
    errors = 0
    binary = False
    for chunk in pieces:
        first_hunk = _HUNK_START.search(chunk)
        header = chunk[: first_hunk.start()] if first_hunk else chunk
        if _BINARY_MARK.search(header) is not None:
            binary = True
        elif first_hunk:
            more, count = _parse_hunks(chunk[first_hunk.start() :], record.new_path)
            hunks += more
            errors += count
    old_path: str | None = record.old_path
    new_path: str | None = record.new_path
    status = _STATUS.get(record.letter, FileStatus.MODIFIED)
    if status is FileStatus.ADDED:
        old_path = None
    elif status is FileStatus.DELETED:
        new_path = None
    elif status is FileStatus.MODIFIED and record.old_blob == record.new_blob and record.old_mode != record.new_mode:
        status = FileStatus.MODE_CHANGED
    return FileChange(
        old_path=old_path,
        new_path=new_path,
        status=status,
        hunks=hunks,
        similarity=record.score if status in (FileStatus.RENAMED, FileStatus.COPIED) else None,
        old_mode=None if record.old_mode == "000000" else record.old_mode,
        new_mode=None if record.new_mode == "000000" else record.new_mode,
        old_blob=None if record.old_blob == _NULL_SHA else record.old_blob,
        new_blob=None if record.new_blob == _NULL_SHA else record.new_blob,
        binary=binary,
        language=guess_language(new_path or old_path or ""),
        decode_errors=errors,
    )


# -- hunks -----------------------------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Undecodable bytes become lone surrogates here and U+FFFD (counted) when lines are built."""
    return data.decode("utf-8", "surrogateescape")


def _parse_hunks(data: bytes, path: str) -> tuple[tuple[Hunk, ...], int]:
    text = _decode(data)
    try:
        patch_set = PatchSet("--- a\n+++ b\n" + text)
    except UnidiffParseError as exc:
        raise PatchError(f"{path!r}: git printed a hunk unidiff cannot parse: {exc}") from None
    # Almost every diff is valid UTF-8: one search over the whole text spares a search per line.
    return _convert_hunks(patch_set[0], _SURROGATES.search(text) is not None) if patch_set else ((), 0)


def _convert_hunks(patched: Iterable[UnidiffHunk], undecodable: bool = True) -> tuple[tuple[Hunk, ...], int]:
    hunks = []
    errors = 0
    for raw in patched:
        hunk, count = _convert_hunk(raw, undecodable)
        hunks.append(hunk)
        errors += count
    return tuple(hunks), errors


def _replace_undecodable(text: str) -> tuple[str, int]:
    """Show each invalid UTF-8 sequence as one U+FFFD, exactly as `bytes.decode("utf-8", "replace")` would.

    `surrogateescape` keeps one surrogate per byte, so replacing surrogates one by one would turn a truncated
    character (b"\\xe4\\xb8") into two U+FFFD and count two errors where every UTF-8 reader shows one. Literal
    U+FFFD characters that were valid in the file are not counted.
    """
    if _SURROGATES.search(text) is None:
        return text, 0
    fixed = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return fixed, fixed.count(_REPLACEMENT) - text.count(_REPLACEMENT)


def _convert_hunk(hunk: UnidiffHunk, undecodable: bool = True) -> tuple[Hunk, int]:
    lines: list[DiffLine] = []
    errors = 0
    for line in hunk:
        if line.line_type == "\\":
            if lines:  # "\ No newline at end of file" belongs to the line before it
                last = lines[-1]
                # The "\n" split off that line was the diff's own line break, so a "\r" before it is file content
                # (a file ending in "x\r"), not half of a CRLF.
                text = last.text + "\r" if last.eol == "\r\n" else last.text
                lines[-1] = DiffLine(last.kind, last.old_no, last.new_no, text, "")
            continue
        kind = _KIND.get(line.line_type)
        if kind is None:  # unidiff's synthetic empty trailing line
            continue
        value = line.value
        if undecodable:
            value, count = _replace_undecodable(value)
            errors += count
        if value.endswith("\r\n"):
            text, eol = value[:-2], "\r\n"
        elif value.endswith("\n"):
            text, eol = value[:-1], "\n"
        else:
            text, eol = value, ""
        lines.append(DiffLine(kind, line.source_line_no, line.target_line_no, text, eol))
    section, count = _replace_undecodable(hunk.section_header.rstrip("\n"))
    converted = Hunk(
        old_start=hunk.source_start,
        old_count=hunk.source_length,
        new_start=hunk.target_start,
        new_count=hunk.target_length,
        section=section,
        lines=tuple(lines),
    )
    return converted, errors + count


# -- patch files -----------------------------------------------------------------------------------------------------

_HEADER_FIELDS = re.compile(
    r"^(similarity index (?P<sim>\d+)%|rename from |copy from (?P<copy>.*)|rename to |copy to "
    r"|index (?P<old>[0-9a-f]+)\.\.(?P<new>[0-9a-f]+))",
    re.MULTILINE,
)
_GIT_HEADER = re.compile(r"^diff --git ", re.MULTILINE)
_TIMESTAMP = re.compile(r"^(?P<when>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.0+)? (?P<zone>[+-]\d{4})$")


def _file_from_unidiff(patched: PatchedFile, header: str, context: str) -> FileChange:
    source = None if patched.source_file == "/dev/null" else _strip_prefix(patched.source_file)
    target = None if patched.target_file == "/dev/null" else _strip_prefix(patched.target_file)
    if _GIT_HEADER.search(header) is None:
        source, target = _traditional_paths(patched, source, target)
    similarity = None
    old_blob = new_blob = None
    copied = False
    for match in _HEADER_FIELDS.finditer(header):
        if match.group("sim"):
            similarity = int(match.group("sim"))
        if match.group("copy") is not None:
            copied = True
        if match.group("old"):
            old_blob, new_blob = match.group("old"), match.group("new")
    hunks, errors = ((), 0) if patched.is_binary_file else _convert_hunks(patched)
    if source is None and target is None:
        raise PatchError(f"{context}: a file entry names neither an old nor a new path")
    if source is None:
        status = FileStatus.ADDED
    elif target is None:
        status = FileStatus.DELETED
    elif source != target:
        status = FileStatus.COPIED if copied else FileStatus.RENAMED
    elif patched.source_mode != patched.target_mode and not hunks:
        status = FileStatus.MODE_CHANGED
    else:
        status = FileStatus.MODIFIED
    if status is FileStatus.MODIFIED and not hunks and not patched.is_binary_file:
        # `--- a/x` `+++ b/x` then lines without an `@@` header: unidiff drops them and `git apply` refuses the
        # patch, so showing an empty change would hide from the reviewer that something was there.
        raise PatchError(f"{context}: {target or source!r} has a file header but no hunk (no '@@' line)")
    return FileChange(
        old_path=source,
        new_path=target,
        status=status,
        hunks=hunks,
        similarity=similarity if status in (FileStatus.RENAMED, FileStatus.COPIED) else None,
        old_mode=patched.source_mode,
        new_mode=patched.target_mode,
        old_blob=None if old_blob is None or set(old_blob) == {"0"} else old_blob,
        new_blob=None if new_blob is None or set(new_blob) == {"0"} else new_blob,
        binary=bool(patched.is_binary_file),
        language=guess_language(target or source or ""),
        decode_errors=errors,
    )


def _traditional_paths(patched: PatchedFile, source: str | None, target: str | None) -> tuple[str | None, str | None]:
    """Read a `diff -u`/`diff -Naur` file entry the way `git apply` does.

    Such a diff cannot express a rename: two different names are one file (`x.orig` against `x` is `x`; the shorter
    name wins when the other only extends it, else the new name). `diff -N` writes an absent side as an empty file
    dated the Unix epoch, so that side means the file was added or deleted.
    """
    if source is not None and target is not None and source != target:
        source = target = source if target.startswith(source) else target
    if source is not None and target is not None:
        if _is_epoch(patched.source_timestamp):
            return None, target
        if _is_epoch(patched.target_timestamp):
            return source, None
    return source, target


def _is_epoch(timestamp: str | None) -> bool:
    match = _TIMESTAMP.match((timestamp or "").strip())
    if match is None:
        return False
    try:
        when = datetime.strptime(match["when"] + match["zone"], "%Y-%m-%d %H:%M:%S%z")
    except ValueError:  # a date that only looks like one (month 13) is just a label
        return False
    return when.timestamp() == 0


def _strip_prefix(name: str) -> str:
    """`a/x` -> `x`; git C-quotes unusual names in headers ("a/sp\\303\\274"), which we unquote."""
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        name = _unquote_c(name[1:-1])
    return name[2:] if name[:2] in ("a/", "b/") else name


_C_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _unquote_c(quoted: str) -> str:
    """Undo git's quote_c_style for names in patch-file headers (octal bytes, then UTF-8)."""
    out = bytearray()
    i = 0
    while i < len(quoted):
        char = quoted[i]
        if char == "\\" and i + 1 < len(quoted):
            nxt = quoted[i + 1]
            if nxt in _C_ESCAPES:
                out.append(_C_ESCAPES[nxt])
                i += 2
                continue
            if quoted[i + 1 : i + 4].isdigit():
                out.append(int(quoted[i + 1 : i + 4], 8))
                i += 4
                continue
        out += char.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")
