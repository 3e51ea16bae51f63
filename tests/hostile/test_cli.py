"""Every corpus item through `queue`, `scan` and `verify` as real processes: a correct result or one clear line,
never a traceback, never a hang (every run has a timeout), never a raw control character from content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo
from tests.hostile.corpus import GOOD_PATCH, HOSTILE, ITEMS, MALFORMED, RAW, SLOW, Item

TIMEOUT = 240


def reviewtui(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "reviewtui", *args],
        capture_output=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200"},
    )


def assert_clean(done: subprocess.CompletedProcess[bytes]) -> tuple[str, str]:
    """No traceback, and no character from content that a terminal would obey, on either stream."""
    out, err = done.stdout.decode("utf-8", "surrogateescape"), done.stderr.decode("utf-8", "surrogateescape")
    assert "Traceback" not in err, err[-3000:]
    for stream in (out, err):
        leaked = sorted({repr(ch) for ch in RAW if ch in stream})
        assert not leaked, (leaked, stream[:2000])
    assert b"\x1b" not in done.stdout + done.stderr
    return out, err


def assert_one_line(done: subprocess.CompletedProcess[bytes], *fragments: str) -> str:
    _, err = assert_clean(done)
    assert done.returncode == 2, (done.returncode, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reviewtui: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


ALL = [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else []) for name in ITEMS]


@pytest.mark.parametrize("name", ALL)
def test_queue_scan_and_verify(name: str, corpus: Callable[[str], Item]) -> None:
    item = corpus(name)
    where = item.selection()
    queue = reviewtui("queue", "--json", *where)
    scan = reviewtui("scan", "--format", "json", *where)
    if item.queue_exit:
        assert_one_line(queue, item.message)
        assert_one_line(scan, item.message)
        return
    out, err = assert_clean(queue)
    assert queue.returncode == 0, err
    listed = json.loads(out)
    ids = {c["id"] for c in listed}
    if item.changes is not None:
        assert ids == item.changes
    scanned, scan_err = assert_clean(scan)
    assert scan.returncode == 0, scan_err
    report = json.dumps(listed) + scanned + err + scan_err
    for text in item.expect:
        assert text in report, text
    if "never" in item.extra:
        assert item.extra["never"] not in report
    if "pwned" in item.extra:
        assert not Path(item.extra["pwned"]).exists()
    for change in sorted(ids)[:1]:
        verify = reviewtui("verify", change, "--json", *where)
        body, verify_err = assert_clean(verify)
        assert verify.returncode == 1, verify_err  # nobody approved: not satisfied, and said so
        assert json.loads(body)["satisfied"] is False


# -- item details: what "correct" means for each, beyond not failing ---------------------------------------------


def _changes(item: Item) -> dict[str, dict[str, object]]:
    done = reviewtui("queue", "--json", *item.selection())
    out, _ = assert_clean(done)
    return {c["id"]: c for c in json.loads(out)}


def _findings(item: Item, change: str) -> list[dict[str, object]]:
    done = reviewtui("scan", change, "--format", "json", *item.selection())
    out, _ = assert_clean(done)
    findings: list[dict[str, object]] = json.loads(out)
    return findings


def test_hostile_text_is_flagged_and_shown_inert(corpus: Callable[[str], Item]) -> None:
    item = corpus("hostile-text-in-every-field")
    table = reviewtui("queue", *item.selection())
    out, _ = assert_clean(table)
    assert "[bold red]markup[/]" in out  # literal, not interpreted
    assert "\\e[2J" in out and "<U+202E>" in out and "\\x9b" in out
    rules = {f["rule"] for f in _findings(item, "ai/hostile")}
    assert {"bidi-control-character", "invisible-character", "terminal-control-character"} <= rules, rules


def test_file_names_survive_exactly(corpus: Callable[[str], Item]) -> None:
    item = corpus("hostile-file-names")
    [change] = _changes(item).values()
    paths = {f["path"] for f in change["files"]}  # type: ignore[attr-defined]
    for expected in ("new\nline.py", "tab\there.py", "esc\x1b[2Jname.py", "-leading-dash.py", "--option=value"):
        assert expected in paths, (expected, paths)


def test_symlinks_are_shown_as_links_never_followed(corpus: Callable[[str], Item]) -> None:
    item = corpus("symlinks-outside-the-repository")
    done = reviewtui("scan", "--format", "json", *item.selection())
    out, _ = assert_clean(done)
    assert "TOP SECRET" not in out and "root:x:0:0" not in out


def test_submodule_urls_are_never_fetched_or_run(corpus: Callable[[str], Item]) -> None:
    item = corpus("submodules")
    [change] = _changes(item).values()
    modes = {f["path"]: f.get("new_mode") for f in change["files"]}  # type: ignore[attr-defined]
    assert modes.get("vendor/inner") == "160000" and modes.get("evil") == "160000", modes
    assert not Path(item.extra["pwned"]).exists()


def test_an_octopus_merge_is_one_change_with_every_parents_content(corpus: Callable[[str], Item]) -> None:
    [change] = _changes(corpus("octopus-merge")).values()
    assert {f["path"] for f in change["files"]} == {"a.py", "b.py", "c.py"}  # type: ignore[attr-defined]


def test_empty_commits_are_an_empty_change_not_an_error(corpus: Callable[[str], Item]) -> None:
    [change] = _changes(corpus("empty-commits")).values()
    assert change["files"] == [] and change["commits"]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_patch_file_is_one_clear_line(name: str, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    folder = tmp_path / "patches"
    folder.mkdir()
    (folder / name).write_bytes(MALFORMED[name].encode("utf-8", "surrogateescape"))
    done = reviewtui("queue", "--patches", str(folder), "--repo", str(repo.path), timeout=60)
    if name == "hostile-name.patch":
        out, _ = assert_clean(done)
        assert done.returncode == 0 and "patch:hostile-name.patch" in out
        return
    assert_one_line(done, name)


def test_one_malformed_patch_does_not_hide_the_others(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    folder = tmp_path / "patches"
    folder.mkdir()
    (folder / "good.patch").write_text(GOOD_PATCH, encoding="utf-8")
    (folder / "wrong-counts.patch").write_text(MALFORMED["wrong-counts.patch"], encoding="utf-8")
    done = reviewtui("queue", "--json", "--patches", str(folder), "--repo", str(repo.path), timeout=60)
    out, err = assert_clean(done)
    assert done.returncode == 0, err
    assert [c["id"] for c in json.loads(out)] == ["patch:good.patch"]
    assert "wrong-counts.patch" in err
    scanned = reviewtui("scan", "--format", "json", "--patches", str(folder), "--repo", str(repo.path), timeout=60)
    _, err = assert_clean(scanned)
    assert scanned.returncode == 0 and "wrong-counts.patch" in err, err  # a skipped change is never silent


def test_a_shallow_clone_says_so(corpus: Callable[[str], Item]) -> None:
    item = corpus("shallow-clone")
    done = reviewtui("queue", *item.selection())
    _, err = assert_clean(done)
    assert "shallow" in err.replace(str(item.repo), "<repo>"), err


def test_a_broken_object_skips_only_its_change(corpus: Callable[[str], Item]) -> None:
    done = reviewtui("queue", "--json", *corpus("broken-object").selection())
    out, err = assert_clean(done)
    assert done.returncode == 0, err
    assert [c["id"] for c in json.loads(out)] == ["ai/ok"] and "ai/broken" in err


@pytest.mark.parametrize("form", ["text", "json", "sarif"])
def test_a_hostile_sarif_import_stays_inert(form: str, corpus: Callable[[str], Item], tmp_path: Path) -> None:
    """Another scanner's SARIF is input too: its tool name, rule id, message and paths carry the whole corpus."""
    item = corpus("hostile-text-in-every-field")
    hostile = HOSTILE.replace("\n", " ")
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": f"evil {hostile}",
                        "rules": [{"id": f"r{hostile}", "shortDescription": {"text": hostile}}],
                    }
                },
                "results": [
                    {
                        "ruleId": f"r{hostile}",
                        "level": "error",
                        "message": {"text": f"message {hostile}"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "docs/readme.md"},
                                    "region": {"startLine": 1},
                                }
                            }
                        ],
                    },
                    {
                        "ruleId": f"r{hostile}",
                        "message": {"text": hostile},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f"{hostile}.py"},
                                    "region": {"startLine": 1},
                                }
                            }
                        ],
                    },
                ],
            }
        ],
    }
    report = tmp_path / "evil.sarif"
    report.write_text(json.dumps(sarif, ensure_ascii=False), encoding="utf-8")
    done = reviewtui(
        "scan", "ai/hostile", "--sarif", str(report), "--sarif-filter", "nofilter", "--format", form, *item.selection()
    )
    out, err = assert_clean(done)
    assert done.returncode == 0, err
    assert "message" in out
    if form == "text":
        assert "[bold red]markup[/]" in out and "\\e]52;c;cHduZWQ=" in out
