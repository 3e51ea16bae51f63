"""The demo workspace: built for real with git and ssh-keygen, then inspected as a reviewer would find it."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import git
import pytest

from reviewtui.approvals.notes import NOTES_REF
from reviewtui.audit.decisions import DecisionIndex
from reviewtui.demo import (
    EXPECTED_MERGED,
    EXPECTED_PENDING,
    MERGED_SCENARIOS,
    SCENARIOS,
    DemoBuildError,
    DemoWorkspace,
    build_demo,
)
from reviewtui.demo.changes import GROUPS, PENDING_CHANGES
from reviewtui.repository import Repository

AGENT_PREFIXES = ("claude/", "copilot/", "codex/", "devin/", "cursor/", "kiro/", "ai/")
ALLOWED_SIGNERS = ".reviewtui/allowed_signers"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    return build_demo(tmp_path_factory.mktemp("demo") / "workspace")


@pytest.fixture(scope="module")
def shop(workspace: DemoWorkspace) -> git.Git:
    return git.Repo(workspace.repo).git


KEYED_REFS = ("refs/heads/main", NOTES_REF)
"""The refs that differ between builds by design: main (the policy commit adds the reviewers' freshly generated
public keys, so it and every commit after it differ) and the notes holding the decisions signed with those keys."""


def refs_with_shas(repo: Path) -> str:
    """Every ref and its sha but the two that hold this build's keys."""
    output: str = git.Repo(repo).git.for_each_ref("--format=%(refname) %(objectname)")
    return "\n".join(line for line in output.splitlines() if line.split()[0] not in KEYED_REFS)


def main_story(repo: Path) -> str:
    """What main and the decisions say, apart from keys and signatures: every first-parent commit's people, dates
    and message, every file but allowed_signers, and every stored decision's reviewer, time and binding."""
    handle = git.Repo(repo).git
    log: str = handle.log("--first-parent", "--format=%an <%ae> %ad|%cn <%ce> %cd|%P|%B", "main")
    policy = handle.log("-1", "--format=%H", "--diff-filter=A", "main", "--", ALLOWED_SIGNERS)
    keyed = set(handle.rev_list("--first-parent", f"{policy}^..main").split())
    log = re.sub(r"[0-9a-f]{40}", lambda m: "<keyed>" if m[0] in keyed else m[0], log)
    files = [line for line in handle.ls_tree("-r", "main").splitlines() if not line.endswith(ALLOWED_SIGNERS)]
    decisions = sorted(
        (handle.log("-1", "--format=%s", s.commit), s.record.reviewer, s.record.decision, s.record.timestamp,
         s.record.binding.head or "", s.record.binding.diff_sha256, s.record.seconds)
        for s in DecisionIndex.load(Repository(repo)).stored
    )
    return "\n".join([log, *files, *map(repr, decisions)])


def ref_for(change_id: str) -> str:
    if change_id.startswith("pr/"):
        return f"refs/pull/{change_id.removeprefix('pr/')}/head"
    return f"refs/heads/{change_id}"


def candidate_refs(shop: git.Git) -> list[str]:
    """What a queue would look at: PR refs and agent-prefixed branches, merged or not."""
    refs = shop.for_each_ref("--format=%(refname)", "refs/pull", "refs/heads").splitlines()
    return [r for r in refs if r.startswith("refs/pull/") or r.removeprefix("refs/heads/").startswith(AGENT_PREFIXES)]


def is_merged(shop: git.Git, ref: str) -> bool:
    """Merged (its head is in main), or squash-merged: main holds every file it touches exactly as it leaves it."""
    result = shop.merge_base("--is-ancestor", ref, "main", with_extended_output=True, with_exceptions=False)
    if result[0] == 0:
        return True
    paths = shop.diff("--name-only", f"main...{ref}").splitlines()
    same = shop.diff("--quiet", ref, "main", "--", *paths, with_extended_output=True, with_exceptions=False)
    return bool(same[0] == 0)


def show(shop: git.Git, ref: str, path: str) -> bytes:
    data: bytes = shop.show(f"{ref}:{path}", stdout_as_string=False, strip_newline_in_stdout=False)
    return data


def branch_diff(shop: git.Git, change_id: str, *options: str) -> str:
    output: str = shop.diff(*options, f"main...{ref_for(change_id)}")
    return output


# -- determinism ---------------------------------------------------------------------------------------------------


