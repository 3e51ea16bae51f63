"""The demo through the real queue and CLI: every scenario is pending, found once, with the right agent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewtui.demo import EXPECTED_MERGED, EXPECTED_PENDING, SCENARIOS, DemoWorkspace
from reviewtui.model import Change, FileStatus
from reviewtui.queue import QueueLoader, QueueRequest

AGENTS = {
    "pr/101": "GitHub Copilot",
    "codex/drop-legacy-payment-columns": "OpenAI Codex",
    "pr/102": "Devin",
    "kiro/gift-cards": "Kiro",
    "pr/103": "Claude Code",
    "cursor/stabilise-refund-tests": "Cursor",
    "pr/104": "Aider",
    "claude/s3-order-export": "Claude Code",
    "pr/105": "GitHub Copilot",
    "ai/ci-migration-lint": "AI agent",
    "pr/106": None,
    "devin/support-small-refunds": "Devin",
    "pr/107": None,
    "copilot/bump-web-deps": "GitHub Copilot",
    "pr/108": "GitHub Copilot",
    "claude/split-inventory-reservations": "Claude Code",
    "cursor/windows-dev-setup": "Cursor",
    "codex/free-shipping-after-discount": "OpenAI Codex",
    "copilot/local-dev-config": "GitHub Copilot",
}


@pytest.fixture(scope="module")
def demo_queue(demo_workspace: DemoWorkspace) -> tuple[dict[str, Change], QueueLoader]:
    loader = QueueLoader(QueueRequest(repo=demo_workspace.repo))
    return {c.id: c for c in loader.ordered()}, loader


def test_every_scenario_is_pending_once(demo_queue: tuple[dict[str, Change], QueueLoader]) -> None:
    changes, loader = demo_queue
    assert len(changes) == EXPECTED_PENDING >= 20
    assert sorted(changes) == sorted(change_id for change_id, _ in SCENARIOS)
    assert loader.report.skipped_merged == EXPECTED_MERGED
    assert loader.report.warnings == []


def test_provenance_of_the_demo_changes(demo_queue: tuple[dict[str, Change], QueueLoader]) -> None:
    changes, _ = demo_queue
    for change_id, agent in AGENTS.items():
        found = changes[change_id].agent
        assert (found.name if found else None) == agent, change_id
    assert changes["pr/101"].agent is not None and changes["pr/101"].agent.operator is not None


def test_the_incident_shapes_reach_the_model(demo_queue: tuple[dict[str, Change], QueueLoader]) -> None:
    changes, _ = demo_queue
    deleted_tests = [f for f in changes["pr/102"].files if f.status is FileStatus.DELETED]
    assert deleted_tests and deleted_tests[0].path.endswith("test_retry.py")
    assert any(f.binary for f in changes["pr/110"].files)
    assert changes["pr/105"].stats.added > 20_000
    renamed = [f for f in changes["claude/split-inventory-reservations"].files if f.status is FileStatus.RENAMED]
    assert {f.similarity == 100 for f in renamed} == {True, False}
    bidi = [line.text for f in changes["devin/support-small-refunds"].files for h in f.hunks for line in h.lines]
    assert any("\u202e" in text for text in bidi)
    crlf = [line for f in changes["cursor/windows-dev-setup"].files for h in f.hunks for line in h.lines]
    assert any(line.eol == "\r\n" for line in crlf) and any(line.no_newline for line in crlf)
    assert any(f.symlink for f in changes["copilot/local-dev-config"].files)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewtui", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ}, stdin=subprocess.DEVNULL)


def test_demo_cli_builds_the_same_queue_twice(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        built = run_cli("demo", "--dir", str(tmp_path / name), "--no-open")
        assert built.returncode == 0, built.stderr
        repo = built.stdout.strip()
        assert repo == str((tmp_path / name / "shop").resolve())
        listed = run_cli("queue", "--json", "--repo", repo)
        assert listed.returncode == 0, listed.stderr
        main = subprocess.run(["git", "-C", repo, "rev-parse", "main"], capture_output=True, text=True).stdout.strip()
        # main's tip holds this build's freshly generated public keys, so it differs by design; nothing else may.
        outputs.append(listed.stdout.replace(repo, "<repo>").replace(main, "<main>"))
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])) == EXPECTED_PENDING


def test_demo_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    result = run_cli("demo", "--dir", str(tmp_path), "--no-open")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and str(tmp_path) in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
