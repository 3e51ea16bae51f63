"""Diff edge cases, each built as real commits and read through the real pipeline.

Every diff taken with `diff()` is also checked against `git diff --numstat`, so the line counts a reviewer sees
always equal git's own. Expected blob ids come from `git rev-parse REV:PATH`, never from the output under test.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
from pathlib import Path

import pytest

from reviewtui.commitlog import iter_commit_diffs, read_commits
from reviewtui.diff import decode_notes, parse_git_diff, parse_patch_text
from reviewtui.errors import PatchError
from reviewtui.model import DiffLine, FileChange, FileStatus, Hunk, LineKind, SourceKind, Stats
from reviewtui.provenance import ProvenanceDetector, builtin_identities
from reviewtui.repository import DIFF_OPTIONS, Repository
from reviewtui.sources.refs import Base, Candidate, Landed, load_ref_change
from tests.gitrepo import ISOLATED_ENV, GitRepo

EMPTY_BLOB = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
REGULAR, EXECUTABLE, SYMLINK, GITLINK = "100644", "100755", "120000", "160000"

NumstatRow = tuple[str, str, int | None, int | None]


# -- helpers ---------------------------------------------------------------------------------------------------------


def diff(repo: GitRepo, a: str, b: str) -> tuple[FileChange, ...]:
    """`a..b` through the real pipeline, with every file's line counts checked against git's numstat."""
    git = Repository(repo.path)
    files = parse_git_diff(git.run("diff", *DIFF_OPTIONS, a, b, "--"), context=f"{a[:12]}..{b[:12]}")
    assert counts(files) == numstat(git, a, b)
    return files


def numstat(git: Repository, a: str, b: str) -> list[NumstatRow]:
    """(old path, new path, added, deleted) per file as git counts them; None counts for binary files."""
    out = git.run(
        "diff", "--numstat", "-z", "--find-renames", "--find-copies", "--no-ext-diff", "--no-textconv", a, b, "--"
    )
    items = out.split(b"\x00")
    rows: list[NumstatRow] = []
    i = 0
    while i < len(items) and items[i]:
        added, deleted, path = items[i].split(b"\t", 2)
        if path:
            old = new = path
            i += 1
        else:  # a rename or copy: the two names follow as their own NUL-terminated fields
            old, new = items[i + 1], items[i + 2]
            i += 3
        rows.append(
            (
                old.decode("utf-8", "surrogateescape"),
                new.decode("utf-8", "surrogateescape"),
                None if added == b"-" else int(added),
                None if deleted == b"-" else int(deleted),
            )
        )
    return rows


def counts(files: tuple[FileChange, ...]) -> list[NumstatRow]:
    rows: list[NumstatRow] = []
    for file in files:
        if file.status in (FileStatus.RENAMED, FileStatus.COPIED):
            old, new = file.old_path or "", file.new_path or ""
        else:
            old = new = file.path
        if file.binary:
            assert file.hunks == ()
            rows.append((old, new, None, None))
        else:
            rows.append((old, new, file.added, file.deleted))
    return rows


def blob(repo: GitRepo, rev: str, path: str) -> str:
    return repo.git("rev-parse", f"{rev}:{path}")


def plain(files: tuple[FileChange, ...]) -> tuple[FileChange, ...]:
    """The files without the language guess, which is not what these tests are about."""
    return tuple(dataclasses.replace(file, language=None) for file in files)


def ctx(old: int, new: int, text: str, eol: str = "\n") -> DiffLine:
    return DiffLine(LineKind.CONTEXT, old, new, text, eol)


def add(new: int, text: str, eol: str = "\n") -> DiffLine:
    return DiffLine(LineKind.ADDED, None, new, text, eol)


def rem(old: int, text: str, eol: str = "\n") -> DiffLine:
    return DiffLine(LineKind.REMOVED, old, None, text, eol)


def commit_index(repo: GitRepo, message: str) -> str:
    """Commit exactly what is staged: `GitRepo.commit` runs `git add -A`, which would drop a bare gitlink."""
    repo.git("commit", "-q", "--no-verify", "-m", message)
    return repo.head()


def lines_of(count: int, word: str = "line") -> str:
    return "".join(f"{word} {i}\n" for i in range(1, count + 1))


GUIDE = "".join(f"{word} of the guide\n" for word in ("one", "two", "three", "four", "five", "six", "seven", "eight"))


# -- renames and copies ----------------------------------------------------------------------------------------------


def test_rename_without_edits_is_similarity_100_without_hunks(repo: GitRepo) -> None:
    repo.write("docs/guide.md", GUIDE)
    c1 = repo.commit("Add guide")
    repo.move("docs/guide.md", "manual/guide.md")
    c2 = repo.commit("Move guide")

    sha = blob(repo, c1, "docs/guide.md")
    assert blob(repo, c2, "manual/guide.md") == sha
    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            old_path="docs/guide.md",
            new_path="manual/guide.md",
            status=FileStatus.RENAMED,
            similarity=100,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=sha,
            new_blob=sha,
        ),
    )


def test_rename_with_edits_keeps_score_and_hunk(repo: GitRepo) -> None:
    repo.write("docs/guide.md", GUIDE)
    c1 = repo.commit("Add guide")
    repo.move("docs/guide.md", "manual/guide.md")
    repo.write("manual/guide.md", GUIDE.replace("three of", "THREE of"))
    c2 = repo.commit("Move and edit guide")

    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            old_path="docs/guide.md",
            new_path="manual/guide.md",
            status=FileStatus.RENAMED,
            similarity=86,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=blob(repo, c1, "docs/guide.md"),
            new_blob=blob(repo, c2, "manual/guide.md"),
            hunks=(
                Hunk(
                    1,
                    6,
                    1,
                    6,
                    "",
                    (
                        ctx(1, 1, "one of the guide"),
                        ctx(2, 2, "two of the guide"),
                        rem(3, "three of the guide"),
                        add(3, "THREE of the guide"),
                        ctx(4, 4, "four of the guide"),
                        ctx(5, 5, "five of the guide"),
                        ctx(6, 6, "six of the guide"),
                    ),
                ),
            ),
        ),
    )


def test_rename_with_mode_change_records_both_modes(repo: GitRepo) -> None:
    repo.write("build.sh", "#!/bin/sh\nmake all\n")
    c1 = repo.commit("Add build script")
    repo.move("build.sh", "scripts/build.sh")
    repo.write("scripts/build.sh", "#!/bin/sh\nmake all\n", executable=True)
    c2 = repo.commit("Move build script, make it executable")

    [file] = diff(repo, c1, c2)
    assert (file.status, file.old_path, file.new_path, file.similarity) == (
        FileStatus.RENAMED,
        "build.sh",
        "scripts/build.sh",
        100,
    )
    assert (file.old_mode, file.new_mode, file.hunks) == (REGULAR, EXECUTABLE, ())


def test_copy_without_edits_when_source_is_modified(repo: GitRepo) -> None:
    repo.write("src.py", lines_of(20))
    c1 = repo.commit("Add src")
    repo.write("copy.py", lines_of(20))
    repo.write("src.py", lines_of(20) + "line 21\n")
    c2 = repo.commit("Copy src, extend src")

    original = blob(repo, c1, "src.py")
    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            old_path="src.py",
            new_path="copy.py",
            status=FileStatus.COPIED,
            similarity=100,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=original,
            new_blob=original,
        ),
        FileChange(
            old_path="src.py",
            new_path="src.py",
            status=FileStatus.MODIFIED,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=original,
            new_blob=blob(repo, c2, "src.py"),
            hunks=(
                Hunk(
                    18,
                    3,
                    18,
                    4,
                    "line 17",
                    (ctx(18, 18, "line 18"), ctx(19, 19, "line 19"), ctx(20, 20, "line 20"), add(21, "line 21")),
                ),
            ),
        ),
    )


def test_copy_with_edits_when_source_is_modified(repo: GitRepo) -> None:
    repo.write("src.py", lines_of(20))
    c1 = repo.commit("Add src")
    repo.write("copy.py", lines_of(20).replace("line 10\n", "copied 10\n"))
    repo.write("src.py", lines_of(20) + "line 21\n")
    c2 = repo.commit("Copy and edit src")

    copy, source = diff(repo, c1, c2)
    assert (copy.status, copy.old_path, copy.new_path, copy.similarity) == (
        FileStatus.COPIED,
        "src.py",
        "copy.py",
        93,
    )
    assert (copy.old_blob, copy.new_blob) == (blob(repo, c1, "src.py"), blob(repo, c2, "copy.py"))
    assert copy.hunks == (
        Hunk(
            7,
            7,
            7,
            7,
            "line 6",
            (
                ctx(7, 7, "line 7"),
                ctx(8, 8, "line 8"),
                ctx(9, 9, "line 9"),
                rem(10, "line 10"),
                add(10, "copied 10"),
                ctx(11, 11, "line 11"),
                ctx(12, 12, "line 12"),
                ctx(13, 13, "line 13"),
            ),
        ),
    )
    assert (source.status, source.path, source.added, source.deleted) == (FileStatus.MODIFIED, "src.py", 1, 0)


def test_copy_of_unmodified_source_is_reported_as_an_addition(repo: GitRepo) -> None:
    """`--find-copies` only looks for copy sources among files modified in the same change.

    An exact copy of a file the change leaves alone is therefore not found (that would need `--find-copies-harder`,
    which compares against every file in the tree): it is a plain addition and the reviewer sees every line.
    """
    repo.write("src.py", lines_of(20))
    c1 = repo.commit("Add src")
    repo.write("copy.py", lines_of(20))
    c2 = repo.commit("Copy src")

    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            old_path=None,
            new_path="copy.py",
            status=FileStatus.ADDED,
            new_mode=REGULAR,
            new_blob=blob(repo, c1, "src.py"),
            hunks=(Hunk(0, 0, 1, 20, "", tuple(add(i, f"line {i}") for i in range(1, 21))),),
        ),
    )


# -- binary files ----------------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def test_binary_added_modified_and_deleted_have_no_hunks(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("logo.png", PNG)
    c1 = repo.commit("Add logo")
    repo.write("logo.png", PNG + b"\x00\x02")
    c2 = repo.commit("Change logo")
    repo.remove("logo.png")
    c3 = repo.commit("Remove logo")

    v1, v2 = blob(repo, c1, "logo.png"), blob(repo, c2, "logo.png")
    assert plain(diff(repo, base, c1)) == (
        FileChange(None, "logo.png", FileStatus.ADDED, new_mode=REGULAR, new_blob=v1, binary=True),
    )
    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            "logo.png",
            "logo.png",
            FileStatus.MODIFIED,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=v1,
            new_blob=v2,
            binary=True,
        ),
    )
    assert plain(diff(repo, c2, c3)) == (
        FileChange("logo.png", None, FileStatus.DELETED, old_mode=REGULAR, old_blob=v2, binary=True),
    )


def test_text_file_that_becomes_binary(repo: GitRepo) -> None:
    repo.write("data.bin", "plain text\n")
    c1 = repo.commit("Add data")
    repo.write("data.bin", b"plain\x00text\n")
    c2 = repo.commit("Make it binary")

    [file] = diff(repo, c1, c2)
    assert (file.status, file.binary, file.hunks, file.added, file.deleted) == (FileStatus.MODIFIED, True, (), 0, 0)


# -- modes -----------------------------------------------------------------------------------------------------------


def test_mode_change_only(repo: GitRepo) -> None:
    repo.write("run.sh", "#!/bin/sh\necho hi\n")
    c1 = repo.commit("Add script")
    repo.write("run.sh", "#!/bin/sh\necho hi\n", executable=True)
    c2 = repo.commit("Make script executable")

    sha = blob(repo, c1, "run.sh")
    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            "run.sh",
            "run.sh",
            FileStatus.MODE_CHANGED,
            old_mode=REGULAR,
            new_mode=EXECUTABLE,
            old_blob=sha,
            new_blob=sha,
        ),
    )


def test_mode_change_with_content_edit_is_modified_with_modes(repo: GitRepo) -> None:
    repo.write("run.sh", "#!/bin/sh\necho hi\n", executable=True)
    c1 = repo.commit("Add script")
    repo.write("run.sh", "#!/bin/sh\necho bye\n")
    c2 = repo.commit("Edit script, drop the x bit")

    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            "run.sh",
            "run.sh",
            FileStatus.MODIFIED,
            old_mode=EXECUTABLE,
            new_mode=REGULAR,
            old_blob=blob(repo, c1, "run.sh"),
            new_blob=blob(repo, c2, "run.sh"),
            hunks=(Hunk(1, 2, 1, 2, "", (ctx(1, 1, "#!/bin/sh"), rem(2, "echo hi"), add(2, "echo bye"))),),
        ),
    )


# -- symlinks --------------------------------------------------------------------------------------------------------


def test_symlink_added_and_retargeted(repo: GitRepo) -> None:
    base = repo.head()
    repo.symlink("current", "releases/v1")
    c1 = repo.commit("Point current at v1")
    repo.symlink("current", "releases/v2")
    c2 = repo.commit("Point current at v2")

    v1, v2 = blob(repo, c1, "current"), blob(repo, c2, "current")
    [added] = diff(repo, base, c1)
    assert plain((added,)) == (
        FileChange(
            None,
            "current",
            FileStatus.ADDED,
            new_mode=SYMLINK,
            new_blob=v1,
            hunks=(Hunk(0, 0, 1, 1, "", (add(1, "releases/v1", ""),)),),
        ),
    )
    assert added.symlink and not added.submodule
    [retargeted] = diff(repo, c1, c2)
    assert plain((retargeted,)) == (
        FileChange(
            "current",
            "current",
            FileStatus.MODIFIED,
            old_mode=SYMLINK,
            new_mode=SYMLINK,
            old_blob=v1,
            new_blob=v2,
            hunks=(Hunk(1, 1, 1, 1, "", (rem(1, "releases/v1", ""), add(1, "releases/v2", ""))),),
        ),
    )
    assert retargeted.symlink


def test_file_replaced_by_symlink_is_one_type_change_with_both_hunks(repo: GitRepo) -> None:
    repo.write("config.yml", "debug: false\nport: 80\n")
    c1 = repo.commit("Add config")
    repo.symlink("config.yml", "/etc/shared/config.yml")
    c2 = repo.commit("Use the shared config")

    [file] = diff(repo, c1, c2)
    assert plain((file,)) == (
        FileChange(
            "config.yml",
            "config.yml",
            FileStatus.TYPE_CHANGED,
            old_mode=REGULAR,
            new_mode=SYMLINK,
            old_blob=blob(repo, c1, "config.yml"),
            new_blob=blob(repo, c2, "config.yml"),
            hunks=(
                Hunk(1, 2, 0, 0, "", (rem(1, "debug: false"), rem(2, "port: 80"))),
                Hunk(0, 0, 1, 1, "", (add(1, "/etc/shared/config.yml", ""),)),
            ),
        ),
    )
    assert file.symlink and (file.added, file.deleted) == (1, 2)


def test_symlink_replaced_by_file_is_a_type_change(repo: GitRepo) -> None:
    repo.symlink("VERSION", "../VERSION")
    c1 = repo.commit("Link VERSION")
    repo.write("VERSION", "1.2.3\n")
    c2 = repo.commit("Own VERSION")

    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            "VERSION",
            "VERSION",
            FileStatus.TYPE_CHANGED,
            old_mode=SYMLINK,
            new_mode=REGULAR,
            old_blob=blob(repo, c1, "VERSION"),
            new_blob=blob(repo, c2, "VERSION"),
            hunks=(
                Hunk(1, 1, 0, 0, "", (rem(1, "../VERSION", ""),)),
                Hunk(0, 0, 1, 1, "", (add(1, "1.2.3"),)),
            ),
        ),
    )


# -- submodules ------------------------------------------------------------------------------------------------------


def test_gitlink_added_moved_and_removed(repo: GitRepo) -> None:
    first, second = "1" * 40, "2" * 40
    base = repo.head()
    repo.git("update-index", "--add", "--cacheinfo", f"{GITLINK},{first},vendor/dep")
    c1 = commit_index(repo, "Add dep")
    repo.git("update-index", "--cacheinfo", f"{GITLINK},{second},vendor/dep")
    c2 = commit_index(repo, "Bump dep")
    repo.git("update-index", "--force-remove", "vendor/dep")
    c3 = commit_index(repo, "Drop dep")

    [added] = diff(repo, base, c1)
    assert plain((added,)) == (
        FileChange(
            None,
            "vendor/dep",
            FileStatus.ADDED,
            new_mode=GITLINK,
            new_blob=first,
            hunks=(Hunk(0, 0, 1, 1, "", (add(1, f"Subproject commit {first}"),)),),
        ),
    )
    assert added.submodule and not added.symlink and not added.binary
    [bumped] = diff(repo, c1, c2)
    assert plain((bumped,)) == (
        FileChange(
            "vendor/dep",
            "vendor/dep",
            FileStatus.MODIFIED,
            old_mode=GITLINK,
            new_mode=GITLINK,
            old_blob=first,
            new_blob=second,
            hunks=(
                Hunk(1, 1, 1, 1, "", (rem(1, f"Subproject commit {first}"), add(1, f"Subproject commit {second}"))),
            ),
        ),
    )
    [removed] = diff(repo, c2, c3)
    assert plain((removed,)) == (
        FileChange(
            "vendor/dep",
            None,
            FileStatus.DELETED,
            old_mode=GITLINK,
            old_blob=second,
            hunks=(Hunk(1, 1, 0, 0, "", (rem(1, f"Subproject commit {second}"),)),),
        ),
    )
    assert removed.submodule


def test_real_submodule_add_and_update(repo: GitRepo, tmp_path: Path) -> None:
    lib = GitRepo(tmp_path / "lib", initial=False)
    lib.write("lib.txt", "v1\n")
    l1 = lib.commit("lib v1")
    lib.write("lib.txt", "v2\n")
    l2 = lib.commit("lib v2")
    base = repo.head()
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(lib.path), "vendor/lib")
    c1 = repo.commit("Add lib as a submodule")
    repo.git("-C", "vendor/lib", "checkout", "-q", l1)
    c2 = repo.commit("Pin lib to v1")

    gitmodules, submodule = diff(repo, base, c1)
    assert (gitmodules.status, gitmodules.path, gitmodules.submodule) == (FileStatus.ADDED, ".gitmodules", False)
    assert gitmodules.hunks[0].lines == (
        add(1, '[submodule "vendor/lib"]'),
        add(2, "\tpath = vendor/lib"),
        add(3, f"\turl = {lib.path}"),
    )
    assert plain((submodule,)) == (
        FileChange(
            None,
            "vendor/lib",
            FileStatus.ADDED,
            new_mode=GITLINK,
            new_blob=l2,
            hunks=(Hunk(0, 0, 1, 1, "", (add(1, f"Subproject commit {l2}"),)),),
        ),
    )
    assert submodule.submodule
    [pinned] = diff(repo, c1, c2)
    assert pinned.submodule and (pinned.status, pinned.old_blob, pinned.new_blob) == (FileStatus.MODIFIED, l2, l1)
    assert pinned.hunks == (
        Hunk(1, 1, 1, 1, "", (rem(1, f"Subproject commit {l2}"), add(1, f"Subproject commit {l1}"))),
    )


# -- line endings ----------------------------------------------------------------------------------------------------


def test_no_newline_at_end_on_old_side(repo: GitRepo) -> None:
    repo.write("a.txt", "first\nlast")
    c1 = repo.commit("Without final newline")
    repo.write("a.txt", "first\nlast\n")
    c2 = repo.commit("With final newline")

    [file] = diff(repo, c1, c2)
    assert file.hunks == (Hunk(1, 2, 1, 2, "", (ctx(1, 1, "first"), rem(2, "last", ""), add(2, "last"))),)
    assert file.hunks[0].lines[1].no_newline and not file.hunks[0].lines[2].no_newline


def test_no_newline_at_end_on_new_side(repo: GitRepo) -> None:
    repo.write("a.txt", "first\nlast\n")
    c1 = repo.commit("With final newline")
    repo.write("a.txt", "first\nlast")
    c2 = repo.commit("Without final newline")

    [file] = diff(repo, c1, c2)
    assert file.hunks == (Hunk(1, 2, 1, 2, "", (ctx(1, 1, "first"), rem(2, "last"), add(2, "last", ""))),)


def test_no_newline_at_end_on_both_sides(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("a.txt", "first\nlast")
    c1 = repo.commit("Without final newline")
    repo.write("a.txt", "first\nfinal")
    c2 = repo.commit("Still without final newline")

    [created] = diff(repo, base, c1)
    assert created.hunks == (Hunk(0, 0, 1, 2, "", (add(1, "first"), add(2, "last", ""))),)
    [file] = diff(repo, c1, c2)
    assert file.hunks == (Hunk(1, 2, 1, 2, "", (ctx(1, 1, "first"), rem(2, "last", ""), add(2, "final", ""))),)


def test_carriage_return_before_missing_final_newline_is_content(repo: GitRepo) -> None:
    """A file ending in "last\\r" prints as "-last\\r\\n" + "\\ No newline": the "\\r" is the file's, not a CRLF."""
    base = repo.head()
    repo.write("a.txt", b"first\nlast\r")
    c1 = repo.commit("Ends in a bare CR")
    repo.write("a.txt", b"first\nlast\r\n")
    c2 = repo.commit("Ends in CRLF")

    [created] = diff(repo, base, c1)
    assert created.hunks == (Hunk(0, 0, 1, 2, "", (add(1, "first"), add(2, "last\r", ""))),)
    [file] = diff(repo, c1, c2)
    assert file.hunks == (Hunk(1, 2, 1, 2, "", (ctx(1, 1, "first"), rem(2, "last\r", ""), add(2, "last", "\r\n"))),)
    old = "".join(line.text + line.eol for line in file.hunks[0].lines if line.kind is not LineKind.ADDED)
    new = "".join(line.text + line.eol for line in file.hunks[0].lines if line.kind is not LineKind.REMOVED)
    assert (old, new) == ("first\nlast\r", "first\nlast\r\n")


