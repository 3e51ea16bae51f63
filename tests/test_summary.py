"""The summary cache: a warm queue lists changes without git producing or anything parsing their diffs, and the full
change read back later is exactly the one a cold load gives."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewtui.analysis import Analyzer
from reviewtui.commitlog import read_commit_diffs, read_pair_diffs
from reviewtui.export import change_summary
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.repository import Repository
from reviewtui.sources.full import full_change
from reviewtui.sources.refs import ref_diff
from reviewtui.summary import SUMMARY_DIR
from tests.entries import opened, sealed
from tests.gitrepo import GitRepo
from tests.test_cli import run


@pytest.fixture
def varied(repo: GitRepo) -> GitRepo:
    """A PR ref whose diff has a modification, a rename, a deletion, a binary file, invalid UTF-8 and a mode change,
    and a branch; history with a root commit for `--commits`."""
    repo.write("lib/a.py", "".join(f"line {n}\n" for n in range(40)))
    repo.write("lib/old_name.py", "".join(f"keep {n}\n" for n in range(30)))
    repo.write("gone.txt", "bye\n")
    repo.write("run.sh", "echo hi\n")
    repo.commit("Base files")
    repo.checkout("agent/work", new=True)
    repo.write("lib/a.py", "".join(f"line {n}{' changed' if n % 7 == 0 else ''}\n" for n in range(40)))
    repo.move("lib/old_name.py", "lib/new_name.py")
    repo.remove("gone.txt")
    repo.write("logo.bin", bytes(range(256)) * 4)
    repo.write("latin.txt", b"caf\xe9\n")
    repo.write("run.sh", "echo hi\n", executable=True)
    repo.update_ref("refs/pull/3/head", repo.commit("Many kinds of change", author=("Claude", "noreply@anthropic.com")))
    repo.checkout("main")
    repo.checkout("claude/fix", new=True)
    repo.write("lib/b.py", "import requests\n\n\ndef get(url):\n    return requests.get(url)\n")
    repo.commit("Add b")
    repo.checkout("main")
    return repo


def load(repo: GitRepo, **request: object) -> list[Change]:
    loader = QueueLoader(QueueRequest(repo=repo.path, **request), summaries=True)  # type: ignore[arg-type]
    return list(loader.changes())


def summaries(repo: GitRepo) -> list[Path]:
    return sorted((repo.path / ".git" / SUMMARY_DIR).rglob("*.json"))


@pytest.mark.parametrize("request_", [{}, {"commits": "main"}, {"commits": "agent/work"}], ids=["refs", "main", "pr"])
def test_second_load_is_summarised_and_reads_back_exactly(varied: GitRepo, request_: dict[str, object]) -> None:
    cold = load(varied, **request_)
    assert cold and not any(c.summarised for c in cold)
    warm = load(varied, **request_)
    assert [c.id for c in warm] == [c.id for c in cold]
    for before, after in zip(cold, warm, strict=True):
        if before.files:
            assert after.summarised
            assert all(not f.hunks for f in after.files)
        assert change_summary(after) == change_summary(before)  # files, counts, hunk counts, notes, stats
        assert full_change(after) == before


def test_a_root_commit_reads_back_against_the_empty_tree(varied: GitRepo) -> None:
    cold = load(varied, commits="main")
    root = next(c for c in cold if c.merge_base is None)
    warm = next(c for c in load(varied, commits="main") if c.id == root.id)
    assert warm.summarised and full_change(warm) == root


def test_a_warm_queue_needs_no_diff(varied: GitRepo) -> None:
    """With the blobs of a change deleted from the object store, a warm queue still gives the cold JSON (it reads no
    diff), while a run without the cache cannot read that change and says so."""
    cold = run("queue", "--repo", str(varied.path), "--json")
    assert cold.returncode == 0, cold.stderr
    for path in ("lib/b.py",):
        blob = varied.git("rev-parse", f"claude/fix:{path}")
        (varied.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    warm = run("queue", "--repo", str(varied.path), "--json")
    assert warm.returncode == 0, warm.stderr
    assert json.loads(warm.stdout) == json.loads(cold.stdout)
    fresh = run("queue", "--repo", str(varied.path), "--json", "--no-cache")
    assert "skipped claude/fix" in fresh.stderr
    assert len(json.loads(fresh.stdout)) == len(json.loads(cold.stdout)) - 1


@pytest.mark.parametrize("damage", ["garbage", "foreign", "wrong-shape", "short-record", "empty"])
def test_damaged_or_foreign_summaries_are_ignored(varied: GitRepo, damage: str) -> None:
    cold = load(varied)
    stored = summaries(varied)
    assert len(stored) == 2
    first, second = stored
    if damage == "garbage":
        first.write_bytes(b"\x00\xffnot json")
    elif damage == "foreign":
        first.write_bytes(second.read_bytes())  # a valid summary of another diff, under this key
    elif damage == "wrong-shape":
        data = opened(first)
        data["files"][0][2] = "exploded"
        first.write_bytes(sealed(json.dumps(data)))
    elif damage == "short-record":
        data = opened(first)
        data["files"][0] = data["files"][0][:5]
        first.write_bytes(sealed(json.dumps(data)))
    else:
        first.write_bytes(b"")
    warm = load(varied)
    assert [change_summary(c) for c in warm] == [change_summary(c) for c in cold]
    assert sum(c.summarised for c in warm) == 1, "the damaged entry is read from git again, the other one is not"
    opened(first)  # rewritten whole


def test_a_squash_merged_ref_stays_skipped_when_warm(varied: GitRepo) -> None:
    """The squash check (is the change's content already in a moved base?) is answered from the cache too."""
    varied.git("merge", "--squash", "claude/fix")
    varied.commit("Squash claude/fix")
    varied.write("other.txt", "moved on\n")
    varied.commit("Move the base on")
    for _ in range(2):
        loader = QueueLoader(QueueRequest(repo=varied.path), summaries=True)
        ids = [c.id for c in loader.changes()]
        assert "claude/fix" not in ids and "pr/3" in ids
        assert loader.report.skipped_by_content == 1


def test_no_cache_reads_every_diff(varied: GitRepo) -> None:
    load(varied)
    assert summaries(varied)
    changes = list(QueueLoader(QueueRequest(repo=varied.path)).changes())
    assert changes and not any(c.summarised for c in changes), "summaries are only read when asked for"


def test_an_analysis_miss_on_a_summarised_change_scans_the_full_change(varied: GitRepo) -> None:
    cold = {a.change.id: a for a in map(Analyzer(cache=False).analyze, load(varied))}
    warm = load(varied)
    assert all(c.summarised for c in warm)
    for change in warm:
        analysis = Analyzer(cache=False).analyze(change)
        assert not analysis.change.summarised
        assert analysis.findings == cold[change.id].findings
        assert analysis.risk == cold[change.id].risk
    assert any(a.findings for a in cold.values())


def test_the_key_depends_on_both_commits(varied: GitRepo) -> None:
    """Moving a ref to a new head gives a new summary, never the old one."""
    load(varied)
    varied.checkout("claude/fix")
    varied.write("lib/c.py", "x = 1\n")
    varied.commit("Add c")
    varied.checkout("main")
    change = next(c for c in load(varied) if c.id == "claude/fix")
    assert not change.summarised
    assert sorted(f.path for f in change.files) == ["lib/b.py", "lib/c.py"]


def test_batched_ref_diffs_equal_one_by_one(varied: GitRepo) -> None:
    """One `git diff-tree --stdin` for many refs gives exactly what `git diff` gives per ref, empty diffs included."""
    varied.checkout("claude/empty", new=True)
    varied.commit("Nothing at all", allow_empty=True)
    varied.checkout("main")
    repo = Repository(varied.path)
    main = varied.git("rev-parse", "main")
    heads = [varied.git("rev-parse", ref) for ref in ("refs/pull/3/head", "claude/fix", "claude/empty", "main")]
    pairs = [(varied.git("merge-base", main, head), head) for head in heads]
    batched = read_pair_diffs(repo, pairs)
    assert batched == [ref_diff(repo, old, new, new) for old, new in pairs]
    assert batched[0] and batched[1] and batched[2] == () and batched[3] == ()


def test_a_users_diff_config_changes_no_path_s_hunks(
    varied: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Porcelain (`git diff`, `git log -p`) reads diff.context and friends from a user's config, plumbing (`git
    diff-tree`) does not; hunk digests bind approvals, so every path must give the same hunks."""
    config = tmp_path / "gitconfig"
    order = tmp_path / "order"
    order.write_text("lib/new_name.py\nlogo.bin\n")
    config.write_text(
        f"[diff]\n\tcontext = 10\n\tinterHunkContext = 10\n\torderFile = {order}\n\trenameLimit = 1\n"
        "\tsuppressBlankEmpty = true\n\tindentHeuristic = false\n"
    )
    main = varied.git("rev-parse", "main")
    head = varied.git("rev-parse", "refs/pull/3/head")
    base = varied.git("merge-base", main, head)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    plain = ref_diff(Repository(varied.path), base, head, "pr/3")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    repo = Repository(varied.path)
    assert ref_diff(repo, base, head, "pr/3") == plain
    assert read_pair_diffs(repo, [(base, head)]) == [plain]
    assert read_commit_diffs(repo, [head])[head] == plain
