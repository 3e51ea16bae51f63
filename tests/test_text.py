"""Untrusted text is made inert: nothing in it can drive a terminal or hide what it says."""

from __future__ import annotations

import pytest

from reviewtui.text import has_unsafe, inert


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("x\x1b[2J", "x\\e[2J"),
        ("\x1b]52;c;aGk=\x07", "\\e]52;c;aGk=\\x07"),
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "\\e]8;;http://evil\\e\\link\\e]8;;\\e\\"),
        ("\x9b31m C1 CSI", "\\x9b31m C1 CSI"),
        ("del\x7f", "del\\x7f"),
        ("if admin:\u202e\u2066 # check", "if admin:<U+202E><U+2066> # check"),
        ("zero\u200bwidth", "zero<U+200B>width"),
        ("line\nbreak\r", "line\\nbreak\\r"),
        ("tab\tkept", "tab\tkept"),
        ("[bold red]markup[/]", "[bold red]markup[/]"),
        ("bad\udcffname", "bad<0xFF>name"),
        ("ünïcödé 中文 ✓", "ünïcödé 中文 ✓"),
    ],
)
def test_inert(raw: str, shown: str) -> None:
    assert inert(raw) == shown
    assert has_unsafe(raw) == (raw != shown)
    assert not has_unsafe(inert(raw).replace("\t", ""))


def test_tabs_can_be_escaped_too() -> None:
    assert inert("a\tb", keep_tabs=False) == "a\\tb"
