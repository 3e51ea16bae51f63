"""The history index against real repositories with explicit dates, so every count below can be checked by hand.

The properties that matter most for an honest risk model are tested from both sides: what a question asked *before*
an event must not see (look-ahead), and what it must see once the event has happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from reviewtui.errors import ReviewtuiError
from reviewtui.repository import Repository
from reviewtui.risk.history import SECONDS_PER_DAY, SECONDS_PER_YEAR, HistoryIndex, _Raw, normalize_identity
from tests.gitrepo import GitRepo

ALICE = ("Alice Liddell", "alice@example.com")
BOB = ("Bob Builder", "bob@example.com")
CAROL = ("Carol Code", "Carol@Example.COM")


def day(n: int, hour: int = 0) -> str:
    """An ISO date `n` days after 2025-01-01, for GitRepo.commit(date=...)."""
    return datetime.fromtimestamp(ts(0) + n * SECONDS_PER_DAY + hour * 3600).astimezone().isoformat()


def ts(n: float) -> float:
    """The Unix time `n` days after 2025-01-01T00:00:00Z."""
    return datetime.fromisoformat("2025-01-01T00:00:00+00:00").timestamp() + n * SECONDS_PER_DAY


def index_of(repo: GitRepo, rev: str = "HEAD", **kwargs: int) -> HistoryIndex:
    return HistoryIndex.build(Repository(repo.path), rev, **kwargs)


def revert(repo: GitRepo, sha: str, when: str) -> str:
    """`git revert --no-edit` at a chosen date: git's own message, "This reverts commit <full sha>."."""
    repo.git("revert", "--no-edit", sha, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    return repo.head()


@pytest.fixture
def blank(tmp_path: Path) -> GitRepo:
    """A repository without the fixture's README commit, so every commit in a test has a date the test chose."""
    return GitRepo(tmp_path / "blank", initial=False)


# -- counting without look-ahead ---------------------------------------------------------------------------------


def test_counts_only_commits_strictly_before_the_moment(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("one", author=ALICE, date=day(1))
    blank.write("a.py", "2\n")
    blank.commit("two", author=BOB, date=day(2))
    blank.write("a.py", "3\n")
    blank.commit("three", author=ALICE, date=day(3))
    index = index_of(blank)

    assert index.commits == 3
    assert index.file_history(["a.py"], ts(1)).new_paths == 1  # the first commit is not before itself
    assert index.file_history(["a.py"], ts(1)).changes == 0
    assert index.file_history(["a.py"], ts(3)).changes == 2  # equal committer time is not "before"
    at_three = index.file_history(["a.py"], ts(3) + 1)
    assert (at_three.changes, at_three.developers, at_three.new_paths) == (3, 2, 0)
    assert index.file_history(["a.py"], ts(1.5)).developers == 1


def test_exclude_never_counts_the_change_itself_full_or_abbreviated(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("one", date=day(1))
    blank.write("a.py", "2\n")
    last = blank.commit("two", author=BOB, date=day(2))
    index = index_of(blank)

    later = ts(10)
    assert index.file_history(["a.py"], later).changes == 2
    assert index.file_history(["a.py"], later, exclude=last).changes == 1
    assert index.file_history(["a.py"], later, exclude=last[:10]).developers == 1
    assert index.file_history(["a.py"], later, exclude="0" * 40).changes == 2  # unknown sha: nothing to exclude


def test_a_commit_touching_several_paths_counts_once(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.write("b.py", "1\n")
    blank.commit("both", date=day(1))
    blank.write("b.py", "2\n")
    blank.commit("b only", date=day(2))
    history = index_of(blank).file_history(["a.py", "b.py", "a.py"], ts(5))
    assert history.changes == 2
    assert history.new_paths == 0


def test_developers_are_distinct_lower_cased_emails(blank: GitRepo) -> None:
    for n, author in enumerate([CAROL, ("C. Code", "carol@example.com"), ALICE, ALICE]):
        blank.write("a.py", f"{n}\n")
        blank.commit(f"change {n}", author=author, date=day(n + 1))
    history = index_of(blank).file_history(["a.py"], ts(10))
    assert (history.changes, history.developers) == (4, 2)


def test_age_is_the_mean_days_since_each_path_last_changed(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("a", date=day(0))
    blank.write("b.py", "1\n")
    b_change = blank.commit("b", date=day(10))
    index = index_of(blank)

    assert index.file_history(["a.py", "b.py"], ts(20)).age_days == pytest.approx(15.0)
    with_new = index.file_history(["a.py", "b.py", "new.py"], ts(20))
    assert with_new.age_days == pytest.approx(10.0)  # (20 + 10 + 0) / 3: a new path has age 0
    assert with_new.new_paths == 1
    assert index.file_history(["b.py"], ts(20), exclude=b_change).age_days == 0.0  # b's only change is excluded
    assert index.file_history([], ts(20)).age_days == 0.0


def test_merge_commits_are_not_changes_but_the_root_commit_is(repo: GitRepo) -> None:
    repo.checkout("topic", new=True)
    repo.write("t.py", "topic\n")
    repo.commit("topic work", date=day(1))
    repo.checkout("main")
    repo.write("m.py", "main\n")
    repo.commit("main work", date=day(2))
    when = day(3)
    repo.git("merge", "--no-ff", "-q", "-m", "merge topic", "topic", env={"GIT_COMMITTER_DATE": when})
    index = index_of(repo)
    assert index.commits == 3  # README root commit + two; the merge is left out
    assert index.file_history(["README.md"], ts(1000)).changes == 1  # the fixture commits it in 2026
    assert index.file_history(["t.py", "m.py"], ts(1000)).changes == 2


# -- fixes and reverts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "fix"),
    [
        ("Fix crash on empty input", True),
        ("fix(parser): handle tabs", True),
        ("Fixes #12", True),
        ("bugfix: off by one", True),
        ("Hotfix for login", True),
        ("Address regression in totals", True),
        ("Patch the loader", True),
        ("Defect 4711: wrong VAT", True),
        ("Refactor\n\nThis fixes the flaky test.", True),
        ("Add prefix option", False),
        ("Rename suffix helper", False),
        ("Improve debugging output", False),
        ("Dispatch events in order", False),
        ("fixup_table: new column", False),
    ],
)
def test_fix_keywords_respect_word_boundaries(blank: GitRepo, message: str, fix: bool) -> None:
    blank.write("a.py", "x\n")
    sha = blank.commit(message, date=day(1))
    index = index_of(blank)
    info = index.commit(sha)
    assert info is not None and info.fix is fix
    assert index.file_history(["a.py"], ts(2)).fixes == int(fix)


def test_git_revert_links_by_full_sha_and_counts_only_once_reverted(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("add a", date=day(1))
    blank.write("a.py", "2\n")
    bad = blank.commit("risky change", date=day(2))
    undo = revert(blank, bad, day(5))
    index = index_of(blank)

    assert index.revert_of(bad) == undo
    assert index.revert_of(bad[:8]) == undo
    assert index.revert_of(undo) is None
    assert index.reverted() == {bad: undo}
    info = index.commit(undo)
    assert info is not None and info.revert and info.reverts == (bad,) and info.subject == 'Revert "risky change"'
    # Before the revert happened, `bad` was just a change: no look-ahead into its fate.
    assert index.file_history(["a.py"], ts(4)).reverts == 0
    # Afterwards both count: the reverted commit and the revert itself.
    assert index.file_history(["a.py"], ts(6)).reverts == 2
    # Scoring the revert itself: `bad` was reverted by the excluded change, which is not "before" it.
    assert index.file_history(["a.py"], ts(5), exclude=undo).reverts == 0


@pytest.mark.parametrize(
    "template",
    [
        "Undo the cache\n\nThis reverts commit {short}.",
        "Back out cache\n\nReverts {short}",
        "Revert {short} because it broke prod",
        "Revert commit {short}",
    ],
)
def test_revert_links_by_abbreviated_sha_and_hand_written_forms(blank: GitRepo, template: str) -> None:
    blank.write("cache.py", "1\n")
    bad = blank.commit("cache everything", date=day(1))
    blank.write("cache.py", "0\n")
    undo = blank.commit(template.format(short=bad[:9]), author=BOB, date=day(2))
    index = index_of(blank)
    assert index.revert_of(bad) == undo
    assert index.reverted() == {bad: undo}


def test_revert_without_a_sha_is_a_revert_that_links_to_nothing(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("add a", date=day(1))
    blank.write("a.py", "2\n")
    manual = blank.commit('Revert "add a"', date=day(2))
    blank.write("a.py", "3\n")
    conventional = blank.commit("revert(core)!: drop the cache", date=day(3))
    blank.write("a.py", "4\n")
    plain = blank.commit("Add revert button", date=day(4))
    blank.write("a.py", "5\n")
    wordy = blank.commit("Revert added files\n\nReverts deadbeefcafe", date=day(5))  # hex words, no digit
    index = index_of(blank)

    for sha, expected in ((manual, True), (conventional, True), (plain, False), (wordy, False)):
        info = index.commit(sha)
        assert info is not None and info.revert is expected and info.reverts == ()
    assert index.reverted() == {}
    assert index.file_history(["a.py"], ts(10)).reverts == 2


def test_unknown_sha_in_a_revert_message_still_marks_a_revert(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    sha = blank.commit("Undo\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.", date=day(1))
    index = index_of(blank)
    info = index.commit(sha)
    assert info is not None and info.revert and info.reverts == ()
    assert index.reverted() == {}


# -- renames -------------------------------------------------------------------------------------------------------


def test_renames_carry_history_forward_but_not_back_in_time(blank: GitRepo) -> None:
    blank.write("src/a.py", "line\n" * 20)
    blank.commit("add a", author=ALICE, date=day(1))
    blank.write("src/a.py", "line\n" * 20 + "more\n")
    blank.commit("fix a", author=BOB, date=day(2))
    blank.move("src/a.py", "src/b.py")
    rename = blank.commit("rename a to b", author=ALICE, date=day(3))
    blank.write("src/b.py", "line\n" * 20 + "more\nagain\n")
    blank.commit("edit b", author=CAROL, date=day(4))
    index = index_of(blank)

    assert index.file_history(["src/b.py"], ts(5)).changes == 4
    assert index.file_history(["src/b.py"], ts(5)).developers == 3
    assert index.file_history(["src/b.py"], ts(5)).fixes == 1
    # The rename commit itself, scored as of its own moment, sees what it renamed.
    as_rename = index.file_history(["src/b.py"], ts(3), exclude=rename)
    assert (as_rename.changes, as_rename.new_paths, as_rename.fixes) == (2, 0, 1)
    assert as_rename.age_days == pytest.approx(1.0)
    # Before the rename, "src/b.py" did not exist: knowing a would become b is look-ahead.
    assert index.file_history(["src/b.py"], ts(2.5)).new_paths == 1
    # The old name keeps its own events (including the rename, which removed it).
    assert index.file_history(["src/a.py"], ts(5)).changes == 3
    # Old and new path together count every commit once.
    assert index.file_history(["src/a.py", "src/b.py"], ts(5)).changes == 4


def test_rename_chains_and_later_reuse_of_the_old_name(blank: GitRepo) -> None:
    body = "content line\n" * 30
    blank.write("a.txt", body)
    blank.commit("add a", date=day(1))
    blank.move("a.txt", "b.txt")
    blank.commit("a -> b", date=day(2))
    blank.move("b.txt", "c.txt")
    blank.commit("b -> c", date=day(3))
    blank.write("a.txt", "a brand new file\n")
    blank.commit("new a", date=day(4))
    index = index_of(blank)

    assert index.file_history(["c.txt"], ts(10)).changes == 3  # add, a -> b, b -> c
    assert index.file_history(["c.txt"], ts(2.5)).new_paths == 1
    assert index.file_history(["a.txt"], ts(10)).changes == 3  # add, rename away, re-add: the name keeps events


def test_copies_do_not_inherit(blank: GitRepo) -> None:
    body = "shared line\n" * 30
    blank.write("orig.py", body)
    blank.commit("add orig", date=day(1))
    blank.write("orig.py", body + "x\n")
    blank.commit("edit orig", date=day(2))
    blank.write("copy.py", body + "x\n")
    copy = blank.commit("copy orig", date=day(3))
    index = index_of(blank)
    assert index.file_history(["copy.py"], ts(3), exclude=copy).new_paths == 1
    assert index.file_history(["copy.py"], ts(10)).changes == 1


# -- experience ----------------------------------------------------------------------------------------------------


def test_experience_counts_recency_paths_and_subsystems(blank: GitRepo) -> None:
    blank.write("src/a.py", "1\n")
    blank.commit("a", author=ALICE, date=day(0))
    blank.write("src/b.py", "1\n")
    blank.commit("b", author=ALICE, date=day(100))
    blank.write("docs/x.md", "1\n")
    blank.write("src/a.py", "2\n")
    both = blank.commit("docs and a", author=ALICE, date=day(200))
    blank.write("README.md", "hi\n")
    blank.commit("readme", author=ALICE, date=day(250))
    blank.write("src/a.py", "3\n")
    blank.commit("bob edits a", author=BOB, date=day(300))
    index = index_of(blank)

    exp = index.experience("Alice <ALICE@Example.com>", ts(365.25), ["src/a.py"])
    assert exp.commits == 4
    expected = sum(1 / (1 + (ts(365.25) - ts(d)) / SECONDS_PER_YEAR) for d in (0, 100, 200, 250))
    assert exp.recent == pytest.approx(expected)
    assert exp.on_paths == 2  # "a" and "docs and a"; Bob's edit is not Alice's
    assert exp.on_subsystems == 3  # every commit touching src/, the one touching src/ and docs/ once
    assert index.experience("alice@example.com", ts(365.25), ["docs/x.md", "src/a.py"]).on_subsystems == 3
    assert index.experience("alice@example.com", ts(365.25), ["README.md"]).on_subsystems == 1  # the root

    before_both = index.experience("alice@example.com", ts(200), ["src/a.py"])
    assert (before_both.commits, before_both.on_paths, before_both.on_subsystems) == (2, 1, 2)
    excluded = index.experience("alice@example.com", ts(365), ["src/a.py", "docs/x.md"], exclude=both)
    assert (excluded.commits, excluded.on_paths, excluded.on_subsystems) == (3, 1, 2)


def test_experience_of_strangers_and_newcomers_is_zero(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("a", author=BOB, date=day(5))
    index = index_of(blank)
    assert index.experience("nobody@example.com", ts(10), ["a.py"]).commits == 0
    first = index.experience("Bob Builder <bob@example.com>", ts(5), ["a.py"])
    assert (first.commits, first.recent, first.on_paths, first.on_subsystems) == (0, 0.0, 0, 0)


@pytest.mark.parametrize(
    ("identity", "email"),
    [
        ("Dana Dev <Dana@Example.com>", "dana@example.com"),
        ("DANA@example.com", "dana@example.com"),
        ("  dana@example.com ", "dana@example.com"),
        ("renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
         "29139614+renovate[bot]@users.noreply.github.com"),
    ],
)
def test_identities_reduce_to_lower_cased_emails(identity: str, email: str) -> None:
    assert normalize_identity(identity) == email


# -- paths, framing, edge cases ------------------------------------------------------------------------------------


def test_unicode_space_and_quote_paths_are_exact(blank: GitRepo) -> None:
    names = ["dir with space/ü ñ.py", 'quote"d.txt', "tab\there.md", "日本/ファイル.txt", "-dash.txt"]
    for n, name in enumerate(names):
        blank.write(name, f"{name}\n" * 10)
        blank.commit(f"add {n}", date=day(n + 1))
    blank.move("dir with space/ü ñ.py", "dir with space/ö new.py")
    blank.commit("rename unicode", date=day(20))
    index = index_of(blank)
    for name in names[1:]:
        assert index.file_history([name], ts(30)).changes == 1, name
    assert index.file_history(["dir with space/ö new.py"], ts(30)).changes == 2
    assert index.experience("dana@example.com", ts(30), ["dir with space/ö new.py"]).on_subsystems == 2


def test_messages_that_look_like_file_lists_are_not_files(blank: GitRepo) -> None:
    blank.write("real.py", "1\n")
    sha = blank.commit("M\nfake.py\n\nR100\nx.py\ny.py\nreviewtui-history-0000\n", date=day(1))
    index = index_of(blank)
    info = index.commit(sha)
    assert info is not None and info.paths == ("real.py",)
    assert index.file_history(["fake.py"], ts(5)).new_paths == 1


def test_empty_commits_and_deletions(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    blank.commit("a", date=day(1))
    blank.commit("nothing", date=day(2), allow_empty=True)
    blank.remove("a.py")
    blank.commit("delete a", date=day(3))
    index = index_of(blank)
    assert index.commits == 3
    assert index.file_history(["a.py"], ts(5)).changes == 2


def test_unborn_branch_gives_an_empty_index(blank: GitRepo) -> None:
    for rev in ("HEAD", "main"):
        index = index_of(blank, rev)
        assert index.commits == 0
        assert index.file_history(["a.py"], ts(1)).new_paths == 1
        assert index.experience("dana@example.com", ts(1), ["a.py"]).commits == 0
        assert index.reverted() == {}


def test_a_revision_that_names_no_commit_is_a_clear_error(repo: GitRepo) -> None:
    with pytest.raises(ReviewtuiError, match="no-such-branch"):
        index_of(repo, "no-such-branch")
    with pytest.raises(ReviewtuiError, match="max_commits"):
        index_of(repo, max_commits=0)


def test_max_commits_keeps_the_newest(blank: GitRepo) -> None:
    shas = []
    for n in range(5):
        blank.write("a.py", f"{n}\n")
        shas.append(blank.commit(f"change {n}", date=day(n + 1)))
    index = index_of(blank, max_commits=2)
    assert index.commits == 2
    assert index.commit(shas[0]) is None and index.commit(shas[4]) is not None
    assert index.file_history(["a.py"], ts(10)).changes == 2


def test_an_older_revision_sees_only_its_own_history(blank: GitRepo) -> None:
    blank.write("a.py", "1\n")
    first = blank.commit("one", date=day(1))
    blank.write("a.py", "2\n")
    blank.commit("two", date=day(2))
    assert index_of(blank, first).commits == 1


def test_the_whole_history_is_read_by_one_git_process(blank: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(4):
        blank.write(f"f{n}.py", "x\n")
        blank.commit(f"c{n}", date=day(n))
    repository = Repository(blank.path)
    calls: list[tuple[str, ...]] = []
    real_run, real_stream = repository.run, repository.stream

    def run(*args: str, check: bool = True) -> bytes:
        calls.append(args)
        return real_run(*args, check=check)

    def stream(*args: str, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        calls.append(args)
        return real_stream(*args, chunk_size=7)  # tiny chunks: records and markers split across reads

    monkeypatch.setattr(repository, "run", run)
    monkeypatch.setattr(repository, "stream", stream)
    index = HistoryIndex.build(repository)
    assert [args[0] for args in calls] == ["log"]
    assert index.commits == 4
    assert index.file_history([f"f{n}.py" for n in range(4)], ts(10)).changes == 4


def _raw(sha: str, message: str, when: int, paths: tuple[str, ...] = ("a.py",)) -> _Raw:
    return _Raw(sha, "dana@example.com", "Dana", when, when, message.split("\n", 1)[0], message,
                [("M", (path,)) for path in paths])


def test_abbreviations_resolve_only_when_unique() -> None:
    """Shas chosen to collide, which real commits would need thousands of tries to do: indexed from records."""
    first, second = "abcd1" + "0" * 35, "abcd2" + "0" * 35
    index = HistoryIndex([
        _raw(first, "one", 100),
        _raw(second, "two", 200),
        _raw("f" * 40, "Undo\n\nReverts abcd1000", 300),
        _raw("e" * 40, "Undo\n\nThis reverts commit abcd.", 400),
    ])
    assert index.resolve("ABCD1") == first
    assert index.resolve("abcd") is None  # ambiguous
    assert index.resolve("abc") is None  # shorter than git allows
    assert index.revert_of(first) == "f" * 40
    ambiguous = index.commit("e" * 40)
    assert ambiguous is not None and ambiguous.revert and ambiguous.reverts == ()
    assert index.reverted() == {first: "f" * 40}


def test_a_bare_string_is_not_a_list_of_paths() -> None:
    with pytest.raises(TypeError):
        HistoryIndex().file_history("a.py", 1.0)
