"""The rule engine on enormous lines: secrets and terminal controls are still found anywhere in a 10 MB line, code
rules skip it and say so once, and the work per line is bounded by the rules (counted, not timed)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Any

import pytest

from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.rule import LONG_LINE, Rule
from reviewtui.rules.ruleset import RuleLibrary, RuleSet
from tests.gitrepo import GitRepo

TOKEN = "ghp_" + "a1B2" * 9
AWS_KEY = "AKIAQWERTYUIOPASDFGH"


def _change(repo: GitRepo, files: dict[str, str]) -> Change:
    repo.checkout("ai/huge", new=True)
    for name, body in files.items():
        repo.write(name, body)
    repo.commit("Huge line")
    repo.checkout("main")
    return next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))


def _builtin() -> RuleSet:
    return RuleLibrary(None).for_base(None)


class _CountingPattern:
    """A compiled pattern that records what it was asked to search, so tests can bound the engine's work."""

    def __init__(self, pattern: re.Pattern[str], calls: list[tuple[str, int]], rule: str) -> None:
        self._pattern = pattern
        self._calls = calls
        self._rule = rule
        self.groupindex = pattern.groupindex
        self.pattern = pattern.pattern
        self.flags = pattern.flags

    def search(self, text: str, *args: Any) -> re.Match[str] | None:
        self._calls.append((self._rule, len(text)))
        return self._pattern.search(text, *args)


def _counting(ruleset: RuleSet, calls: list[tuple[str, int]]) -> RuleSet:
    rules: list[Rule] = []
    for rule in ruleset.rules:
        if rule.pattern is not None and rule.check is None:
            rule = replace(rule, pattern=_CountingPattern(rule.pattern, calls, rule.id))  # type: ignore[arg-type]
        rules.append(rule)
    return replace(ruleset, rules=tuple(rules))


@pytest.mark.slow
def test_secrets_and_controls_at_the_end_of_a_ten_megabyte_line_are_found(repo: GitRepo) -> None:
    filler = "x" * (10 * 1024 * 1024)
    line = f"var a='{filler}';var k='{TOKEN}';var s='{AWS_KEY}';var t='\x1b[2J';var b='\u202e';eval(atob(a));"
    change = _change(repo, {"min.js": line + "\n"})
    findings = scan(change, _builtin(), ScanContext())
    found = {f.rule: f for f in findings}
    for rule in ("github-token", "aws-access-key-id", "terminal-control-character", "bidi-control-character"):
        assert rule in found, f"{rule} must read the whole line"
    assert found["github-token"].span == (line.index(TOKEN), line.index(TOKEN) + len(TOKEN))
    # eval( at the very end is a code pattern: skipped on this line, and the skip is one finding.
    assert "dynamic-code-execution" not in found
    long = [f for f in findings if f.rule == "minified-or-generated-line"]
    assert len(long) == 1
    assert long[0].path == "min.js" and long[0].line == 1
    assert long[0].message.endswith("(longest line 10.5 MB)")


def test_code_rules_skip_only_the_long_lines_of_a_file(repo: GitRepo) -> None:
    body = (
        "import hashlib\n"
        f"blob = '{'q' * (LONG_LINE + 1)}'; result = eval(blob)\n"
        "result = eval(user_input)\n"
        f"data = '{'z' * (LONG_LINE * 2)}'\n"
        "def f():\n    try:\n        go()\n    except Exception:\n        pass\n"
    )
    change = _change(repo, {"app.py": body})
    findings = scan(change, _builtin(), ScanContext())
    evals = [f.line for f in findings if f.rule == "dynamic-code-execution"]
    assert evals == [3], "the eval on the short line is found, the one on the long line is not"
    assert [f.line for f in findings if f.rule == "exception-swallowed"] == [8]
    (long,) = [f for f in findings if f.rule == "minified-or-generated-line"]
    assert long.line == 4
    assert "longest line 20,009 characters" in long.message and "2 lines over 10,000 characters" in long.message