def test_two_builds_have_identical_shas_for_every_ref(workspace: DemoWorkspace, tmp_path: Path) -> None:
    target = tmp_path / "again"
    target.mkdir()  # an existing empty folder is as good as a missing one
    again = build_demo(target)
    assert again.repo == target.resolve() / "shop"
    assert again.allowed_signers == target.resolve() / "reviewers" / "allowed_signers"
    first = refs_with_shas(workspace.repo)
    assert first == refs_with_shas(again.repo)
    assert len(first.splitlines()) == EXPECTED_PENDING + EXPECTED_MERGED
    assert main_story(workspace.repo) == main_story(again.repo)
    assert git.Repo(workspace.repo).git.rev_parse("main") != git.Repo(again.repo).git.rev_parse("main")  # keys


def test_hostile_user_environment_does_not_change_the_shas(
    workspace: DemoWorkspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_home = tmp_path / "xdg"
    (config_home / "git").mkdir(parents=True)
    (config_home / "git" / "attributes").write_text("* text=auto eol=crlf\n")
    (config_home / "git" / "ignore").write_text("*.png\n*.sql\n")
    hostile_config = tmp_path / "gitconfig"
    hostile_config.write_text("[commit]\n\tgpgsign = true\n[core]\n\tautocrlf = true\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(hostile_config))
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.autocrlf")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Someone Else")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2001-01-01T00:00:00+00:00")
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "not-an-index"))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "not-a-repo"))
    again = build_demo(tmp_path / "hostile")
    monkeypatch.undo()
    assert refs_with_shas(again.repo) == refs_with_shas(workspace.repo)
    assert main_story(again.repo) == main_story(workspace.repo)


# -- the queue -----------------------------------------------------------------------------------------------------


def test_scenarios_name_every_pending_change_once() -> None:
    ids = [change_id for change_id, _ in SCENARIOS]
    assert len(ids) == len(set(ids)) == EXPECTED_PENDING >= 22
    assert len(MERGED_SCENARIOS) == EXPECTED_MERGED
    assert sorted(c.change_id for group in GROUPS for c in group) == sorted(ids)
    assert all(description and "\n" not in description for _, description in SCENARIOS)


def test_expected_pending_and_merged_refs_exist(shop: git.Git) -> None:
    candidates = candidate_refs(shop)
    merged = [ref for ref in candidates if is_merged(shop, ref)]
    pending = [ref for ref in candidates if ref not in merged]
    assert len(pending) == EXPECTED_PENDING
    assert len(merged) == EXPECTED_MERGED
    assert sorted(pending) == sorted(ref_for(change_id) for change_id, _ in SCENARIOS)
    assert sorted(merged) == sorted(ref_for(change_id) for change_id, _ in MERGED_SCENARIOS)


def test_pull_request_numbers_start_at_101_for_pending_changes() -> None:
    numbers = [int(change_id[3:]) for change_id, _ in SCENARIOS if change_id.startswith("pr/")]
    assert min(numbers) == 101
    assert sorted(numbers) == list(range(101, 101 + len(numbers)))


def test_pending_changes_have_one_to_four_commits_and_differing_bases(shop: git.Git) -> None:
    bases = set()
    for change in PENDING_CHANGES:
        count = int(shop.rev_list("--count", f"main..{change.ref}"))
        assert 1 <= count <= 4, change.change_id
        assert count == len(change.commits)
        bases.add(shop.merge_base("main", change.ref))
        assert shop.log("-1", "--format=%s", f"{change.ref}~{count - 1}") == change.title
    assert len(bases) >= 3


def test_main_is_checked_out_and_clean(workspace: DemoWorkspace, shop: git.Git) -> None:
    assert shop.symbolic_ref("HEAD") == "refs/heads/main"
    assert shop.status("--porcelain", "--untracked-files=all", "--ignored") == ""


def test_history_has_humans_fixes_and_a_revert_of_a_real_commit(shop: git.Git) -> None:
    subjects = shop.log("--first-parent", "--format=%s", "main").splitlines()
    authors = set(shop.log("--no-merges", "--format=%ae", "main").splitlines())
    assert 25 <= len(shop.log("--no-merges", "--format=%H", "main").splitlines()) <= 50  # with the landed ones
    assert len([a for a in authors if a.endswith("@shop.example")]) >= 5
    assert "Fix rounding in cart total" in subjects
    body = shop.log("--grep=^Revert", "--format=%B", "main")
    reverted = re.search(r'Revert "(?P<title>.+)"\n\nThis reverts commit (?P<sha>[0-9a-f]{40})\.', body)
    assert reverted is not None
    assert shop.log("-1", "--format=%s", reverted["sha"]) == reverted["title"]


