"""`inert` is the one door for untrusted text: whatever goes in, nothing a terminal would obey comes out."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.text import has_unsafe, inert
from tests.properties.strategies import hostile_text

anything = st.one_of(hostile_text, st.text(), st.binary().map(lambda b: b.decode("utf-8", "surrogateescape")))


@settings(max_examples=500, deadline=None)
@given(anything, st.booleans())
def test_inert_output_has_no_control_bidi_or_invisible_character(text: str, keep_tabs: bool) -> None:
    out = inert(text, keep_tabs=keep_tabs)
    assert not has_unsafe(out)
    for char in out:
        category = unicodedata.category(char)
        assert category != "Cc" or (char == "\t" and keep_tabs), repr(char)
        assert category != "Cs", repr(char)
        assert unicodedata.bidirectional(char) not in ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI")
    assert inert(out, keep_tabs=keep_tabs) == out  # escapes are plain text: nothing is escaped twice


@settings(max_examples=300, deadline=None)
@given(anything)
def test_safe_text_never_parses_markup(text: str) -> None:
    from reviewtui.ui.safe import safe_text

    rendered = safe_text(text)
    assert rendered.plain == inert(text, keep_tabs=False)
    assert not rendered.spans


PREPENDED_MARKS = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
"""Format characters that are drawn visibly (Arabic number signs and the like): the only ones left as they are."""


def test_every_invisible_format_character_is_escaped() -> None:
    """Tag characters (invisible ASCII), interlinear annotations and deprecated format controls included."""
    import sys

    left = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) == "Cf"
        and chr(code) not in PREPENDED_MARKS
        and inert(chr(code)) == chr(code)
    ]
    assert left == []
    assert inert("a\U000e0069\U000e0067b") == "a<U+E0069><U+E0067>b"
