"""Make untrusted text inert before it reaches a terminal.

Diffs, titles, names and messages in the queue were written by machines nobody trusts yet. A raw ESC can clear
the screen or write the clipboard (OSC 52), bidi controls make code read differently than it runs (Trojan
Source), and invisible characters hide edits. `inert` shows all of these as visible escapes so the reviewer sees
exactly what is there and the terminal obeys none of it.
"""

from __future__ import annotations

import re

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE = frozenset(
    "\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u3164\ufeff\uffa0"
)
_CONTROL_NAMES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e"}

_INVISIBLE_RANGES = (
    "\u206a-\u206f"  # deprecated format characters (they switch symmetric swapping and digit shapes)
    "\ufff9-\ufffb"  # interlinear annotation: text a terminal shows with nothing marking it as hidden
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"  # invisible format controls
    "\U000e0000-\U000e007f"  # tag characters: invisible ASCII ("ASCII smuggling")
)

# Everything that could drive a terminal or deceive a reader: C0 (tab handled separately), DEL, C1, lone
# surrogates (from undecodable file names), bidi controls, invisible format characters, line/paragraph separators.
_UNSAFE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029"
    + "".join(sorted(_BIDI | _INVISIBLE))
    + _INVISIBLE_RANGES
    + "]"
)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _CONTROL_NAMES:
        return _CONTROL_NAMES[char]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape'd byte of an undecodable name
        return f"<0x{code - 0xDC00:02X}>"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def inert(text: str, *, keep_tabs: bool = True) -> str:
    """Return `text` with every control, bidi and invisible character replaced by a visible escape."""
    out = _UNSAFE.sub(_escape, text)
    if not keep_tabs:
        out = out.replace("\t", "\\t")
    return out


def has_unsafe(text: str) -> bool:
    """True when `inert` would change the text; a cheap check renderers use to flag a line."""
    return _UNSAFE.search(text) is not None
