"""Rule-scan throughput: MB of diff text per second through the real engine with the built-in packs.

Builds a repository with one large change (a realistic mix of Python, TypeScript, SQL, Terraform and YAML lines,
seeded), loads it through the real queue, then times `engine.scan` alone and `git diff` alone in the same run, so the
ratio is meaningful on any machine.

    python benchmarks/scan_throughput.py [--lines 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewtui.analysis import Analyzer
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.ruleset import RuleLibrary

SAMPLES = {
    "py": ["def handler(event):", "    total = sum(item.price for item in cart)", "    return requests.get(url)",
           "    logger.info('done %s', order_id)", "    except ValueError:", "        raise"],
    "ts": ["export function total(items: Item[]): number {", "  return items.reduce((a, b) => a + b.price, 0);",
           "  const res = await fetch(url);", "}"],
    "sql": ["ALTER TABLE orders ADD COLUMN note text;", "CREATE INDEX orders_created ON orders (created_at);"],
    "tf": ['resource "aws_s3_bucket" "logs" {', '  bucket = "shop-logs"', "  tags = local.tags", "}"],
    "yml": ["jobs:", "  test:", "    runs-on: ubuntu-latest", "    steps:", "      - run: pytest -q"],
}


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "b",
           "GIT_AUTHOR_EMAIL": "b@x", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x"}
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def build(root: Path, lines: int) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("bench\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "ai/big")
    rng = random.Random(7)
    per_file = 2000
    for index in range(max(1, lines // per_file)):
        ext = list(SAMPLES)[index % len(SAMPLES)]
        body = "\n".join(rng.choice(SAMPLES[ext]) for _ in range(per_file)) + "\n"
        path = repo / f"src/m{index // 10}/f{index}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big change")
    git(repo, "checkout", "-q", "main")
    return repo


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = build(Path(tmp), args.lines)
        change = next(iter(QueueLoader(QueueRequest(repo=repo)).changes()))
        size = sum(len(line.text) + 2 for f in change.files for h in f.hunks for line in h.lines)
        analyzer = Analyzer()
        ruleset = RuleLibrary(None).for_base(None)
        context = ScanContext()
        scan_times, git_times = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            findings = scan(change, ruleset, context)
            scan_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(["git", "diff", "main", "ai/big"], cwd=repo, check=True, capture_output=True)
            git_times.append(time.perf_counter() - start)
        del analyzer
        best_scan, best_git = min(scan_times), min(git_times)
        print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {sys.version.split()[0]}")
        print(f"command: python benchmarks/scan_throughput.py --lines {args.lines} --repeat {args.repeat}")
        print(f"diff: {change.stats.added} added lines, {size / 1e6:.1f} MB; {len(ruleset.rules)} rules; "
              f"{len(findings)} findings")
        print(f"scan: {best_scan:.2f} s = {size / 1e6 / best_scan:.1f} MB/s; git diff alone: {best_git:.2f} s; "
              f"ratio scan/git {best_scan / best_git:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