def test_crlf_lines_keep_their_terminator_out_of_the_text(repo: GitRepo) -> None:
    repo.write("win.txt", b"one\r\ntwo\r\nthree\r\n")
    c1 = repo.commit("CRLF file")
    repo.write("win.txt", b"one\r\nTWO\r\nthree\r\n")
    c2 = repo.commit("Edit CRLF file")

    [file] = diff(repo, c1, c2)
    assert file.hunks == (
        Hunk(
            1,
            3,
            1,
            3,
            "",
            (ctx(1, 1, "one", "\r\n"), rem(2, "two", "\r\n"), add(2, "TWO", "\r\n"), ctx(3, 3, "three", "\r\n")),
        ),
    )


def test_crlf_to_lf_conversion_is_a_visible_change(repo: GitRepo) -> None:
    repo.write("win.txt", b"a\r\nb\r\n")
    c1 = repo.commit("CRLF file")
    repo.write("win.txt", b"a\nb\n")
    c2 = repo.commit("Convert to LF")

    [file] = diff(repo, c1, c2)
    assert file.hunks == (Hunk(1, 2, 1, 2, "", (rem(1, "a", "\r\n"), rem(2, "b", "\r\n"), add(1, "a"), add(2, "b"))),)


def test_lone_cr_and_unicode_separators_do_not_split_lines(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("odd.txt", "a\rb\n\x0cff\x1cfs\x85nel\u2028ls\n")
    c1 = repo.commit("Odd separators")

    [file] = diff(repo, base, c1)
    assert file.hunks == (Hunk(0, 0, 1, 2, "", (add(1, "a\rb"), add(2, "\x0cff\x1cfs\x85nel\u2028ls"))),)


# -- undecodable bytes -----------------------------------------------------------------------------------------------


def test_invalid_utf8_is_replaced_and_counted_exactly(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("bad.txt", b"ok\n\xff tail\n\xfe\xfe\nliteral \xef\xbf\xbd stays\n")
    c1 = repo.commit("Add a file with invalid UTF-8")
    repo.write("bad.txt", b"OK\n\xff tail\n\xfe\xfe\nliteral \xef\xbf\xbd stays\n")
    c2 = repo.commit("Edit it")

    [added] = diff(repo, base, c1)
    assert added.hunks[0].lines == (
        add(1, "ok"),
        add(2, "\ufffd tail"),
        add(3, "\ufffd\ufffd"),
        add(4, "literal \ufffd stays"),
    )
    assert added.decode_errors == 3  # the literal U+FFFD on line 4 was valid UTF-8 and is not an error
    assert decode_notes([added]) == ("bad.txt: 3 byte sequence(s) were not valid UTF-8 and are shown as U+FFFD",)
    [edited] = diff(repo, c1, c2)
    assert edited.hunks[0].lines == (
        rem(1, "ok"),
        add(1, "OK"),
        ctx(2, 2, "\ufffd tail"),
        ctx(3, 3, "\ufffd\ufffd"),
        ctx(4, 4, "literal \ufffd stays"),
    )
    assert edited.decode_errors == 3


def test_literal_replacement_character_alone_is_not_an_error(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("ok.txt", "\ufffd\ufffd and \u00e9\n")
    c1 = repo.commit("Valid UTF-8 with U+FFFD in it")

    [file] = diff(repo, base, c1)
    assert (file.hunks[0].lines, file.decode_errors) == ((add(1, "\ufffd\ufffd and é"),), 0)
    assert decode_notes([file]) == ()


def test_truncated_multibyte_sequence_counts_once(repo: GitRepo) -> None:
    """One ill-formed sequence is one U+FFFD, as every UTF-8 reader shows it (bytes.decode(..., "replace"))."""
    base = repo.head()
    data = b"A\xe4\xb8B\n\xf0\x9f\x8e\n\xc3(\n"
    repo.write("cut.txt", data)
    c1 = repo.commit("Truncated characters")

    [file] = diff(repo, base, c1)
    assert file.hunks[0].lines == (add(1, "A\ufffdB"), add(2, "\ufffd"), add(3, "\ufffd("))
    assert file.decode_errors == 3 == data.decode("utf-8", "replace").count("\ufffd")


def test_section_headers_keep_non_ascii_and_stop_at_invalid_utf8(repo: GitRepo) -> None:
    """git itself cuts a section header where its text stops being valid UTF-8, so nothing there is replaced."""
    body = "".join(f"    x{i} = {i}\n" for i in range(2, 11))
    edited = body.replace("x8 = 8", "x8 = 80")
    repo.write("utf8.py", "def café():\n" + body)
    repo.write("latin1.py", b"def caf\xe9():\n" + body.encode())
    c1 = repo.commit("Accented function names")
    repo.write("utf8.py", "def café():\n" + edited)
    repo.write("latin1.py", b"def caf\xe9():\n" + edited.encode())
    c2 = repo.commit("Edit inside them")

    latin1, utf8 = diff(repo, c1, c2)
    assert [(h.old_start, h.section) for h in utf8.hunks] == [(5, "def café():")]
    assert [(h.old_start, h.section) for h in latin1.hunks] == [(5, "def caf")]
    assert (utf8.decode_errors, latin1.decode_errors) == (0, 0)


# -- empty and whitespace --------------------------------------------------------------------------------------------


def test_identical_trees_give_no_files(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("tmp.txt", "temporary\n")
    repo.commit("Add tmp")
    repo.remove("tmp.txt")
    c2 = repo.commit("Revert tmp")
    c3 = repo.commit("Nothing at all", allow_empty=True)

    assert repo.git("rev-parse", f"{base}^{{tree}}") == repo.git("rev-parse", f"{c3}^{{tree}}")
    assert diff(repo, base, c2) == ()
    assert diff(repo, base, c3) == ()
    assert parse_git_diff(b"") == ()


def test_whitespace_only_changes_are_changes(repo: GitRepo) -> None:
    repo.write("ws.txt", "a b\n\tc\nd\n\nend\n")
    c1 = repo.commit("Whitespace")
    repo.write("ws.txt", "a  b\n    c\nd \n   \nend\n")
    c2 = repo.commit("Only whitespace changes")

    [file] = diff(repo, c1, c2)
    assert file.hunks == (
        Hunk(
            1,
            5,
            1,
            5,
            "",
            (
                rem(1, "a b"),
                rem(2, "\tc"),
                rem(3, "d"),
                rem(4, ""),
                add(1, "a  b"),
                add(2, "    c"),
                add(3, "d "),
                add(4, "   "),
                ctx(5, 5, "end"),
            ),
        ),
    )


# -- file names ------------------------------------------------------------------------------------------------------

NAMES = [
    "with space.txt",
    'double "quote".txt',
    "back\\slash.txt",
    "tab\there.txt",
    "new\nline.txt",
    "accent é.txt",
    "中文/文件.txt",
    "emoji 🎉.txt",
    "-rf",
    "--force.txt",
    "dir with space/x b/y.txt",
]


@pytest.mark.parametrize("name", NAMES, ids=[repr(n) for n in NAMES])
def test_unusual_file_names_are_exact(repo: GitRepo, name: str) -> None:
    base = repo.head()
    repo.write(name, "one\n")
    c1 = repo.commit("Add")
    repo.write(name, "one\ntwo\n")
    c2 = repo.commit("Edit")
    moved = f"moved/{name}"
    repo.move(name, moved)
    c3 = repo.commit("Move")

    assert plain(diff(repo, base, c1)) == (
        FileChange(
            None,
            name,
            FileStatus.ADDED,
            new_mode=REGULAR,
            new_blob=blob(repo, c1, name),
            hunks=(Hunk(0, 0, 1, 1, "", (add(1, "one"),)),),
        ),
    )
    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            name,
            name,
            FileStatus.MODIFIED,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=blob(repo, c1, name),
            new_blob=blob(repo, c2, name),
            hunks=(Hunk(1, 1, 1, 2, "", (ctx(1, 1, "one"), add(2, "two"))),),
        ),
    )
    sha = blob(repo, c2, name)
    assert plain(diff(repo, c2, c3)) == (
        FileChange(
            name,
            moved,
            FileStatus.RENAMED,
            similarity=100,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=sha,
            new_blob=sha,
        ),
    )


# -- additions and deletions -----------------------------------------------------------------------------------------


def test_deleted_file(repo: GitRepo) -> None:
    repo.write("old.txt", "alpha\nbeta\n")
    c1 = repo.commit("Add old")
    repo.remove("old.txt")
    c2 = repo.commit("Delete old")

    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            "old.txt",
            None,
            FileStatus.DELETED,
            old_mode=REGULAR,
            old_blob=blob(repo, c1, "old.txt"),
            hunks=(Hunk(1, 2, 0, 0, "", (rem(1, "alpha"), rem(2, "beta"))),),
        ),
    )


