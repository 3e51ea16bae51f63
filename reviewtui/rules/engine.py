"""Apply a rule set to a change and produce findings anchored to diff lines.

Each rule sees only the files its filters admit (paths, exclude, languages, Tier-1) and only the lines its scope
names, so a regex runs over exactly the text it is about. Output is deterministic: the same change and rules give
the same findings in the same order, which approvals and audits depend on.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence

from reviewtui.model import Change, DiffLine, FileChange
from reviewtui.rules.checks import CheckInput, get_check
from reviewtui.rules.context import ScanContext
from reviewtui.rules.finding import Finding, Hit
from reviewtui.rules.rule import LONG_LINE, Rule, Scope
from reviewtui.rules.ruleset import RuleSet
from reviewtui.rules.walk import file_hit, release, scope_lines
from reviewtui.systems import SystemMap, glob_regex

_LINE_SCOPES = frozenset({Scope.ADDED, Scope.REMOVED, Scope.CONTEXT, Scope.LINES})
_TEXT = operator.attrgetter("text")


def scan(change: Change, ruleset: RuleSet, context: ScanContext) -> list[Finding]:
    try:
        return _scan(change, ruleset, context)
    finally:
        release()
        context.drop_read_ahead()


def _scan(change: Change, ruleset: RuleSet, context: ScanContext) -> list[Finding]:
    findings: list[Finding] = []
    plan = _plan(ruleset)
    rules = ruleset.rules
    trimmed: dict[int, FileChange] = {}
    targets = [(file, _admitted_rules(plan, file, context)) for file in change.files]
    for index in plan.other_at:
        rule = rules[index]
        files = [f for f, admitted in targets if admitted[index]]
        if rule.skip_long_lines:
            files = [_without_long_lines(f, trimmed) for f in files]
        if not files and (rule.scope is not Scope.CHANGE or rule.tier1_only or rule.paths or rule.languages):
            continue
        findings += (_finding(rule, change, hit) for hit in _hits(rule, change, files, context))
    for file, admitted in targets:
        applicable = tuple(rules[i] for i in plan.regex_at if admitted[i])
        if applicable:
            findings += (_finding(rule, change, hit) for rule, hit in _regex_file(file, applicable))
    return sorted(set(findings), key=Finding.sort_key)


def applies(rule: Rule, file: FileChange, context: ScanContext) -> bool:
    """Whether the rule's filters admit this file (any of its old and new paths)."""
    return _passes(_filter_of(rule), file, _paths(file), context)


_Filter = tuple[tuple[str, ...], tuple[str, ...], frozenset[str], bool]
"""What decides whether a rule sees a file: (paths, exclude, languages, tier1_only)."""


@dataclasses.dataclass(frozen=True, slots=True)
class _Plan:
    """A rule set as `scan` walks it, worked out once per rule set: which rules are regex rules on lines (applied
    file by file) and which are checks or file events (applied rule by rule), by position; and the rules' filters
    without repeats. The 71 built-in rules have 35 distinct filters over 20 distinct pairs of path globs (the code
    rules share one exclude list of 36 globs and differ in languages), so a file not seen before is matched against
    20 sets of globs instead of 71."""

    ruleset: RuleSet
    regex_at: tuple[int, ...]
    other_at: tuple[int, ...]
    globs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    """Distinct (paths, exclude) of the rules."""
    filters: tuple[tuple[int, frozenset[str], bool], ...]
    """Distinct (position in `globs`, languages, tier1_only)."""
    slot: tuple[int, ...]
    """Rule position -> its filter's position in `filters`."""


_PLANS: dict[int, _Plan] = {}
_MAX_PLANS = 64


