"""`guided` patterns: the needles each callee pattern declares must find every match the plain search finds.

`matches` replaces `pattern.finditer` for speed; if a declaration were wrong (a match that starts farther than
`reach` before its needle, or contains none) a call would silently go unseen. Texts are built from the pieces the
patterns are made of, so near misses (`x.run(`, `getRuntime`, `child_process.execSync  (`) occur often.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reviewtui.rules.checks import code

PIECES = (
    "subprocess.", "os.", "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell", "run", "call", "check_call", "check_output", "Popen", "requests.",
    "httpx.", "get", "post", "Client", "AsyncClient", "urllib.request.", "urlopen", "child_process.",
    "childProcess.", "cp.", "exec", "execSync", "spawn", "spawnSync", "exec.Command", "Context",
    "Runtime.getRuntime()", ".exec", "new", "ProcessBuilder", ".execute", ".executemany", ".mogrify", ".raw",
    "read_sql", "_query", "catch", "(", ")", "{", " ", "  ", "\n", "\t", ".", "_", "$", "x", "a1", "é", "\u00a0",
)  # fmt: skip
PREFIXES = ("", "", "subprocess.", "os.", "asyncio.", "requests.", "httpx.", "urllib.request.", "child_process.",
            "childProcess.", "cp.", "exec.", "Runtime.getRuntime()", "new ", "new\n ", ".", "x.", "x", "_",
            "$")  # fmt: skip
NAMES = ("system", "popen", "getoutput", "getstatusoutput", "create_subprocess_shell", "run", "call", "check_call",
         "check_output", "Popen", "get", "request", "AsyncClient", "urlopen", "exec", "execSync", "spawnSync",
         "Command", "CommandContext", ".exec", "ProcessBuilder", "execute", "executescript", "raw", "read_sql",
         "read_sql_query", "catch", "catch (e)", "query", "whereRaw", "unsafe", "$queryRawUnsafe",
         "$executeRawUnsafe", "Query", "QueryRow", "QueryRowContext", "Exec", "ExecContext", "PrepareContext",
         "Select", "Get", "MustExec", "Queryx", "executeQuery", "executeLargeUpdate", "addBatch", "prepareStatement",
         "prepareCall", "createQuery", "createNativeQuery", "createSQLQuery", "queryForObject", "queryForMap",
         "update", "batchUpdate")  # fmt: skip
calls = st.tuples(st.sampled_from(PREFIXES), st.sampled_from(NAMES), st.sampled_from(("", " ", "\n  ")),
                  st.sampled_from(("(", "{", ""))).map("".join)  # fmt: skip
texts = st.lists(st.one_of(st.sampled_from(PIECES), calls), max_size=30).map("".join)


def spans(found: object) -> list[tuple[int, int]]:
    return [m.span() for m in found]  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(texts)
def test_guided_matches_are_exactly_finditer(text: str) -> None:
    for pattern in code._GUIDES:
        assert spans(code.matches(pattern, text)) == spans(pattern.finditer(text)), pattern.pattern


def test_every_callee_pattern_that_needs_a_guide_has_one() -> None:
    """The patterns `find_calls` and the handler search run over whole files; the ones left unguided start with a
    literal, which `re` already scans for quickly."""
    callees = [
        code._PY_SHELL_ALWAYS, code._PY_SUBPROCESS, code._JS_EXEC, code._JS_SPAWN, code._GO_COMMAND,
        code._JAVA_EXEC, code._JAVA_PROCESS, code._REQUESTS, code._HTTPX, code._URLOPEN, code._CATCH,
        *(pattern for _, pattern in code._SQL_CALLS),
    ]  # fmt: skip
    for pattern in callees:
        assert pattern in code._GUIDES or re.match(r"\\?[\w.]", pattern.pattern), pattern.pattern


def test_a_match_far_from_its_needle_is_still_found_when_declared() -> None:
    """The reach is what lets `subprocess.check_call(` be found from its needle `call`."""
    text = "x = subprocess.check_call(cmd, shell=True)\ny = check_call(z)\nw.check_call(q)\n"
    assert spans(code.matches(code._PY_SUBPROCESS, text)) == [(4, 26), (47, 58)]
    assert spans(code._PY_SUBPROCESS.finditer(text)) == [(4, 26), (47, 58)]


def test_every_prefix_name_combination() -> None:
    """Each piece combination alone and after a word character, a dot and a space: exhaustive where the random
    texts above are only likely to hit a rare combination (`urllib.request.` + `urlopen`)."""
    for prefix in PREFIXES:
        for name in NAMES:
            for gap in ("", " ", "\n  "):
                for lead in ("", "a", ".", " "):
                    text = f"{lead}{prefix}{name}{gap}("
                    for pattern in code._GUIDES:
                        assert spans(code.matches(pattern, text)) == spans(pattern.finditer(text)), (text, pattern)


DELIMITERS = ('"', "'", '"""', "'''", "`", "#", "//", "/*", "*/")
QUOTED = st.lists(st.one_of(st.sampled_from(PIECES), calls, st.sampled_from(DELIMITERS)), max_size=30).map("".join)
NEEDLES = sorted({n for needles, _ in code._GUIDES.values() for n in needles} | {"except", "catch", "shell"})


@settings(max_examples=400, deadline=None)
@given(QUOTED, st.booleans())
def test_a_needle_in_the_masked_text_is_in_the_raw_text(text: str, hash_comments: bool) -> None:
    """What lets the code checks skip masking a file whose raw text lacks every needle (`Segment.may_hold`)."""
    masked = code.mask(text, hash_comments=hash_comments)
    for needle in NEEDLES:
        at = masked.find(needle)
        while at >= 0:
            assert text[at : at + len(needle)] == needle, (needle, text)
            at = masked.find(needle, at + 1)


def test_masking_creates_only_underscores_and_spaces() -> None:
    """Why a needle may not have "_" or " " away from letters: those two are what masking writes."""
    masked = code.mask('x = "ab"  # c', hash_comments=True)
    assert masked == 'x = "__"     '


HANDLER_PIECES = ("except", ":", " ", "\t", "Exception", "BaseException", "ValueError", "#", '"', "'", '"""', "\n",
                  "(", ")", "\\", "pass", "x")  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(HANDLER_PIECES), max_size=25).map("".join))
@example("try:\n    x\nexcept :\n    pass\n")
@example("try:\n    x\nexcept\t: pass  # Exception\n")
@example('except ("Exception", BaseException):\n    pass')
def test_a_broad_python_handler_shows_in_the_raw_text(text: str) -> None:
    """What lets swallowed-exception skip masking a Python file: a masked line that is a broad `except` header
    means the raw text has `Exception` or a bare `except ... :`."""
    segment = code._segment(1, text.split("\n"), hash_comments=True)
    broad = any(
        (m := code._PY_EXCEPT.match(segment.masked_line(line))) is not None
        and code._PY_BROAD.search(m["clause"]) is not None
        for line in range(segment.first, segment.last + 1)
    )
    if broad:
        assert "Exception" in text or code._BARE_EXCEPT.search(text) is not None, text
