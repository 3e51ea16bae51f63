"""Which words changed inside a modified line, so a reviewer sees `timeout=15` became `timeout=5` at a glance.

A hunk shows a modified line as a removed line and an added one. Runs of removed lines followed by runs of added
lines are paired in order (the i-th removed with the i-th added, as git and delta do); each pair is compared token
by token (words, runs of spaces, single punctuation marks) with difflib, and the differing tokens become character
spans to emphasise. A pair that shares too little is a rewrite, not an edit: emphasising nearly everything would
hide the few lines where a small edit matters, so such pairs get no spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from reviewtui.model import DiffLine, LineKind

Span = tuple[int, int]
"""Characters `start` to `end` (exclusive) of one line."""

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
MIN_SIMILARITY = 0.4
"""Below this share of unchanged characters the pair is shown without word emphasis (a rewrite)."""
MAX_LENGTH = 2000
"""Longer lines are not compared: the cost is quadratic in tokens and a 5000-character line is rarely an edit."""


def pair_lines(lines: Sequence[DiffLine]) -> dict[int, int]:
    """Index of each paired removed line -> index of its added partner, and the reverse, in one map."""
    pairs: dict[int, int] = {}
    index = 0
    while index < len(lines):
        if lines[index].kind is not LineKind.REMOVED:
            index += 1
            continue
        removed_start = index
        while index < len(lines) and lines[index].kind is LineKind.REMOVED:
            index += 1
        added_start = index
        while index < len(lines) and lines[index].kind is LineKind.ADDED:
            index += 1
        for offset in range(min(added_start - removed_start, index - added_start)):
            pairs[removed_start + offset] = added_start + offset
            pairs[added_start + offset] = removed_start + offset
    return pairs


PAIR_LIMIT = 1000
"""A removed or added run longer than this (in lines) is a rewrite: its block is not paired line by line."""


def pairs_around(lines: Sequence[DiffLine], index: int, limit: int = PAIR_LIMIT) -> tuple[dict[int, int], range]:
    """The pairs (both ways, as `pair_lines` gives them) of the block of removed-then-added lines that holds line
    `index`, and the lines this answers for: every line in that range without a pair has none. A block with a run
    longer than `limit` lines has no pairs. Looks at about as many lines as the range holds, and at most about
    `3 * limit` of them however long the runs are, so a caller that remembers the answer for the whole range pays
    about one step per line drawn."""
    kind = lines[index].kind
    if kind is LineKind.CONTEXT:
        return {}, range(index, index + 1)
    start = _run_start(lines, index, kind, limit)
    if start is None:  # deep inside a run longer than the limit: it and its neighbours have no partner
        return {}, range(index - limit, _run_reach(lines, index, kind, limit))
    end = _run_end(lines, start, kind, limit)
    if end is None:
        return {}, range(start, start + limit + 1)
    if kind is LineKind.REMOVED:
        removed, added = start, end
        stop = _run_end(lines, added, LineKind.ADDED, limit)
        if stop is None:
            return {}, range(removed, added + limit + 1)
    else:
        added, stop = start, end
        found = _run_start(lines, added - 1, LineKind.REMOVED, limit) if added else added
        if found is None:
            return {}, range(added, stop)
        removed = found
    pairs: dict[int, int] = {}
    for offset in range(min(added - removed, stop - added)):
        pairs[removed + offset] = added + offset
        pairs[added + offset] = removed + offset
    return pairs, range(removed, stop)


def _run_reach(lines: Sequence[DiffLine], index: int, kind: LineKind, limit: int) -> int:
    """One past the last `kind` line from `index` on, looking at no more than `limit` lines."""
    end = index
    while end < len(lines) and end - index < limit and lines[end].kind is kind:
        end += 1
    return end


def _run_start(lines: Sequence[DiffLine], index: int, kind: LineKind, limit: int) -> int | None:
    """Where the run of `kind` lines that ends at `index` starts (`index + 1` when line `index` is not one); None
    past `limit` lines."""
    start = index + 1
    while start > 0 and lines[start - 1].kind is kind:
        start -= 1
        if index + 1 - start > limit:
            return None
    return start


def _run_end(lines: Sequence[DiffLine], start: int, kind: LineKind, limit: int) -> int | None:
    """One past the run of `kind` lines from `start` (`start` when line `start` is not one); None past `limit`."""
    end = start
    while end < len(lines) and lines[end].kind is kind:
        end += 1
        if end - start > limit:
            return None
    return end


def changed_spans(old: str, new: str) -> tuple[list[Span], list[Span]]:
    """The spans of `old` and of `new` that differ; both empty when the lines are a rewrite or too long."""
    if old == new or len(old) > MAX_LENGTH or len(new) > MAX_LENGTH:
        return [], []
    a = _TOKEN.findall(old)
    b = _TOKEN.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    same = sum(sum(len(t) for t in a[block.a : block.a + block.size]) for block in matcher.get_matching_blocks())
    if same < MIN_SIMILARITY * max(len(old), len(new)):
        return [], []
    a_offsets = _offsets(a)
    b_offsets = _offsets(b)
    old_spans: list[Span] = []
    new_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            _add(old_spans, (a_offsets[i1], a_offsets[i2]))
        if j2 > j1:
            _add(new_spans, (b_offsets[j1], b_offsets[j2]))
    return old_spans, new_spans


def _offsets(tokens: list[str]) -> list[int]:
    out = [0]
    for token in tokens:
        out.append(out[-1] + len(token))
    return out


def _add(spans: list[Span], span: Span) -> None:
    if spans and spans[-1][1] == span[0]:
        spans[-1] = (spans[-1][0], span[1])
    else:
        spans.append(span)