def test_empty_file_added_emptied_and_deleted(repo: GitRepo) -> None:
    base = repo.head()
    repo.write("empty.txt", "")
    repo.write("full.txt", "x\ny\n")
    c1 = repo.commit("Add an empty file")
    repo.write("full.txt", "")
    c2 = repo.commit("Empty a file")
    repo.remove("empty.txt")
    c3 = repo.commit("Delete the empty file")

    assert plain(diff(repo, base, c1))[0] == FileChange(
        None, "empty.txt", FileStatus.ADDED, new_mode=REGULAR, new_blob=EMPTY_BLOB
    )
    assert plain(diff(repo, c1, c2)) == (
        FileChange(
            "full.txt",
            "full.txt",
            FileStatus.MODIFIED,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=blob(repo, c1, "full.txt"),
            new_blob=EMPTY_BLOB,
            hunks=(Hunk(1, 2, 0, 0, "", (rem(1, "x"), rem(2, "y"))),),
        ),
    )
    assert plain(diff(repo, c2, c3)) == (
        FileChange("empty.txt", None, FileStatus.DELETED, old_mode=REGULAR, old_blob=EMPTY_BLOB),
    )


def test_many_hunks_in_one_file(repo: GitRepo) -> None:
    original = [f"line {i}" for i in range(1, 1001)]
    repo.write("big.txt", "\n".join(original) + "\n")
    c1 = repo.commit("Big file")
    changed = [f"LINE {i}" if i % 10 == 5 else f"line {i}" for i in range(1, 1001)]
    repo.write("big.txt", "\n".join(changed) + "\n")
    c2 = repo.commit("Change every tenth line")

    [file] = diff(repo, c1, c2)
    assert len(file.hunks) == 100
    assert (file.added, file.deleted) == (100, 100)
    for k, hunk in enumerate(file.hunks):
        n = 10 * k + 5
        assert (hunk.old_start, hunk.old_count, hunk.new_start, hunk.new_count) == (n - 3, 7, n - 3, 7)
        assert hunk.lines == (
            ctx(n - 3, n - 3, f"line {n - 3}"),
            ctx(n - 2, n - 2, f"line {n - 2}"),
            ctx(n - 1, n - 1, f"line {n - 1}"),
            rem(n, f"line {n}"),
            add(n, f"LINE {n}"),
            ctx(n + 1, n + 1, f"line {n + 1}"),
            ctx(n + 2, n + 2, f"line {n + 2}"),
            ctx(n + 3, n + 3, f"line {n + 3}"),
        )