def test_reviewtui_config_and_system_map_are_committed_on_main(shop: git.Git) -> None:
    config = tomllib.loads(shop.show("main:.reviewtui/config.toml"))
    assert config["queue"]["base"] == "main"
    systems = {s["name"]: s for s in tomllib.loads(shop.show("main:.reviewtui/systems.toml"))["system"]}
    expected_tiers = {
        "checkout": 1, "payments": 1, "inventory": 1, "delivery-estimates": 1, "storefront": 2,
        "infra": 1, "database": 1, "ci": 2, "docs": 3,
    }
    assert {name: s["tier"] for name, s in systems.items()} == expected_tiers
    assert systems["checkout"]["paths"] == ["services/checkout/**", "web/cart/**"]
    assert systems["infra"]["paths"] == ["infra/**"]


# -- provenance shapes ---------------------------------------------------------------------------------------------


def first_commit(shop: git.Git, change_id: str, fmt: str) -> str:
    ref = ref_for(change_id)
    count = int(shop.rev_list("--count", f"main..{ref}"))
    output: str = shop.log("-1", f"--format={fmt}", f"{ref}~{count - 1}")
    return output


def test_agent_signatures_have_the_shapes_the_core_detects(shop: git.Git) -> None:
    copilot = first_commit(shop, "pr/105", "%an <%ae>|%cn|%B")
    assert copilot.startswith("Copilot <198982749+Copilot@users.noreply.github.com>|Priya Raman|")
    assert "Co-authored-by: Priya Raman <priya@shop.example>" in copilot
    claude = first_commit(shop, "pr/103", "%B").rstrip()
    assert claude.endswith(
        "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>"
    )
    devin = first_commit(shop, "pr/102", "%an <%ae>|%cn")
    assert devin == (
        "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>|Marcus Webb"
    )
    assert first_commit(shop, "codex/drop-legacy-payment-columns", "%B").rstrip().endswith("Generated-by: OpenAI Codex")
    assert "Co-authored-by: Cursor Agent <cursoragent@cursor.com>" in first_commit(
        shop, "cursor/stabilise-refund-tests", "%B"
    )
    assert first_commit(shop, "pr/104", "%an <%ae>") == "Sam Lee (aider) <sam@shop.example>"
    assert first_commit(shop, "pr/108", "%B").rstrip().endswith("Assisted-by: GitHub Copilot")


def test_branch_prefix_only_and_human_changes_carry_no_other_signal(shop: git.Git) -> None:
    # Trailers, bot identities and tool footers; a plain word such as "cursor" in prose is not a signal.
    signals = re.compile(
        r"^(co-authored-by|generated-by|assisted-by):|\[bot\]|\(aider\)|noreply|Claude Code", re.I | re.M
    )
    for change_id in ("kiro/gift-cards", "ai/ci-migration-lint", "pr/106", "pr/107"):
        ref = ref_for(change_id)
        log = shop.log("--format=%an <%ae>|%cn <%ce>|%B", f"main..{ref}")
        assert not signals.search(log), change_id
        assert all(email.endswith("@shop.example>") for email in re.findall(r"<[^>]+>", log)), change_id


# -- what the changes exercise -------------------------------------------------------------------------------------


def test_infra_change_replaces_shared_resources_and_drops_protection(shop: git.Git) -> None:
    diff = branch_diff(shop, "pr/101")
    assert "-    prevent_destroy = true" in diff
    assert '+resource "aws_db_instance" "main" {' in diff
    assert "+  skip_final_snapshot         = true" in diff
    assert "staging" in first_commit(shop, "pr/101", "%s")


def test_risky_diffs_are_present(shop: git.Git) -> None:
    assert "TRUNCATE TABLE payment_events" in branch_diff(shop, "codex/drop-legacy-payment-columns")
    assert "D\tservices/payments/tests/test_retry.py" in branch_diff(shop, "pr/102", "--name-status")
    weakened = branch_diff(shop, "cursor/stabilise-refund-tests")
    assert "+@pytest.mark.skip" in weakened
    assert "+    assert True" in weakened
    swallowed = branch_diff(shop, "pr/103")
    assert "+    except Exception:\n+        pass" in swallowed
    estimates = branch_diff(shop, "pr/104")
    assert "estimates.py" in estimates
    assert "-    assert estimate_delivery" in estimates


def test_leaked_credential_is_well_formed(shop: git.Git) -> None:
    diff = branch_diff(shop, "claude/s3-order-export")
    assert re.search(r'^\+aws_access_key_id = "AKIA[A-Z2-7]{16}"$', diff, re.M)
    assert re.search(r'^\+aws_secret_access_key = "[A-Za-z0-9/+]{40}"$', diff, re.M)


