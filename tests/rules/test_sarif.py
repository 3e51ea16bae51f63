"""SARIF import and export against one real change: hand-written logs in the shapes Semgrep, CodeQL and Bandit emit.

The change (a real git repository built by the rule harness) edits `app/views.py` (hunk 0: context lines 17-19,
added lines 20-24, old line 20 removed), adds `app/settings.py`, `app/order utils.py` and `CODEOWNERS`, edits
`web/search.js` (an emoji before the flagged expression, for UTF-16 columns) and deletes `app/legacy.py`;
`app/models.py` is not touched. The sample logs in tests/rules/sarif/ report against exactly these lines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.pack import parse_pack
from reviewtui.rules.rule import Rule, Severity
from reviewtui.rules.ruleset import RuleSet
from reviewtui.rules.sarif import (
    FILTER_MODES,
    SarifError,
    dump_sarif,
    findings_for_change,
    load_sarif,
    to_sarif,
)
from tests.rules.ruletest import make_change

SAMPLES = Path(__file__).parent / "sarif"

VIEWS_BEFORE = """import subprocess

from app.models import Order


def health():
    return "ok"


def list_orders(db):
    return db.query(Order).all()


def export(path):
    with open(path) as handle:
        return handle.read()


def ping(host):
    return subprocess.run(["ping", "-c", "1", host])
"""

VIEWS_AFTER = VIEWS_BEFORE.replace(
    '    return subprocess.run(["ping", "-c", "1", host])\n',
    """    return subprocess.run("ping -c 1 " + host, shell=True)


def search(db, term):
    return db.execute("SELECT * FROM orders WHERE name = '" + term + "'")
""",
)

SEARCH_BEFORE = """const express = require("express");
const app = express();

