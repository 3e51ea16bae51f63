"""Word-level changes inside modified lines: which lines pair up, and which characters differ."""

from __future__ import annotations

from reviewtui.intraline import changed_spans, pair_lines
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