def test_section_headers_are_preserved(repo: GitRepo) -> None:
    source = (
        "class Widget:\n"
        "    def render(self):\n"
        "        a = 1\n"
        "        b = 2\n"
        "        c = 3\n"
        "        d = 4\n"
        "        e = 5\n"
        "        return a\n"
        "\n"
        "\n"
        "def helper():\n"
        "    x = 1\n"
        "    y = 2\n"
        "    z = 3\n"
        "    w = 4\n"
        "    return x\n"
    )
    repo.write("widget.py", source)
    c1 = repo.commit("Widget")
    repo.write("widget.py", source.replace("e = 5", "e = 50").replace("w = 4", "w = 40"))
    c2 = repo.commit("Tweak widget")

    [file] = diff(repo, c1, c2)
    assert file.hunks == (
        Hunk(
            4,
            7,
            4,
            7,
            "class Widget:",
            (
                ctx(4, 4, "        b = 2"),
                ctx(5, 5, "        c = 3"),
                ctx(6, 6, "        d = 4"),
                rem(7, "        e = 5"),
                add(7, "        e = 50"),
                ctx(8, 8, "        return a"),
                ctx(9, 9, ""),
                ctx(10, 10, ""),
            ),
        ),
        Hunk(
            12,
            5,
            12,
            5,
            "def helper():",
            (
                ctx(12, 12, "    x = 1"),
                ctx(13, 13, "    y = 2"),
                ctx(14, 14, "    z = 3"),
                rem(15, "    w = 4"),
                add(15, "    w = 40"),
                ctx(16, 16, "    return x"),
            ),
        ),
    )


