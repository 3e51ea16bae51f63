"""Every benchmark of issue 8 in one run, as ratios against git taken in the same run (machines drift; ratios less).

    python -m benchmarks [--real PATH] [--commits 1000] [--prs 1000] [--skip-tui] [--json FILE]

1. cold queue: `reviewtui queue --commits` over a real repository's newest N non-merge commits, and `reviewtui
   queue` over a synthetic repository with N PR refs, empty analysis cache, against `git log -p` over the same
   commits (target <= 2.0x);
2. warm queue: the same again with the cache warm (target <= 0.2x): answered from the queue memo, and (`warm, no
   memo`) with the memo dropped before each run, from the analysis cache alone (what a run pays after a ref moved);
3. TUI first paint with 5000 pending changes, and a 100k-line diff / a 5 MB single-line file in the review screen
   (benchmarks/tui.py);
4. rule-scan throughput (MB/s) and how the cold time splits into git + parse, rules, history, score, approvals.

The real repository is cloned (`--no-checkout`, hard links) into a temporary folder, so its own git dir never
receives cache entries. Every reviewtui run is a fresh `python -m reviewtui` process, as a user would run it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import synthetic
from reviewtui.memo import FOLDER as MEMO_FOLDER

DEFAULT_REAL = Path("/work/repos/pip")


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{platform.platform()}; {cpu}; {os.cpu_count()} cpus; Python {sys.version.split()[0]}; {git_version}"


def compile_package() -> None:
    """Byte-compile reviewtui first, as `pip install` does: an editable checkout run with PYTHONDONTWRITEBYTECODE
    (set on the development machines) would otherwise compile every module in every measured process, about
    0.15-0.2 s that an installed tool never pays."""
    import compileall

    import reviewtui

    compileall.compile_dir(str(Path(reviewtui.__file__).parent), quiet=1)


def timed(action: Callable[[], Any], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def sh(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(args, cwd=repo, check=True, capture_output=True, input=stdin).stdout


def reviewtui(repo: Path, *args: str) -> bytes:
    command = [sys.executable, "-m", "reviewtui", "queue", "--repo", str(repo), "--json", *args]
    done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"benchmark: reviewtui failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def clear_cache(repo: Path) -> None:
    git_dir = Path(sh(repo, "git", "rev-parse", "--absolute-git-dir").decode().strip())
    shutil.rmtree(git_dir / "reviewtui" / "cache", ignore_errors=True)


def clear_memo(repo: Path) -> None:
    git_dir = Path(sh(repo, "git", "rev-parse", "--path-format=absolute", "--git-common-dir").decode().strip())
    shutil.rmtree(git_dir / MEMO_FOLDER, ignore_errors=True)


def queue_case(name: str, repo: Path, queue_args: list[str], git_args: list[str], stdin: bytes | None,
               repeat: int) -> dict[str, Any]:
    """Cold (default jobs: one worker per core), cold with `--jobs 1`, and warm queue against `git log -p` over the
    same commits (best of `repeat` each)."""
    git_s = timed(lambda: sh(repo, "git", *git_args, stdin=stdin), max(3, repeat))
    serial_s = float("inf")
    for _ in range(repeat):
        clear_cache(repo)
        start = time.perf_counter()
        serial_out = reviewtui(repo, *queue_args, "--jobs", "1")
        serial_s = min(serial_s, time.perf_counter() - start)
    cold_s = float("inf")
    for _ in range(repeat):
        clear_cache(repo)
        start = time.perf_counter()
        cold_out = reviewtui(repo, *queue_args)
        cold_s = min(cold_s, time.perf_counter() - start)
    warm_s = timed(lambda: reviewtui(repo, *queue_args), max(3, repeat))
    warm_out = reviewtui(repo, *queue_args)
    entries_s = float("inf")
    for _ in range(max(2, repeat)):
        clear_memo(repo)
        start = time.perf_counter()
        entries_out = reviewtui(repo, *queue_args)
        entries_s = min(entries_s, time.perf_counter() - start)
    changes = len(json.loads(cold_out))
    return {"case": name, "changes": changes, "git_s": git_s, "cold_s": cold_s, "serial_s": serial_s,
            "warm_s": warm_s, "entries_s": entries_s, "cold_ratio": cold_s / git_s, "serial_ratio": serial_s / git_s,
            "warm_ratio": warm_s / git_s, "entries_ratio": entries_s / git_s,
            "identical": cold_out == warm_out == serial_out == entries_out}


def real_case(real: Path, tmp: Path, commits: int, repeat: int) -> dict[str, Any]:
    clone = tmp / real.name
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(real), str(clone)], check=True)
    oldest = sh(clone, "git", "rev-list", "--no-merges", "--topo-order", f"--max-count={commits}", "HEAD")
    first = oldest.decode().split()[-1]
    rev_range = f"{first}^..HEAD"
    result = queue_case(f"{real.name}: queue --commits (newest {commits})", clone, ["--commits", rev_range],
                        ["log", "-p", "--no-merges", rev_range], None, repeat)
    result["head"] = sh(clone, "git", "rev-parse", "HEAD").decode().strip()
    result["range"] = rev_range
    return result


def synthetic_case(tmp: Path, prs: int, repeat: int) -> tuple[dict[str, Any], Path]:
    repo = synthetic.build(tmp, prs=prs)
    refs = sh(repo, "git", "for-each-ref", "--format=%(refname)", "refs/pull/").decode().split()
    stdin = ("\n".join([*refs, "^main"]) + "\n").encode()
    result = queue_case(f"synthetic: queue over {prs} PR refs", repo, [],
                        ["log", "-p", "--no-merges", "--stdin"], stdin, repeat)
    return result, repo


def stage_split(repo: Path, rev_range: str | None) -> dict[str, float]:
    """Cold time per stage, in-process, no cache: where the time goes."""
    from reviewtui.analysis import Analyzer, _moment
    from reviewtui.approvals.clerk import Clerk
    from reviewtui.queue import QueueLoader, QueueRequest
    from reviewtui.repository import Repository
    from reviewtui.risk.features import measure
    from reviewtui.risk.score import score
    from reviewtui.rules.context import ScanContext
    from reviewtui.rules.engine import scan
    from reviewtui.rules.ruleset import RuleLibrary

    stages = dict.fromkeys(("git + parse", "rules", "history", "score", "approvals"), 0.0)
    analyzer = Analyzer(cache=False)
    clerk = Clerk(analyzer)
    repository = Repository(repo)
    library = RuleLibrary(repository)
    context = ScanContext(repository)
    start = time.perf_counter()
    changes = list(QueueLoader(QueueRequest(repo=repo, commits=rev_range), summaries=False).changes())
    stages["git + parse"] = time.perf_counter() - start
    start = time.perf_counter()
    history = analyzer.history(repository)
    stages["history"] = time.perf_counter() - start
    from reviewtui.analysis import Analysis

    for change in changes:
        t0 = time.perf_counter()
        ruleset = library.for_base(change.base)
        context.systems = analyzer.system_map(repository, change.base)
        findings = tuple(scan(change, ruleset, context))
        t1 = time.perf_counter()
        measurements = measure(change, findings, context.systems, history, before=_moment(change, history))
        risk = score(measurements, findings, analyzer.risk_model(repository, change.base))
        t2 = time.perf_counter()
        clerk.verdict(Analysis(change, findings, library.at(change.base), risk, measurements))
        t3 = time.perf_counter()
        stages["rules"] += t1 - t0
        stages["score"] += t2 - t1
        stages["approvals"] += t3 - t2
    return stages


def throughput(lines: int) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).parent))
    from scan_throughput import build

    from reviewtui.queue import QueueLoader, QueueRequest
    from reviewtui.rules.context import ScanContext
    from reviewtui.rules.engine import scan
    from reviewtui.rules.ruleset import RuleLibrary

    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp), lines)
        change = next(iter(QueueLoader(QueueRequest(repo=repo)).changes()))
        size = sum(len(line.text) + 2 for f in change.files for h in f.hunks for line in h.lines)
        ruleset = RuleLibrary(None).for_base(None)
        scan_s = timed(lambda: scan(change, ruleset, ScanContext()), 3)
        git_s = timed(lambda: sh(repo, "git", "diff", "main", "ai/big"), 3)
    return {"mb": size / 1e6, "scan_s": scan_s, "git_s": git_s, "mb_per_s": size / 1e6 / scan_s}


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL, help="a clone with history (default: %(default)s)")
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--prs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1, help="reviewtui runs per case (best is kept)")
    parser.add_argument("--stage-commits", type=int, default=300, help="commits of the real repo in the stage split")
    parser.add_argument("--skip-tui", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every number here")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # tables appear as they are measured
    command = "python -m benchmarks " + " ".join(argv or sys.argv[1:])
    results: dict[str, Any] = {"machine": machine(), "command": command}
    compile_package()
    print(f"machine: {results['machine']}")
    print(f"command: {results['command']}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cases = []
        if args.real.is_dir():
            cases.append(real_case(args.real, tmp, args.commits, args.repeat))
        else:
            print(f"(no real repository at {args.real}: pass --real PATH)")
        synth, synth_repo = synthetic_case(tmp, args.prs, args.repeat)
        cases.append(synth)
        results["queue"] = cases
        rows = []
        for c in cases:
            rows.append([c["case"], str(c["changes"]), f"{c['git_s']:.2f} s", f"{c['serial_s']:.2f} s",
                         f"{c['serial_ratio']:.1f}x", f"{c['cold_s']:.2f} s", f"{c['cold_ratio']:.1f}x",
                         f"<= 2.0x {verdict(c['cold_ratio'], 2.0)}", f"{c['warm_s']:.2f} s", f"{c['warm_ratio']:.2f}x",
                         f"<= 0.2x {verdict(c['warm_ratio'], 0.2)}", f"{c['entries_s']:.2f} s",
                         f"{c['entries_ratio']:.2f}x", "yes" if c["identical"] else "NO"])
        print("\nQueue (cold = empty caches, one worker per core; 1 job = the same in one process; warm = second run,"
              " from the queue memo; no memo = the memo dropped, analysis cache warm; git = `git log -p` over the same"
              " commits)")
        print(table(rows, ["case", "changes", "git log -p", "cold, 1 job", "/git", "cold", "cold/git", "target",
                           "warm", "warm/git", "target", "warm, no memo", "/git", "same JSON"]))

        split_repo, split_range = synth_repo, None
        if args.real.is_dir():
            clone = tmp / args.real.name
            first = sh(clone, "git", "rev-list", "--no-merges", "--topo-order", f"--max-count={args.stage_commits}",
                       "HEAD").decode().split()[-1]
            split_repo, split_range = clone, f"{first}^..HEAD"
        stages = stage_split(split_repo, split_range)
        results["stages"] = {"repo": str(split_repo.name), "range": split_range, "seconds": stages}
        total = sum(stages.values())
        print(f"\nCold time by stage, in-process, no cache ({split_repo.name}"
              f"{', ' + str(args.stage_commits) + ' commits' if split_range else ''}; total {total:.1f} s)")
        print(table([[k, f"{v:.2f} s", f"{100 * v / total:.0f} %"] for k, v in stages.items()],
                    ["stage", "time", "share"]))

        scan_result = throughput(100_000)
        results["throughput"] = scan_result
        print("\nRule scan throughput (built-in packs, one 100k-line change; benchmarks/scan_throughput.py)")
        print(table([[f"{scan_result['mb']:.1f} MB", f"{scan_result['scan_s']:.2f} s",
                      f"{scan_result['mb_per_s']:.2f} MB/s", f"{scan_result['git_s']:.3f} s",
                      f"{scan_result['scan_s'] / scan_result['git_s']:.0f}x"]],
                    ["diff", "scan", "throughput", "git diff", "scan/git"]))

        if not args.skip_tui:
            from benchmarks import tui

            results["tui"] = tui.run_all(tmp)
            print("\nTUI (headless, the real app through App.run_test)")
            print(tui.report(results["tui"]))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1))
    return 0
