"""Checks for risky code that one line cannot show: swallowed exceptions, shell commands and SQL built from strings,
HTTP calls without a timeout, and operational defaults (timeouts, retries, limits, flags) changed in place.

These read the new side of a file as a whole (from the repository at the change's head, or the hunks' lines when
there is no repository) because the facts span lines: a handler's body, a call whose arguments continue below, a
timeout deleted from the middle of a call. String contents and comments are blanked before any structure is
searched, so a keyword or a parenthesis inside a string never decides a finding.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from reviewtui.model import FileChange, FileStatus, LineKind
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit, Side
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import scope_lines

PYTHON = frozenset({"Python"})
JAVASCRIPT = frozenset({"JavaScript", "TypeScript", "TSX", "JSX"})
JVM = frozenset({"Java", "Kotlin"})
GO = frozenset({"Go"})

_MAX_CALL_CHARS = 6000
"""A call longer than this is not followed (generated code, data tables); keeps every check linear."""


# --- the new side of a file ----------------------------------------------------------------------------------------


_STRINGS = (
    r'"""(?:\\.|[^\\])*?(?:"""|\Z)'
    r"|'''(?:\\.|[^\\])*?(?:'''|\Z)"
    r'|"(?:\\.|[^"\\\n])*(?:"|(?=\n)|\Z)'
    r"|'(?:\\.|[^'\\\n])*(?:'|(?=\n)|\Z)"
    r"|`(?:\\.|[^`\\])*(?:`|\Z)"
)
_HASH_TOKENS = re.compile(r"#[^\n]*|" + _STRINGS, re.S)
_SLASH_TOKENS = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|" + _STRINGS, re.S)


def mask(text: str, *, hash_comments: bool) -> str:
    """`text` with string contents and comments blanked, same length and same line breaks outside strings.

    Quotes stay, their contents become "_" (newlines inside triple-quoted strings too, so a statement never seems
    to end inside a string); comments become spaces. Good enough for Python, JS/TS, Go and Java, where the only
    thing that matters is never mistaking quoted text for code. An unterminated one-line string ends at its line.
    """
    return (_HASH_TOKENS if hash_comments else _SLASH_TOKENS).sub(_blank, text)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(match: re.Match[str]) -> str:
    """One comment or string as `mask` shows it (substituted by `re.sub`, which copies the code between tokens in C:
    masking whole files was a fifth of the code checks' time when the loop was in Python)."""
    token = match.group(0)
    first = token[0]
    if first == "#" or token.startswith("//"):
        return " " * len(token)  # a line comment has no line break
    if first == "/":
        return _NOT_NEWLINE.sub(" ", token)
    quote = token[:3] if token[:3] in ('"""', "'''") else first
    closed = len(token) >= 2 * len(quote) and token.endswith(quote)
    inner = len(token) - len(quote) - (len(quote) if closed else 0)
    return quote + "_" * inner + (quote if closed else "")


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive new-side lines starting at line `first`, raw and masked."""

    first: int
    raw: str
    starts: tuple[int, ...]
    hash_comments: bool
    _masked: list[str] = field(default_factory=list, compare=False, repr=False)
    """The masked text once something asked for it (see `masked`)."""

    @property
    def masked(self) -> str:
        """`raw` through `mask`, computed on first use: masking a whole file is the dearest step of these checks,
        and most files never need it because the raw text lacks every needle a check looks for (`may_hold`)."""
        if not self._masked:
            self._masked.append(mask(self.raw, hash_comments=self.hash_comments))
        return self._masked[0]

    def may_hold(self, needles: Iterable[str]) -> bool:
        """Whether the masked text can contain one of `needles`, asked of the raw text without masking. Exact for
        needles whose "_" and " " sit next to letters: masking only turns characters into "_" (string contents,
        between quotes) or " " (comments), so a needle in the masked text is in the raw text at the same place."""
        return any(needle in self.raw for needle in needles)

    def line_at(self, offset: int) -> int:
        return self.first + bisect.bisect_right(self.starts, offset) - 1

    @property
    def last(self) -> int:
        return self.first + len(self.starts) - 1

    def masked_line(self, line: int) -> str:
        return self._slice(self.masked, line)

    def raw_line(self, line: int) -> str:
        return self._slice(self.raw, line)

    def offset(self, line: int) -> int:
        return self.starts[line - self.first]

    def _slice(self, text: str, line: int) -> str:
        index = line - self.first
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(text)
        return text[self.starts[index] : end]


class NewSide:
    """The new side of a file as the checks here read it. Which lines the change touches and which hunk shows each
    line are worked out on first need (a handler or call was found), not for every file: most files have none."""

    __slots__ = ("_index", "complete", "file", "segments")

    def __init__(self, file: FileChange, segments: tuple[Segment, ...], complete: bool) -> None:
        self.file = file
        self.segments = segments
        self.complete = complete
        """True when the segments are the whole file; otherwise only the hunks' new-side lines are known."""
        self._index: tuple[tuple[int, ...], dict[int, int]] | None = None

    @property
    def touched(self) -> tuple[int, ...]:
        """Sorted: added lines, and the new-side lines on either side of a deletion (a deleted `timeout=` touches
        its call)."""
        return self._indexed()[0]

    @property
    def hunk_of(self) -> dict[int, int]:
        """New line number -> hunk index, for lines the diff shows."""
        return self._indexed()[1]

    def _indexed(self) -> tuple[tuple[int, ...], dict[int, int]]:
        if self._index is None:
            self._index = _line_index(self.file)
        return self._index

    def anchor(self, first: int, last: int) -> int:
        """The line to show a finding on: `first` when the diff shows it, else the first touched line in range."""
        if first in self.hunk_of:
            return first
        index = bisect.bisect_left(self.touched, first)
        return self.touched[index] if index < len(self.touched) and self.touched[index] <= last else first

    def hit(self, line: int, detail: str, span: tuple[int, int] | None = None) -> Hit:
        return Hit(path=self.file.path, line=line, side=Side.NEW, span=span, hunk=self.hunk_of.get(line), detail=detail)

    def touches(self, first: int, last: int) -> bool:
        index = bisect.bisect_left(self.touched, first)
        return index < len(self.touched) and self.touched[index] <= last


_SIDES: dict[tuple[object, ...], NewSide] = {}
_MAX_SIDES = 256


def new_side(data: CheckInput, file: FileChange) -> NewSide:
    """The new side of `file`, built once per file version for all the checks here (masking a file is not free)."""
    if file.new_blob is None:
        return _build_side(data, file)
    key = _side_key(data, file)
    side = _SIDES.get(key)
    if side is None:
        if len(_SIDES) >= _MAX_SIDES:
            _SIDES.clear()
        side = _SIDES[key] = _build_side(data, file)
    return side


def _side_key(data: CheckInput, file: FileChange) -> tuple[object, ...]:
    return (file.path, file.old_blob, file.new_blob, file.language, data.change.head, data.context.repo is None)


def read_ahead(data: CheckInput, languages: Iterable[frozenset[str]]) -> None:
    """Ask for the head version of every file of `languages` whose new side a check here will build, in one
    request (`ScanContext.read_ahead`) instead of one per file as each side is built."""
    paths = [
        file.new_path
        for file in data.files
        if file.new_path is not None
        and _language(file, *languages)
        and _reads_head(file)
        and (file.new_blob is None or _side_key(data, file) not in _SIDES)
    ]
    if len(paths) > 1:
        data.context.read_ahead(data.change.head, paths)


def _reads_head(file: FileChange) -> bool:
    """Whether `_build_side` reads the file at head (a new file's only hunk is the whole file)."""
    return not file.binary and not (file.status is FileStatus.ADDED and len(file.hunks) == 1)


def _line_index(file: FileChange) -> tuple[tuple[int, ...], dict[int, int]]:
    """(touched lines, new line -> hunk) of a file: see NewSide."""
    hunk_of: dict[int, int] = {}
    touched: set[int] = set()
    for index, hunk in enumerate(file.hunks):
        previous: int | None = None
        pending = False
        for line in hunk.lines:
            if line.kind is LineKind.REMOVED:
                pending = True
                if previous is not None:
                    touched.add(previous)
                continue
            assert line.new_no is not None
            hunk_of[line.new_no] = index
            if line.kind is LineKind.ADDED or pending:
                touched.add(line.new_no)
            pending = False
            previous = line.new_no
    return tuple(sorted(touched)), hunk_of


def _build_side(data: CheckInput, file: FileChange) -> NewSide:
    hash_comments = file.language in PYTHON
    if file.status is FileStatus.ADDED and len(file.hunks) == 1:
        whole: list[str] | None = [line.text for line in file.hunks[0].lines]  # a new file's hunk is all of it
    else:
        whole = _head_lines(data, file)
    if whole is not None:
        return NewSide(file, (_segment(1, whole, hash_comments),), True)
    segments = []
    for hunk in file.hunks:
        texts = [line.text for line in hunk.lines if line.kind is not LineKind.REMOVED]
        if texts:
            segments.append(_segment(hunk.new_start, texts, hash_comments))
    return NewSide(file, tuple(segments), False)


def _head_lines(data: CheckInput, file: FileChange) -> list[str] | None:
    """The whole new file, if the repository has it and it agrees with the diff (else the hunks are used)."""
    if file.new_path is None or file.binary:
        return None
    content = data.context.read(data.change.head, file.new_path)
    if content is None:
        return None
    lines = content.decode("utf-8", "replace").split("\n")
    if b"\r" in content:
        lines = [t[:-1] if t.endswith("\r") else t for t in lines]
    for line in scope_lines(file, Scope.ADDED).lines:
        if line.new_no is None or line.new_no > len(lines) or lines[line.new_no - 1] != line.text:
            return None
    return lines


def _segment(first: int, lines: Sequence[str], hash_comments: bool) -> Segment:
    raw = "\n".join(lines)
    starts = tuple(itertools.accumulate(map(operator.add, map(len, lines[:-1]), itertools.repeat(1)), initial=0))
    return Segment(first, raw, starts, hash_comments)


# --- calls and their arguments -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    segment: Segment
    callee: str
    open: int
    close: int
    first: int
    last: int

    @property
    def masked_args(self) -> str:
        return self.segment.masked[self.open + 1 : self.close]

    @property
    def raw_args(self) -> str:
        return self.segment.raw[self.open + 1 : self.close]

    def args(self) -> list[Arg]:
        return split_args(self.raw_args, self.masked_args)


@dataclass(frozen=True, slots=True)
class Arg:
    raw: str
    masked: str


_GUIDES: dict[re.Pattern[str], tuple[tuple[str, ...], int]] = {}


def guided(pattern: re.Pattern[str], needles: tuple[str, ...], reach: int) -> re.Pattern[str]:
    """Declare literal text every match of `pattern` contains: each match starts at most `reach` characters before
    an occurrence of one of `needles`. `matches` then finds the matches from `str.find` hits instead of trying the
    pattern at every offset: Python's `re` has no fast scan for a pattern that starts with `\\b`, a lookbehind or an
    alternation (10-30 MB/s), and these ran over every line of every touched file (tests/rules/test_guided.py checks
    each declaration against the plain search)."""
    _GUIDES[pattern] = (needles, reach)
    return pattern


def matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Exactly what `pattern.finditer(text)` yields, faster when the pattern is `guided`.

    Every offset where a match can start is tried in order, skipping those inside the previous match, which is how
    finditer proceeds; `match(text, pos)` sees the text before `pos` (lookbehinds, `\\b`) as the scan does."""
    guide = _GUIDES.get(pattern)
    if guide is None:
        yield from pattern.finditer(text)
        return
    needles, reach = guide
    starts: set[int] = set()
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            starts.update(range(max(0, at - reach), at + 1))
            at = text.find(needle, at + 1)
    done = 0
    for start in sorted(starts):
        if start < done:
            continue
        match = pattern.match(text, start)
        if match is not None:
            yield match
            done = max(match.end(), start + 1)


def find_calls(side: NewSide, pattern: re.Pattern[str]) -> Iterator[Call]:
    """Calls whose callee matches `pattern` (which ends with the opening parenthesis) and that the change touches."""
    guide = _GUIDES.get(pattern)
    for segment in side.segments:
        if guide is not None and not segment.may_hold(guide[0]):
            continue
        for match in matches(pattern, segment.masked):
            close = matching(segment.masked, match.end() - 1)
            if close is None:
                continue
            first, last = segment.line_at(match.start()), segment.line_at(close)
            if side.touches(first, last):
                yield Call(segment, match.group(0).rstrip("( \t\n"), match.end() - 1, close, first, last)


_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = frozenset(_OPEN.values())


def matching(masked: str, open_at: int) -> int | None:
    """Offset of the bracket closing the one at `open_at`, or None if it does not close (within reach)."""
    depth = 0
    for i in range(open_at, min(len(masked), open_at + _MAX_CALL_CHARS)):
        c = masked[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return None


def split_args(raw: str, masked: str) -> list[Arg]:
    """Top-level comma-separated pieces of an argument list (empty pieces dropped)."""
    pieces: list[Arg] = []
    depth = 0
    start = 0
    for i, c in enumerate(masked + ","):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c == "," and depth == 0:
            if masked[start:i].strip():
                pieces.append(Arg(raw[start:i].strip(), masked[start:i].strip()))
            start = i + 1
    return pieces


_LITERAL = r"""(?:[rRbBuU]{0,2})(?:\"\"\"[^"]*\"\"\"|'''[^']*'''|"[^"\n]*"|'[^'\n]*'|`[^`]*`)"""
_ONLY_LITERALS = re.compile(rf"{_LITERAL}(?:\s*{_LITERAL})*")
_HAS_LITERAL = re.compile(_LITERAL)
_FSTRING = re.compile(r"""[rRbB]?[fF][rRbB]?["']""")
_PERCENT = re.compile(rf"{_LITERAL}\s*%")
_FORMAT = re.compile(rf"{_LITERAL}\s*\.format\s*\(")
_FORMATTER = re.compile(r"\b(?:fmt\.Sprintf|String\.format|\w+\.formatted|sprintf)\s*\(")


def built_string(arg: Arg) -> str | None:
    """How a string argument is assembled at run time ("f-string", "concatenation", ...); None if it is not."""
    raw, masked = arg.raw, arg.masked
    if _FSTRING.match(raw) and "{" in raw:
        return "an f-string"
    if raw.startswith("`") and "${" in raw:
        return "a template literal"
    if _PERCENT.search(masked):
        return "%-formatting"
    if _FORMAT.search(masked):
        return "str.format()"
    if _FORMATTER.search(masked):
        return "string formatting"
    if "+" in masked and _HAS_LITERAL.search(masked):
        return "concatenation"
    return None


def is_literal(arg: Arg) -> bool:
    """A plain string literal (implicit concatenation allowed, no interpolation)."""
    return _ONLY_LITERALS.fullmatch(arg.masked) is not None and built_string(arg) is None


def _language(file: FileChange, *groups: frozenset[str]) -> bool:
    return any(file.language in group for group in groups)


# --- broad exceptions swallowed ------------------------------------------------------------------------------------

_PY_EXCEPT = re.compile(r"^(?P<indent>[ \t]*)except\b(?P<clause>[^:]*):(?P<inline>.*)$")
_PY_BROAD = re.compile(r"^\s*$|\b(?:Exception|BaseException)\b")
_BARE_EXCEPT = re.compile(r"except\s*:")
"""A broad handler's clause is empty or names Exception; an empty one leaves `except`, blanks and `:` on one line,
none of which masking writes (it writes "_" in strings and blanks a comment only up to the line's end), so the raw
text shows the same."""
_CATCH = guided(re.compile(r"\bcatch\s*(?:\((?P<param>[^()]*)\))?\s*\{"), ("catch",), 0)
_JVM_BROAD = re.compile(r"\b(?:Exception|Throwable|RuntimeException)\b")
_PROMISE_CATCH = re.compile(r"\.catch\s*\(\s*(?:\(\s*[\w\s:,]*\)|\w+)\s*=>\s*")
_PROMISE_CATCH_LOG = re.compile(r"\.catch\s*\(\s*console\.\w+\s*\)")

_QUIET_STATEMENTS = (
    ("passes", re.compile(r"pass|\.\.\.")),
    ("leaves the loop step", re.compile(r"continue|break")),
    (
        "returns a default",
        re.compile(
            r"""return(?:\s+(?:None|null|undefined|nil|False|false|True|true|-?\d+(?:\.\d+)?|[rbuRBU]?(?:"_*"|'_*')"""
            r"""|\[\]|\{\}|\(\)|Optional\.empty\(\)|Collections\.empty\w*\(\)|List\.of\(\)))?"""
        ),
    ),
    (
        "logs",
        re.compile(
            r"(?:\w+\.)*(?:_*log(?:ger)?|LOG(?:GER)?|logging|console|Log|Logger|\w+_logger|out|err)\.\w+\s*\(.*\)"
            r"|print\s*\(.*\)|\w+\.printStackTrace\s*\(\s*\)|traceback\.print_exc\s*\(.*\)|warnings\.warn\s*\(.*\)",
            re.S,
        ),
    ),
)


def _quiet_kinds(statements: Sequence[str]) -> list[str] | None:
    """What a handler body does, if it does only quiet things (pass, log, return a default); None otherwise."""
    kinds: list[str] = []
    for statement in statements:
        text = statement.strip().rstrip(";").strip()
        kind = next((k for k, pattern in _QUIET_STATEMENTS if pattern.fullmatch(text)), None)
        if kind is None:
            return None
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def _statements(masked: str) -> list[str]:
    """Split a block body at top-level newlines and semicolons (string newlines are already blanked)."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, c in enumerate(masked + "\n"):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c in "\n;" and depth <= 0:
            if masked[start:i].strip():
                out.append(masked[start:i])
            start = i + 1
    return out


@dataclass(frozen=True, slots=True)
class Handler:
    first: int
    last: int
    header: str
    kinds: list[str]


def _python_handlers(side: NewSide) -> Iterator[Handler]:
    for segment in side.segments:
        if not segment.may_hold(("Exception",)) and _BARE_EXCEPT.search(segment.raw) is None:
            continue  # no broad handler can be there (see _BARE_EXCEPT): the file need not be masked
        if not _may_touch_a_handler(side, segment):
            continue  # no handler here can touch a changed line: the file need not be masked either
        yield from _segment_handlers(side, segment)


def _segment_handlers(side: NewSide, segment: Segment) -> Iterator[Handler]:
    """Every broad handler of the segment whose body is quiet (touching a changed line or not)."""
    for line in _lines_containing(segment, "except"):
        match = _PY_EXCEPT.match(segment.masked_line(line))
        if match is None or not _PY_BROAD.search(match["clause"]):
            continue
        header = segment.raw_line(line).strip()
        if match["inline"].strip():
            kinds = _quiet_kinds(_statements(match["inline"]))
            if kinds is not None:
                yield Handler(line, line, header, kinds)
            continue
        end = _python_block_end(segment, line, len(match["indent"].expandtabs()), side.complete)
        if end is None or end == line:
            continue
        body = segment.masked[segment.offset(line + 1) : segment.offset(end) + len(segment.masked_line(end))]
        kinds = _quiet_kinds(_statements(body))
        if kinds is not None:
            yield Handler(line, end, header, kinds)


_RAW_EXCEPT = re.compile(r"^([ \t]*)except\b", re.M)


def _may_touch_a_handler(side: NewSide, segment: Segment) -> bool:
    """Whether a handler in the segment may contain a touched line, asked of the raw text (masking the file is the
    dearest step of this check, and most files that handle exceptions do not touch a handler).

    A handler's header line matches `_PY_EXCEPT` in the masked text, so the raw line starts with the same
    `[ \t]*except` (masking leaves the start of a line that starts outside a string alone, and turns one that
    starts inside a string into "_"). Its block ends before any later line that, raw, is neither blank nor starts
    with "#" and is indented no deeper than the header: masked, such a line is not blank either and is indented as
    deep (it starts outside a string) or not at all (it starts inside one), and `_python_block_end` stops there.
    Lines that only may end the block (blank or "#" raw: a comment, or text inside a string) are taken as inside,
    so the range is never shorter than the handler's: a handler that touches a changed line is never passed over.

    The range contains a touched line exactly when it contains the first one at or after its header, so the lines
    are read only up to that one (not to the end of every handler of the file)."""
    touched = side.touched
    last = segment.last
    for match in _RAW_EXCEPT.finditer(segment.raw):
        header = segment.line_at(match.start())
        at = bisect.bisect_left(touched, header)
        if at == len(touched):
            return False  # headers come in order, and a handler starts at its header
        target = touched[at]
        if target > last:
            return False  # nor does any later handler of this segment reach it
        indent = len(match.group(1).expandtabs())
        for line in range(header + 1, target + 1):
            text = segment.raw_line(line)
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                expanded = text.expandtabs()
                if len(expanded) - len(expanded.lstrip()) <= indent:
                    break  # the handler ends before the touched line
        else:
            return True
    return False


def _lines_containing(segment: Segment, needle: str) -> Iterator[int]:
    """In order, the lines whose masked text contains `needle` (which has no newline and no "_", so it cannot span
    a line break even where a string's newline was blanked): what a per-line pattern can match, found at `str.find`
    speed instead of slicing every line of the file."""
    masked = segment.masked
    at = masked.find(needle)
    while at >= 0:
        line = segment.line_at(at)
        yield line
        if line >= segment.last:
            return
        at = masked.find(needle, segment.offset(line + 1))


def _python_block_end(segment: Segment, header: int, indent: int, complete: bool) -> int | None:
    """Last line of the indented block under `header`; None when the known lines end before the block does."""
    last = header
    for line in range(header + 1, segment.last + 1):
        text = segment.masked_line(line)
        if not text.strip():
            continue
        if len(text.expandtabs()) - len(text.expandtabs().lstrip()) <= indent:
            return last
        last = line
    return last if complete else None


def _brace_handlers(side: NewSide, jvm: bool) -> Iterator[Handler]:
    for segment in side.segments:
        if not segment.may_hold(("catch",)):
            continue  # every handler pattern here contains it
        masked = segment.masked
        for match in matches(_CATCH, masked):
            if jvm and not _JVM_BROAD.search(match["param"] or ""):
                continue
            handler = _brace_body(segment, match.start(), match.end() - 1)
            if handler is not None:
                yield handler
        if jvm:
            continue
        for match in _PROMISE_CATCH_LOG.finditer(masked):
            line = segment.line_at(match.start())
            yield Handler(line, segment.line_at(match.end()), match.group(0).strip(), ["logs"])
        for match in _PROMISE_CATCH.finditer(masked):
            if masked.startswith("{", match.end()):
                handler = _brace_body(segment, match.start(), match.end())
            else:
                handler = _promise_expression(segment, match.start(), match.end())
            if handler is not None:
                yield handler


def _brace_body(segment: Segment, start: int, brace: int) -> Handler | None:
    close = matching(segment.masked, brace)
    if close is None:
        return None
    kinds = _quiet_kinds(_statements(segment.masked[brace + 1 : close]))
    if kinds is None:
        return None
    header = segment.raw[start:brace].strip()
    return Handler(segment.line_at(start), segment.line_at(close), header, kinds)


def _promise_expression(segment: Segment, start: int, body: int) -> Handler | None:
    open_at = segment.masked.index("(", start)
    close = matching(segment.masked, open_at)
    if close is None:
        return None
    expression = segment.masked[body:close].strip()
    if expression in ("null", "undefined", "false", "{}", "[]", "()"):
        kinds: list[str] | None = ["returns a default"]
    else:
        kinds = _quiet_kinds([expression])
    if kinds is None:
        return None
    return Handler(segment.line_at(start), segment.line_at(close), segment.raw[start:body].strip(), kinds)


@check("swallowed-exception", scopes={Scope.ADDED}, options={"skip_tier1": bool})
def swallowed_exception(data: CheckInput) -> Iterator[Hit]:
    """A broad exception handler (Python, JS/TS, Java/Kotlin) whose body only passes, logs or returns a default."""
    skip_tier1 = bool(data.option("skip_tier1", False))
    read_ahead(data, (PYTHON, JAVASCRIPT, JVM))
    for file in data.files:
        if skip_tier1 and data.context.is_tier1(file.path):
            continue
        if not _language(file, PYTHON, JAVASCRIPT, JVM):
            continue
        side = new_side(data, file)
        python = _language(file, PYTHON)
        handlers = _python_handlers(side) if python else _brace_handlers(side, jvm=_language(file, JVM))
        for handler in handlers:
            if side.touches(handler.first, handler.last):
                does = "only " + " and ".join(handler.kinds) if handler.kinds else "is empty"
                detail = f"`{handler.header}` handler {does}"
                yield side.hit(side.anchor(handler.first, handler.last), detail)


# --- shell commands built from strings -----------------------------------------------------------------------------

_PY_SHELL_ALWAYS = guided(
    re.compile(
        r"\b(?:os\.(?:system|popen)|subprocess\.(?:getoutput|getstatusoutput)|asyncio\.create_subprocess_shell)\s*\("
    ),
    ("os.system", "os.popen", "subprocess.get", "asyncio.create_subprocess_shell"),
    0,
)
_PY_SUBPROCESS = guided(
    re.compile(r"(?:\bsubprocess\.|(?<![\w.]))(?:run|call|check_call|check_output|Popen)\s*\("),
    ("run", "call", "check_output", "Popen"),
    len("subprocess.check_"),
)
_PY_SHELL_TRUE = re.compile(r"\bshell\s*=\s*True\b")
_JS_EXEC = guided(
    re.compile(r"(?:\b(?:child_process|childProcess|cp)\.|(?<![\w.$]))exec(?:Sync)?\s*\("),
    ("exec",),
    len("child_process."),
)
_JS_SPAWN = guided(
    re.compile(r"(?:\b(?:child_process|childProcess|cp)\.|(?<![\w.$]))spawn(?:Sync)?\s*\("),
    ("spawn",),
    len("child_process."),
)
_JS_SHELL_TRUE = re.compile(r"\bshell\s*:\s*true\b")
_GO_COMMAND = guided(re.compile(r"\bexec\.Command(?:Context)?\s*\("), ("exec.Command",), 0)
_JAVA_EXEC = guided(re.compile(r"\bRuntime\.getRuntime\(\)\s*\.exec\s*\("), ("Runtime.getRuntime()",), 0)
_JAVA_PROCESS = guided(re.compile(r"\bnew\s+ProcessBuilder\s*\("), ("new",), 0)
_SHELL_NAME = re.compile(r"""["'](?:/usr)?(?:/bin/)?(?:ba|z|da|k)?sh["']|["']cmd(?:\.exe)?["']""")
_SHELL_FLAG = re.compile(r"""["'](?:-c|/c|/C)["']""")


def _may_hold(side: NewSide, needle: str) -> bool:
    """A finding below needs `shell=True` / `shell: true` in the masked arguments: without "shell" anywhere in the
    raw text the calls need not be found (nor the file masked)."""
    return any(segment.may_hold((needle,)) for segment in side.segments)


def _shell_findings(side: NewSide) -> Iterator[tuple[Call, str]]:
    file = side.file
    if _language(file, PYTHON):
        for call in find_calls(side, _PY_SHELL_ALWAYS):
            args = call.args()
            how = built_string(args[0]) if args else None
            if how:
                yield call, f"{call.callee}() runs a command built with {how} through the shell"
        for call in find_calls(side, _PY_SUBPROCESS) if _may_hold(side, "shell") else ():
            args = call.args()
            if args and _PY_SHELL_TRUE.search(call.masked_args) and not is_literal(args[0]):
                how = built_string(args[0]) or "a command that is not a literal"
                yield call, f"{call.callee}(shell=True) with {how}"
    elif _language(file, JAVASCRIPT):
        for call in find_calls(side, _JS_EXEC):
            args = call.args()
            how = built_string(args[0]) if args else None
            if how:
                yield call, f"{call.callee}() runs a command built with {how} through the shell"
        for call in find_calls(side, _JS_SPAWN) if _may_hold(side, "shell") else ():
            args = call.args()
            how = built_string(args[0]) if args else None
            if how and _JS_SHELL_TRUE.search(call.masked_args):
                yield call, f"{call.callee}() with shell: true runs a command built with {how}"
    elif _language(file, GO, JVM):
        yield from _shell_wrapped(side)


def _shell_wrapped(side: NewSide) -> Iterator[tuple[Call, str]]:
    """`sh -c <built string>` in Go and Java, and Java's Runtime.exec(<built string>)."""
    patterns = (_GO_COMMAND,) if _language(side.file, GO) else (_JAVA_PROCESS, _JAVA_EXEC)
    for pattern in patterns:
        for call in find_calls(side, pattern):
            args = call.args()
            if pattern is _JAVA_EXEC:
                how = built_string(args[0]) if args else None
                if how:
                    yield call, f"Runtime.exec() with a command built with {how}"
                continue
            for index, arg in enumerate(args[:-1]):
                if _SHELL_FLAG.fullmatch(arg.raw) and index > 0 and _SHELL_NAME.fullmatch(args[index - 1].raw):
                    how = built_string(args[index + 1])
                    if how:
                        yield call, f"{call.callee}({args[index - 1].raw}, {arg.raw}, ...) with {how}"


@check("shell-injection", scopes={Scope.ADDED})
def shell_injection(data: CheckInput) -> Iterator[Hit]:
    """A shell command assembled from strings at run time (f-string, concatenation, format, template literal)."""
    read_ahead(data, (PYTHON, JAVASCRIPT, GO, JVM))
    for file in data.files:
        side = new_side(data, file)
        for call, detail in _shell_findings(side):
            yield side.hit(side.anchor(call.first, call.last), detail)


# --- SQL built from strings ----------------------------------------------------------------------------------------

_SQL_CALLS = (
    (
        PYTHON,
        guided(
            re.compile(r"(?:\.(?:execute|executemany|executescript|mogrify|raw)|\bread_sql(?:_query)?)\s*\("),
            (".execute", ".mogrify", ".raw", "read_sql"),
            0,
        ),
    ),
    (
        JAVASCRIPT,
        guided(
            re.compile(r"\.(?:query|execute|raw|whereRaw|unsafe|\$queryRawUnsafe|\$executeRawUnsafe)\s*\("),
            (".query", ".execute", ".raw", ".whereRaw", ".unsafe", ".$queryRawUnsafe", ".$executeRawUnsafe"),
            0,
        ),
    ),
    (
        GO,
        guided(
            re.compile(
                r"\.(?:Query|QueryRow|Exec|QueryContext|QueryRowContext|ExecContext|Prepare|PrepareContext"
                r"|Select|Get|MustExec|Queryx|QueryRowx)\s*\("
            ),
            (".Query", ".Exec", ".Prepare", ".Select", ".Get", ".MustExec"),
            0,
        ),
    ),
    (
        JVM,
        guided(
            re.compile(
                r"\.(?:executeQuery|executeUpdate|executeLargeUpdate|execute|addBatch|prepareStatement|prepareCall"
                r"|createQuery|createNativeQuery|createSQLQuery|queryForObject|queryForList|queryForMap|query|update"
                r"|batchUpdate)\s*\("
            ),
            (".execute", ".addBatch", ".prepare", ".create", ".query", ".update", ".batchUpdate"),
            0,
        ),
    ),
)
_SQL_TEXT = re.compile(
    r"""\b(?:select\b[\s\S]*?\bfrom|insert\s+into|update\s+[\w."`\[\]{}$%]+\s+set|delete\s+from|merge\s+into"""
    r"""|drop\s+(?:table|view|index|database|schema)|alter\s+table|truncate\s+table|create\s+(?:table|index|view)"""
    r"""|where\s+[\w."`\[\]{}$%]+\s*(?:=|<|>|!=|<>|like\b|in\b|is\b))""",
    re.IGNORECASE,
)
_SQL_WRAPPER = re.compile(r"(?:sa\.|sqlalchemy\.)?text\s*\(")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_LOOKBACK_LINES = 25


def _sql_argument(side: NewSide, call: Call, arg: Arg) -> str | None:
    """Why this argument is SQL built from strings, or None."""
    wrapped = _SQL_WRAPPER.match(arg.masked)
    if wrapped is not None and arg.masked.endswith(")"):
        inner = split_args(arg.raw[wrapped.end() : -1], arg.masked[wrapped.end() : -1])
        if inner:
            arg = inner[0]
    how = built_string(arg)
    if how and _SQL_TEXT.search(arg.raw):
        return f"SQL built with {how} passed to {call.callee}()"
    if _IDENTIFIER.fullmatch(arg.masked):
        return _sql_variable(call, arg.masked)
    return None


def _sql_variable(call: Call, name: str) -> str | None:
    """A variable passed to the call and assigned, a few lines above, from SQL built with strings."""
    segment = call.segment
    assign = re.compile(
        rf"(?:^|[\s(])(?:const\s+|let\s+|var\s+|final\s+|String\s+|val\s+)?{re.escape(name)}"
        r"\s*(?::\s*[\w\[\]. |]+)?\s*(?P<op>=|:=|\+=)(?!=)"
    )
    for line in range(call.first, max(segment.first, call.first - _LOOKBACK_LINES) - 1, -1):
        match = assign.search(segment.masked_line(line))
        if match is None:
            continue
        start = segment.offset(line) + match.end()
        end = _statement_end(segment.masked, start)
        value = Arg(segment.raw[start:end].strip(), segment.masked[start:end].strip())
        how = built_string(value) or ("+=" if match["op"] == "+=" and not is_literal(value) else None)
        if how and _SQL_TEXT.search(value.raw + segment.raw_line(line)):
            how = "concatenation" if how == "+=" else how
            return f"SQL built with {how} (line {line}) passed to {call.callee}() as `{name}`"
        return None
    return None


def _statement_end(masked: str, start: int) -> int:
    depth = 0
    for i in range(start, min(len(masked), start + _MAX_CALL_CHARS)):
        c = masked[i]
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif c in "\n;" and depth <= 0:
            return i
    return min(len(masked), start + _MAX_CALL_CHARS)


@check("sql-string-formatting", scopes={Scope.ADDED})
def sql_string_formatting(data: CheckInput) -> Iterator[Hit]:
    """SQL assembled with f-strings, %, format(), concatenation or Sprintf and passed to a query call."""
    read_ahead(data, [languages for languages, _ in _SQL_CALLS])
    for file in data.files:
        pattern = next((p for languages, p in _SQL_CALLS if file.language in languages), None)
        if pattern is None:
            continue
        side = new_side(data, file)
        for call in find_calls(side, pattern):
            for arg in call.args()[:3]:
                detail = _sql_argument(side, call, arg)
                if detail:
                    yield side.hit(side.anchor(call.first, call.last), detail)
                    break


# --- HTTP calls without a timeout ----------------------------------------------------------------------------------

_REQUESTS = guided(
    re.compile(r"\brequests\.(?:get|post|put|delete|patch|head|options|request)\s*\("), ("requests.",), 0
)
_HTTPX = guided(
    re.compile(r"\bhttpx\.(?:get|post|put|delete|patch|head|options|request|stream|Client|AsyncClient)\s*\("),
    ("httpx.",),
    0,
)
_URLOPEN = guided(re.compile(r"(?:\burllib\.request\.|(?<![\w.]))urlopen\s*\("), ("urlopen",), len("urllib.request."))
_TIMEOUT_KW = re.compile(r"\btimeout\s*=")
_TIMEOUT_NONE = re.compile(r"\btimeout\s*=\s*None\b")
_SPREAD = re.compile(r"\*\*")


def _timeout_problem(call: Call, pattern: re.Pattern[str]) -> str | None:
    args = call.masked_args
    if _TIMEOUT_NONE.search(args):
        return f"{call.callee}() with timeout=None waits forever"
    if pattern is _HTTPX or _TIMEOUT_KW.search(args) or _SPREAD.search(args):
        return None  # httpx defaults to a 5 s timeout; **kwargs may carry one
    if pattern is _URLOPEN and len(call.args()) >= 3:
        return None  # urlopen(url, data, timeout)
    return f"{call.callee}() without timeout= can hang forever"


@check("http-call-without-timeout", scopes={Scope.ADDED})
def http_call_without_timeout(data: CheckInput) -> Iterator[Hit]:
    """Python HTTP calls (requests, urllib; httpx with timeout=None) that can wait forever on a stalled peer."""
    read_ahead(data, (PYTHON,))
    for file in data.files:
        if not _language(file, PYTHON):
            continue
        side = new_side(data, file)
        for pattern in (_REQUESTS, _HTTPX, _URLOPEN):
            for call in find_calls(side, pattern):
                problem = _timeout_problem(call, pattern)
                if problem:
                    yield side.hit(side.anchor(call.first, call.last), problem)


# --- operational defaults changed ----------------------------------------------------------------------------------

_SETTING = re.compile(
    r"""^\s*(?:-\s+)?(?:export\s+|ENV\s+|ARG\s+|set\s+)?
    (?:(?:public|private|protected|internal|static|final|const|readonly|let|var|val|override)\s+)*
    (?:[\w<>\[\],.?]+\s+(?=[\w.-]+\s*(?::\s*[\w\[\]|. ,<>]+?\s*)?=))?
    ["']?(?P<name>[A-Za-z_][\w.-]*)["']?
    \s*(?::\s*[\w\[\]|. ,<>]+?\s*(?==))?
    \s*(?::=|=|:)(?!=)\s*
    (?P<value>.*?)\s*[,;]?\s*(?:\s(?:\#|//).*)?$""",
    re.VERBOSE,
)
_NAME_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_OPERATIONAL = frozenset(
    {
        "timeout",
        "timeouts",
        "retries",
        "retry",
        "attempts",
        "limit",
        "limits",
        "max",
        "threshold",
        "thresholds",
        "ttl",
        "interval",
        "backoff",
        "rate",
        "quota",
        "quotas",
        "enabled",
        "enable",
        "disabled",
        "flag",
        "flags",
        "feature",
        "features",
        "concurrency",
        "pool",
        "batch",
        "deadline",
    }
)
_OPERATIONAL_WORD = re.compile("|".join(sorted(_OPERATIONAL)))
_SECRETISH = frozenset({"token", "secret", "password", "passwd", "key", "credential", "credentials", "auth"})
_MAX_VALUE = 40


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    value: str
    line: int
    hunk: int


def operational_setting(text: str) -> tuple[str, str] | None:
    """(name, value) when `text` assigns a timeout, retry count, limit, flag...; None otherwise."""
    if ("=" not in text and ":" not in text) or not _may_name_a_setting(text):
        return None  # cheap and exact: the pattern needs one of them, and the name contains an operational word
    match = _SETTING.match(text)
    if match is None or not match["value"] or match["value"] in ("{", "[", "(", "|", ">"):
        return None
    name = match["name"]
    if not _OPERATIONAL & _parts(name):
        return None
    return name, match["value"]


def _may_name_a_setting(text: str) -> bool:
    return _OPERATIONAL_WORD.search(text.lower()) is not None


def _parts(name: str) -> set[str]:
    return {part.lower() for part in _NAME_PARTS.findall(name)}


_PLAIN_VALUE = re.compile(r"-?[\d_.]+[a-zA-Z]{0,3}|true|false|True|False|on|off|yes|no")


def _shown(name: str, value: str) -> str:
    """The value as a reviewer may see it: hidden when the name looks secret and the value is not a plain number."""
    if _SECRETISH & _parts(name) and not _PLAIN_VALUE.fullmatch(value):
        return "(value hidden)"
    return value if len(value) <= _MAX_VALUE else value[: _MAX_VALUE - 1] + "…"


@check("operational-default-changed", scopes={Scope.LINES})
def operational_default_changed(data: CheckInput) -> Iterator[Hit]:
    """A timeout, retry count, limit, TTL, pool size or feature flag whose value the change edits in place."""
    for file in data.files:
        view = scope_lines(file, Scope.LINES)  # the added and removed lines
        # Only lines that name an operational word can hold a setting (`_may_name_a_setting`): found in the file's
        # case-folded text at `str.find` speed. Folding keeps every ASCII letter lowering gives (see
        # tests/rules/test_prefilters.py), so this finds every line `text.lower()` would.
        by_hunk: dict[int, tuple[list[Setting], list[Setting]]] = {}
        for position in view.folded().lines_with(_OPERATIONAL):
            line = view.lines[position]
            setting = operational_setting(line.text)
            if setting is None:
                continue
            index = view.hunk_of(position)
            removed, added = by_hunk.setdefault(index, ([], []))
            target, number = (removed, line.old_no) if line.kind is LineKind.REMOVED else (added, line.new_no)
            assert number is not None
            target.append(Setting(setting[0], setting[1], number, index))
        for removed, added in by_hunk.values():
            yield from _paired_changes(file, removed, added)


def _paired_changes(file: FileChange, removed: list[Setting], added: list[Setting]) -> Iterator[Hit]:
    unused = list(added)
    for old in removed:
        new = next((a for a in unused if a.name == old.name), None)
        if new is None:
            continue
        unused.remove(new)
        if " ".join(new.value.split()) != " ".join(old.value.split()):
            detail = f"{old.name}: {_shown(old.name, old.value)} → {_shown(new.name, new.value)}"
            yield Hit(path=file.path, line=new.line, side=Side.NEW, hunk=new.hunk, detail=detail)
