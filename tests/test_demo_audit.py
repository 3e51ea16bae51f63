"""`reviewtui audit` on the demo: the changes that landed after the policy each tell the story they were built for."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import git
import pytest

from reviewtui.audit.auditor import Audit, Auditor, AuditRequest
from reviewtui.audit.formats import terminal
from reviewtui.audit.landed import LandedChange
from reviewtui.audit.report import report
from reviewtui.demo import AUDIT_SCENARIOS, DemoWorkspace
from reviewtui.demo.landed import LANDED, SCOTLAND_WAIVER
from reviewtui.demo.recipes import Landing

SINCE = datetime(2026, 10, 29, tzinfo=UTC)
"""The day after the policy commit: only what landed under the two-person rule."""


@pytest.fixture(scope="module")
def audit(demo_workspace: DemoWorkspace) -> Audit:
    return Auditor().run(AuditRequest(demo_workspace.repo, since=SINCE))


@pytest.fixture(scope="module")
def landed(audit: Audit) -> dict[str, LandedChange]:
    return {c.id: c for c in audit.changes}


def test_every_landed_change_gets_the_status_it_was_built_for(landed: dict[str, LandedChange]) -> None:
    assert {cid: landed[cid].status for cid in AUDIT_SCENARIOS} == AUDIT_SCENARIOS
    assert set(AUDIT_SCENARIOS.values()) == {"approved", "insufficient", "stale", "differs"}
    direct = [c for c in landed.values() if c.kind == "direct"]
    assert [(c.title, c.status, c.tier) for c in direct] == [
        ("Stop promising next-day delivery to Scotland during the carrier strike", "unreviewed", 1)
    ]
    assert len(landed) == len(AUDIT_SCENARIOS) + 1


def test_the_gate_fails_on_exactly_the_spoiled_tier1_changes(audit: Audit, landed: dict[str, LandedChange]) -> None:
    assert audit.gate_failed
    failed = {c.id for c in audit.changes if c.gate_failed}
    direct = next(c.id for c in audit.changes if c.kind == "direct")
    assert failed == {"pr/95", "pr/96", direct}
    good = landed["pr/94"]
    assert good.two_person and good.tier1 and good.approvers == ("alice@shop.example", "bob@shop.example")
    assert good.match.equal is True and good.indicators == ()
    assert all(r.status == "counted" and r.hunks_displayed == r.hunks_total > 0 for r in good.reviews)
    assert not landed["copilot/basket-currency"].tier1  # storefront: insufficient, but not a Tier-1 gate failure


def test_the_slipped_edit_and_the_stale_approval_are_named(landed: dict[str, LandedChange]) -> None:
    differs = landed["pr/96"]
    assert differs.match.files == ("services/payments/retry.py",) and differs.differs
    assert "operational-default-changed" in {f.rule for f in differs.findings}  # attempts 3 -> 5 in the merge
    stale = landed["pr/95"]
    assert [r.status for r in stale.reviews] == ["stale"] and stale.approvers == ()
    assert stale.head != stale.reviews[0].head  # approved the first push; the second one landed


def test_waivers_and_rubber_stamps(landed: dict[str, LandedChange]) -> None:
    waived = landed["pr/97"]
    rule, reason = SCOTLAND_WAIVER
    assert {(w.reviewer, w.rule, w.kind, w.reason, w.counted) for w in waived.waivers} == {
        ("alice@shop.example", rule, "waive", reason, True),
        ("bob@shop.example", rule, "waive", reason, True),
    }
    assert [f.rule for f in waived.findings if f.blocking] == [rule]
    cli_approval = landed["copilot/basket-currency"]
    assert sorted(i.kind for i in cli_approval.indicators) == ["coverage", "fast"]  # no time, no hunks recorded
    squash = landed["pr/98"]
    assert squash.kind == "squash" and squash.status == "approved"
    assert [(i.kind, i.reviewer) for i in squash.indicators] == [("together", "bob@shop.example, carol@shop.example")]


def test_decisions_carry_the_recipes_times(landed: dict[str, LandedChange]) -> None:
    for entry in LANDED:
        if isinstance(entry, Landing):
            reviews = landed[entry.change.change_id].reviews
            recorded = sorted((r.principal, r.timestamp[:19], r.seconds) for r in reviews)
            wanted = sorted((f"{r.reviewer}@shop.example", r.at.strftime("%Y-%m-%dT%H:%M:%S"), r.seconds)
                            for r in entry.reviews)
            assert recorded == wanted, entry.change.change_id


def test_main_reads_as_a_calendar(demo_workspace: DemoWorkspace) -> None:
    times = git.Repo(demo_workspace.repo).git.log("--first-parent", "--format=%ct", "main").split()
    assert times == sorted(times, reverse=True)


def test_the_report_counts(audit: Audit) -> None:
    s = report(audit)["summary"]
    assert (s["landed"], s["approved"], s["insufficient"], s["stale"], s["differs"], s["unreviewed"]) == (
        7, 3, 1, 1, 1, 1
    )
    assert (s["waivers"], s["rubber_stamp_flags"], s["tier1_without_two_person_approval"]) == (2, 3, 3)


def test_the_cli_table_counts_per_system(audit: Audit) -> None:
    text = terminal.render(report(audit), 200)
    header = next(line for line in text.splitlines() if line.startswith("SYSTEM"))
    assert header.split() == ["SYSTEM", "TIER", "LANDED", "APPROVED", "DIFFERS", "STALE", "INSUFFICIENT", "UNREVIEWED",
                              "FINDINGS"]
    assert re.search(r"^payments +1 +2 +1 +1 +0 +0 +0 +1$", text, re.MULTILINE)
    assert re.search(r"^storefront +2 +1 +0 +0 +0 +1 +0 +0$", text, re.MULTILINE)