app.get("/health", (req, res) => res.send("ok"));
"""

BEFORE: dict[str, str | bytes | None] = {
    "app/views.py": VIEWS_BEFORE,
    "app/models.py": 'class Order:\n    table = "orders"\n    password = "changeme"\n',
    "app/legacy.py": "def old():\n    return eval(input())\n",
    "web/search.js": SEARCH_BEFORE,
}
AFTER: dict[str, str | bytes | None] = {
    "app/views.py": VIEWS_AFTER,
    "app/settings.py": 'DEBUG = True\nSECRET_KEY = "dev-secret-key"\n',
    "app/order utils.py": "def total(items):\n    return sum(items)\n",
    "app/legacy.py": None,
    "web/search.js": SEARCH_BEFORE + 'app.get("/search", (req, res) => res.send("🔎 results for " + req.query.q));\n',
    "CODEOWNERS": "* @shop/reviewers\n",
}

Row = tuple[str, str, str | None, int | None, Side | None, tuple[int, int] | None, int | None]

SEMGREP_SHELL = "python.lang.security.audit.subprocess-shell-true.subprocess-shell-true"
SEMGREP_SQL = "python.lang.security.audit.formatted-sql-query.formatted-sql-query"
SEMGREP_RETURN = "python.lang.maintainability.missing-return-type.missing-return-type"
SEMGREP_OPEN = "python.lang.security.audit.path-traversal-open.path-traversal-open"
SEMGREP_PASSWORD = "python.lang.security.audit.hardcoded-password.hardcoded-password"
SEMGREP_SECRET = "python.django.security.audit.django-secret-key-hardcoded.django-secret-key-hardcoded"
SEMGREP_DEBUG = "python.django.security.audit.django-debug-true.django-debug-true"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Change, Path]:
    """The change every test maps results onto, and its repository root."""
    change, repo = make_change(tmp_path_factory.mktemp("shop"), BEFORE, AFTER)
    return change, repo.path


def rows(findings: list[Finding]) -> list[Row]:
    return [(f.rule, f.severity.value, f.path, f.line, f.side, f.span, f.hunk) for f in findings]


def write_log(tmp_path: Path, results: list[dict[str, Any]], **run: Any) -> Path:
    """A one-run log of a generic checker; `run` adds or replaces run members (tool, artifacts, ...)."""
    body = {"tool": {"driver": {"name": "Checker", "rules": [{"id": "chk"}]}}, "results": results, **run}
    path = tmp_path / "checker.sarif"
    path.write_text(json.dumps({"version": "2.1.0", "runs": [body]}), encoding="utf-8")
    return path


def result(rule: str, uri: str | None = "app/settings.py", line: int | None = 1, **extra: Any) -> dict[str, Any]:
    region = {} if line is None else {"region": {"startLine": line}}
    location = {"physicalLocation": {"artifactLocation": {"uri": uri}, **region}}
    return {"ruleId": rule, "message": {"text": rule}, "locations": [] if uri is None else [location], **extra}


# ---------------------------------------------------------------------------------------------------------------
# Import: the three sample logs.


def test_semgrep_log_anchors_results_on_added_lines(shop: tuple[Change, Path]) -> None:
    change, root = shop
    log = load_sarif(SAMPLES / "semgrep.sarif")
    findings = findings_for_change(log, change, repo_root=root)

    assert rows(findings) == [
        (SEMGREP_DEBUG, "medium", "app/settings.py", 1, Side.NEW, (0, 12), 0),
        (SEMGREP_SECRET, "high", "app/settings.py", 2, Side.NEW, (13, 29), 0),
        (SEMGREP_SHELL, "high", "app/views.py", 20, Side.NEW, (11, 58), 0),
        (SEMGREP_SQL, "medium", "app/views.py", 24, Side.NEW, (11, 73), 0),
    ]
    shell = findings[2]
    assert shell.message.startswith("Found 'subprocess' function 'run' with 'shell=True'.")
    assert shell.title == f"Semgrep Finding: {SEMGREP_SHELL}"
    assert shell.docs == f"https://semgrep.dev/r/{SEMGREP_SHELL}"
    assert (shell.source, shell.tool, shell.change, shell.fix) == ("sarif:Semgrep OSS", "Semgrep OSS", change.id, None)
    (run,) = log.runs
    assert (run.tool, run.version, run.suppressed, run.skipped, len(run.results)) == ("Semgrep OSS", "1.86.0", 1, 0, 7)


SEMGREP_ROWS: dict[str, Row] = {
    "models": (SEMGREP_PASSWORD, "medium", "app/models.py", 3, Side.NEW, (15, 25), None),
    "debug": (SEMGREP_DEBUG, "medium", "app/settings.py", 1, Side.NEW, (0, 12), 0),
    "secret": (SEMGREP_SECRET, "high", "app/settings.py", 2, Side.NEW, (13, 29), 0),
    "open": (SEMGREP_OPEN, "medium", "app/views.py", 15, Side.NEW, (9, 19), None),
    "return": (SEMGREP_RETURN, "low", "app/views.py", 19, Side.NEW, (0, 15), 0),
    "shell": (SEMGREP_SHELL, "high", "app/views.py", 20, Side.NEW, (11, 58), 0),
    "sql": (SEMGREP_SQL, "medium", "app/views.py", 24, Side.NEW, (11, 73), 0),
}


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("added", ["debug", "secret", "shell", "sql"]),  # added lines only
        ("diff_context", ["debug", "secret", "return", "shell", "sql"]),  # + context line 19 inside the hunk
        ("file", ["debug", "secret", "open", "return", "shell", "sql"]),  # + line 15, outside every hunk
        ("nofilter", ["models", "debug", "secret", "open", "return", "shell", "sql"]),  # + an untouched file
    ],
)
def test_filter_modes_keep_exactly_their_lines(shop: tuple[Change, Path], mode: str, expected: list[str]) -> None:
    change, root = shop
    findings = findings_for_change(load_sarif(SAMPLES / "semgrep.sarif"), change, repo_root=root, mode=mode)
    assert rows(findings) == [SEMGREP_ROWS[key] for key in expected]


def test_codeql_rules_in_extensions_security_severity_and_messages(shop: tuple[Change, Path]) -> None:
    change, root = shop
    log = load_sarif(SAMPLES / "codeql.sarif")
    findings = findings_for_change(log, change, repo_root=root)

    # %SRCROOT% is the CI checkout (file:///home/runner/work/shop/shop/): the path below it is the repository path.
    assert rows(findings) == [
        ("py/hardcoded-credentials", "critical", "app/settings.py", 2, Side.NEW, (13, 29), 0),
        ("py/command-line-injection", "critical", "app/views.py", 20, Side.NEW, (26, 45), 0),
        ("py/sql-injection", "high", "app/views.py", 24, Side.NEW, (22, 72), 0),
        # UTF-16 columns 43..74 on a line with one astral character before them: code points 42..72.
        ("js/reflected-xss", "medium", "web/search.js", 5, Side.NEW, (42, 72), 0),
    ]
    assert [(f.message, f.title) for f in findings] == [
        ("This hardcoded value is used as credentials (app/settings.py:2).", "Hard-coded credentials"),
        (
            "This command line depends on a user-provided value (app/views.py:19); a {shell} will interpret it.",
            "Uncontrolled command line",
        ),
        (
            "This SQL query depends on a user-provided value (app/views.py:23).",
            "SQL query built from user-controlled sources",
        ),
        (
            "Cross-site scripting vulnerability due to a user-provided value (web/search.js:5).",
            "Reflected cross-site scripting",
        ),
    ]
    assert {(f.source, f.tool, f.docs) for f in findings} == {("sarif:CodeQL", "CodeQL", None)}
    assert log.runs[0].column_kind == "utf16CodeUnits"


def test_bandit_levels_and_relative_uris(shop: tuple[Change, Path]) -> None:
    change, root = shop
    log = load_sarif(SAMPLES / "bandit.sarif")
    added = findings_for_change(log, change, repo_root=root)
    assert rows(added) == [
        ("B105", "low", "app/settings.py", 2, Side.NEW, (13, 29), 0),  # level note
        ("B602", "high", "app/views.py", 20, Side.NEW, (11, 58), 0),  # level error
        ("B608", "medium", "app/views.py", 24, Side.NEW, (22, 72), 0),  # level warning
    ]
    assert [(f.title, f.docs) for f in added][1] == (
        "subprocess_popen_with_shell_equals_true",
        "https://bandit.readthedocs.io/en/1.7.9/plugins/b602_subprocess_popen_with_shell_equals_true.html",
    )
    everything = findings_for_change(log, change, repo_root=None, mode="nofilter")
    assert rows(everything)[0] == ("B105", "low", "app/models.py", 3, Side.NEW, (15, 25), None)
    assert len(everything) == 4


# ---------------------------------------------------------------------------------------------------------------
# Import: specification details.


def test_suppressions_follow_the_spec(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    cases = {
        "none": None,
        "empty": [],
        "in-source": [{"kind": "inSource"}],
        "accepted": [{"kind": "external", "status": "accepted"}],
        "under-review": [{"kind": "external", "status": "underReview"}],
        "rejected": [{"kind": "inSource", "status": "rejected"}],
        "accepted-and-rejected": [{"kind": "inSource"}, {"kind": "external", "status": "rejected"}],
    }
    results = [
        result(name) if suppressions is None else {**result(name), "suppressions": suppressions}
        for name, suppressions in cases.items()
    ]
    log = load_sarif(write_log(tmp_path, results))
    kept = {f.rule for f in findings_for_change(log, change, repo_root=root)}
    assert kept == {"none", "empty", "under-review", "rejected", "accepted-and-rejected"}
    assert (log.runs[0].suppressed, log.runs[0].skipped) == (2, 0)


def test_result_kinds(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    results = [
        result("pass", kind="pass"),
        result("not-applicable", kind="notApplicable"),
        result("informational", kind="informational"),
        result("review", kind="review", level="warning", properties={"security-severity": "9.9"}),
        result("open", kind="open"),
        result("unknown-kind", kind="mystery"),
        result("fail", kind="fail", level="error"),
    ]
    log = load_sarif(write_log(tmp_path, results))
    found = {f.rule: f.severity for f in findings_for_change(log, change, repo_root=root)}
    assert found == {
        "review": Severity.INFO,
        "open": Severity.INFO,
        "unknown-kind": Severity.INFO,
        "fail": Severity.HIGH,
    }
    assert (log.runs[0].suppressed, log.runs[0].skipped) == (0, 3)


def test_level_and_severity_precedence(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    rules = [
        {"id": "default-error", "defaultConfiguration": {"level": "error"}},
        {"id": "overridden", "defaultConfiguration": {"level": "note"}},
        {"id": "plain"},
        {"id": "scored", "properties": {"security-severity": "7.0"}},
        {"id": "bad-score", "defaultConfiguration": {"level": "note"}, "properties": {"security-severity": "n/a"}},
    ]
    override = {"descriptor": {"index": 1}, "configuration": {"level": "error"}}
    cases: list[tuple[str, dict[str, Any], Severity]] = [
        ("default-error", {}, Severity.HIGH),
        ("default-error", {"level": "note"}, Severity.LOW),
        ("overridden", {"provenance": {"invocationIndex": 0}}, Severity.HIGH),
        ("overridden", {}, Severity.LOW),
        ("plain", {}, Severity.MEDIUM),
        ("not-in-log", {}, Severity.MEDIUM),
        ("plain", {"level": "none"}, Severity.INFO),
        ("plain", {"level": "fatal"}, Severity.MEDIUM),
        ("scored", {"level": "note"}, Severity.HIGH),
        ("scored", {"properties": {"security-severity": 9.5}}, Severity.CRITICAL),
        ("scored", {"properties": {"security-severity": "4.0"}}, Severity.MEDIUM),
        ("scored", {"properties": {"security-severity": "3.9"}}, Severity.LOW),
        ("scored", {"properties": {"security-severity": "0.0"}}, Severity.INFO),
        ("bad-score", {}, Severity.LOW),
        ("plain", {"level": "note", "properties": {"reviewtui/severity": "critical"}}, Severity.CRITICAL),
    ]
    results = [{**result(rule, **extra), "message": {"text": f"case {i}"}} for i, (rule, extra, _) in enumerate(cases)]
    path = write_log(
        tmp_path,
        results,
        tool={"driver": {"name": "Checker", "rules": rules}},
        invocations=[{"executionSuccessful": True, "ruleConfigurationOverrides": [override]}],
    )
    found = {f.message: f.severity for f in findings_for_change(load_sarif(path), change, repo_root=root)}
    assert found == {f"case {i}": severity for i, (_, _, severity) in enumerate(cases)}


def test_rule_lookup_by_index_id_hierarchy_and_tool_component(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    guid = "6f1d2c3b-0000-4000-8000-000000000001"
    tool = {
        "driver": {
            "name": "Checker",
            "rules": [{"id": "A", "shortDescription": {"text": "Rule A"}}, {"id": "B", "name": "RuleB"}],
        },
        "extensions": [{"name": "pack", "guid": guid, "rules": [{"id": "X", "name": "Ext X"}]}],
    }
    results = [
        result("A/variant"),  # hierarchical id: rule A
        {**result("B"), "ruleIndex": 0},  # index names another rule: the id wins
        {**result("Y"), "ruleId": None, "rule": {"id": "X", "toolComponent": {"guid": guid}}},
        {**result("Z"), "ruleId": None, "rule": {"index": 0, "toolComponent": {"name": "pack"}}},
        {**result("W"), "ruleId": None, "ruleIndex": 1},
    ]
    log = load_sarif(write_log(tmp_path, results, tool=tool))
    found = [(f.rule, f.title, f.message) for f in findings_for_change(log, change, repo_root=root)]
    assert sorted(found) == [
        ("A/variant", "Rule A", "A/variant"),
        ("B", "RuleB", "B"),
        ("B", "RuleB", "W"),
        ("X", "Ext X", "Y"),
        ("X", "Ext X", "Z"),
    ]


def test_messages_placeholders_links_and_spans(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    tool = {
        "driver": {
            "name": "Checker",
            "globalMessageStrings": {"global": {"text": "global {0}"}},
            "rules": [
                {
                    "id": "chk",
                    "shortDescription": {"text": "Checker rule"},
                    "messageStrings": {"two": {"text": "{1} before {0}, {{literal}} and {2}"}},
                }
            ],
        }
    }
    related = [
        {"id": 2, "physicalLocation": {"artifactLocation": {"uri": "app/settings.py"}, "region": {"startLine": 2}}}
    ]

    def case(name: str, message: dict[str, Any] | None, region: dict[str, Any], **extra: Any) -> dict[str, Any]:
        location = {"physicalLocation": {"artifactLocation": {"uri": "app/settings.py"}, "region": region}}
        item = {"ruleId": "chk", "locations": [location], "properties": {"case": name}, **extra}
        return item if message is None else {**item, "message": message}

    line1 = {"startLine": 1}  # "DEBUG = True"
    results = [
        case("args", {"id": "two", "arguments": ["x", "y"]}, {**line1, "startColumn": 1, "endColumn": 6}),
        case("global", {"id": "global", "arguments": ["msg"]}, {**line1, "startColumn": 9}),
        case("missing", None, {**line1, "startColumn": 3, "endLine": 2, "endColumn": 4}),
        case("literal", {"text": "use {x} and {{y}} as is"}, {**line1, "endColumn": 6}),
        case(
            "links",
            {"text": r"see [a \[0\]](2), [doc](https://example.com/x) and [gone](9)"},
            {"startLine": 2},
            relatedLocations=related,
        ),
        case("markdown", {"markdown": "**bold**"}, {"startLine": 2, "startColumn": 3, "endColumn": 3}),
    ]
    log = load_sarif(write_log(tmp_path, results, tool=tool))
    found = [(f.message, f.line, f.span) for f in findings_for_change(log, change, repo_root=root)]
    assert sorted(found, key=lambda item: (item[1] or 0, item[0])) == [
        ("Checker rule", 1, (2, 12)),  # no message: the rule's description; several lines: to end of the first
        ("global msg", 1, (8, 12)),  # no endColumn: to the end of the line
        ("use {x} and {{y}} as is", 1, (0, 5)),  # no arguments: taken literally
        ("y before x, {literal} and {2}", 1, (0, 5)),
        ("**bold**", 2, (2, 2)),  # an insertion point
        ("see a [0] (app/settings.py:2), [doc](https://example.com/x) and [gone](9)", 2, None),
    ]


def test_uri_resolution(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    bases = {
        "PROJECT": {"uri": "file:///ci/checkout/"},
        "SRC": {"uri": "app/", "uriBaseId": "PROJECT"},
        "REPO": {"uri": root.as_uri() + "/"},
    }

    def at(name: str, artifact: dict[str, Any], line: int) -> dict[str, Any]:
        physical = {"artifactLocation": artifact, "region": {"startLine": line}}
        return {"ruleId": name, "message": {"text": name}, "locations": [{"physicalLocation": physical}]}

    results = [
        at("absolute-file-uri", {"uri": f"{root.as_uri()}/app/settings.py"}, 1),
        at("percent-encoded", {"uri": "app/order%20utils.py"}, 1),
        at("dot-slash", {"uri": "./app/settings.py"}, 2),
        at("base-chain", {"uri": "settings.py", "uriBaseId": "SRC"}, 2),
        at("base-is-repo", {"uri": "web/search.js", "uriBaseId": "REPO"}, 5),
        at("artifact-index", {"index": 0}, 20),
        at("undefined-base", {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"}, 24),
        at("climbs-out", {"uri": "../outside.py"}, 1),
        at("elsewhere", {"uri": "file:///elsewhere/app/views.py"}, 20),
        at("web", {"uri": "https://example.com/app/views.py"}, 20),
        at("unc", {"uri": "file://server/share/app/views.py"}, 20),
        {"ruleId": "no-location", "message": {"text": "no-location"}},
    ]
    artifacts = [{"location": {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"}}]
    path = write_log(tmp_path, results, originalUriBaseIds=bases, artifacts=artifacts)
    log = load_sarif(path)

    def placed(repo_root: Path | None, mode: str) -> dict[str, tuple[str | None, int | None, int | None, str]]:
        found = findings_for_change(log, change, repo_root=repo_root, mode=mode)
        return {f.rule: (f.path, f.line, f.hunk, f.message) for f in found}

    mapped = {
        "absolute-file-uri": ("app/settings.py", 1, 0, "absolute-file-uri"),
        "percent-encoded": ("app/order utils.py", 1, 0, "percent-encoded"),
        "dot-slash": ("app/settings.py", 2, 0, "dot-slash"),
        "base-chain": ("app/settings.py", 2, 0, "base-chain"),
        "base-is-repo": ("web/search.js", 5, 0, "base-is-repo"),
        "artifact-index": ("app/views.py", 20, 0, "artifact-index"),
        "undefined-base": ("app/views.py", 24, 0, "undefined-base"),
    }
    assert placed(root, "added") == mapped
    assert placed(root, "nofilter") == {
        **mapped,
        "climbs-out": (None, None, None, "climbs-out (at ../outside.py:1)"),
        "elsewhere": (None, None, None, "elsewhere (at file:///elsewhere/app/views.py:20)"),
        "web": (None, None, None, "web (at https://example.com/app/views.py:20)"),
        "unc": (None, None, None, "unc (at file://server/share/app/views.py:20)"),
        "no-location": (None, None, None, "no-location"),
    }
    # Without a repository root an absolute path cannot be placed; a base-relative one still can.
    without_root = placed(None, "nofilter")
    assert without_root["absolute-file-uri"][:3] == (None, None, None)
    assert without_root["base-is-repo"][:3] == ("web/search.js", 5, 0)


def test_removed_line_results_and_other_changes(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    old = {"reviewtui/side": "old"}
    results = [
        {**result("eval-removed", "app/legacy.py", 2), "properties": old},
        {**result("old-context", "app/views.py", 19), "properties": old},
        result("unmarked-deleted-file", "app/legacy.py", 2),
        {**result("this-change"), "properties": {"reviewtui/change": change.id}},
        {**result("other-change"), "properties": {"reviewtui/change": "ai/other"}},
    ]
    results[0]["locations"][0]["physicalLocation"]["region"].update(startColumn=12, endColumn=16)
    log = load_sarif(write_log(tmp_path, results))
    assert rows(findings_for_change(log, change, repo_root=root)) == [
        ("eval-removed", "medium", "app/legacy.py", 2, Side.OLD, (11, 15), 0),
        ("this-change", "medium", "app/settings.py", 1, Side.NEW, None, 0),
    ]
    assert rows(findings_for_change(log, change, repo_root=root, mode="nofilter")) == [
        ("unmarked-deleted-file", "medium", "app/legacy.py", 2, Side.NEW, None, None),
        ("eval-removed", "medium", "app/legacy.py", 2, Side.OLD, (11, 15), 0),
        ("this-change", "medium", "app/settings.py", 1, Side.NEW, None, 0),
        ("old-context", "medium", "app/views.py", 19, Side.OLD, None, 0),
    ]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.sarif", b"", "not valid JSON (line 1, column 1"),
        ("broken.sarif", b'{"version": "2.1.0", "runs": [', "not valid JSON (line 1, column 31: Expecting value)"),
        ("latin1.sarif", b'{"version": "2.1.0", "runs": [], "x": "caf\xe9"}', "SARIF file is not UTF-8"),
        ("array.sarif", b"[]", "not a SARIF log (expected a JSON object, found an array)"),
        ("no-version.sarif", b'{"runs": []}', "not a SARIF log (no 'version'"),
        ("old.sarif", b'{"version": "2.0.0", "runs": []}', "unsupported SARIF version '2.0.0'"),
        ("no-runs.sarif", b'{"version": "2.1.0"}', "invalid SARIF: no 'runs'"),
        ("null-runs.sarif", b'{"version": "2.1.0", "runs": null}', "'runs' is null: the tool that wrote this log"),
        ("object-runs.sarif", b'{"version": "2.1.0", "runs": {}}', "at runs: expected an array, found an object"),
        ("no-driver.sarif", b'{"version": "2.1.0", "runs": [{"tool": {}}]}', "at runs[0].tool: tool has no 'driver'"),
        (
            "nameless.sarif",
            b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": ""}}}]}',
            "at runs[0].tool.driver: tool driver has no 'name'",
        ),
        (
            "bad-message.sarif",
            b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"message": {"text": 5}}]}'
            b"]}",
            "at runs[0].results[0].message.text: expected a string, found a number",
        ),
        (
            "bad-line.sarif",
            b'{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "T"}}, "results": [{"message": {"text": "m"},'
            b' "locations": [{"physicalLocation": {"region": {"startLine": "3"}}}]}]}]}',
            "at runs[0].results[0].locations[0].physicalLocation.region.startLine: expected an integer, found a string",
        ),
    ],
)
def test_bad_files_raise_sarif_error_naming_the_file(tmp_path: Path, name: str, content: bytes, problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SarifError) as caught:
        load_sarif(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)
    assert isinstance(caught.value, ReviewtuiError)


def test_unreadable_files_and_odd_but_valid_logs(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    for path in (tmp_path / "absent.sarif", tmp_path):
        with pytest.raises(SarifError, match=re.escape(f"{path}: cannot read SARIF file: ")):
            load_sarif(path)
    bom = tmp_path / "bom.sarif"
    bom.write_bytes(b'\xef\xbb\xbf{"version": "2.1.0", "runs": []}')
    assert load_sarif(bom).runs == ()
    assert findings_for_change(load_sarif(bom), change, repo_root=root, mode="nofilter") == []
    with pytest.raises(SarifError, match="unknown SARIF filter mode 'changed'"):
        findings_for_change(load_sarif(bom), change, repo_root=root, mode="changed")
    assert FILTER_MODES == ("added", "diff_context", "file", "nofilter")


# ---------------------------------------------------------------------------------------------------------------
# Export.

LOCAL_PACK = r"""
[[rule]]
id = "shell-true"
title = "Shell command with shell=True"
severity = "high"
scope = "added"
languages = ["Python"]
pattern = 'shell\s*=\s*True'
message = "subprocess call runs through a shell"
rationale = "A shell interprets metacharacters\nin arguments."
fix = "Pass an argument list and keep shell=False."
docs = "https://docs.python.org/3/library/subprocess.html#security-considerations"

