"""One file of a diff as a JSON record without its hunks: what the summary cache and the analysis cache store.

Both caches stand in for a diff when a queue is listed (paths, status, blobs, language and line counts, no lines), so
both must write and check a file the same way; a record of the wrong shape raises, and the caller treats the whole
entry as absent.
"""

from __future__ import annotations

from typing import Any

from reviewtui.jsonstore import BOOL, INT, OPT_INT, OPT_STR, STR, array, shaped
from reviewtui.model import FileChange, FileStatus, LineCounts


def encode_file(file: FileChange) -> list[Any]:
    """The file summarised (its hunks replaced by their counts) as a flat list: compact, and cheap to check."""
    file = file.summarised()
    counts = file.counts or LineCounts(0, 0, 0)
    return [
        file.old_path,
        file.new_path,
        file.status.value,
        file.similarity,
        file.old_mode,
        file.new_mode,
        file.old_blob,
        file.new_blob,
        file.binary,
        file.language,
        file.decode_errors,
        counts.hunks,
        counts.added,
        counts.deleted,
    ]


def decode_files(data: Any) -> tuple[FileChange, ...]:
    """The files of a stored list of records; TypeError or ValueError for anything this version did not write."""
    return tuple(_decode_file(item) for item in array(data))


def _decode_file(item: Any) -> FileChange:
    fields = shaped(item, _SHAPE)
    old_path, new_path, status, similarity, old_mode, new_mode, old_blob, new_blob = fields[:8]
    binary, language, decode_errors, hunks, added, deleted = fields[8:]
    return FileChange(
        old_path=old_path,
        new_path=new_path,
        status=FileStatus(status),
        similarity=similarity,
        old_mode=old_mode,
        new_mode=new_mode,
        old_blob=old_blob,
        new_blob=new_blob,
        binary=binary,
        language=language,
        decode_errors=decode_errors,
        counts=LineCounts(hunks, added, deleted),
    )


_SHAPE = (OPT_STR, OPT_STR, STR, OPT_INT, OPT_STR, OPT_STR, OPT_STR, OPT_STR, BOOL, OPT_STR, INT, INT, INT, INT)
