"""Checks for the way coding agents get a red build green without fixing the code: deleting or gutting tests.

Agents under pressure to pass a suite delete failing tests, skip them, weaken their assertions or edit expected
values to match new (wrong) output (ImpossibleBench, arXiv 2510.20270). Each of these is visible only by comparing
what a change removes from test files with what it adds, so they are checks rather than regexes. Tests are
recognised by path (TEST_GLOBS) and by their definitions in Python, JS/TS, Go and Java/Kotlin.
"""

from __future__ import annotations

import ast
import difflib
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from reviewtui.model import Change, DiffLine, FileChange, FileStatus, Hunk, LineKind
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit, Side
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import file_hit, per_file
from reviewtui.systems import glob_match

_SCRIPT_EXTENSIONS = ("js", "jsx", "ts", "tsx", "mjs", "cjs", "mts", "cts")
TEST_GLOBS: tuple[str, ...] = (
    "**/tests/**",
    "**/test/**",
    "**/__tests__/**",
    "**/src/test/**",
    "**/test_*.py",
    "**/*_test.py",
    "**/conftest.py",
    "**/*_test.go",
    *(f"**/*.{kind}.{ext}" for kind in ("test", "spec") for ext in _SCRIPT_EXTENSIONS),
    "**/*Test.java",
    "**/*Tests.java",
    "**/*IT.java",
    "**/*Test.kt",
    "**/*Tests.kt",
)
"""Where tests live. Packs use the same list in `paths` (test rules) and `exclude` (production-code rules)."""

_NAMED_LIKE_TESTS = tuple(g for g in TEST_GLOBS if not g.endswith("/**") and g != "**/conftest.py")

CODE_LANGUAGES = frozenset(
    {
        "Python", "JavaScript", "TypeScript", "TSX", "JSX", "Go", "Java", "Kotlin", "Scala", "Ruby", "Rust", "C#",
        "PHP", "C", "C++", "Swift", "SQL",
    }
)  # fmt: skip
"""Languages whose edits change behaviour that tests pin down (documentation and data files do not count)."""


@functools.lru_cache(maxsize=1 << 16)
def is_test_path(path: str) -> bool:
    """Memoised: every test check and the risk features ask it of every file of every change."""
    return any(glob_match(pattern, path) for pattern in TEST_GLOBS)


def is_code(file: FileChange) -> bool:
    return file.language in CODE_LANGUAGES and not is_test_path(file.path)


# --- test definitions ------------------------------------------------------------------------------------------------

