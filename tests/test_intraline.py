"""Word-level changes inside modified lines: which lines pair up, and which characters differ."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.intraline import changed_spans, pair_lines, pairs_around
from reviewtui.model import DiffLine, LineKind


def line(kind: LineKind, text: str) -> DiffLine:
    return DiffLine(kind, None, None, text)


def test_runs_of_removed_lines_pair_with_the_added_run_after_them() -> None:
    c, r, a = LineKind.CONTEXT, LineKind.REMOVED, LineKind.ADDED
    lines = [line(k, "x") for k in (c, r, r, a, c, r, a, a, a, c, a)]
    pairs = pair_lines(lines)
    assert pairs == {1: 3, 3: 1, 5: 6, 6: 5}  # the 2nd removed and the extra added lines have no partner


def test_only_the_changed_words_are_emphasised() -> None:
    old, new = "timeout = 15  # seconds", "timeout = 5  # seconds"
    old_spans, new_spans = changed_spans(old, new)
    assert [old[s:e] for s, e in old_spans] == ["15"]
    assert [new[s:e] for s, e in new_spans] == ["5"]


def test_insertions_and_deletions_show_on_one_side_only() -> None:
    old_spans, new_spans = changed_spans("call(a, b)", "call(a, b, timeout=5)")
    assert old_spans == []
    assert ["call(a, b, timeout=5)"[s:e] for s, e in new_spans] == [", timeout=5"]


def test_rewrites_and_identical_or_huge_lines_get_no_emphasis() -> None:
    assert changed_spans("import os", "class Cart(Base):") == ([], [])
    assert changed_spans("same", "same") == ([], [])
    assert changed_spans("a" * 5000, "b" + "a" * 4999) == ([], [])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("crra"), min_size=1, max_size=60), st.integers(1, 8), st.data())
def test_pairs_around_one_line_agree_with_pairing_the_whole_hunk(kinds: list[str], limit: int, data: Any) -> None:
    """Every line the local answer covers gets the partner pairing the whole hunk gives it, except in a block with
    a run longer than `limit` lines, which has none; the answer always covers the line asked about."""
    codes = {"c": LineKind.CONTEXT, "r": LineKind.REMOVED, "a": LineKind.ADDED}
    lines = [line(codes[k], "x") for k in kinds]
    whole = pair_lines(lines)
    index = data.draw(st.integers(0, len(lines) - 1))
    pairs, covered = pairs_around(lines, index, limit)
    assert index in covered and covered.start >= 0 and covered.stop <= len(lines)
    assert len(covered) <= 3 * limit + 2
    for i in covered:
        partner = whole.get(i)
        if partner is not None and _longest_run_of_block(kinds, i) > limit:
            partner = None
        assert pairs.get(i) == partner, (i, kinds)


def _longest_run_of_block(kinds: list[str], i: int) -> int:
    """The longer run (removed or added) of the block holding line i (a paired line, so in a block of both)."""
    start = i
    while start > 0 and kinds[start - 1] != "c" and not (kinds[start - 1] == "a" and kinds[start] == "r"):
        start -= 1
    end = i + 1
    while end < len(kinds) and kinds[end] != "c" and not (kinds[end - 1] == "a" and kinds[end] == "r"):
        end += 1
    block = kinds[start:end]
    return max(block.count("r"), block.count("a"))


def test_pairing_a_line_deep_in_a_huge_run_looks_at_a_bounded_number_of_lines() -> None:
    lines = [line(LineKind.ADDED, "x")] * 100_000
    looked: list[int] = []

    class Counting(list[DiffLine]):
        def __getitem__(self, index: Any) -> Any:
            looked.append(index)
            return super().__getitem__(index)

    pairs, covered = pairs_around(Counting(lines), 50_000, limit=1000)
    assert pairs == {} and 50_000 in covered and len(covered) >= 1000
    assert len(looked) <= 2 * 1000 + 4
