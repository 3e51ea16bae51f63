"""`reviewtui audit` on a repository whose history holds every case, built with real keys, the real clerk and git."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reviewtui.approvals.statement import Acknowledgement
from tests.approvals.conftest import Keys
from tests.approvals.kit import TIER_MAP, add_change, cli, load, make_shop, record
from tests.gitrepo import GitRepo

POLICY = "[approvals]\nrequired = 2\n\n[tier1]\nfull_coverage = false\n"
ALICE = ("Alice Moreau", "alice@example.com")
RISKY = "import requests\n\ndef charge(url):\n    return requests.get(url, verify=False, timeout=5)\n"


def _merge(repo: GitRepo, branch: str, *, extra: dict[str, str] | None = None) -> str:
    if extra is None:
        repo.git("merge", "--no-ff", "-q", "-m", f"Merge branch '{branch}'", branch)
    else:
        repo.git("merge", "--no-ff", "--no-commit", "-q", branch)
        for path, text in extra.items():
            repo.write(path, text)
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", f"Merge branch '{branch}'")
    return repo.head()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> GitRepo:
    repo = make_shop(tmp_path_factory.mktemp("audit") / "shop", keys.signers("alice", "bob", "carol"), policy=POLICY,
                     systems=TIER_MAP)
    add_change(repo, "ai/good", {"services/payments/good.py": "GOOD = 1\n"})
    record(repo.path, "ai/good", keys.alice)
    record(repo.path, "ai/good", keys.bob)
    _merge(repo, "ai/good")

    add_change(repo, "ai/one", {"services/payments/one.py": "ONE = 1\n"})
    record(repo.path, "ai/one", keys.alice)
    _merge(repo, "ai/one")

    add_change(repo, "ai/self", {"services/payments/mine.py": "MINE = 1\n"}, author=ALICE)
    record(repo.path, "ai/self", keys.alice)
    record(repo.path, "ai/self", keys.bob)
    _merge(repo, "ai/self")

    add_change(repo, "ai/stale", {"services/payments/stale.py": "STALE = 1\n"})
    record(repo.path, "ai/stale", keys.alice)
    record(repo.path, "ai/stale", keys.bob)
    add_change(repo, "ai/stale", {"services/payments/stale.py": "STALE = 2\n"})
    _merge(repo, "ai/stale")

    add_change(repo, "ai/evil", {"services/payments/evil.py": "LIMIT = 10\n"})
    record(repo.path, "ai/evil", keys.alice)
    record(repo.path, "ai/evil", keys.bob)
    _merge(repo, "ai/evil", extra={"services/payments/evil.py": "LIMIT = 10_000\n"})

    add_change(repo, "ai/risky", {"services/payments/risky.py": RISKY})
    findings = load(repo.path, "ai/risky").findings
    assert findings, "the risky change must carry a finding to waive"
    waive = tuple(Acknowledgement(r, None, None, "waive", "sandbox gateway only") for r in {f.rule for f in findings})
    record(repo.path, "ai/risky", keys.alice, acks=waive)
    record(repo.path, "ai/risky", keys.bob, acks=waive)
    _merge(repo, "ai/risky")

    add_change(repo, "ai/squash", {"docs/guide.md": "# Guide\n"})
    record(repo.path, "ai/squash", keys.bob)
    record(repo.path, "ai/squash", keys.carol)
    repo.git("merge", "--squash", "-q", "ai/squash")
    repo.commit("Add the guide (squashed)")

    repo.write("services/payments/hotfix.py", "HOTFIX = True\n")
    repo.commit("Hotfix straight to main")
    return repo


@pytest.fixture(scope="module")
def audit_json(shop: GitRepo) -> dict[str, Any]:
    done = cli("audit", "--repo", str(shop.path), "--format", "json")
    assert done.returncode == 1, done.stderr  # Tier-1 changes without two-person approval landed
    return dict(json.loads(done.stdout))


def _by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in data["changes"]}


def test_every_case_gets_its_status(audit_json: dict[str, Any]) -> None:
    changes = _by_id(audit_json)
    assert changes["ai/good"]["status"] == "approved"
    assert changes["ai/good"]["approvers"] == ["alice@example.com", "bob@example.com"]
    assert changes["ai/one"]["status"] == "insufficient"
    assert changes["ai/self"]["status"] == "insufficient"
    assert "alice@example.com is an author of the change" in [
        reason for r in changes["ai/self"]["reviews"] for reason in r["reasons"]
    ]
    assert changes["ai/stale"]["status"] == "stale"
    assert changes["ai/evil"]["status"] == "differs"
    assert changes["ai/evil"]["differing_files"] == ["services/payments/evil.py"]
    assert changes["ai/risky"]["status"] == "approved"
    assert changes["ai/squash"]["kind"] == "squash" and changes["ai/squash"]["status"] == "approved"
    direct = [c for c in audit_json["changes"] if c["kind"] == "direct" and c["title"] == "Hotfix straight to main"]
    assert len(direct) == 1 and direct[0]["status"] == "unreviewed" and direct[0]["tier1"]


def test_waivers_name_who_and_why(audit_json: dict[str, Any]) -> None:
    risky = _by_id(audit_json)["ai/risky"]
    assert risky["findings"]
    assert {(w["reviewer"], w["kind"], w["reason"]) for w in risky["waivers"]} == {
        ("alice@example.com", "waive", "sandbox gateway only"),
        ("bob@example.com", "waive", "sandbox gateway only"),
    }
    assert all(f["acknowledged_by"] for f in risky["findings"])


def test_summary_and_gate(audit_json: dict[str, Any]) -> None:
    s = audit_json["summary"]
    assert (s["approved"], s["insufficient"], s["stale"], s["differs"]) == (3, 2, 1, 1)
    assert s["direct_pushes"] >= 1 and s["landed_differs_from_approved"] >= 1
    gate = audit_json["gate"]
    assert gate["failed"] and {"ai/one", "ai/self", "ai/stale", "ai/evil"} <= set(gate["changes"])
    assert "ai/good" not in gate["changes"]
    reviewers = {r["reviewer"]: r for r in audit_json["reviewers"]}
    assert reviewers["alice@example.com"]["approvals"] >= 5


def test_csv_carries_the_same_facts(shop: GitRepo, audit_json: dict[str, Any]) -> None:
    done = cli("audit", "--repo", str(shop.path), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    statuses = {r["change"]: r["status"] for r in rows if r["record"] == "change"}
    assert statuses == {c["id"]: c["status"] for c in audit_json["changes"]}
    summary = {r["name"]: r["value"] for r in rows if r["record"] == "summary"}
    assert int(summary["approved"]) == audit_json["summary"]["approved"]
    waivers = [r for r in rows if r["record"] == "waiver"]
    assert {r["reason"] for r in waivers} == {"sandbox gateway only"}


def test_markdown_carries_the_same_facts(shop: GitRepo, audit_json: dict[str, Any]) -> None:
    text = cli("audit", "--repo", str(shop.path), "--format", "markdown").stdout
    assert "**Gate: FAILED**" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "ai/" in line]
    for change in audit_json["changes"]:
        if change["id"].startswith("ai/"):
            assert any(f"| {change['id']} |" in row and change["status_label"] in row for row in rows), change["id"]
    assert "services/payments/evil.py" in text


def test_output_is_written_atomically_and_html_is_self_contained(shop: GitRepo, tmp_path: Path) -> None:
    target = tmp_path / "audit.html"
    done = cli("audit", "--repo", str(shop.path), "--format", "html", "--output", str(target))
    assert done.returncode == 1 and done.stdout == ""
    html = target.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"https?:", html)
    assert "Content-Security-Policy" in html and "<svg" in html
    assert [p.name for p in tmp_path.iterdir()] == ["audit.html"]


def test_bad_input_is_one_line(shop: GitRepo) -> None:
    done = cli("audit", "--repo", str(shop.path), "--system", "nope")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "no system named 'nope'" in done.stderr


@pytest.mark.slow
def test_html_in_headless_chromium(shop: GitRepo, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no headless browser installed (apt-get install chromium) to open the HTML report")
    target = tmp_path / "audit.html"
    cli("audit", "--repo", str(shop.path), "--format", "html", "--output", str(target))
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", f"{target.as_uri()}#sort=changes:1"],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout
    assert 'data-ready="1"' in dom, "the inline script did not run under the page's CSP"
    table = dom[dom.index('id="changes"'):]
    table = table[: table.index("</table>")]
    ids = re.findall(r"<tr[^>]*><td>[^<]*</td><td>([^<]*)</td>", table)
    assert ids == sorted(ids) and "ai/evil" in ids
    assert "sandbox gateway only" in dom
