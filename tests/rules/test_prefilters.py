"""The cheap tests that let the scan pass over files and lines must never drop what the full check would find.

Each prefilter rests on a claim about the text (a line a pattern matches contains this word; a glob's literal part
is in every path it matches; a handler's block ends at such a line); these properties check the claims against the
full computation on generated input, and the per-scan memos against the objects they were computed for.
"""

from __future__ import annotations

import dataclasses
import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.model import Change, DiffLine, FileChange, FileStatus, Hunk, LineKind
from reviewtui.rules import engine
from reviewtui.rules.checks import code, imports, infra, secrets, tests
from reviewtui.rules.checks.size import _changed
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import SCOPE_KINDS, Folded, Located, per_file, release, scope_lines
from reviewtui.systems import glob_regex
from tests.properties.strategies import changes

FRAGMENTS = [
    "import os", "from x import y", "  from  a.b import (c", "import a, b as c", "# import x", "const a = require('x')",
    "import 'side'", "export { a } from \"./b\"", "await import(`m`)", "// import x from 'y'", "timeout = 5",
    "MAX_RETRIES: 3", "self.rate_limit=1", "api_key = 'abc'", "PASSWORD", "Bearer", "İMPORT", "ımport", "ſecret",
    "Kelvin K", "ß", "ﬁle", "\u0130", "σ", "Σ", " ", "\t", "=", ":", "'", '"', "x", "DROP TABLE t",
    "drop table if exists", "op.drop_column(", "migrations.RemoveField(", "DELETE FROM t", "TRUNCATE x",
    "CREATE TABLE n", "createTable('a'", "ALTER COLUMN c SET NOT NULL", "ADD COLUMN c int NOT NULL",
    "op.add_column('t', x, nullable=False)", "ſ", "-- ",
]  # fmt: skip
SQL_LINE = DiffLine(LineKind.ADDED, None, 1, "x")
SQL_FILE = FileChange("m.sql", "m.sql", FileStatus.ADDED, hunks=(Hunk(0, 0, 1, 1, "", (SQL_LINE,)),))
LOCATED = Located(SQL_FILE, 0, SQL_LINE)
lines_strategy = st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=5).map("".join), max_size=12)


def test_the_migration_words_have_no_letter_ignorecase_widens() -> None:
    """The migration checks find candidate lines by case-folded words, their patterns match with IGNORECASE: every
    character IGNORECASE takes for a letter of those words must fold to that letter."""
    letters = set("".join((*infra._CREATE_WORDS, *infra._DESTRUCTIVE_WORDS, *infra._NOT_NULL_WORDS)))
    patterns = {letter: re.compile(letter, re.IGNORECASE) for letter in letters}
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        for letter, pattern in patterns.items():
            if pattern.fullmatch(char):
                assert char.casefold() == letter, (hex(code_point), letter)


def test_casefold_keeps_every_ascii_letter_lowering_gives() -> None:
    """What `operational-default-changed` relies on to find, in the folded text, every line `str.lower` names an
    operational word on: a character whose lower case holds ASCII folds to the same."""
    for code_point in range(sys.maxunicode + 1):
        char = chr(code_point)
        lower = char.lower()
        if any(c.isascii() for c in lower):
            assert char.casefold() == lower, hex(code_point)


@settings(max_examples=300, deadline=None)
@given(lines_strategy)
def test_word_prefilters_find_every_line_the_full_test_accepts(texts: list[str]) -> None:
    folded = Folded(texts)
    checks = [
        (secrets._NAME_HINTS, lambda t: secrets._NAME_HINT.search(t.casefold()) is not None),
        (tuple(code._OPERATIONAL), code._may_name_a_setting),
        (("import",), lambda t: bool(imports._PY_FROM.match(t) or imports._PY_IMPORT.match(t))),
        (imports._JS_WORDS, lambda t: any(p.search(t) for p in (imports._JS_FROM, imports._JS_SIDE_EFFECT,
                                                               imports._JS_CALL))),
        (infra._CREATE_WORDS, lambda t: infra._CREATE_TABLE.search(t) is not None),
        (infra._DESTRUCTIVE_WORDS, lambda t: any(infra._destructive_statements(LOCATED, t, set()))),
        (infra._NOT_NULL_WORDS, lambda t: infra._not_null(LOCATED, t, set()) is not None),
    ]  # fmt: skip
    for words, accepts in checks:
        found = set(folded.lines_with(words))
        assert {i for i, text in enumerate(texts) if accepts(text)} <= found, words