# -- refs with merges --------------------------------------------------------------------------------------------------


def _feature_with_main_merged_in(repo: GitRepo) -> dict[str, str]:
    """main: M1 then M2; feature: A, merge of main (M1), B. merge-base(main, feature) is M1."""
    shas = {"root": repo.head()}
    repo.checkout("feature", new=True)
    repo.write("feature.txt", "feature 1\n")
    shas["A"] = repo.commit("Add feature")
    repo.checkout("main")
    repo.write("main.txt", "main work\n")
    shas["M1"] = repo.commit("Main work")
    repo.checkout("feature")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge main into feature", "main")
    shas["merge"] = repo.head()
    repo.write("feature.txt", "feature 1\nfeature 2\n")
    shas["B"] = repo.commit("More feature")
    repo.checkout("main")
    repo.write("main.txt", "main work\nmore main work\n")
    shas["M2"] = repo.commit("More main work")
    return shas


def test_branch_with_main_merged_in_shows_only_its_own_changes(repo: GitRepo) -> None:
    shas = _feature_with_main_merged_in(repo)
    git = Repository(repo.path)
    candidate = Candidate("feature", SourceKind.BRANCH, "refs/heads/feature", shas["B"], branch="feature")
    base = Base("main", "refs/heads/main", shas["M2"])

    change = load_ref_change(git, candidate, base, ProvenanceDetector(builtin_identities()))

    assert change is not None
    assert (change.base, change.merge_base, change.head) == (shas["M2"], shas["M1"], shas["B"])
    assert [c.subject for c in change.commits] == ["Add feature", "Merge main into feature", "More feature"]
    assert [c.is_merge for c in change.commits] == [False, True, False]
    assert change.title == "Add feature"
    assert plain(change.files) == (
        FileChange(
            None,
            "feature.txt",
            FileStatus.ADDED,
            new_mode=REGULAR,
            new_blob=blob(repo, shas["B"], "feature.txt"),
            hunks=(Hunk(0, 0, 1, 2, "", (add(1, "feature 1"), add(2, "feature 2"))),),
        ),
    )
    assert change.stats == Stats(files=1, added=2, deleted=0)
    assert change.agent is None and change.notes == ()
    assert change.files == diff(repo, shas["M1"], shas["B"])


