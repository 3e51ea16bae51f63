"""Apply a rule set to a change and produce findings anchored to diff lines.

Each rule sees only the files its filters admit (paths, exclude, languages, Tier-1) and only the lines its scope
names, so a regex runs over exactly the text it is about. Output is deterministic: the same change and rules give
the same findings in the same order, which approvals and audits depend on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence

from reviewtui.model import Change, FileChange
from reviewtui.rules.checks import CheckInput, get_check
from reviewtui.rules.context import ScanContext
from reviewtui.rules.finding import Finding, Hit
from reviewtui.rules.rule import Rule, Scope
from reviewtui.rules.ruleset import RuleSet
from reviewtui.rules.walk import SCOPE_KINDS, every_line, file_hit
from reviewtui.systems import glob_match

_LINE_SCOPES = frozenset({Scope.ADDED, Scope.REMOVED, Scope.CONTEXT, Scope.LINES})


def scan(change: Change, ruleset: RuleSet, context: ScanContext) -> list[Finding]:
    findings: list[Finding] = []
    regex_rules = [r for r in ruleset.rules if r.check is None and r.scope in _LINE_SCOPES]
    regex_ids = {r.id for r in regex_rules}
    for rule in ruleset.rules:
        if rule.id in regex_ids:
            continue
        files = [f for f in change.files if applies(rule, f, context)]
        if not files and (rule.scope is not Scope.CHANGE or rule.tier1_only or rule.paths or rule.languages):
            continue
        findings += (_finding(rule, change, hit) for hit in _hits(rule, change, files, context))
    for file in change.files:
        applicable = tuple(r for r in regex_rules if applies(r, file, context))
        if applicable:
            findings += (_finding(rule, change, hit) for rule, hit in _regex_file(file, applicable))
    return sorted(set(findings), key=Finding.sort_key)


def applies(rule: Rule, file: FileChange, context: ScanContext) -> bool:
    """Whether the rule's filters admit this file (any of its old and new paths)."""
    paths = [p for p in (file.new_path, file.old_path) if p is not None]
    if rule.paths and not any(glob_match(g, p) for g in rule.paths for p in paths):
        return False
    if rule.exclude and any(glob_match(g, p) for g in rule.exclude for p in paths):
        return False
    if rule.languages and file.language not in rule.languages:
        return False
    return not rule.tier1_only or any(context.is_tier1(p) for p in paths)


def _hits(rule: Rule, change: Change, files: Sequence[FileChange], context: ScanContext) -> Iterable[Hit]:
    if rule.check is not None:
        spec = get_check(rule.check)
        assert spec is not None, "packs are validated on load"
        return spec.function(CheckInput(rule, change, files, context))
    return _file_events(rule, files)


def _regex_file(file: FileChange, rules: tuple[Rule, ...]) -> Iterator[tuple[Rule, Hit]]:
    """Every regex rule over one file's lines in a single pass. Most lines match no rule, so one combined
    pattern rejects them with one search instead of one search per rule; rules whose patterns cannot safely join
    the combination (back-references, global flags) are tried on every line."""
    combined, loose = _split(rules)
    for located in every_line([file]):
        text = located.line.text
        candidates = rules if combined is None or combined.search(text) is not None else loose
        for rule in candidates:
            if located.line.kind not in SCOPE_KINDS[rule.scope]:
                continue
            assert rule.pattern is not None
            match = rule.pattern.search(text)
            if match is not None:
                # A pattern may need context to match (`^\s*force_destroy`); a group named `span` marks the part
                # the finding should underline.
                group = "span" if "span" in rule.pattern.groupindex and match.group("span") is not None else 0
                yield rule, located.hit(span=match.span(group))


def _split(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str] | None, tuple[Rule, ...]]:
    joinable = tuple(r for r in rules if r.pattern is not None and _joinable(r.pattern.pattern))
    loose = tuple(r for r in rules if r not in joinable)
    return _prefilter(tuple(r.pattern.pattern for r in joinable if r.pattern is not None)), loose


def _joinable(pattern: str) -> bool:
    """Numbered back-references would point at another rule's group once patterns are joined (a silent miss);
    a leading global flag cannot be joined at all."""
    return _BACKREFERENCE.search(pattern) is None and _GLOBAL_FLAGS.match(pattern) is None


@functools.lru_cache(maxsize=512)
def _prefilter(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """An alternation of the rules' patterns, named groups made anonymous so two rules may use the same name."""
    if not patterns:
        return None
    try:
        return re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', p)})" for p in patterns))
    except re.error:
        return None


_BACKREFERENCE = re.compile(r"\\[1-9]|\\g<|\(\?P=")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


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
