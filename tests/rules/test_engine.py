"""The rule engine, packs and rule sets: loading, validation messages, filters, anchoring, determinism, base-vs-head."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.analysis import Analyzer
from reviewtui.config import RulesConfig
from reviewtui.errors import ConfigError
from reviewtui.repository import Repository
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.finding import Side
from reviewtui.rules.pack import RuleError, parse_pack
from reviewtui.rules.rule import Scope, Severity
from reviewtui.rules.ruleset import RuleLibrary, build_ruleset, builtin_rules
from reviewtui.systems import SystemMap, parse_system_map
from tests.rules.ruletest import make_change, rule_hits, scan_files

LOCAL_PACK = """
[[rule]]
id = "no-print"
title = "print() left in code"
severity = "low"
scope = "added"
languages = ["Python"]
pattern = '\\bprint\\('
message = "print() call added"
"""


PATTERN = "pattern = '\\bprint\\('"
assert PATTERN in LOCAL_PACK


def test_builtin_pack_loads_and_has_unique_ids() -> None:
    rules = builtin_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert all(r.source == "builtin" for r in rules)


def test_local_pack_is_read_at_base_and_anchors_findings(tmp_path: Path) -> None:
    findings = rule_hits(
        tmp_path,
        "no-print",
        {".reviewtui/rules/style.toml": LOCAL_PACK, "app.py": "x = 1\n"},
        {"app.py": "x = 1\nprint(x)\n", "notes.txt": "print(x)\n"},
    )
    assert len(findings) == 1  # notes.txt is not Python
    finding = findings[0]
    assert (finding.path, finding.line, finding.side, finding.span, finding.hunk) == ("app.py", 2, Side.NEW, (0, 6), 0)
    assert finding.source == "local" and finding.severity is Severity.LOW
    assert finding.change == "ai/change"


def test_a_change_cannot_disable_the_rules_that_judge_it(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {".reviewtui/rules/style.toml": LOCAL_PACK, "app.py": "x = 1\n"},
        {
            ".reviewtui/rules/style.toml": None,
            ".reviewtui/config.toml": '[rules]\ndisable = ["no-print", "governance-files-edited"]\n',
            "app.py": "print(1)\n",
        },
    )
    rules = {f.rule for f in findings}
    assert "no-print" in rules  # judged by the base's pack and config
    governance = [f for f in findings if f.rule == "governance-files-edited"]
    assert {f.path for f in governance} == {".reviewtui/rules/style.toml", ".reviewtui/config.toml"}
    assert all(f.severity is Severity.CRITICAL for f in governance)


def test_base_config_can_disable_and_retune(tmp_path: Path) -> None:
    findings = scan_files(
        tmp_path,
        {
            ".reviewtui/rules/style.toml": LOCAL_PACK,
            ".reviewtui/config.toml": '[rules]\nseverity = { "no-print" = "high" }\n',
            "app.py": "x = 1\n",
        },
        {"app.py": "print(1)\n"},
    )
    assert [f.severity for f in findings if f.rule == "no-print"] == [Severity.HIGH]


def test_findings_are_deterministic(tmp_path: Path) -> None:
    change, _ = make_change(
        tmp_path, {".reviewtui/rules/style.toml": LOCAL_PACK}, {"a.py": "print(1)\nprint(2)\n", "b.py": "print(3)\n"}
    )
    first = Analyzer().analyze(change)
    second = Analyzer().analyze(change)
    assert first.findings == second.findings
    assert [(f.path, f.line) for f in first.findings if f.rule == "no-print"] == [("a.py", 1), ("a.py", 2), ("b.py", 1)]
    assert first.ruleset.digest == second.ruleset.digest


def test_digest_changes_with_the_rules(tmp_path: Path) -> None:
    rules = list(builtin_rules())
    plain = build_ruleset(rules, RulesConfig(), ())
    tuned = build_ruleset(rules, RulesConfig(severity=(("very-large-change", "low"),)), ())
    fewer = build_ruleset(rules, RulesConfig(disable=("very-large-change",)), ())
    assert len({plain.digest, tuned.digest, fewer.digest}) == 3
    assert build_ruleset(rules, RulesConfig(), ()).digest == plain.digest


def test_unknown_rule_in_config_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown rule 'nope'"):
        build_ruleset(list(builtin_rules()), RulesConfig(disable=("nope",)), ())


def test_duplicate_ids_across_packs_name_both_files() -> None:
    local = parse_pack(LOCAL_PACK.replace("no-print", "very-large-change"), origin="x.toml", source="local")
    with pytest.raises(RuleError, match=r"x.toml: rule very-large-change: already defined in builtin:00-governance"):
        build_ruleset([*builtin_rules(), *local], RulesConfig(), ())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[[rule]]\nid = 'x'\n", r"rule x: 'title' is required"),
        (LOCAL_PACK.replace(PATTERN, "pattern = '(unclosed'"), r"rule no-print: bad regular expression"),
        (LOCAL_PACK.replace('severity = "low"', 'severity = "urgent"'), r"unknown severity 'urgent'"),
        (LOCAL_PACK.replace('scope = "added"', 'scope = "everything"'), r"unknown scope 'everything'"),
        (LOCAL_PACK.replace(PATTERN, 'check = "no-such-check"'), r"unknown built-in check"),
        (
            LOCAL_PACK.replace(PATTERN, 'check = "large-change"'),
            r"check 'large-change' does not work with scope 'added'",
        ),
        (LOCAL_PACK.replace('id = "no-print"', 'id = "No Print"'), r"id must be lower-case"),
        (LOCAL_PACK + "colour = 'red'\n", r"rule no-print: unknown key 'colour'"),
        ("[[rule]\n", r"invalid TOML"),
        ("rules = []\n", r"unknown top-level key 'rules'"),
        (LOCAL_PACK + LOCAL_PACK, r"rule no-print: defined twice"),
    ],
)
def test_broken_packs_are_clear_errors(text: str, problem: str) -> None:
    with pytest.raises(RuleError, match=problem) as caught:
        parse_pack(text, origin="team.toml", source="central")
    assert str(caught.value).startswith("team.toml: ")


def test_broken_local_pack_at_base_is_an_error_not_a_skip(tmp_path: Path) -> None:
    change, _ = make_change(tmp_path, {".reviewtui/rules/bad.toml": "[[rule]]\nid = 'x'\n"}, {"a.txt": "a\n"})
    with pytest.raises(RuleError, match=r"\.reviewtui/rules/bad\.toml: rule x: 'title' is required"):
        Analyzer().analyze(change)


def test_central_packs_from_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    central = tmp_path / "central"
    central.mkdir()
    (central / "org.toml").write_text(LOCAL_PACK.replace("no-print", "org-no-print"))
    user = tmp_path / "xdg" / "reviewtui" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text(f'[rules]\ncentral = ["{central}"]\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    hits = [f for f in scan_files(tmp_path, {}, {"a.py": "print(1)\n"}) if f.rule == "org-no-print"]
    assert [f.source for f in hits] == ["central"]


def test_tier1_only_rules_use_the_base_system_map(tmp_path: Path) -> None:
    pack = LOCAL_PACK.replace('languages = ["Python"]', "tier1_only = true")
    findings = rule_hits(
        tmp_path,
        "no-print",
        {".reviewtui/rules/t.toml": pack},
        {
            "services/payments/pay.py": "print(1)\n",
            "tools/x.py": "print(2)\n",
            ".reviewtui/systems.toml": '[[system]]\nname = "tools"\ntier = 1\npaths = ["tools/**"]\n',
        },
    )
    assert [f.path for f in findings] == ["services/payments/pay.py"]


def test_file_scope_rules_with_events(tmp_path: Path) -> None:
    pack = """