_PY_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(test\w*)\s*\(")
_PY_BOUNDARY = re.compile(r"^\s*(?:async\s+def|def|class)\s")
_JS_DEF = re.compile(
    r"""^\s*(?:it|test|describe|context|specify|xit|xtest|xdescribe|fit|fdescribe)"""
    r"""(?:\.(?:only|skip|todo|concurrent|failing))?\s*\(\s*(["'`])((?:\\.|(?!\1).)*)\1"""
)
_GO_DEF = re.compile(r"^func\s+((?:Test|Benchmark|Fuzz)\w*)\s*\(")
_GO_BOUNDARY = re.compile(r"^func\s")
_JVM_ANNOTATION = re.compile(r"@(?:Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\b")
_JVM_METHOD = re.compile(r"\b(?:void|fun)\s+(`[^`]+`|\w+)\s*\(")
_JUNIT3 = re.compile(r"^\s*public\s+void\s+(test\w*)\s*\(")
_FAMILIES = {
    "Python": "python",
    "JavaScript": "script",
    "TypeScript": "script",
    "TSX": "script",
    "JSX": "script",
    "Go": "go",
    "Java": "jvm",
    "Kotlin": "jvm",
}


@dataclass(frozen=True, slots=True)
class Definition:
    """One test definition seen on one side of a diff."""

    name: str
    family: str
    file: FileChange
    line: DiffLine
    hunk: int
    block: int
    """Index of the run of consecutive changed lines it sits in: a removal and an addition there are a rewrite."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.family, self.name)

    def hit(self, detail: str) -> Hit:
        removed = self.line.kind is LineKind.REMOVED
        return Hit(
            path=self.file.path,
            line=self.line.old_no if removed else self.line.new_no,
            side=Side.OLD if removed else Side.NEW,
            hunk=self.hunk,
            detail=detail,
        )


@dataclass
class FileTests:
    """The test definitions a change removes from and adds to one file, and which test each removed line was in."""

    file: FileChange
    removed: list[Definition] = field(default_factory=list)
    added: list[Definition] = field(default_factory=list)
    owner: dict[int, Definition | None] = field(default_factory=dict)
    """Old line number of each removed line -> the test definition above it (None outside any test)."""


def blocks(hunk: Hunk) -> list[int]:
    """For each line of the hunk, the index of its run of changed lines (-1 for context lines)."""
    out: list[int] = []
    current = -1
    previous_changed = False
    for line in hunk.lines:
        changed = line.kind is not LineKind.CONTEXT
        if changed and not previous_changed:
            current += 1
        out.append(current if changed else -1)
        previous_changed = changed
    return out


def file_tests(file: FileChange) -> FileTests:
    result = FileTests(file)
    family = _FAMILIES.get(file.language or "")
    if family is None:
        return result
    for index, hunk in enumerate(file.hunks):
        runs = blocks(hunk)
        for side in (LineKind.REMOVED, LineKind.ADDED):
            pending = False
            owner: Definition | None = None
            for position, line in enumerate(hunk.lines):
                if line.kind not in (LineKind.CONTEXT, side):
                    continue
                name, pending, boundary = _definition(family, line.text, pending)
                definition = None
                if name is not None:
                    definition = Definition(name, family, file, line, index, runs[position])
                    if line.kind is side:
                        (result.removed if side is LineKind.REMOVED else result.added).append(definition)
                if name is not None or boundary:
                    owner = definition
                if side is LineKind.REMOVED and line.kind is side and line.old_no is not None:
                    result.owner[line.old_no] = owner
    return result


def _definition(family: str, text: str, pending: bool) -> tuple[str | None, bool, bool]:
    """(test name or None, JVM annotation pending, whether the line starts some other definition). A line without
    the text every pattern of its family needs (`def` or `class`, an opening parenthesis, `func` at the start) is
    answered without them: most lines of a test file define nothing."""
    if family == "python":
        if "def" not in text and "class" not in text:
            return None, False, False
        match = _PY_DEF.match(text)
        return (match[1] if match else None), False, _PY_BOUNDARY.match(text) is not None
    if family == "script":
        if "(" not in text:
            return None, False, False
        match = _JS_DEF.match(text)
        return (match[2] if match else None), False, False
    if family == "go":
        if not text.startswith("func"):
            return None, False, False
        match = _GO_DEF.match(text)
        return (match[1] if match else None), False, _GO_BOUNDARY.match(text) is not None
    pending = pending or _JVM_ANNOTATION.search(text) is not None
    method = _JVM_METHOD.search(text)
    if method is not None:
        name = method[1] if pending else (m[1] if (m := _JUNIT3.match(text)) else None)
        return name, False, True
    return None, pending, False


@dataclass(frozen=True, slots=True)
class ChangedTests:
    """Every test file of a change, and the tests that disappear from it (moves and renames excepted)."""

    files: dict[str, FileTests]
    lost: dict[str, list[Definition]]

    def lost_in(self, path: str) -> list[Definition]:
        return self.lost.get(path, [])


def changed_tests(change: Change) -> ChangedTests:
    """What three checks ask of the same change in one scan: computed once (the last change is kept, by identity;
    callers only read it)."""
    last = _LAST_CHANGED[0]  # one read: another thread may replace it
    if last is not None and last[0] is change:
        return last[1]
    result = _changed_tests(change)
    _LAST_CHANGED[0] = (change, result)
    return result


_LAST_CHANGED: list[tuple[Change, ChangedTests] | None] = [None]


def _changed_tests(change: Change) -> ChangedTests:
    diffs = {f.path: file_tests(f) for f in change.files if is_test_path(f.path)}
    added_keys = {d.key for diff in diffs.values() for d in diff.added}
    removed_keys = {d.key for diff in diffs.values() for d in diff.removed}
    lost: dict[str, list[Definition]] = {}
    for path, diff in diffs.items():
        gone = [d for d in diff.removed if d.key not in added_keys]
        new = [d for d in diff.added if d.key not in removed_keys]
        lost[path] = _unrenamed(gone, new)
    return ChangedTests(diffs, lost)


def _unrenamed(gone: list[Definition], new: list[Definition]) -> list[Definition]:
    """Removed tests left after pairing each new test with one removed in the same place (a rename, not a removal).

    A new test pairs with the removed test of the same run of changed lines whose name is most like its own
    (test_old_name -> test_new_name, not the unrelated test_total removed just above it).
    """
    left = list(gone)
    for definition in new:
        candidates = [d for d in left if (d.hunk, d.block) == (definition.hunk, definition.block)]
        if candidates:
            left.remove(max(reversed(candidates), key=lambda d: _similarity(d.name, definition.name)))
    return left


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _names(definitions: Sequence[Definition], limit: int = 5) -> str:
    names = [d.name for d in definitions]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


@check("test-file-deleted", scopes={Scope.FILE})
def deleted_test_file(data: CheckInput) -> Iterator[Hit]:
    """A test file deleted, unless every test in it reappears elsewhere in the change (a move)."""
    deleted = [f for f in data.files if f.status is FileStatus.DELETED and is_test_path(f.path)]
    if not deleted:
        return
    changes = changed_tests(data.change)
    for file in deleted:
        diff = changes.files[file.path]
        lost = changes.lost_in(file.path)
        if lost:
            yield file_hit(file, detail=f"{_count(len(lost), 'test')}: {_names(lost)}")
        elif not diff.removed and any(glob_match(g, file.path) for g in _NAMED_LIKE_TESTS):
            yield file_hit(file, detail="deleted")


@check("test-functions-removed", scopes={Scope.LINES})
def removed_test_functions(data: CheckInput) -> Iterator[Hit]:
    """Test functions removed from a test file that stays, and not re-added under the same or a new name."""
    paths = {f.path for f in data.files if f.status is not FileStatus.DELETED and is_test_path(f.path)}
    if not paths:
        return
    changes = changed_tests(data.change)
    for path in sorted(paths):
        for definition in changes.lost_in(path):
            yield definition.hit(definition.name)


# --- assertions ------------------------------------------------------------------------------------------------------

ASSERTION = re.compile(
    r"^\s*assert\b|\bassert\w*\s*\(|\.assert_\w+\s*\(|\bexpect\s*\(|\b(?:assert|require)\.\w+\s*\("
    r"|\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\bpytest\.raises\s*\(|\.should\b|\bverify\s*\("
)
TRIVIAL_ASSERTION = re.compile(
    r"""(?x:
    (?<![\w.])assert\s+(?:True|1|not\s+(?:False|None|0))(?=\s*(?:,|\#|$))
  | (?<![\w.])assert\s+(?P<trivial_left>[\w."']+)\s*==\s*(?P=trivial_left)(?=\s*(?:,|\#|$))
  | \bassert(?:True|_true)?\s*\(\s*(?:True|true|1)\s*\)
  | \bassert(?:Equal|Equals)\s*\(\s*(?P<trivial_first>[\w."']+)\s*,\s*(?P=trivial_first)\s*\)
  | \bexpect\s*\(\s*(?:true|1)\s*\)\s*\.\s*(?:toBe|toEqual|toStrictEqual)\s*\(\s*(?:true|1)\s*\)
  | \bexpect\s*\(\s*true\s*\)\s*\.\s*toBeTruthy\s*\(\s*\)
  | \bassert(?:\.ok)?\s*\(\s*true\s*\)
  | \b(?:assert|require)\.True\s*\(\s*t\s*,\s*true\s*[,)]
  | \bassertThat\s*\(\s*true\s*\)\s*\.\s*isTrue\s*\(\s*\)
)"""
)
"""An assertion that cannot fail. The `test-trivial-assertion` rule's pattern is this one, verbatim."""

_COMMENT = re.compile(r"^\s*(?:#|//|/\*|\*)")


def is_assertion(text: str) -> bool:
    if not any(word in text for word in _ASSERTION_WORDS):
        return False  # every form ASSERTION matches spells one of them (case matters there too)
    return _COMMENT.match(text) is None and ASSERTION.search(text) is not None


_ASSERTION_WORDS = ("assert", "expect", "require.", "t.", "pytest.raises", ".should", "verify")


def _changed_assertions(file: FileChange, kind: LineKind) -> list[tuple[int, int, DiffLine]]:
    """(hunk, block, line) for each assertion line of the given kind. Three checks ask this of the same test file:
    worked out once per file per scan (`per_file`)."""
    return per_file(file, ("assertions", kind), lambda f: _assertions_of(f, kind))


def _assertions_of(file: FileChange, kind: LineKind) -> list[tuple[int, int, DiffLine]]:
    found: list[tuple[int, int, DiffLine]] = []
    for index, hunk in enumerate(file.hunks):
        for block, line in zip(blocks(hunk), hunk.lines, strict=True):
            if line.kind is kind and is_assertion(line.text):
                found.append((index, block, line))
    return found


@check("test-assertions-reduced", scopes={Scope.LINES})
def reduced_assertions(data: CheckInput) -> Iterator[Hit]:
    """A test file that keeps its tests but ends up with fewer real assertions than it had."""
    files = [f for f in data.files if f.status is not FileStatus.DELETED and is_test_path(f.path)]
    if not files:
        return
    changes = changed_tests(data.change)
    for file in files:
        lost = {id(d) for d in changes.lost_in(file.path)}
        owners = changes.files[file.path].owner
        removed = [
            (hunk, line)
            for hunk, _, line in _changed_assertions(file, LineKind.REMOVED)
            if id(owners.get(line.old_no or 0)) not in lost  # assertions of removed tests are reported with them
        ]
        added = [
            line for _, _, line in _changed_assertions(file, LineKind.ADDED) if not TRIVIAL_ASSERTION.search(line.text)
        ]
        if len(removed) > len(added):
            hunk, first = removed[0]
            detail = f"{_count(len(removed), 'assertion')} removed, {len(added)} added"
            yield Hit(path=file.path, line=first.old_no, side=Side.OLD, hunk=hunk, detail=detail)


_EQUALITY = re.compile(
    r"(?<![=!<>])==(?!=)|===|\bassert(?:Equal|Equals|Is|Same|CountEqual|ListEqual|DictEqual|TupleEqual|SetEqual)\s*\("
    r"|\.to(?:Be|Equal|StrictEqual|HaveLength|HaveBeenCalledTimes|HaveBeenCalledWith)\s*\("
    r"|\b(?:assert|require)\.(?:Equal|EqualValues|Exactly|Len)\s*\(|\.isEqualTo\s*\(|\.hasSize\s*\("
    r"|\.assert_called_once_with\s*\(|\.assert_called_with\s*\(|\.assert_called_once\s*\("
)
_OPERANDS = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_NOT_OPERANDS = frozenset(
    {"assert", "self", "expect", "True", "False", "None", "true", "false", "null", "not", "is", "in", "and", "or",
     "len", "t", "require", "Assert", "Assertions", "assertThat"}
)  # fmt: skip


def _operands(text: str) -> set[str]:
    """The names an assertion is about (dotted names; assertion helpers, keywords and methods called on them aside)."""
    text = re.sub(r"(['\"]).*?\1", "", text)
    names = {m.group(0) for m in _OPERANDS.finditer(text)}
    return {n for n in names if n not in _NOT_OPERANDS and not n.startswith(("assert", "self.assert", "to"))}


def _prefixes(text: str) -> set[str]:
    """The operands of an assertion and every dotted prefix of them (`items.length` is about `items`)."""
    out: set[str] = set()
    for name in _operands(text):
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


@check("test-assertion-loosened", scopes={Scope.LINES})
def loosened_assertions(data: CheckInput) -> Iterator[Hit]:
    """An exact assertion rewritten as a looser one about the same value (== to >=, assertEqual to assertTrue)."""
    for file in data.files:
        if file.status is FileStatus.DELETED or not is_test_path(file.path):
            continue
        removed = [a for a in _changed_assertions(file, LineKind.REMOVED) if _EQUALITY.search(a[2].text)]
        added = [
            (h, b, line)
            for h, b, line in _changed_assertions(file, LineKind.ADDED)
            if not _EQUALITY.search(line.text) and not TRIVIAL_ASSERTION.search(line.text)
        ]
        for hunk, block, old in removed:
            subjects = _operands(old.text)
            new = next((a for a in added if a[:2] == (hunk, block) and subjects & _prefixes(a[2].text)), None)
            if new is None:
                continue
            added.remove(new)
            line = new[2]
            yield Hit(path=file.path, line=line.new_no, side=Side.NEW, hunk=hunk, detail=f"was: {_clip(old.text)}")


_LONG_STRING = re.compile(r"""(["'])([^"'\\]{4})[^"'\\]{16,}\1""")


def _clip(text: str, limit: int = 100) -> str:
    """A test line as quoted in a finding: long string literals cut to 4 characters, since tests hold tokens too."""
    text = _LONG_STRING.sub(r"\1\2…\1", text.strip())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- expected values edited with the code --------------------------------------------------------------------------

_LITERAL = re.compile(
    r"""(?P<s>[rbuRBU]?(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'))|(?P<n>(?<![\w.])-?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)"""
    r"""|(?P<c>\b(?:True|False|None|true|false|null|nil)\b)"""
)


def _shape(text: str) -> tuple[str, list[str]]:
    """The line with every literal replaced by a placeholder, and the literals in order."""
    literals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        literals.append(match.group(0))
        return "\x00"

    return " ".join(_LITERAL.sub(keep, text).split()), literals


def _enclosing_test(file: FileChange, hunk_index: int, line: DiffLine) -> str | None:
    """The test a new-side line belongs to: the nearest test definition above it in the hunk, or the hunk header."""
    hunk = file.hunks[hunk_index]
    family = _FAMILIES.get(file.language or "")
    name: str | None = None
    if family is not None:
        section, _, _ = _definition(family, hunk.section, False)
        name = section
        pending = False
        for candidate in hunk.lines:
            if candidate is line:
                break
            if candidate.kind is LineKind.REMOVED:
                continue
            found, pending, boundary = _definition(family, candidate.text, pending)
            if found is not None or boundary:
                name = found
    return name


@check("test-expected-value-edited", scopes={Scope.LINES})
def edited_expected_values(data: CheckInput) -> Iterator[Hit]:
    """A literal in an assertion changed in the same change that edits the code under test."""
    code = [f for f in data.change.files if is_code(f) and f.hunks]
    if not code:
        return
    for file in data.files:
        if file.status is FileStatus.DELETED or not is_test_path(file.path):
            continue
        yield from _edited_expectations(file, code)


def _edited_expectations(file: FileChange, code: Sequence[FileChange]) -> Iterator[Hit]:
    removed = [(h, b, line, *_shape(line.text)) for h, b, line in _changed_assertions(file, LineKind.REMOVED)]
    for hunk, block, line in _changed_assertions(file, LineKind.ADDED):
        shape, literals = _shape(line.text)
        old = next((r for r in removed if r[:2] == (hunk, block) and r[3] == shape and r[4] != literals), None)
        if old is None:
            continue
        removed.remove(old)
        changes = [f"{_clip(a)} → {_clip(b)}" for a, b in zip(old[4], literals, strict=True) if a != b]
        test = _enclosing_test(file, hunk, line)
        where = f"{file.path}:{line.new_no}" + (f" in {test}" if test else "")
        edited = ", ".join(f.path for f in code[:3]) + (" and more" if len(code) > 3 else "")
        detail = f"{where}: {', '.join(changes)}; code edited: {edited}"
        yield Hit(path=file.path, line=line.new_no, side=Side.NEW, hunk=hunk, detail=detail)


# --- Tier-1 code without tests -------------------------------------------------------------------------------------

_COMMENT_OR_BLANK = re.compile(r"^\s*(?:$|#|//|/\*|\*|--|<!--)")


@check("tier1-code-untested", scopes={Scope.CHANGE})
def tier1_code_untested(data: CheckInput) -> Iterator[Hit]:
    """Tier-1 code whose behaviour changes while no test file is added or edited anywhere in the change."""
    if any(is_test_path(f.path) and f.status is not FileStatus.DELETED and f.hunks for f in data.change.files):
        return
    changed = [f for f in data.files if not is_test_path(f.path) and f.hunks and _behaviour_changed(data, f)]
    if changed:
        listed = ", ".join(f.path for f in changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        yield Hit(detail=f"{_count(len(changed), 'Tier-1 code file')} changed, no test touched: {listed}")


def _behaviour_changed(data: CheckInput, file: FileChange) -> bool:
    """False when the edit only touches comments, blank lines or (for Python) docstrings and layout."""
    if file.language == "Python" and file.status in (FileStatus.MODIFIED, FileStatus.RENAMED):
        before = _python_shape(data.context.read(data.change.merge_base, file.old_path or file.path))
        after = _python_shape(data.context.read(data.change.head, file.path))
        if before is not None and after is not None:
            return before != after
    return not all(_COMMENT_OR_BLANK.match(line.text) for line in _changed_lines(file.hunks))


def _changed_lines(hunks: Iterable[Hunk]) -> Iterator[DiffLine]:
    for hunk in hunks:
        yield from (line for line in hunk.lines if line.kind is not LineKind.CONTEXT)


def _python_shape(content: bytes | None) -> str | None:
    """The module's syntax tree without docstrings and `pass` (neither changes behaviour), or None if unparsable."""
    if content is None:
        return None
    try:
        tree = ast.parse(content)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and _docstring(body):
            body = body[1:]
        node.body = [s for s in body if not isinstance(s, ast.Pass)]  # type: ignore[attr-defined]
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def _docstring(body: list[ast.stmt]) -> bool:
    first = body[0] if body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