GLOB_PARTS = st.sampled_from(["a", "b", "/", "*", "**", "**/", "?", ".", "ab/", "/a"])
PATHS = st.lists(st.sampled_from(["a", "b", "/", ".", "ab", "ba/"]), min_size=1, max_size=8).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(GLOB_PARTS, min_size=1, max_size=6).map("".join), min_size=1, max_size=5), PATHS)
def test_globs_with_a_literal_guard_match_as_their_alternation(globs: list[str], path: str) -> None:
    """`_matches_any` tries a glob only when the path holds its literal part: the answer is the one the rule's
    globs as one alternation give (how it was matched before)."""
    alternation = re.compile("|".join(f"(?:{glob_regex(g).pattern})" for g in globs), re.DOTALL)
    assert engine._matches_any(tuple(globs), path) == (alternation.fullmatch(path) is not None)
    for glob in globs:
        if glob_regex(glob).fullmatch(path):
            assert engine.glob_literal(glob) in path


HANDLER_LINES = [
    "try:", "except Exception:", "except:", "    except Exception as e:", "except (ValueError, Exception):",
    "    pass", "    log.info('x')", "        return None", "    continue", '"""', "'''", "# comment", "    # c",
    "x = 1", "except Exception: pass", "\tpass", "\texcept:", "s = 'a", "", "  ", "    x = '''", "    logger.warning(",
    "        'msg %s',", "    )", "except ImportError:", "    print('except Exception:')", "y = \"\"\"except:",
    "    raise", "def f():", "        pass",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(HANDLER_LINES), min_size=1, max_size=25), st.data())
def test_a_handler_that_touches_a_changed_line_is_never_passed_over(lines: list[str], data: st.DataObject) -> None:
    touched = data.draw(st.sets(st.integers(1, len(lines)), max_size=4))
    for complete in (True, False):
        segment = code._segment(1, lines, True)
        side = code.NewSide(FileChange("a.py", "a.py", FileStatus.MODIFIED, language="Python"), (segment,), complete)
        side._index = (tuple(sorted(touched)), {})
        reported = [h for h in code._segment_handlers(side, segment) if side.touches(h.first, h.last)]
        if reported:
            assert code._may_touch_a_handler(side, segment), (lines, touched, reported)


def may_touch_by_whole_blocks(side: code.NewSide, segment: code.Segment) -> bool:
    """`_may_touch_a_handler` as first written: each handler's whole raw range, then whether it holds a touched
    line."""
    for match in code._RAW_EXCEPT.finditer(segment.raw):
        header = segment.line_at(match.start())
        indent = len(match.group(1).expandtabs())
        bound = segment.last
        for line in range(header + 1, segment.last + 1):
            text = segment.raw_line(line)
            stripped = text.strip()
            if stripped and not stripped.startswith("#"):
                expanded = text.expandtabs()
                if len(expanded) - len(expanded.lstrip()) <= indent:
                    bound = line - 1
                    break
        if side.touches(header, bound):
            return True
    return False


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HANDLER_LINES), min_size=1, max_size=25), st.integers(1, 40), st.data())
def test_reading_up_to_the_first_touched_line_answers_as_whole_blocks(
    lines: list[str], first: int, data: st.DataObject
) -> None:
    """The handler prefilter stops at the first touched line after a header: the same answer as reading each
    handler's whole range, for segments anywhere in a file and touched lines inside, before and past them."""
    touched = data.draw(st.sets(st.integers(1, first + len(lines) + 5), max_size=5))
    segment = code._segment(first, lines, True)
    side = code.NewSide(FileChange("a.py", "a.py", FileStatus.MODIFIED, language="Python"), (segment,), False)
    side._index = (tuple(sorted(touched)), {})
    assert code._may_touch_a_handler(side, segment) == may_touch_by_whole_blocks(side, segment)


