"""Checks about deceptive text: characters that render as nothing, and words that mix look-alike alphabets.

Both need context a regular expression cannot give: a zero-width joiner is required inside Persian words and emoji
but hostile between Latin letters, a byte-order mark is fine at the top of a file only, and whether a word mixes
scripts depends on every letter in it. Everything here is pure `unicodedata`, so results do not depend on fonts.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import Located, scope_lines

_LINE_SCOPES = {Scope.ADDED, Scope.LINES}

# -- invisible characters --------------------------------------------------------------------------------------------

_INVISIBLE = re.compile(
    "["
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers: letters (so valid in identifiers) that render blank
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180e"  # Mongolian vowel separator
    "\u200b-\u200d"  # zero-width space, non-joiner, joiner
    "\u2060-\u2065"  # word joiner, invisible math operators
    "\u206a-\u206f"  # deprecated format characters
    "\ufeff"  # zero-width no-break space / byte-order mark
    "\ufff9-\ufffb"  # interlinear annotation controls
    "\U0001bca0-\U0001bca3"  # shorthand format controls
    "\U0001d173-\U0001d17a"  # musical formatting controls
    "\U000e0000-\U000e007f"  # tags: ASCII that renders as nothing ("ASCII smuggling" into LLM prompts)
    "\ufe00-\ufe0f\U000e0100-\U000e01ef"  # variation selectors (flagged only in runs, see _allowed)
    "]"
)
_VARIATION_SELECTORS = frozenset(chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))
_TAGS = frozenset(chr(c) for c in range(0xE0000, 0xE0080))
_BLACK_FLAG = "\U0001f3f4"
_JOINERS = frozenset("\u200c\u200d")
# Scripts whose orthography needs ZWNJ/ZWJ between letters (Persian, Indic, ...): there the joiners are spelling.
_JOINER_SCRIPTS = frozenset(
    {
        "ARABIC", "SYRIAC", "NKO", "MANDAIC", "DEVANAGARI", "BENGALI", "GURMUKHI", "GUJARATI", "ORIYA", "TAMIL",
        "TELUGU", "KANNADA", "MALAYALAM", "SINHALA", "TIBETAN", "MYANMAR", "KHMER", "MONGOLIAN", "LAO", "THAI",
    }
)  # fmt: skip


@check("invisible-characters", scopes=_LINE_SCOPES)
def invisible_characters(data: CheckInput) -> Iterator[Hit]:
    """Zero-width and other invisible characters that make text differ from what a reviewer sees."""
    for located in _non_ascii_lines(data):
        flagged = [m.start() for m in _INVISIBLE.finditer(located.line.text) if not _allowed(located, m.start())]
        if flagged:
            yield _invisible_hit(located, flagged)


def _non_ascii_lines(data: CheckInput) -> Iterator[Located]:
    """The lines of the rule's scope with a character outside ASCII, in diff order: what both checks here read
    (every character they look for is outside ASCII). A file whose lines are all ASCII, as most are, is passed
    over by one test of their joined text (`isascii` is O(1) for str) instead of one per line."""
    for file in data.files:
        view = scope_lines(file, data.rule.scope)
        if view.text.isascii():
            continue
        for position, text in enumerate(view.texts):
            if not text.isascii():
                yield view.located(position)


def _allowed(located: Located, index: int) -> bool:
    """The legitimate uses: a BOM opening the file, joiners inside scripts and emoji, flag tags, single selectors."""
    text = located.line.text
    ch = text[index]
    before = text[index - 1] if index else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if ch == "\ufeff":
        return index == 0 and _first_line(located)
    if ch in _JOINERS:
        return _joins_script(before, after) or (ch == "\u200d" and _joins_emoji(before, after))
    if ch in _TAGS:
        return _in_flag_tag_sequence(text, index)
    if ch in _VARIATION_SELECTORS:
        # One selector picks a glyph (emoji vs text, CJK variant); a run of them carries hidden data.
        return before not in _VARIATION_SELECTORS and after not in _VARIATION_SELECTORS and before not in ("", " ")
    return False


def _first_line(located: Located) -> bool:
    """Line 1 on the side the line belongs to (new for added lines, old for removed ones)."""
    number = located.line.old_no if located.line.new_no is None else located.line.new_no
    return number == 1


def _joins_script(before: str, after: str) -> bool:
    return bool(before and after) and _script_of(before) in _JOINER_SCRIPTS and _script_of(after) in _JOINER_SCRIPTS


def _joins_emoji(before: str, after: str) -> bool:
    """Emoji ZWJ sequences: woman ZWJ laptop, white flag VS16 ZWJ rainbow, woman skin-tone ZWJ laptop (tones are Sk)."""
    if not before or not after:
        return False
    return (unicodedata.category(before) in ("So", "Sk") or before == "\ufe0f") and unicodedata.category(after) == "So"


def _in_flag_tag_sequence(text: str, index: int) -> bool:
    """Subdivision flags (U+1F3F4 black flag + tag letters + CANCEL TAG) are the one visible use of tag characters."""
    start = index
    while start > 0 and text[start - 1] in _TAGS:
        start -= 1
    if start == 0 or text[start - 1] != _BLACK_FLAG:
        return False
    end = index
    while end < len(text) and text[end] in _TAGS and text[end] != "\U000e007f":
        end += 1
    return end < len(text) and text[end] == "\U000e007f" and end - start <= 8


def _invisible_hit(located: Located, flagged: list[int]) -> Hit:
    """Spans the first run of flagged characters; tag characters are decoded so the reviewer sees the hidden text."""
    text = located.line.text
    start = flagged[0]
    end = start + 1
    positions = set(flagged)
    while end in positions:
        end += 1
    first = text[start]
    detail = f"U+{ord(first):04X} {unicodedata.name(first, 'UNNAMED')} at column {start + 1}"
    if len(flagged) > 1:
        detail += f"; {len(flagged)} invisible characters on this line"
    hidden = "".join(chr(ord(c) - 0xE0000) for c in text[start:end] if "\U000e0020" <= c <= "\U000e007e")
    if hidden:
        shown = hidden if len(hidden) <= 60 else hidden[:57] + "..."
        detail += f"; the tag characters spell {shown!r}"
    return located.hit(span=(start, end), detail=detail)


# -- mixed-script words ----------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]+")
# Latin may share a word with these without confusion (UTS #39 "moderately restrictive": Latin plus one other
# recommended script, except Cyrillic and Greek); Armenian is left out too because several of its letters are
# Latin look-alikes (U+0585 small oh, U+057D small seh, U+0581 small co).
_SAFE_WITH_LATIN = frozenset(
    {
        "ARABIC", "BENGALI", "BOPOMOFO", "DEVANAGARI", "ETHIOPIC", "GEORGIAN", "GUJARATI", "GURMUKHI", "HAN",
        "HANGUL", "HEBREW", "HIRAGANA", "KANNADA", "KATAKANA", "KHMER", "LAO", "MALAYALAM", "MYANMAR", "ORIYA",
        "SINHALA", "TAMIL", "TELUGU", "THAANA", "THAI", "TIBETAN",
    }
)  # fmt: skip
# UTS #39 "highly restrictive": the mixes everyday Japanese, Chinese and Korean text uses.
_CJK_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# Greek letters that pass for Latin ones (capitals A B E Z H I K M N O P T Y X, lunate C, upsilon hook; small o i v p
# u x k, lunate c, yot j). Science code writes Delta-t, lambda_max, sigma2 and means it: those letters are not here.
_GREEK_LOOKALIKES = frozenset(
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7\u03f9\u03d2"
    "\u03bf\u03b9\u03bd\u03c1\u03c5\u03c7\u03ba\u03f2\u03f3"
)
_PREFIX_SCRIPTS = (
    ("CJK ", "HAN"),
    ("IDEOGRAPHIC ", "HAN"),
    ("HALFWIDTH KATAKANA", "KATAKANA"),
    ("HALFWIDTH HANGUL", "HANGUL"),
    ("FULLWIDTH LATIN", "LATIN"),
    ("MICRO SIGN", "GREEK"),
    ("FEMININE ORDINAL", "LATIN"),
    ("MASCULINE ORDINAL", "LATIN"),
    ("MATHEMATICAL ", "MATHEMATICAL"),
)


@check("mixed-script-identifiers", scopes=_LINE_SCOPES)
def mixed_script_identifiers(data: CheckInput) -> Iterator[Hit]:
    """Words that mix look-alike scripts (Latin with Cyrillic or Greek), so two different names look the same."""
    for located in _non_ascii_lines(data):
        text = located.line.text
        for match in _WORD.finditer(text):
            word = match.group()
            if _ASCII_WORD.fullmatch(word):
                continue
            scripts = _letter_scripts(word)
            if _confusable(scripts):
                yield located.hit(span=match.span(), detail=_mixed_detail(word, scripts))
                break


def _letter_scripts(word: str) -> dict[str, list[str]]:
    """Script -> the letters of that script in the word; digits, marks and shared letters belong to none."""
    scripts: dict[str, list[str]] = {}
    for ch in word:
        script = _script_of(ch) if ch.isalpha() else None
        if script is not None:
            scripts.setdefault(script, []).append(ch)
    return scripts


def _confusable(scripts: dict[str, list[str]]) -> bool:
    names = frozenset(scripts)
    if len(names) <= 1 or any(names <= mix for mix in _CJK_MIXES):
        return False
    if len(names) == 2 and "LATIN" in names:
        (other,) = names - {"LATIN"}
        if other in _SAFE_WITH_LATIN:
            return False
        if other == "GREEK":
            return any(ch in _GREEK_LOOKALIKES for ch in scripts["GREEK"])
    return True


def _mixed_detail(word: str, scripts: dict[str, list[str]]) -> str:
    counts = Counter({script: len(letters) for script, letters in scripts.items()})
    main = counts.most_common(1)[0][0]
    odd = [ch for script, letters in scripts.items() if script != main for ch in letters]
    unique = list(dict.fromkeys(odd))
    shown = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')}" for ch in unique[:3])
    if len(unique) > 3:
        shown += f" and {len(unique) - 3} more"
    names = " and ".join(sorted(s.title() for s in scripts))
    return f"{word!r} mixes {names}: {shown}"


@functools.lru_cache(maxsize=8192)
def _script_of(ch: str) -> str | None:
    """The script a letter belongs to, from its Unicode name (the stdlib has no script property).

    Names start with the script for nearly every letter ("CYRILLIC SMALL LETTER A"); the table handles the rest.
    Letterlike symbols (U+212A KELVIN SIGN, U+2126 OHM SIGN) count as their own script: they pass for letters.
    """
    name = unicodedata.name(ch, "")
    if not name or unicodedata.category(ch) == "Lm":  # modifier letters (caron, prolonged sound mark) are shared
        return None
    if 0x2100 <= ord(ch) <= 0x214F:
        return "LETTERLIKE"
    for prefix, script in _PREFIX_SCRIPTS:
        if name.startswith(prefix):
            return script
    return name.split(" ", 1)[0]