[[rule]]
id = "eval-removed"
title = "eval() removed"
severity = "info"
scope = "removed"
pattern = '\beval\('
message = "eval() call removed"

[[rule]]
id = "new-module"
title = "New Python module"
severity = "low"
scope = "file"
events = ["added"]
paths = ["app/**"]
message = "New module {name} [see](1)"
"""


def exported_findings(change: Change) -> tuple[list[Finding], list[Rule]]:
    """Engine findings from a local pack, hand-made ones the pack cannot make, and imported ones from two tools."""
    rules = parse_pack(LOCAL_PACK, origin="local.toml", source="local")
    engine = scan(change, RuleSet(tuple(rules), "digest", ("local.toml",)), ScanContext())
    extra = [
        Finding("no-tests", Severity.MEDIUM, "No test changed", change.id, "builtin", title="Change has no tests"),
        Finding(
            "outside",
            Severity.LOW,
            "line outside hunks",
            change.id,
            "builtin",
            "app/views.py",
            11,
            Side.NEW,
            title="Far",
        ),
    ]
    semgrep = load_sarif(SAMPLES / "semgrep.sarif")
    codeql = load_sarif(SAMPLES / "codeql.sarif")
    imported = [
        *findings_for_change(semgrep, change, repo_root=None, mode="nofilter"),
        *findings_for_change(codeql, change, repo_root=None),
    ]
    return [*engine, *extra, *imported], rules


def test_export_round_trips_through_import(shop: tuple[Change, Path], tmp_path: Path) -> None:
    change, root = shop
    findings, rules = exported_findings(change)
    assert {(f.rule, f.path, f.line, f.side) for f in findings if f.source == "local"} == {
        ("shell-true", "app/views.py", 20, Side.NEW),
        ("eval-removed", "app/legacy.py", 2, Side.OLD),
        ("new-module", "app/order utils.py", None, None),
        ("new-module", "app/settings.py", None, None),
    }
    log = to_sarif({change.id: findings}, rules, tool_version="0.1.0", repo_root=root, changes={change.id: change})
    assert sarif_problems(log) == []
    path = tmp_path / "reviewtui.sarif"
    path.write_text(dump_sarif(log), encoding="utf-8")

    back = findings_for_change(load_sarif(path), change, repo_root=root, mode="nofilter")

    def key(f: Finding) -> tuple[Any, ...]:
        return (f.rule, f.severity, f.path, f.line, f.side, f.span, f.hunk, f.message, f.title, f.docs, f.fix)

    assert Counter(map(key, back)) == Counter(map(key, findings))
    assert {(f.source, f.tool) for f in back} == {
        ("sarif:reviewtui", "reviewtui"),
        ("sarif:Semgrep OSS", "Semgrep OSS"),
        ("sarif:CodeQL", "CodeQL"),
    }
    added = findings_for_change(load_sarif(path), change, repo_root=root, mode="added")
    assert {(f.rule, f.line) for f in added if f.tool == "reviewtui"} == {("shell-true", 20), ("eval-removed", 2)}


def test_export_structure_rules_and_runs(shop: tuple[Change, Path]) -> None:
    change, root = shop
    findings, rules = exported_findings(change)
    log = to_sarif({change.id: findings}, rules, tool_version="0.1.0", repo_root=root)
    assert (log["$schema"], log["version"]) == (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "2.1.0",
    )
    own, codeql, semgrep = log["runs"]
    driver = own["tool"]["driver"]
    assert (driver["name"], driver["semanticVersion"]) == ("reviewtui", "0.1.0")
    assert [r["id"] for r in driver["rules"]] == ["shell-true", "eval-removed", "new-module", "no-tests", "outside"]
    assert driver["rules"][0] == {
        "id": "shell-true",
        "name": "ShellTrue",
        "shortDescription": {"text": "Shell command with shell=True"},
        "fullDescription": {"text": "A shell interprets metacharacters in arguments."},
        "help": {"text": "Pass an argument list and keep shell=False."},
        "helpUri": "https://docs.python.org/3/library/subprocess.html#security-considerations",
        "defaultConfiguration": {"level": "error"},
        "properties": {"reviewtui/severity": "high", "tags": ["reviewtui", "local", "Python"]},
    }
    assert driver["rules"][3] == {"id": "no-tests", "shortDescription": {"text": "Change has no tests"}}
    assert own["originalUriBaseIds"] == {"SRCROOT": {"uri": root.resolve().as_uri() + "/"}}
    assert own["columnKind"] == "unicodeCodePoints"

    by_rule = {
        (r["ruleId"], r.get("locations", [{}])[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri")): r
        for r in own["results"]
    }
    shell = by_rule[("shell-true", "app/views.py")]
    assert {k: v for k, v in shell.items() if k != "partialFingerprints"} == {
        "ruleId": "shell-true",
        "ruleIndex": 0,
        "kind": "fail",
        "level": "error",
        "message": {"text": "subprocess call runs through a shell"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "app/views.py", "uriBaseId": "SRCROOT"},
                    "region": {"startLine": 20, "startColumn": 48, "endColumn": 58},
                }
            }
        ],
        "properties": {
            "reviewtui/severity": "high",
            "reviewtui/change": change.id,
            "reviewtui/source": "local",
            "reviewtui/side": "new",
        },
    }
    spaced = by_rule[("new-module", "app/order%20utils.py")]
    assert spaced["message"] == {"text": "New module {{name}} [see](1) (added)", "arguments": []}
    assert spaced["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app/order%20utils.py", "uriBaseId": "SRCROOT"}
    }
    assert by_rule[("eval-removed", "app/legacy.py")]["properties"]["reviewtui/side"] == "old"
    assert "locations" not in by_rule[("no-tests", None)]

    # Imported findings: one run per tool, sorted by tool name, converted by reviewtui, rule ids kept.
    assert codeql["tool"]["driver"]["name"] == "CodeQL"
    assert codeql["conversion"] == {
        "tool": {"driver": {"name": "reviewtui", "version": "0.1.0", "semanticVersion": "0.1.0"}}
    }
    assert [r["id"] for r in codeql["tool"]["driver"]["rules"]] == [
        "py/hardcoded-credentials",
        "py/command-line-injection",
        "py/sql-injection",
        "js/reflected-xss",
    ]
    assert semgrep["tool"]["driver"]["name"] == "Semgrep OSS"
    assert semgrep["tool"]["driver"]["rules"][0] == {
        "id": SEMGREP_PASSWORD,
        "shortDescription": {"text": f"Semgrep Finding: {SEMGREP_PASSWORD}"},
        "helpUri": f"https://semgrep.dev/r/{SEMGREP_PASSWORD}",
    }
    assert {r["properties"]["reviewtui/source"] for r in semgrep["results"]} == {"sarif:Semgrep OSS"}
    # A development version is not a semantic version: only `version` carries it.
    dev = to_sarif({}, [], tool_version="0.2.0.dev3", repo_root=None)["runs"][0]
    assert dev["tool"]["driver"] == {"name": "reviewtui", "version": "0.2.0.dev3", "rules": []}
    assert "originalUriBaseIds" not in dev and dev["results"] == []


def test_fingerprints_follow_line_text_not_line_numbers(shop: tuple[Change, Path]) -> None:
    change, root = shop

    def fingerprints(*lines: int, changes: dict[str, Change] | None) -> list[str]:
        findings = [
            Finding("blank", Severity.LOW, "blank line", change.id, "local", "app/views.py", n, Side.NEW) for n in lines
        ]
        log = to_sarif({change.id: findings}, [], tool_version="0.1.0", repo_root=root, changes=changes)
        return [r["partialFingerprints"]["reviewtuiFinding/v1"] for r in log["runs"][0]["results"]]

    known = {change.id: change}
    # Lines 21 and 22 are both empty added lines: same text, so the same hash, told apart by occurrence.
    first, second = fingerprints(21, 22, changes=known)
    assert first.endswith(":1") and second.endswith(":2") and first[:-2] == second[:-2]
    assert fingerprints(22, changes=known) == fingerprints(21, changes=known)  # the line moved, same fingerprint
    assert fingerprints(23, changes=known) != fingerprints(21, changes=known)  # other text
    assert fingerprints(21, changes=known) == fingerprints(21, changes=known)  # deterministic
    assert fingerprints(23, changes=None) == fingerprints(21, changes=None)  # no diff: the message decides


def test_validator_catches_broken_logs(shop: tuple[Change, Path]) -> None:
    change, root = shop
    finding = Finding("r", Severity.LOW, "m", change.id, "local", "app/views.py", 20, Side.NEW, (0, 4))
    log = to_sarif({change.id: [finding]}, [], tool_version="0.1.0", repo_root=root)
    assert sarif_problems(log) == []
    result = log["runs"][0]["results"][0]
    del result["message"]
    result["ruleIndex"] = 3
    result["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    log["runs"][0]["tool"]["driver"]["name"] = ""
    assert sarif_problems(log) == [
        "runs[0].tool.driver.name: missing or empty",
        "runs[0].results[0].message: needs text or id",
        "runs[0].results[0].ruleIndex: 3 is not a rule with id 'r'",
        "runs[0].results[0].locations[0].physicalLocation.region.startColumn: 0 is not a positive integer",
    ]


# ---------------------------------------------------------------------------------------------------------------
# A structural validator for what SARIF 2.1.0 requires (and what GitHub code scanning relies on).

_LEVELS = {"none", "note", "warning", "error"}
_KINDS = {"pass", "open", "informational", "notApplicable", "review", "fail"}
_URI_REFERENCE = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_VERSIONED = re.compile(r"^[^/]+(?:/[^/]+)*/v\d+$")


def sarif_problems(log: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if set(log) - {"$schema", "version", "runs", "inlineExternalProperties", "properties"}:
        problems.append(f"log: unknown members {sorted(set(log) - {'$schema', 'version', 'runs'})}")
    if log.get("version") != "2.1.0":
        problems.append("version: must be 2.1.0")
    if not isinstance(log.get("$schema", ""), str):
        problems.append("$schema: must be a string")
    if not isinstance(log.get("runs"), list):
        return [*problems, "runs: must be an array"]
    for i, run in enumerate(log["runs"]):
        problems += _run_problems(run, f"runs[{i}]")
    return problems


def _run_problems(run: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    driver = run.get("tool", {}).get("driver", {})
    if not isinstance(driver.get("name"), str) or not driver["name"]:
        problems.append(f"{where}.tool.driver.name: missing or empty")
    if "semanticVersion" in driver and not _SEMVER.match(driver["semanticVersion"]):
        problems.append(f"{where}.tool.driver.semanticVersion: not a semantic version")
    rules = driver.get("rules", [])
    ids = [rule.get("id") for rule in rules]
    if len(ids) != len(set(ids)) or not all(isinstance(i, str) and i for i in ids):
        problems.append(f"{where}.tool.driver.rules: ids must be unique non-empty strings")
    for j, rule in enumerate(rules):
        problems += _descriptor_problems(rule, f"{where}.tool.driver.rules[{j}]")
    if "conversion" in run and not run["conversion"].get("tool", {}).get("driver", {}).get("name"):
        problems.append(f"{where}.conversion.tool.driver.name: missing")
    if run.get("columnKind", "utf16CodeUnits") not in ("utf16CodeUnits", "unicodeCodePoints"):
        problems.append(f"{where}.columnKind: unknown")
    bases = run.get("originalUriBaseIds", {})
    for name, base in bases.items():
        parts = urlsplit(base.get("uri", ""))
        if not parts.scheme or not base["uri"].endswith("/"):
            problems.append(f"{where}.originalUriBaseIds.{name}: must be an absolute URI ending with '/'")
    for j, result in enumerate(run.get("results", [])):
        problems += _result_problems(result, rules, bases, f"{where}.results[{j}]")
    return problems


def _descriptor_problems(rule: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    for key in ("shortDescription", "fullDescription", "help"):
        if key in rule and not isinstance(rule[key].get("text"), str):
            problems.append(f"{where}.{key}: needs text")
    if "helpUri" in rule and not urlsplit(rule["helpUri"]).scheme:
        problems.append(f"{where}.helpUri: not an absolute URI")
    if rule.get("defaultConfiguration", {}).get("level", "warning") not in _LEVELS:
        problems.append(f"{where}.defaultConfiguration.level: unknown")
    tags = rule.get("properties", {}).get("tags", [])
    if len(tags) != len(set(tags)) or not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}.properties.tags: must be unique strings")
    return problems


def _result_problems(result: dict[str, Any], rules: list[Any], bases: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    message = result.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("text", message.get("id")), str):
        problems.append(f"{where}.message: needs text or id")
    elif not all(isinstance(a, str) for a in message.get("arguments", [])):
        problems.append(f"{where}.message.arguments: must be strings")
    index = result.get("ruleIndex")
    if index is not None and not (0 <= index < len(rules) and rules[index]["id"] == result.get("ruleId")):
        problems.append(f"{where}.ruleIndex: {index} is not a rule with id {result.get('ruleId')!r}")
    level, kind = result.get("level", "warning"), result.get("kind", "fail")
    if level not in _LEVELS or kind not in _KINDS or (level != "none" and kind != "fail"):
        problems.append(f"{where}: level {level!r} and kind {kind!r} do not go together")
    for j, location in enumerate(result.get("locations", [])):
        problems += _location_problems(location, bases, f"{where}.locations[{j}]")
    for key, value in result.get("partialFingerprints", {}).items():
        if not _VERSIONED.match(key) or not isinstance(value, str):
            problems.append(f"{where}.partialFingerprints.{key}: needs a versioned name and a string value")
    if not isinstance(result.get("properties", {}), dict):
        problems.append(f"{where}.properties: must be an object")
    return problems


def _location_problems(location: dict[str, Any], bases: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    physical = location.get("physicalLocation", {})
    artifact = physical.get("artifactLocation", {})
    uri = artifact.get("uri")
    if not isinstance(uri, str) or not _URI_REFERENCE.match(uri):
        problems.append(f"{where}.physicalLocation.artifactLocation.uri: not a URI reference")
    base = artifact.get("uriBaseId")
    if base is not None and bases and base not in bases:
        problems.append(f"{where}.physicalLocation.artifactLocation.uriBaseId: {base!r} is not defined")
    region = physical.get("region", {})
    for key in ("startLine", "startColumn", "endLine", "endColumn"):
        if key in region and (not isinstance(region[key], int) or region[key] < 1):
            problems.append(f"{where}.physicalLocation.region.{key}: {region[key]} is not a positive integer")
    if region and "startLine" not in region:
        problems.append(f"{where}.physicalLocation.region: needs startLine")
    if region.get("endColumn", 1 << 30) < region.get("startColumn", 1):
        problems.append(f"{where}.physicalLocation.region: ends before it starts")
    return problems