def diff_line(kind: LineKind, text: str, number: int) -> DiffLine:
    return DiffLine(kind, None if kind is LineKind.ADDED else number, None if kind is LineKind.REMOVED else number,
                    text)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(list(LineKind)), st.text(max_size=5)), max_size=6), max_size=4))
def test_scope_lines_are_the_lines_of_the_scope_with_their_hunks(hunks: list[list[tuple[LineKind, str]]]) -> None:
    file = FileChange(
        "f.py", "f.py", FileStatus.MODIFIED,
        hunks=tuple(Hunk(1, 1, 1, 1, "", tuple(diff_line(k, t, n) for n, (k, t) in enumerate(h, 1))) for h in hunks),
    )  # fmt: skip
    try:
        for scope in (Scope.ADDED, Scope.REMOVED, Scope.CONTEXT, Scope.LINES):
            view = scope_lines(file, scope)
            kinds = SCOPE_KINDS[scope]
            expected = [(i, line) for i, h in enumerate(file.hunks) for line in h.lines if line.kind in kinds]
            assert [(view.hunk_of(p), line) for p, line in enumerate(view.lines)] == expected
            assert view.texts == [line.text for _, line in expected]
            assert view.text == "\n".join(view.texts)
            assert [(x.hunk, x.line) for x in map(view.located, range(len(expected)))] == expected
            assert scope_lines(file, scope) is view
    finally:
        release()


def test_a_per_file_memo_answers_for_that_file_object_only() -> None:
    first = FileChange("a.py", "a.py", FileStatus.MODIFIED)
    twin = dataclasses.replace(first)  # equal, not the same object: what `_without_long_lines` may hand a rule
    try:
        assert per_file(first, "k", lambda f: ["first"]) == ["first"]
        assert per_file(twin, "k", lambda f: ["twin"]) == ["twin"]
        assert per_file(first, "k", lambda f: ["again"]) == ["first"]
        assert per_file(first, "other", lambda f: ["other"]) == ["other"]
    finally:
        release()
    assert per_file(first, "k", lambda f: ["after release"]) == ["after release"]
    release()


@settings(max_examples=100, deadline=None)
@given(changes())
def test_large_change_counts_what_change_stats_counts(change: Change) -> None:
    try:
        assert sum(_changed(f) for f in change.files) == change.stats.added + change.stats.deleted
    finally:
        release()


TEST_LINES = [
    "def test_a(self):", "    async def test_b():", "class TestX:", "func TestY(t *testing.T) {", "func helper() {",
    "it('works', () => {", "describe(\"x\", function () {", "test.only(`y`, async () => {", "    assert x == 1",
    "    self.assertEqual(a, b)", "m.assert_called_once()", "expect(a).toBe(1)", "require.Equal(t, 1, x)",
    "t.Fatalf(\"x\")", "with pytest.raises(E):", "x.should.equal(1)", "verify(mock)", "# assert x", "// expect(1)",
    "    return 1", "x = f(", "  ", "defer", "classify(x)", "@Test", "void testX() {", "функция", "assertThat(x)",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TEST_LINES), min_size=1, max_size=3).map(" ".join))
def test_test_definitions_and_assertions_answer_as_their_patterns(text: str) -> None:
    """The word checks in front of `_definition` and `is_assertion` answer as the patterns alone would."""
    python = tests._PY_DEF.match(text)
    assert tests._definition("python", text, False) == (
        python[1] if python else None, False, tests._PY_BOUNDARY.match(text) is not None
    )
    script = tests._JS_DEF.match(text)
    assert tests._definition("script", text, False) == (script[2] if script else None, False, False)
    go = tests._GO_DEF.match(text)
    go_boundary = tests._GO_BOUNDARY.match(text) is not None
    assert tests._definition("go", text, False) == (go[1] if go else None, False, go_boundary)
    assert tests.is_assertion(text) == (tests._COMMENT.match(text) is None and tests.ASSERTION.search(text) is not None)
