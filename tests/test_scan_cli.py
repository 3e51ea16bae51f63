"""`reviewtui scan` as CI uses it: formats, the --fail-on gate, change selection, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.test_cli import REQUIRED_KEYS, assert_clean_error, run

PACK = """
[[rule]]
id = "no-print"
title = "print() left in code"
severity = "low"
scope = "added"
pattern = '\\bprint\\('
message = "print() call added"
"""
FINDING_KEYS = {"rule", "severity", "change", "path", "line", "side", "message", "source"}


@pytest.fixture
def scanned(repo: GitRepo) -> GitRepo:
    repo.write(".reviewtui/rules/style.toml", PACK)
    repo.commit("Add a local rule pack")
    repo.checkout("ai/prints", new=True)
    repo.write("app.py", "x = 1\nprint(x)\n")
    repo.commit("Print things")
    repo.checkout("main")
    repo.checkout("ai/governance", new=True)
    repo.write(".reviewtui/rules/style.toml", "")
    repo.commit("Empty the pack")
    repo.checkout("main")
    return repo


def test_json_findings(scanned: GitRepo) -> None:
    result = run("scan", "--repo", str(scanned.path), "--format", "json", "ai/prints")
    assert result.returncode == 0, result.stderr
    findings = [f for f in json.loads(result.stdout) if f["rule"] == "no-print"]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.keys() >= FINDING_KEYS
    assert (finding["change"], finding["path"], finding["line"], finding["side"]) == ("ai/prints", "app.py", 2, "new")
    assert (finding["severity"], finding["source"], finding["span"]) == ("low", "local", [0, 6])


def test_fail_on_gate(scanned: GitRepo) -> None:
    assert run("scan", "--repo", str(scanned.path), "--fail-on", "critical", "ai/prints").returncode == 0
    failing = run("scan", "--repo", str(scanned.path), "--fail-on", "critical")
    assert failing.returncode == 1
    assert "governance-files-edited" in failing.stdout
    assert "finding(s) at or above critical" in failing.stderr
    assert run("scan", "--repo", str(scanned.path), "--fail-on", "low", "ai/prints").returncode == 1


def test_text_report_groups_by_change(scanned: GitRepo) -> None:
    result = run("scan", "--repo", str(scanned.path))
    assert result.returncode == 0
    assert "ai/prints  Print things" in result.stdout
    assert "  low      no-print  app.py:2" in result.stdout
    assert result.stdout.rstrip().endswith("finding(s) in 2 change(s)")


def test_output_file_written_whole(scanned: GitRepo, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = run("scan", "--repo", str(scanned.path), "--format", "json", "--output", str(target))
    assert result.returncode == 0 and result.stdout == ""
    assert isinstance(json.loads(target.read_text()), list)
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_unknown_change_and_bad_pack(scanned: GitRepo) -> None:
    assert_clean_error(run("scan", "--repo", str(scanned.path), "pr/404"), "no pending change 'pr/404'")
    scanned.write(".reviewtui/rules/style.toml", PACK.replace("low", "urgent"))
    scanned.commit("Break the pack")
    assert_clean_error(run("scan", "--repo", str(scanned.path)), "rules/style.toml: rule no-print: unknown severity")


def test_queue_json_keeps_its_contract_with_findings(scanned: GitRepo) -> None:
    result = run("queue", "--json", "--repo", str(scanned.path))
    changes = {c["id"]: c for c in json.loads(result.stdout)}
    assert changes["ai/prints"].keys() >= REQUIRED_KEYS
    assert changes["ai/prints"]["findings"]["low"] >= 1
    assert changes["ai/governance"]["findings"]["critical"] >= 1


def test_sarif_import_and_export(scanned: GitRepo, tmp_path: Path) -> None:
    log = {
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "Semgrep OSS", "rules": [
                {"id": "py.print", "defaultConfiguration": {"level": "error"}, "shortDescription": {"text": "print"}}
            ]}},
            "results": [
                {"ruleId": "py.print", "message": {"text": "print found"}, "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "app.py"}, "region": {"startLine": 2}}}]},
                {"ruleId": "py.print", "message": {"text": "elsewhere"}, "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "lib.py"}, "region": {"startLine": 1}}}]},
            ],
        }],
    }
    sarif_in = tmp_path / "semgrep.sarif"
    sarif_in.write_text(json.dumps(log))
    result = run("scan", "--repo", str(scanned.path), "--sarif", str(sarif_in), "--format", "json", "ai/prints")
    assert result.returncode == 0, result.stderr
    imported = [f for f in json.loads(result.stdout) if f["source"] == "sarif:Semgrep OSS"]
    assert [(f["rule"], f["line"], f["severity"], f["tool"]) for f in imported] == [
        ("py.print", 2, "high", "Semgrep OSS")
    ]  # lib.py is not in the change: filtered out in the default `added` mode
    exported = run("scan", "--repo", str(scanned.path), "--sarif", str(sarif_in), "--format", "sarif", "ai/prints")
    sarif_out = json.loads(exported.stdout)
    assert sarif_out["version"] == "2.1.0"
    assert sarif_out["runs"][0]["tool"]["driver"]["name"] == "reviewtui"
    assert any(run_["tool"]["driver"]["name"] == "Semgrep OSS" for run_ in sarif_out["runs"][1:])
    broken = tmp_path / "broken.sarif"
    broken.write_text("{not json")
    assert_clean_error(run("scan", "--repo", str(scanned.path), "--sarif", str(broken)), "broken.sarif")