def test_branch_already_merged_into_base_is_no_change(repo: GitRepo) -> None:
    shas = _feature_with_main_merged_in(repo)
    repo.git("merge", "--no-ff", "-q", "-m", "Merge feature", "feature")
    git = Repository(repo.path)
    candidate = Candidate("feature", SourceKind.BRANCH, "refs/heads/feature", shas["B"], branch="feature")
    base = Base("main", "refs/heads/main", repo.head())

    assert load_ref_change(git, candidate, base, ProvenanceDetector(builtin_identities())) is Landed.ANCESTOR


# -- commit streams --------------------------------------------------------------------------------------------------


def test_iter_commit_diffs_skips_merges_and_matches_plain_diffs(repo: GitRepo) -> None:
    shas = _feature_with_main_merged_in(repo)
    git = Repository(repo.path)

    seen = list(iter_commit_diffs(git, f"{shas['M1']}..feature"))

    assert [c.sha for c, _ in seen] == [shas["B"], shas["A"]]
    assert [c.subject for c, _ in seen] == ["More feature", "Add feature"]
    for commit, files in seen:
        assert not commit.is_merge
        assert files == diff(repo, commit.parents[0], commit.sha)
    assert [c.sha for c in read_commits(git, f"{shas['M1']}..feature")] == [shas["A"], shas["merge"], shas["B"]]


def test_iter_commit_diffs_carries_every_kind_of_file_change(repo: GitRepo) -> None:
    repo.write("a.txt", lines_of(10))
    repo.write("run.sh", "echo\n")
    repo.write("f", "content\n")
    repo.write("bin.dat", PNG)
    start = repo.commit("Start")
    repo.move("a.txt", "tab\there/a b.txt")
    repo.commit("Rename with awkward names")
    repo.write("run.sh", "echo\n", executable=True)
    repo.commit("Mode")
    repo.symlink("f", "target")
    repo.commit("Type change")
    repo.write("bin.dat", PNG + b"\x01")
    repo.write("crlf.txt", b"x\r\ny")
    repo.commit("Binary and CRLF")
    repo.commit("Empty", allow_empty=True)
    git = Repository(repo.path)

    seen = list(iter_commit_diffs(git, f"{start}..HEAD"))

    assert [c.subject for c, _ in seen] == [
        "Empty",
        "Binary and CRLF",
        "Type change",
        "Mode",
        "Rename with awkward names",
    ]
    assert [[(f.status, f.path) for f in files] for _, files in seen] == [
        [],
        [(FileStatus.MODIFIED, "bin.dat"), (FileStatus.ADDED, "crlf.txt")],
        [(FileStatus.TYPE_CHANGED, "f")],
        [(FileStatus.MODE_CHANGED, "run.sh")],
        [(FileStatus.RENAMED, "tab\there/a b.txt")],
    ]
    for commit, files in seen:
        assert files == diff(repo, commit.parents[0], commit.sha)


def test_iter_commit_diffs_includes_the_root_commit(repo: GitRepo) -> None:
    git = Repository(repo.path)

    [(commit, files)] = list(iter_commit_diffs(git, "HEAD"))

    assert (commit.parents, commit.subject) == ((), "Initial commit")
    assert plain(files) == (
        FileChange(
            None,
            "README.md",
            FileStatus.ADDED,
            new_mode=REGULAR,
            new_blob=blob(repo, "HEAD", "README.md"),
            hunks=(Hunk(0, 0, 1, 1, "", (add(1, "# test repository"),)),),
        ),
    )


def _fast_import_commits(repo: GitRepo, branch: str, parent: str, count: int) -> None:
    """Build `count` small commits in one real `git fast-import` run (hundreds of `git commit`s would be slow)."""
    stream = bytearray()
    for i in range(count):
        message = f"Commit {i:03d}\n".encode()
        counter = f"{i}\n".encode()
        note = f"note {i}\n".encode()
        when = 1767225600 + 60 * i
        stream += f"commit refs/heads/{branch}\n".encode()
        stream += f"author Dana Dev <dana@example.com> {when} +0000\n".encode()
        stream += f"committer Dana Dev <dana@example.com> {when} +0000\n".encode()
        stream += b"data %d\n%s" % (len(message), message)
        if i == 0:
            stream += f"from {parent}\n".encode()
        stream += b"M 100644 inline counter.txt\ndata %d\n%s\n" % (len(counter), counter)
        stream += b"M 100644 inline notes/%03d.txt\ndata %d\n%s\n" % (i, len(note), note)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=repo.path,
        input=bytes(stream),
        env={**os.environ, **ISOLATED_ENV},
        check=True,
    )