def _plan(ruleset: RuleSet) -> _Plan:
    """Memoised by the rule set's identity (held in the plan, so the id is never another set's)."""
    plan = _PLANS.get(id(ruleset))
    if plan is None or plan.ruleset is not ruleset:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
        rules = ruleset.rules
        regex = [i for i, r in enumerate(rules) if r.check is None and r.scope in _LINE_SCOPES]
        regex_set = set(regex)
        globs = list(dict.fromkeys((r.paths, r.exclude) for r in rules))
        filters = list(dict.fromkeys(_filter_of(r) for r in rules))
        plan = _PLANS[id(ruleset)] = _Plan(
            ruleset=ruleset,
            regex_at=tuple(regex),
            other_at=tuple(i for i in range(len(rules)) if i not in regex_set),
            globs=tuple(globs),
            filters=tuple((globs.index((g, e)), languages, tier1) for g, e, languages, tier1 in filters),
            slot=tuple(filters.index(_filter_of(r)) for r in rules),
        )
    return plan


def _filter_of(rule: Rule) -> _Filter:
    return (rule.paths, rule.exclude, frozenset(rule.languages), rule.tier1_only)


_ADMITTED: dict[tuple[int, tuple[str, ...], str | None, SystemMap], tuple[_Plan, tuple[bool, ...]]] = {}
_MAX_ADMITTED = 8192


def _admitted_rules(plan: _Plan, file: FileChange, context: ScanContext) -> tuple[bool, ...]:
    """`applies` for every rule of the set, by position; memoised by the file's paths and language, the rule set (by
    identity, through its plan held in the entry so its id is never reused) and the system map (by value: each base
    has its own, and most are equal): a queue touches the same files again and again, and asking ~100 rules' filters
    per file per change was a twentieth of the scan. A file seen for the first time is matched once per distinct
    set of globs and judged once per distinct filter (`_Plan`): on 1000 pip commits most files are new to the
    memo, and judging every rule was a tenth."""
    paths = _paths(file)
    key = (id(plan.ruleset), paths, file.language, context.systems)
    entry = _ADMITTED.get(key)
    if entry is None or entry[0] is not plan:
        if len(_ADMITTED) >= _MAX_ADMITTED:
            _ADMITTED.clear()
        on_paths = [_on_paths(globs, exclude, paths) for globs, exclude in plan.globs]
        tier1: list[bool] = []
        passed = []
        for at, languages, tier1_only in plan.filters:
            ok = on_paths[at] and (not languages or file.language in languages)
            if ok and tier1_only:
                if not tier1:
                    tier1.append(any(context.is_tier1(p) for p in paths))
                ok = tier1[0]
            passed.append(ok)
        entry = _ADMITTED[key] = (plan, tuple(passed[slot] for slot in plan.slot))
    return entry[1]


def _paths(file: FileChange) -> tuple[str, ...]:
    return tuple(p for p in (file.new_path, file.old_path) if p is not None)


def _passes(rule: _Filter, file: FileChange, paths: tuple[str, ...], context: ScanContext) -> bool:
    globs, exclude, languages, tier1_only = rule
    if not _on_paths(globs, exclude, paths):
        return False
    if languages and file.language not in languages:
        return False
    return not tier1_only or any(context.is_tier1(p) for p in paths)


def _on_paths(globs: tuple[str, ...], exclude: tuple[str, ...], paths: tuple[str, ...]) -> bool:
    """The path filters alone: one of the paths matches a glob (if any), none matches an excluded one."""
    if globs and not any(_matches_any(globs, p) for p in paths):
        return False
    return not (exclude and any(_matches_any(exclude, p) for p in paths))


def _matches_any(globs: tuple[str, ...], path: str) -> bool:
    """Whether one of the globs matches the whole path (`glob_match` semantics). A glob is tried only when the path
    contains its longest literal part, which every path it matches contains: most rules exclude dozens of globs
    (tests, docs, vendored code) and a new path matches none, so a few substring tests replace the patterns."""
    return any(literal in path and pattern.fullmatch(path) for literal, pattern in _guarded(globs))