def test_trojan_source_line_has_bidi_controls_in_an_authorization_check(shop: git.Git) -> None:
    source = show(shop, ref_for("devin/support-small-refunds"), "services/checkout/permissions.py").decode("utf-8")
    (line,) = [line for line in source.splitlines() if "\u202e" in line]
    assert "\u2066" in line and "\u2069" in line
    assert line.lstrip().startswith("if user.access_level !=")


def test_generated_file_binary_assets_and_renames(shop: git.Git) -> None:
    catalog = show(shop, ref_for("pr/105"), "web/static/catalog.generated.json")
    assert catalog.count(b"\n") >= 20_000
    for path in ("web/static/logo.png", "web/static/favicon.png"):
        assert show(shop, ref_for("pr/110"), path).startswith(b"\x89PNG\r\n\x1a\n")
    assert show(shop, "main", "web/static/logo.png") != show(shop, ref_for("pr/110"), "web/static/logo.png")
    renames = branch_diff(shop, "claude/split-inventory-reservations", "-M", "--name-status")
    assert re.search(r"^R1\d\d\tdocs/runbooks/payments\.md\tdocs/runbooks/payments-oncall\.md$", renames, re.M)
    assert re.search(r"^R0[5-9]\d\tservices/inventory/stock\.py\tservices/inventory/reservations\.py$", renames, re.M)


def test_edge_cases_in_diffs(shop: git.Git) -> None:
    windows = ref_for("cursor/windows-dev-setup")
    assert show(shop, windows, "scripts/dev-setup.ps1").count(b"\r\n") >= 10
    assert not show(shop, windows, "web/.nvmrc").endswith(b"\n")
    assert show(shop, windows, "docs/Windows setup.md").startswith(b"# Windows setup")
    assert "120000 blob" in shop.ls_tree(ref_for("copilot/local-dev-config"), "config/active.env")
    assert "old mode 100644\nnew mode 100755" in branch_diff(shop, "ai/ci-migration-lint")


# -- reviewer keys -------------------------------------------------------------------------------------------------


def test_reviewer_keys_are_valid_and_not_in_the_repository(workspace: DemoWorkspace, shop: git.Git) -> None:
    assert len(workspace.reviewers) >= 2
    for reviewer in workspace.reviewers:
        assert reviewer.key == workspace.root / "reviewers" / reviewer.name / "id_ed25519"
        assert workspace.repo not in reviewer.key.parents
        for path in (reviewer.key, reviewer.public_key_file):
            result = subprocess.run(["ssh-keygen", "-l", "-f", str(path)], capture_output=True, text=True)
            assert result.returncode == 0, result.stderr
            assert "ED25519" in result.stdout
        assert reviewer.public_key.startswith("ssh-ed25519 AAAA")
        assert reviewer.public_key.endswith(reviewer.email)
    every_path = shop.rev_list("--all", "--objects")
    assert "id_ed25519" not in every_path  # private keys never enter the repository
    # The public keys do, on main only: the policy reads allowed_signers at each change's base.
    committed = shop.show("main:.reviewtui/allowed_signers")
    assert sorted(committed.splitlines()) == sorted(workspace.allowed_signers.read_text().splitlines())
    assert "PRIVATE" not in committed


def test_allowed_signers_verifies_a_reviewers_signature(workspace: DemoWorkspace, tmp_path: Path) -> None:
    alice = workspace.reviewer("alice")
    assert f"{alice.principal} {' '.join(alice.public_key.split()[:2])}\n" in workspace.allowed_signers.read_text()
    message = tmp_path / "approval.txt"
    message.write_text("approve pr/109\n")
    sign = ["ssh-keygen", "-Y", "sign", "-f", str(alice.key), "-n", "git", str(message)]
    assert subprocess.run(sign, capture_output=True).returncode == 0
    verify = [
        "ssh-keygen", "-Y", "verify", "-f", str(workspace.allowed_signers),
        "-I", alice.principal, "-n", "git", "-s", f"{message}.sig",
    ]
    with message.open("rb") as stdin:
        result = subprocess.run(verify, stdin=stdin, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# -- the target folder ---------------------------------------------------------------------------------------------


def test_non_empty_target_is_refused_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match=re.escape(str(tmp_path.resolve()))):
        build_demo(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_missing_ssh_keygen_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    monkeypatch.setenv("PATH", str(tools))
    with pytest.raises(DemoBuildError, match="ssh-keygen"):
        build_demo(tmp_path / "demo")
