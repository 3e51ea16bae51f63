"""Every queue source against real repositories: PR refs, agent branches, patch folders, commit ranges, workspaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.errors import GitError, PatchError, ReviewtuiError
from reviewtui.model import Change, FileStatus, SourceKind
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.repository import Repository
from reviewtui.sources.refs import Landed
from tests.gitrepo import GitRepo

COPILOT = ("Copilot", "198982749+Copilot@users.noreply.github.com")


def load(path: Path, **kwargs: object) -> tuple[dict[str, Change], QueueLoader]:
    loader = QueueLoader(QueueRequest(repo=path, **kwargs))  # type: ignore[arg-type]
    changes = list(loader.ordered())
    return {c.id: c for c in changes}, loader


def make_change(repo: GitRepo, branch: str, path: str, text: str, *, start: str = "main", **commit: object) -> str:
    repo.checkout(branch, new=True, start=start)
    repo.write(path, text)
    sha = repo.commit(f"Change {path}", **commit)  # type: ignore[arg-type]
    repo.checkout(start)
    return sha


def test_github_pull_refs_compare_against_merge_base(repo: GitRepo) -> None:
    fork_point = repo.head()
    head = make_change(repo, "feature", "app.py", "print('pr')\n")
    repo.write("main_only.txt", "main moved on\n")
    base = repo.commit("Main moves on")
    repo.update_ref("refs/pull/42/head", head)
    repo.git("branch", "-D", "feature")

    changes, loader = load(repo.path)

    change = changes["pr/42"]
    assert change.source is SourceKind.PULL_REQUEST
    assert change.ref == "refs/pull/42/head"
    assert change.base == base
    assert change.merge_base == fork_point
    assert change.head == head
    assert [f.path for f in change.files] == ["app.py"]  # not main_only.txt: what a PR page shows
    assert change.title == "Change app.py"
    assert change.agent is None and change.human_only
    assert loader.report.skipped_merged == 0


def test_remote_pr_refs_and_gitlab_merge_requests(repo: GitRepo) -> None:
    a = make_change(repo, "a", "a.txt", "a\n")
    b = make_change(repo, "b", "b.txt", "b\n")
    repo.update_ref("refs/remotes/origin/pr/7", a)
    repo.update_ref("refs/pull/7/head", a)
    repo.update_ref("refs/merge-requests/3/head", b)
    repo.update_ref("refs/pull/7/merge", b)  # GitHub's test-merge ref is not a change of its own
    repo.git("branch", "-D", "a", "b")

    changes, _ = load(repo.path)

    assert sorted(changes) == ["mr/3", "pr/7"]
    assert changes["mr/3"].source is SourceKind.MERGE_REQUEST
    assert changes["pr/7"].aliases == ("refs/remotes/origin/pr/7",)


def test_agent_branches_local_and_remote_listed_once(repo: GitRepo) -> None:
    head = make_change(repo, "claude/fix-cart", "cart.py", "total = 1\n")
    make_change(repo, "feature/human-work", "human.py", "x = 1\n")
    repo.update_ref("refs/remotes/origin/claude/fix-cart", head)
    only_remote = make_change(repo, "tmp", "remote.py", "y = 2\n")
    repo.update_ref("refs/remotes/origin/copilot/remote-only", only_remote)
    repo.git("branch", "-D", "tmp")

    changes, _ = load(repo.path)

    assert sorted(changes) == ["claude/fix-cart", "copilot/remote-only"]  # feature/* matches no agent glob
    assert changes["claude/fix-cart"].ref == "refs/heads/claude/fix-cart"
    assert changes["claude/fix-cart"].aliases == ("refs/remotes/origin/claude/fix-cart",)
    assert changes["copilot/remote-only"].ref == "refs/remotes/origin/copilot/remote-only"
    assert changes["claude/fix-cart"].agent is not None
    assert changes["claude/fix-cart"].agent.signal == "branch prefix claude/"


def test_newer_remote_twin_wins_over_stale_local_branch(repo: GitRepo) -> None:
    old = make_change(repo, "codex/task", "task.py", "v = 1\n")
    repo.checkout("codex/task")
    repo.write("task.py", "v = 2\n")
    new = repo.commit("Second push")
    repo.git("update-ref", "refs/remotes/origin/codex/task", new)
    repo.git("reset", "-q", "--hard", old)
    repo.checkout("main")

    changes, _ = load(repo.path)

    assert changes["codex/task"].head == new
    assert changes["codex/task"].ref == "refs/remotes/origin/codex/task"


def test_branch_that_is_also_a_pr_is_listed_once_as_the_pr(repo: GitRepo) -> None:
    head = make_change(repo, "copilot/issue-9", "x.py", "x = 9\n")
    repo.update_ref("refs/pull/9/head", head)

    changes, _ = load(repo.path)

    assert list(changes) == ["pr/9"]
    assert changes["pr/9"].aliases == ("refs/heads/copilot/issue-9",)
    # The branch name still counts as provenance evidence for the PR.
    assert changes["pr/9"].agent is not None and changes["pr/9"].agent.name == "GitHub Copilot"


def test_merged_changes_are_skipped_and_counted(repo: GitRepo) -> None:
    merged = make_change(repo, "ai/done", "done.py", "done = True\n")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge ai/done", "ai/done")
    repo.update_ref("refs/pull/1/head", merged)
    make_change(repo, "ai/pending", "pending.py", "pending = True\n")

    changes, loader = load(repo.path)

    assert list(changes) == ["ai/pending"]
    assert loader.report.skipped_merged == 1  # ai/done and pr/1 share a head: one change, skipped once


def test_unrelated_history_is_a_warning_not_a_failure(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "--orphan", "ai/orphan")
    repo.write("other.txt", "unrelated\n")
    repo.commit("Unrelated root")
    repo.checkout("main")
    make_change(repo, "ai/ok", "ok.txt", "fine\n")

    changes, loader = load(repo.path)

    assert list(changes) == ["ai/ok"]
    assert loader.report.warnings == [f"{repo.path.resolve()}: skipped ai/orphan: refs/heads/ai/orphan shares no "
                                      "history with refs/heads/main"]


def test_base_branch_from_config_and_missing_base(repo: GitRepo) -> None:
    repo.git("branch", "-m", "main", "trunk")
    with pytest.raises(ReviewtuiError, match="no base branch found"):
        load(repo.path)
    repo.write(".reviewtui/config.toml", '[queue]\nbase = "develop"\n')
    with pytest.raises(ReviewtuiError, match="base branch 'develop' not found"):
        load(repo.path)
    repo.write(".reviewtui/config.toml", '[queue]\nbase = "trunk"\n')
    repo.commit("Configure base")
    make_change(repo, "ai/x", "x.txt", "x\n", start="trunk")
    changes, _ = load(repo.path)
    assert changes["ai/x"].base_ref == "refs/heads/trunk"


def test_base_defaults_to_origin_head(repo: GitRepo) -> None:
    repo.git("branch", "-m", "main", "production")
    repo.update_ref("refs/remotes/origin/production", repo.head())
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/production")
    make_change(repo, "ai/y", "y.txt", "y\n", start="production")
    changes, _ = load(repo.path)
    assert changes["ai/y"].base_ref in ("refs/heads/production", "refs/remotes/origin/production")


def test_custom_branch_globs_and_sources_switched_off(repo: GitRepo) -> None:
    head = make_change(repo, "bots/one", "one.txt", "1\n")
    make_change(repo, "claude/two", "two.txt", "2\n")
    repo.update_ref("refs/pull/5/head", head)
    repo.write(".reviewtui/config.toml", '[queue]\nbranches = ["bots/*"]\npull_refs = false\n')

    changes, _ = load(repo.path)

    assert list(changes) == ["bots/one"]


def test_multi_commit_change_records_commits_and_times(repo: GitRepo) -> None:
    repo.checkout("ai/multi", new=True)
    repo.write("a.txt", "1\n")
    first = repo.commit("First step\n\nWhy it is needed.", date="2026-02-01T10:00:00+00:00")
    repo.write("a.txt", "2\n")
    second = repo.commit("Second step", author=COPILOT, committer=("Priya", "priya@example.com"),
                         date="2026-02-03T10:00:00+00:00")
    repo.checkout("main")

    change = load(repo.path)[0]["ai/multi"]

    assert [c.sha for c in change.commits] == [first, second]
    assert change.title == "First step"
    assert change.description == "Why it is needed."
    assert change.created is not None and change.created.isoformat() == "2026-02-01T10:00:00+00:00"
    assert change.updated is not None and change.updated.isoformat() == "2026-02-03T10:00:00+00:00"
    assert [str(p) for p in change.authors] == ["Dana Dev <dana@example.com>", f"{COPILOT[0]} <{COPILOT[1]}>"]
    assert change.agent is not None and change.agent.name == "GitHub Copilot"
    assert change.agent.operator == "Priya <priya@example.com>"


def test_commit_range_source_skips_merges_and_uses_first_parent(repo: GitRepo) -> None:
    start = repo.head()
    repo.write("one.txt", "1\n")
    c1 = repo.commit("One")
    make_change(repo, "side", "side.txt", "s\n")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")
    repo.write("two.txt", "2\n")
    c2 = repo.commit("Two")

    changes, _ = load(repo.path, commits=f"{start}..HEAD")

    ids = list(changes)
    assert ids == [c2[:12], repo.git("rev-parse", "side")[:12], c1[:12]]
    two = changes[c2[:12]]
    assert two.source is SourceKind.COMMIT
    assert two.merge_base == two.base == repo.git("rev-parse", f"{c2}^")
    assert [f.path for f in two.files] == ["two.txt"]


def test_commit_range_errors_name_the_range(repo: GitRepo) -> None:
    with pytest.raises(GitError, match="bad revision 'nope'"):
        load(repo.path, commits="nope")


def test_patch_folder_with_format_patch_series_and_plain_diff(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.head()
    repo.checkout("work", new=True)
    repo.write("lib/a.py", "def a():\n    return 1\n")
    repo.commit("Add a\n\nExplains a.\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    repo.move("README.md", "docs/README.md")
    repo.commit("Move the readme", author=("Élodie Ünïcode", "elodie@example.com"))
    folder = tmp_path / "patches"
    repo.git("format-patch", "-q", f"--base={base}", "-o", str(folder), f"{base}..HEAD")
    (folder / "plain.diff").write_text("--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-old\n+new\n")
    (folder / "notes.txt").write_text("not a patch, ignored by suffix\n")

    changes, _ = load(repo.path, patches=folder)

    assert sorted(changes) == ["patch:0001-Add-a.patch", "patch:0002-Move-the-readme.patch", "patch:plain.diff"]
    first = changes["patch:0001-Add-a.patch"]
    assert first.title == "Add a"
    assert first.source is SourceKind.PATCH
    assert first.head == repo.git("rev-parse", "HEAD~1")
    assert first.base == base
    assert first.agent is not None and first.agent.name == "Claude Code"
    assert first.files[0].status is FileStatus.ADDED and first.files[0].added == 2
    moved = changes["patch:0002-Move-the-readme.patch"]
    assert moved.files[0].status is FileStatus.RENAMED
    assert (moved.files[0].old_path, moved.files[0].new_path) == ("README.md", "docs/README.md")
    assert moved.commits[0].author.name == "Élodie Ünïcode"
    plain = changes["patch:plain.diff"]
    assert plain.title == "plain" and plain.commits == () and plain.head is None
    assert plain.stats.added == 1 and plain.stats.deleted == 1


def test_mbox_with_several_messages_gives_one_change_each(repo: GitRepo, tmp_path: Path) -> None:
    base = repo.head()
    for name in ("a", "b"):
        repo.write(f"{name}.txt", f"{name}\n")
        repo.commit(f"Add {name}")
    mbox = tmp_path / "series" / "series.mbox"
    mbox.parent.mkdir()
    mbox.write_bytes(repo.repo.git.execute(["git", "format-patch", "--stdout", f"{base}..HEAD"],
                                           stdout_as_string=False))

    changes, _ = load(repo.path, patches=mbox.parent)

    assert sorted(changes) == ["patch:series.mbox#1", "patch:series.mbox#2"]
    assert changes["patch:series.mbox#2"].title == "Add b"


def test_unusable_patches_are_clear_errors(repo: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(PatchError, match="no such file or folder of patches"):
        load(repo.path, patches=tmp_path / "missing")
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "broken.patch").write_text("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-only one line\n")
    with pytest.raises(PatchError, match=r"broken\.patch: not a valid unified diff"):
        load(repo.path, patches=folder)


def test_configured_patch_folder_joins_the_ref_queue(repo: GitRepo) -> None:
    make_change(repo, "ai/ref", "r.txt", "r\n")
    (repo.path / "incoming").mkdir()
    (repo.path / "incoming" / "p.diff").write_text("--- a/x.txt\n+++ b/x.txt\n@@ -0,0 +1 @@\n+new\n")
    repo.write(".reviewtui/config.toml", '[queue]\npatches = ["incoming"]\n')

    changes, _ = load(repo.path)

    assert sorted(changes) == ["ai/ref", "patch:p.diff"]


def test_workspace_merges_queues_of_several_repositories(tmp_path: Path) -> None:
    shop = GitRepo(tmp_path / "ws" / "shop")
    pay = GitRepo(tmp_path / "ws" / "payments")
    make_change(shop, "ai/shop-change", "s.txt", "s\n")
    make_change(pay, "ai/pay-change", "p.txt", "p\n")
    folder = tmp_path / "ws"
    (folder / ".reviewtui").mkdir()
    (folder / ".reviewtui" / "config.toml").write_text('[workspace]\nrepos = ["shop", "payments"]\n')

    changes, loader = load(folder)

    assert sorted(changes) == ["ai/pay-change", "ai/shop-change"]
    assert changes["ai/pay-change"].repo == str(pay.path.resolve())
    assert loader.report.repos == [str(shop.path.resolve()), str(pay.path.resolve())]

    # The same through a repository's own config and through --workspace FILE.
    shop.write(".reviewtui/config.toml", '[workspace]\nrepos = ["../payments"]\n')
    assert sorted(load(shop.path)[0]) == ["ai/pay-change", "ai/shop-change"]
    listing = tmp_path / "workspace.toml"
    listing.write_text(f'[workspace]\nrepos = ["{pay.path}"]\n')
    shop.write(".reviewtui/config.toml", "")
    assert sorted(load(shop.path, workspace=listing)[0]) == ["ai/pay-change", "ai/shop-change"]


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(ReviewtuiError, match="not a git repository"):
        load(tmp_path)
    with pytest.raises(ReviewtuiError, match="no such directory"):
        load(tmp_path / "nowhere")


def test_squash_merged_pull_request_is_not_pending(repo: GitRepo) -> None:
    """GitHub keeps refs/pull/N/head after a squash merge; its content is in main, so it is not pending."""
    head = make_change(repo, "feature", "squashed.py", "a = 1\n")
    repo.checkout("feature")
    repo.write("squashed.py", "a = 2\n")
    repo.move("README.md", "docs/README.md")
    head = repo.commit("Second commit of the PR")
    repo.checkout("main")
    repo.git("merge", "-q", "--squash", "feature")
    repo.commit("Squash-merge the PR (#12)")
    repo.write("later.txt", "main moves on\n")
    repo.commit("Later work")
    repo.update_ref("refs/pull/12/head", head)
    repo.git("branch", "-D", "feature")
    # A PR whose content only partly landed stays pending.
    partial = make_change(repo, "tmp", "squashed.py", "a = 3\n")
    repo.update_ref("refs/pull/13/head", partial)
    repo.git("branch", "-D", "tmp")

    changes, loader = load(repo.path)

    assert list(changes) == ["pr/13"]
    assert loader.report.skipped_merged == 1 and loader.report.skipped_by_content == 1
    assert loader.report.summary() == (
        "1 pending change(s) in 1 repository; skipped 1 already merged (1 squashed or rebased)"
    )


def test_a_single_patch_file_can_be_given(repo: GitRepo, tmp_path: Path) -> None:
    single = tmp_path / "one.txt"
    single.write_text("--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-old\n+new\n")
    changes, _ = load(repo.path, patches=single)
    assert list(changes) == ["patch:one.txt"]


def test_the_batched_history_gives_what_git_gives_ref_by_ref(repo: GitRepo) -> None:
    """`read_unmerged` (one `git log` for the whole queue) must yield the same merge-base and commits as asking git
    per ref: a straight branch, a stacked one, one with a merge inside (git answers), a landed one, main moved on."""
    from reviewtui.commitlog import read_unmerged
    from reviewtui.provenance import ProvenanceDetector
    from reviewtui.sources.refs import find_candidates, load_ref_change, resolve_base

    make_change(repo, "ai/one", "one.py", "x = 1\n")
    repo.checkout("ai/two", new=True, start="ai/one")
    repo.write("two.py", "y = 2\n")
    repo.commit("Two on top of one")
    repo.write("two.py", "y = 3\n")
    repo.commit("Two again")
    repo.checkout("ai/merged", new=True, start="main")
    repo.write("m.py", "m = 1\n")
    repo.commit("Side")
    repo.git("merge", "-q", "--no-ff", "--no-edit", "ai/one")
    repo.checkout("main")
    landed = repo.head()
    repo.update_ref("refs/heads/ai/landed", landed)
    repo.write("main.txt", "moved\n")
    repo.commit("Main moves on")

    git = Repository(repo.path)
    base = resolve_base(git, None)
    candidates = find_candidates(git, pull_refs=True, branch_globs=["ai/*"], remote_branches=True, base=base)
    unmerged = read_unmerged(git, [c.sha for c in candidates], base.sha)
    detector = ProvenanceDetector(())
    assert len(candidates) == 4
    for candidate in candidates:
        batched = load_ref_change(git, candidate, base, detector, unmerged)
        alone = load_ref_change(git, candidate, base, detector)
        assert batched == alone, candidate.id
    landed_candidate = next(c for c in candidates if c.id == "ai/landed")
    assert load_ref_change(git, landed_candidate, base, detector, unmerged) is Landed.ANCESTOR


def test_a_patch_folder_with_one_broken_file_loads_the_rest(repo: GitRepo, tmp_path: Path) -> None:
    folder = tmp_path / "patches"
    folder.mkdir()
    (folder / "a-good.diff").write_text("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n")
    (folder / "b-bad.diff").write_text("--- a/x.py\n+++ b/x.py\n@@ -1,5 +1,9 @@\n-a = 1\n+a = 2\n")
    changes, loader = load(repo.path, patches=folder)
    assert list(changes) == ["patch:a-good.diff"]
    [warning] = loader.report.warnings
    assert "b-bad.diff" in warning
    (folder / "a-good.diff").unlink()
    with pytest.raises(PatchError, match=r"b-bad\.diff"):
        load(repo.path, patches=folder)


def test_the_first_refs_are_listed_before_the_other_refs_commits_are_read(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A queue of thousands of refs shows its first changes before git has listed and Python parsed every ref's
    commits: the first few refs' unmerged commits are read on their own, the rest's after those changes are out."""
    for n in range(40):
        repo.update_ref(f"refs/pull/{n + 1}/head", make_change(repo, f"b{n}", f"f{n}.py", f"x = {n}\n"))
        repo.git("branch", "-D", f"b{n}")
    repo.write("main_only.txt", "main moved on\n")  # the refs' merge-base is no longer the base's tip
    repo.commit("Main moves on")
    expected = [c.id for c in QueueLoader(QueueRequest(repo=repo.path)).changes()]
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))

    def logs() -> int:
        return sum(" git log " in line for line in trace.read_text().splitlines()) if trace.exists() else 0

    changes = QueueLoader(QueueRequest(repo=repo.path)).changes()
    first = next(changes)
    assert logs() == 1, "only the first refs' commits were read before the first change"
    rest = [c.id for c in changes]
    assert logs() == 2
    assert [first.id, *rest] == expected and len(expected) == 40