[[rule]]
id = "lockfile-deleted"
title = "Lock file deleted"
severity = "high"
scope = "file"
events = ["deleted"]
pattern = 'lock'
message = "A lock file was deleted"
"""
    findings = rule_hits(
        tmp_path,
        "lockfile-deleted",
        {".reviewtui/rules/f.toml": pack, "poetry.lock": "x\n", "other.lock": "y\n"},
        {"poetry.lock": None, "other.lock": "z\n"},
    )
    assert [(f.path, f.line, f.message) for f in findings] == [
        ("poetry.lock", None, "A lock file was deleted (deleted)")
    ]


def test_scope_enum_covers_documented_values() -> None:
    assert {s.value for s in Scope} == {"added", "removed", "context", "lines", "file", "change"}


def test_very_large_change(tmp_path: Path) -> None:
    hits = rule_hits(tmp_path, "very-large-change", {}, {"big.txt": "x\n" * 1200})
    assert len(hits) == 1 and hits[0].path is None
    assert "1200 changed lines in 1 files" in hits[0].message
    assert rule_hits(tmp_path / "small", "very-large-change", {}, {"small.txt": "x\n" * 10}) == []


def test_a_span_group_narrows_what_a_finding_underlines(tmp_path: Path) -> None:
    pack = LOCAL_PACK.replace(PATTERN, "pattern = '^\\s*x = (?P<span>print)\\('")
    hits = rule_hits(tmp_path, "no-print", {".reviewtui/rules/s.toml": pack}, {"a.py": "    x = print(1)\n"})
    assert [(f.line, f.span) for f in hits] == [(1, (8, 13))]


def test_builtin_check_options_tuned_in_base_config(tmp_path: Path) -> None:
    config = '[rules.options."very-large-change"]\nlines = 5\n'
    hits = rule_hits(tmp_path, "very-large-change", {".reviewtui/config.toml": config}, {"a.txt": "x\n" * 10})
    assert len(hits) == 1 and "thresholds 5 lines" in hits[0].message
    with pytest.raises(ConfigError, match=r"rules.options.very-large-change: .*has no option 'lnes'"):
        build_ruleset(list(builtin_rules()), RulesConfig(options=(("very-large-change", (("lnes", 5),)),)), ())


def test_back_references_survive_the_combined_prefilter(tmp_path: Path) -> None:
    pack = """