@functools.lru_cache(maxsize=1024)
def _guarded(globs: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((glob_literal(glob), glob_regex(glob)) for glob in globs)


def glob_literal(glob: str) -> str:
    """The longest run of characters `glob_regex` matches as they are ("" if none): tokenised as it tokenises, so
    the run is a substring of every path the glob matches."""
    pattern = glob.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    runs = [""]
    i = 0
    while i < len(pattern):
        wildcard = 3 if pattern.startswith("**/", i) else 2 if pattern.startswith("**", i) else 0
        if not wildcard and pattern[i] in "*?":
            wildcard = 1
        if wildcard:
            runs.append("")
            i += wildcard
        else:
            runs[-1] += pattern[i]
            i += 1
    return max(runs, key=len)


def _hits(rule: Rule, change: Change, files: Sequence[FileChange], context: ScanContext) -> Iterable[Hit]:
    if rule.check is not None:
        spec = get_check(rule.check)
        assert spec is not None, "packs are validated on load"
        return spec.function(CheckInput(rule, change, files, context))
    return _file_events(rule, files)


def _regex_file(file: FileChange, rules: tuple[Rule, ...]) -> Iterator[tuple[Rule, Hit]]:
    """Every regex rule that applies to the file, over the lines it may match. (A combined alternation of all
    patterns as a prefilter was measured slower than the rules themselves with Python's `re`: 120 µs per line.)

    A rule's `keywords` (case-folded substrings, one of which a line must contain) decide which lines it is tried on:
    they are found with `str.find` in the case-folded text of the lines of the rule's scope and mapped back to their
    lines, so a rule whose keywords are rare costs a few finds, not a check per line (the order findings are produced
    in does not matter: `scan` sorts them). Most rules read added lines only, which are about a third of a diff's
    lines: searching the text of every line was twice the work. Lines longer than LONG_LINE are left to the rules
    that read them (`skip_long_lines`)."""
    for rule in rules:
        pattern = rule.pattern
        assert pattern is not None, "regex rules have a pattern"
        view = scope_lines(file, rule.scope)
        skip_long = rule.skip_long_lines
        candidates: Iterable[int] = view.folded().lines_with(rule.keywords) if rule.keywords else range(len(view.texts))
        texts = view.texts
        for position in candidates:
            text = texts[position]
            if skip_long and len(text) > LONG_LINE:
                continue
            match = pattern.search(text)
            if match is not None:
                # A pattern may need context to match (`^\s*force_destroy`); a group named `span` marks the
                # part the finding should underline.
                group = "span" if "span" in pattern.groupindex and match.group("span") is not None else 0
                yield rule, view.located(position).hit(span=match.span(group))


def _without_long_lines(file: FileChange, trimmed: dict[int, FileChange]) -> FileChange:
    """The file as a rule that skips long lines sees it: those lines blanked, every other line and number kept.
    Memoised per scan (`trimmed`, by identity) because every code rule asks for the same files."""
    key = id(file)
    if key not in trimmed:
        if any(max(map(len, map(_TEXT, hunk.lines)), default=0) > LONG_LINE for hunk in file.hunks):  # in C
            hunks = tuple(
                dataclasses.replace(hunk, lines=tuple(_blank_if_long(line) for line in hunk.lines))
                for hunk in file.hunks
            )
            trimmed[key] = dataclasses.replace(file, hunks=hunks)
        else:
            trimmed[key] = file
    return trimmed[key]


def _blank_if_long(line: DiffLine) -> DiffLine:
    return dataclasses.replace(line, text="") if len(line.text) > LONG_LINE else line


def _file_events(rule: Rule, files: Sequence[FileChange]) -> Iterable[Hit]:
    for file in files:
        if rule.events and file.status.value not in rule.events:
            continue
        if rule.pattern is not None and not any(
            rule.pattern.search(p) for p in (file.old_path, file.new_path) if p is not None
        ):
            continue
        yield file_hit(file, detail=file.status.value)


def _finding(rule: Rule, change: Change, hit: Hit) -> Finding:
    message = f"{rule.message} ({hit.detail})" if hit.detail else rule.message
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=message,
        change=change.id,
        source=rule.source,
        path=hit.path,
        line=hit.line,
        side=hit.side,
        span=hit.span,
        hunk=hit.hunk,
        title=rule.title,
        fix=rule.fix,
        docs=rule.docs,
    )