def test_iter_commit_diffs_streams_hundreds_of_commits_newest_first(repo: GitRepo) -> None:
    count = 300
    _fast_import_commits(repo, "many", repo.head(), count)
    git = Repository(repo.path)

    seen = list(iter_commit_diffs(git, "main..many"))

    assert len(seen) == count
    assert [c.subject for c, _ in seen] == [f"Commit {i:03d}" for i in reversed(range(count))]
    for (commit, _), (older, _) in itertools.pairwise(seen):
        assert commit.parents == (older.sha,)
    for position, (_, files) in enumerate(seen):
        i = count - 1 - position
        counter = files[0]
        if i == 0:
            assert (counter.status, counter.hunks) == (FileStatus.ADDED, (Hunk(0, 0, 1, 1, "", (add(1, "0"),)),))
        else:
            assert (counter.status, counter.hunks) == (
                FileStatus.MODIFIED,
                (Hunk(1, 1, 1, 1, "", (rem(1, str(i - 1)), add(1, str(i)))),),
            )
        assert [(f.status, f.path) for f in files[1:]] == [(FileStatus.ADDED, f"notes/{i:03d}.txt")]
        assert files[1].hunks == (Hunk(0, 0, 1, 1, "", (add(1, f"note {i}"),)),)


# -- patch files -----------------------------------------------------------------------------------------------------


def short(repo: GitRepo, rev: str, path: str) -> str:
    return repo.git("rev-parse", "--short", f"{rev}:{path}")


def test_format_patch_output(repo: GitRepo) -> None:
    repo.write("hello.py", "def hello():\n    return 'hi'\n")
    repo.write("old.txt", "obsolete\n")
    c1 = repo.commit("Start")
    repo.write("hello.py", "def hello():\n    return 'hello'\n")
    repo.write("new.txt", "fresh\n")
    repo.remove("old.txt")
    c2 = repo.commit("Say hello properly\n\nAnd replace old.txt with new.txt.")
    text = repo.git("format-patch", "--stdout", "-1", c2) + "\n"
    assert text.startswith(f"From {c2} ")

    files = parse_patch_text(text.encode(), context="0001-Say-hello-properly.patch")

    assert plain(files) == (
        FileChange(
            "hello.py",
            "hello.py",
            FileStatus.MODIFIED,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=short(repo, c1, "hello.py"),
            new_blob=short(repo, c2, "hello.py"),
            hunks=(
                Hunk(
                    1, 2, 1, 2, "", (ctx(1, 1, "def hello():"), rem(2, "    return 'hi'"), add(2, "    return 'hello'"))
                ),
            ),
        ),
        FileChange(
            None,
            "new.txt",
            FileStatus.ADDED,
            new_mode=REGULAR,
            new_blob=short(repo, c2, "new.txt"),
            hunks=(Hunk(0, 0, 1, 1, "", (add(1, "fresh"),)),),
        ),
        FileChange(
            "old.txt",
            None,
            FileStatus.DELETED,
            old_mode=REGULAR,
            old_blob=short(repo, c1, "old.txt"),
            hunks=(Hunk(1, 1, 0, 0, "", (rem(1, "obsolete"),)),),
        ),
    )


def test_plain_diff_u_output(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "hello.txt").write_text("one\ntwo\nthree\n")
    (tmp_path / "b" / "hello.txt").write_text("one\n2\nthree\n")
    out = subprocess.run(
        ["diff", "-u", "a/hello.txt", "b/hello.txt"], cwd=tmp_path, capture_output=True, check=False
    ).stdout
    assert out.startswith(b"--- a/hello.txt\t")

    assert plain(parse_patch_text(out, context="hello.diff")) == (
        FileChange(
            "hello.txt",
            "hello.txt",
            FileStatus.MODIFIED,
            hunks=(Hunk(1, 3, 1, 3, "", (ctx(1, 1, "one"), rem(2, "two"), add(2, "2"), ctx(3, 3, "three"))),),
        ),
    )


@pytest.mark.parametrize(
    ("tz", "epoch"),
    [("UTC0", b"1970-01-01 00:00:00.000000000 +0000"), ("EST+5", b"1969-12-31 19:00:00.000000000 -0500")],
)
def test_plain_recursive_diff_with_new_and_removed_files(tmp_path: Path, tz: str, epoch: bytes) -> None:
    """`diff -Naur` dates an absent side at the Unix epoch (in local time); like `git apply`, that means added or
    deleted, while a file that really was empty keeps its own date and stays modified."""
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
    (tmp_path / "a" / "gone.txt").write_text("gone\n")
    (tmp_path / "a" / "same.txt").write_text("same\nold\n")
    (tmp_path / "b" / "same.txt").write_text("same\nnew\n")
    (tmp_path / "b" / "new.txt").write_text("new\n")
    (tmp_path / "a" / "was-empty.txt").write_text("")
    (tmp_path / "b" / "was-empty.txt").write_text("filled\n")
    out = subprocess.run(
        ["diff", "-Naur", "a", "b"], cwd=tmp_path, capture_output=True, check=False, env={**os.environ, "TZ": tz}
    ).stdout
    assert out.count(epoch) == 2

    assert [(f.status, f.old_path, f.new_path, f.added, f.deleted) for f in parse_patch_text(out, context="p")] == [
        (FileStatus.DELETED, "gone.txt", None, 0, 1),
        (FileStatus.ADDED, None, "new.txt", 1, 0),
        (FileStatus.MODIFIED, "same.txt", "same.txt", 1, 1),
        (FileStatus.MODIFIED, "was-empty.txt", "was-empty.txt", 1, 0),
    ]


@pytest.mark.parametrize(("old", "new"), [("hello.txt.orig", "hello.txt"), ("hello.txt", "hello.txt.new")])
def test_plain_diff_between_differently_named_files_is_not_a_rename(tmp_path: Path, old: str, new: str) -> None:
    """A traditional diff cannot express a rename: `x.orig` against `x` (or `x` against `x.new`) is a change to
    `x`, as git apply reads it."""
    (tmp_path / old).write_text("one\ntwo\n")
    (tmp_path / new).write_text("one\n2\n")
    out = subprocess.run(["diff", "-u", old, new], cwd=tmp_path, capture_output=True, check=False).stdout

    [file] = parse_patch_text(out, context="fix.diff")
    assert (file.status, file.old_path, file.new_path, file.similarity) == (
        FileStatus.MODIFIED,
        "hello.txt",
        "hello.txt",
        None,
    )
    assert file.hunks == (Hunk(1, 2, 1, 2, "", (ctx(1, 1, "one"), rem(2, "two"), add(2, "2"))),)


def test_plain_diff_timestamps_that_are_not_the_epoch_change_nothing() -> None:
    data = (
        b"--- a/x.txt\t2026-13-45 00:00:00.000000000 +0000\n"
        b"+++ b/x.txt\t1970-01-01 00:00:00.5 +0000\n"
        b"@@ -1 +1 @@\n-a\n+b\n"
    )

    [file] = parse_patch_text(data, context="odd-dates.diff")
    assert (file.status, file.old_path, file.new_path, file.added, file.deleted) == (
        FileStatus.MODIFIED,
        "x.txt",
        "x.txt",
        1,
        1,
    )