[[rule]]
id = "first"
title = "t"
severity = "low"
scope = "added"
pattern = '(foo)bar'
message = "m"

[[rule]]
id = "self-compare"
title = "t"
severity = "low"
scope = "added"
pattern = 'assert (\\w+) == \\1$'
message = "m"

[[rule]]
id = "flagged"
title = "t"
severity = "low"
scope = "added"
pattern = '(?i)shout'
message = "m"
"""
    findings = scan_files(tmp_path, {".reviewtui/rules/r.toml": pack}, {"t.txt": "assert x == x\nSHOUT\nfoobar\n"})
    assert sorted((f.rule, f.line) for f in findings if f.rule in {"first", "self-compare", "flagged"}) == [
        ("first", 3), ("flagged", 2), ("self-compare", 1)
    ]


def test_which_rules_admit_a_file_follows_the_system_map_of_each_scan(tmp_path: Path) -> None:
    """The engine keeps, per file, which rules admit it; a Tier-1-only rule's verdict must still follow the map of
    the scan at hand (each base has its own), in either order and back again."""
    pack = LOCAL_PACK.replace('languages = ["Python"]', "tier1_only = true")
    change, repo = make_change(tmp_path, {".reviewtui/rules/t.toml": pack}, {"tools/x.py": "print(2)\n"})
    library = RuleLibrary(Repository(repo.path))
    ruleset = library.for_base(change.base)
    tier1 = parse_system_map('[[system]]\nname = "tools"\ntier = 1\npaths = ["tools/**"]\n', "test")
    for systems, expected in ((tier1, ["tools/x.py"]), (SystemMap(), []), (tier1, ["tools/x.py"])):
        context = ScanContext(Repository(repo.path), systems=systems)
        assert [f.path for f in scan(change, ruleset, context) if f.rule == "no-print"] == expected


def test_a_central_pack_missing_or_unreadable_is_named(tmp_path: Path) -> None:
    """One line naming the path: a configured pack that is not there, and a pack file that cannot be read (here a
    folder with a pack's name: the suite runs as root, so permissions would not stop a read)."""
    from reviewtui.rules.pack import RuleError
    from reviewtui.rules.ruleset import central_rules

    with pytest.raises(RuleError, match=r"nope: central rule pack not found \(rules.central\)"):
        central_rules((tmp_path / "nope",))
    packs = tmp_path / "packs"
    (packs / "broken.toml").mkdir(parents=True)
    with pytest.raises(RuleError, match=r"broken\.toml: cannot read rule pack: "):
        central_rules((packs,))