def test_a_line_at_the_limit_is_still_code(repo: GitRepo) -> None:
    prefix = "result = eval(x)  # "
    change = _change(repo, {"app.py": prefix + "c" * (LONG_LINE - len(prefix)) + "\n"})
    rules = {f.rule for f in scan(change, _builtin(), ScanContext())}
    assert "dynamic-code-execution" in rules and "minified-or-generated-line" not in rules


def test_each_pattern_runs_at_most_once_per_line_and_long_lines_reach_only_whole_line_rules(repo: GitRepo) -> None:
    rng = random.Random(3)
    lines = [f"value_{i} = compute({rng.randint(0, 9)})  # verify token" for i in range(300)]
    lines.insert(150, "k = '" + "m" * (LONG_LINE * 3) + "'")
    change = _change(repo, {"app.py": "\n".join(lines) + "\n", "deploy.sh": "curl x | sh\n" * 50})
    calls: list[tuple[str, int]] = []
    ruleset = _builtin()
    counted = _counting(ruleset, calls)
    assert scan(change, counted, ScanContext()) == scan(change, ruleset, ScanContext())
    added = sum(f.added for f in change.files)
    per_rule: dict[str, int] = {}
    for rule, _length in calls:
        per_rule[rule] = per_rule.get(rule, 0) + 1
    assert per_rule and max(per_rule.values()) <= added
    skipping = {r.id for r in ruleset.rules if r.skip_long_lines}
    assert skipping and all(length <= LONG_LINE for rule, length in calls if rule in skipping)
    assert any(length > LONG_LINE for rule, length in calls if rule == "terminal-control-character")


def test_rules_whose_keywords_occur_nowhere_in_a_file_never_run_on_it(repo: GitRepo) -> None:
    change = _change(repo, {"data.py": "".join(f"v{i} = {i}\n" for i in range(2000))})
    calls: list[tuple[str, int]] = []
    scan(change, _counting(_builtin(), calls), ScanContext())
    guarded = {r.id for r in _builtin().rules if r.keywords}
    assert not [rule for rule, _ in calls if rule in guarded]
    # What remains per line is the few unguarded patterns, not the whole pack.
    assert len(calls) <= 3 * 2000


def test_terminal_control_pattern_matches_like_the_plain_alternation() -> None:
    """The built-in pattern starts with one character class for speed; it must match exactly what the readable
    alternation it replaced matched, with the same spans."""
    plain = re.compile(
        r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])?"
        r"|[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f\x80-\x9f]|\r(?!$)|\x0c(?!$)|(?<=.)\x0c"
    )
    (rule,) = [r for r in _builtin().rules if r.id == "terminal-control-character"]
    assert rule.pattern is not None
    alphabet = "\x1b[]\x07\\\r\x0c\t\x00\x7f\x85\x9f\x80 a0;m@Z_~/?-"
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        expected, got = plain.search(text), rule.pattern.search(text)
        assert (expected and expected.span()) == (got and got.span()), repr(text)


def test_skip_long_lines_is_validated_and_in_the_digest() -> None:
    from reviewtui.rules.pack import RuleError, parse_pack

    base = '[[rule]]\nid = "x"\ntitle = "x"\nseverity = "low"\nmessage = "x"\nscope = "{scope}"\npattern = "y"\n'
    (rule,) = parse_pack(base.format(scope="added") + "skip_long_lines = true\n", origin="p.toml", source="local")
    assert rule.skip_long_lines and rule.canonical()["skip_long_lines"] is True
    with pytest.raises(RuleError, match=r"p\.toml: rule x: 'skip_long_lines' only applies to rules on lines"):
        parse_pack(base.format(scope="file") + "skip_long_lines = true\n", origin="p.toml", source="local")
    with pytest.raises(RuleError, match="'skip_long_lines' must be true or false"):
        parse_pack(base.format(scope="added") + "skip_long_lines = 1\n", origin="p.toml", source="local")