def test_renames_in_a_patch_file(repo: GitRepo) -> None:
    repo.write("docs/guide.md", GUIDE)
    repo.write("LICENSE", "MIT\n")
    c1 = repo.commit("Start")
    repo.move("docs/guide.md", "manual/guide.md")
    repo.write("manual/guide.md", GUIDE.replace("three of", "THREE of"))
    repo.move("LICENSE", "LICENSE.txt")
    c2 = repo.commit("Move things")
    text = repo.git("format-patch", "--stdout", "-M", "-1", c2) + "\n"

    pure, edited = parse_patch_text(text.encode(), context="moves.patch")

    assert plain((pure,)) == (FileChange("LICENSE", "LICENSE.txt", FileStatus.RENAMED, similarity=100),)
    assert plain((edited,)) == (
        FileChange(
            "docs/guide.md",
            "manual/guide.md",
            FileStatus.RENAMED,
            similarity=86,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=short(repo, c1, "docs/guide.md"),
            new_blob=short(repo, c2, "manual/guide.md"),
            hunks=diff(repo, c1, c2)[1].hunks,
        ),
    )
    assert edited.added == 1 and edited.deleted == 1


@pytest.mark.parametrize("binary_option", ["--binary", "--no-binary"])
def test_binary_in_a_patch_file(repo: GitRepo, binary_option: str) -> None:
    repo.write("logo.png", PNG)
    c1 = repo.commit("Logo")
    repo.write("logo.png", PNG + b"\x07")
    repo.write("icon.png", PNG + b"\x08")
    c2 = repo.commit("New logo and icon")
    text = repo.git("format-patch", "--stdout", "--full-index", binary_option, "-1", c2) + "\n"
    assert ("GIT binary patch" in text) is (binary_option == "--binary")

    assert plain(parse_patch_text(text.encode(), context="logo.patch")) == (
        FileChange(
            None, "icon.png", FileStatus.ADDED, new_mode=REGULAR, new_blob=blob(repo, c2, "icon.png"), binary=True
        ),
        FileChange(
            "logo.png",
            "logo.png",
            FileStatus.MODIFIED,
            old_mode=REGULAR,
            new_mode=REGULAR,
            old_blob=blob(repo, c1, "logo.png"),
            new_blob=blob(repo, c2, "logo.png"),
            binary=True,
        ),
    )


MALFORMED = {
    "hunk shorter than its header": b"--- a/x.txt\n+++ b/x.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n",
    "line without a prefix": b"--- a/x.txt\n+++ b/x.txt\n@@ -1,2 +1,2 @@\n one\n*two\n+2\n",
    "hunk before any file header": b"@@ -1 +1 @@\n-a\n+b\n",
    "git hunk cut short": (
        b"diff --git a/x.txt b/x.txt\nindex 1111111..2222222 100644\n--- a/x.txt\n+++ b/x.txt\n"
        b"@@ -1,2 +1,2 @@\n-a\n+b\n"
        b"diff --git a/y.txt b/y.txt\n"
    ),
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_patch_names_the_file(data: bytes) -> None:
    with pytest.raises(PatchError, match=r"^incoming/broken\.patch: not a valid unified diff: ") as caught:
        parse_patch_text(data, context="incoming/broken.patch")
    assert caught.value.exit_code == 2


def test_patch_text_of_git_diff_reads_like_the_raw_pipeline(repo: GitRepo) -> None:
    """The patch-file parser, given git's plain patch text, agrees with the raw-record pipeline on every file."""
    names = ["sp ace.txt", 'q"uote.txt', "back\\slash.txt", "tab\there.txt", "new\nline.txt", "é 中文 🎉.txt", "-rf"]
    for name in names:
        repo.write(name, f"{name}\n")
    repo.write("f", "content\n")
    repo.symlink("l", "target")
    repo.write("s.sh", "echo\n")
    repo.write("cr.txt", b"a\nx\r")
    repo.write("bad.txt", b"ok\n\xff\n")
    repo.write("gone.txt", "bye\n")
    repo.write("logo.png", PNG)
    c1 = repo.commit("Start")
    for name in names[:4]:
        repo.move(name, f"moved {name}")
    for name in names[4:]:
        repo.write(name, f"{name}\nchanged\n")
    repo.symlink("f", "elsewhere")
    (repo.path / "l").unlink()
    repo.write("l", "now a file\n")
    repo.write("s.sh", "echo\n", executable=True)
    repo.write("cr.txt", b"a\nx\ry\r\n")
    repo.write("bad.txt", b"ok\n\xfe\xe4\xb8\n")
    repo.remove("gone.txt")
    repo.write("logo.png", PNG + b"\x01")
    c2 = repo.commit("Everything at once")
    git = Repository(repo.path)
    text = git.run(
        "diff", "-p", "--full-index", "--find-renames", "--find-copies", "--binary", "--no-ext-diff", c1, c2, "--"
    )

    from_patch = parse_patch_text(text, context="all.diff")
    from_git = diff(repo, c1, c2)

    def shape(file: FileChange) -> tuple[object, ...]:
        return (file.old_path, file.new_path, file.status, file.similarity, file.binary, file.hunks, file.decode_errors)

    assert [shape(f) for f in from_patch] == [shape(f) for f in from_git]
    assert len(from_git) == 14
    for patched, raw in zip(from_patch, from_git, strict=True):
        if patched.old_blob is not None or patched.new_blob is not None:  # renames and mode changes carry no index
            assert (patched.old_blob, patched.new_blob, patched.old_mode, patched.new_mode) == (
                raw.old_blob,
                raw.new_blob,
                raw.old_mode,
                raw.new_mode,
            )
    cr = next(f for f in from_patch if f.path == "cr.txt")
    assert cr.hunks[0].lines[1:] == (rem(2, "x\r", ""), add(2, "x\ry", "\r\n"))


@pytest.mark.xfail(
    strict=True, reason="unidiff splits `diff --git a/x b/y b/x b/y` at the wrong ' b/'", raises=PatchError
)
def test_patch_file_path_containing_space_b_slash(repo: GitRepo) -> None:
    repo.write("x b/y.txt", "one\n")
    c1 = repo.commit("Add")
    repo.write("x b/y.txt", "two\n")
    c2 = repo.commit("Edit")
    text = repo.git("format-patch", "--stdout", "-1", c2) + "\n"

    [file] = parse_patch_text(text.encode(), context="space-b.patch")
    assert (file.old_path, file.new_path, file.status) == ("x b/y.txt", "x b/y.txt", FileStatus.MODIFIED)
    assert file.old_blob == short(repo, c1, "x b/y.txt")


def test_raw_records_without_a_patch_are_rejected(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    c1 = repo.commit("Add a")
    git = Repository(repo.path)
    raw_only = git.run("diff", "--raw", "-z", "--no-abbrev", "HEAD~1", c1, "--")

    with pytest.raises(PatchError, match=r"^range: git printed no patch for 'a.txt'$"):
        parse_git_diff(raw_only, context="range")
