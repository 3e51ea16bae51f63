"""Guess a file's language from its name with Pygments' own filename table.

The guess feeds rule language filters and syntax highlighting, so it must agree with the highlighter; asking
Pygments (rather than keeping our own extension list) guarantees that. Results are cached per name pattern
because the same extensions recur thousands of times in a queue.
"""

from __future__ import annotations

import functools
import posixpath

from pygments.lexers import find_lexer_class_for_filename
from pygments.util import ClassNotFound

# Names Pygments does not know but reviewers meet daily in AI changes.
_EXTRA = {
    "Dockerfile": "Docker",
    "CODEOWNERS": "CODEOWNERS",
    "go.sum": "Text only",
}
# Extensions where Pygments' first match is a dialect rather than the language people mean.
_EXTRA_EXT = {".sql": "SQL", ".lock": "Text only"}


def guess_language(path: str) -> str | None:
    """The Pygments lexer name for `path` (e.g. "Python", "Terraform"), or None when unknown."""
    name = posixpath.basename(path)
    if name in _EXTRA:
        return _EXTRA[name]
    _, ext = posixpath.splitext(name)
    if ext in _EXTRA_EXT:
        return _EXTRA_EXT[ext]
    # Files with an extension share one cache entry; extension-less names (Makefile) are looked up whole.
    return _by_name(f"x{ext}" if ext else name)


@functools.lru_cache(maxsize=4096)
def _by_name(name: str) -> str | None:
    try:
        lexer = find_lexer_class_for_filename(name)
    except ClassNotFound:
        return None
    return lexer.name if lexer is not None else None
