"""Cache misses analysed in worker processes give exactly what analysing them one by one gives, in the same order."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui import workers
from reviewtui.analysis import Analysis, Analyzer
from reviewtui.cache import CACHE_DIR
from reviewtui.export import change_summary
from reviewtui.model import Change
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.risk.calibration import collect
from reviewtui.risk.history import HISTORY_DIR
from reviewtui.sources.full import Unread
from reviewtui.summary import SUMMARY_DIR
from reviewtui.workers import MIN_MISSES, can_fork
from tests.gitrepo import GitRepo, agent_history, forget_memo
from tests.procs import alive, children, cmdline
from tests.test_cli import run

COMMITS = MIN_MISSES + 16
"""Commits made on top of the initial one."""


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """Enough commits for the workers to start, with findings in some of them."""
    return agent_history(tmp_path_factory.mktemp("workers") / "repo", COMMITS)


def queue(repo: Path, *extra: str) -> tuple[list[dict[str, object]], str]:
    forget_memo(repo)
    result = run("queue", "--repo", str(repo), "--commits", "main", "--json", *extra)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    for change in data:
        assert change.pop("repo") == str(repo)  # the copies live elsewhere; everything else must match
    return data, result.stderr


def fresh_copy(repo: GitRepo, tmp_path: Path) -> Path:
    return Path(shutil.copytree(repo.path, tmp_path / "copy", symlinks=True))


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_workers_give_the_serial_result(history: GitRepo, tmp_path: Path) -> None:
    serial, stderr = queue(history.path, "--no-cache", "--jobs", "1")
    assert len(serial) == COMMITS + 1 and "worker" not in stderr
    assert any(c["findings"]["medium"] or c["findings"]["low"] for c in serial)  # type: ignore[index]
    copy = fresh_copy(history, tmp_path)
    parallel, stderr = queue(copy, "--jobs", "3")
    assert "analysed in 3 worker processes" in stderr
    assert parallel == serial
    assert len(list((copy / ".git" / CACHE_DIR).rglob("*.json"))) == COMMITS + 1, "the cache entries are written"
    assert not (copy / ".git" / SUMMARY_DIR).exists(), "one file per change: the entry lists the files"
    listed = list(QueueLoader(QueueRequest(repo=copy, commits="main"), summaries=True).analysed(Analyzer(), jobs=1))
    read = list(QueueLoader(QueueRequest(repo=copy, commits="main")).changes())
    assert all(a.change.summarised for a in listed if a.change.files), "listed from the entries"
    assert [change_summary(a.change) for a in listed] == [change_summary(c) for c in read]
    warm, stderr = queue(copy, "--jobs", "3")
    assert warm == serial and "worker" not in stderr, "a warm queue needs no workers"
    assert len(list((copy / ".git" / HISTORY_DIR).rglob("*.json"))) == 1, "the history pass is stored"
    shutil.rmtree(copy / ".git" / CACHE_DIR)
    again, stderr = queue(copy, "--jobs", "3")
    assert again == serial and "analysed in 3 worker processes" in stderr, "the stored history gives the same"


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_hits_and_misses_interleaved_keep_their_order(history: GitRepo, tmp_path: Path) -> None:
    serial, _ = queue(history.path, "--no-cache", "--jobs", "1")
    copy = fresh_copy(history, tmp_path)
    queue(copy, "--jobs", "1")
    entries = sorted((copy / ".git" / CACHE_DIR).rglob("*.json"))
    for index, entry in enumerate(entries):  # two thirds forgotten, scattered through the range
        if index % 3:
            entry.unlink()
    mixed, stderr = queue(copy, "--jobs", "2")
    assert "analysed in 2 worker processes" in stderr
    assert mixed == serial


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_a_change_a_worker_cannot_read_is_skipped_with_a_warning(history: GitRepo, tmp_path: Path) -> None:
    copy = fresh_copy(history, tmp_path)
    complete, _ = queue(copy, "--jobs", "1")
    shutil.rmtree(copy / ".git" / CACHE_DIR)  # diff summaries stay: every change is summarised and must be read
    victim = complete[5]
    sha = str(victim["head"])
    path = GitRepo(copy, initial=False).git("diff-tree", "--no-commit-id", "--name-only", "-r", sha).splitlines()[0]
    blob = GitRepo(copy, initial=False).git("rev-parse", f"{sha}:{path}")
    (copy / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    parallel, stderr = queue(copy, "--jobs", "2")
    assert "analysed in 2 worker processes" in stderr
    assert f"skipped {victim['id']}" in stderr
    skipped = {c["id"] for c in complete} - {c["id"] for c in parallel}
    assert victim["id"] in skipped and len(skipped) <= 2  # the blob is also the old side of the file's next change
    assert all(f"skipped {change_id}" in stderr for change_id in skipped)
    assert [c["id"] for c in parallel] == [c["id"] for c in complete if c["id"] not in skipped]


def _without_ranks(changes: list[dict[str, object]]) -> list[dict[str, object]]:
    """What each change is, by id: rank and band are relative to the queue shown, which differs."""
    relative = ("rank", "band", "band_thresholds")
    return sorted(({k: v for k, v in c.items() if k not in relative} for c in changes), key=lambda c: str(c["id"]))


def _forget_blob(copy: Path, change: dict[str, object]) -> None:
    """Delete a blob the change's diff needs, as a broken or partial clone would lack it."""
    sha = str(change["head"])
    path = GitRepo(copy, initial=False).git("diff-tree", "--no-commit-id", "--name-only", "-r", sha).splitlines()[0]
    blob = GitRepo(copy, initial=False).git("rev-parse", f"{sha}:{path}")
    (copy / ".git" / "objects" / blob[:2] / blob[2:]).unlink()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_commit_never_read_before_is_skipped_not_fatal(
    history: GitRepo, tmp_path: Path, jobs: str
) -> None:
    """No cache at all: the diffs are read by whoever analyses them (a worker, or this process a batch at a time);
    a batch that meets a missing object is read again change by change, so only the unreadable change is lost."""
    complete, _ = queue(history.path, "--no-cache", "--jobs", "1")
    copy = fresh_copy(history, tmp_path)
    victim = complete[7]
    _forget_blob(copy, victim)
    result, stderr = queue(copy, "--jobs", jobs)
    assert ("analysed in 2 worker processes" in stderr) == (jobs == "2")
    skipped = {c["id"] for c in complete} - {c["id"] for c in result}
    assert victim["id"] in skipped and len(skipped) <= 2  # the blob is also the old side of the file's next change
    assert all(f"skipped {change_id}" in stderr for change_id in skipped)
    assert _without_ranks(result) == _without_ranks([c for c in complete if c["id"] not in skipped])


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_a_few_unread_changes_are_read_here_in_one_batch(history: GitRepo, tmp_path: Path) -> None:
    """Fewer misses than it takes to start workers: this process reads and analyses them, same result."""
    serial, _ = queue(history.path, "--no-cache", "--jobs", "1")
    copy = fresh_copy(history, tmp_path)
    few = run("queue", "--repo", str(copy), "--commits", "main~5..main", "--json", "--jobs", "2")
    assert few.returncode == 0, few.stderr
    assert "worker" not in few.stderr
    data = json.loads(few.stdout)
    for change in data:
        change.pop("repo")
    wanted = {c["id"] for c in data}
    assert len(data) == 5 and _without_ranks(data) == _without_ranks([c for c in serial if c["id"] in wanted])
    assert len(list((copy / ".git" / CACHE_DIR).rglob("*.json"))) == 5


def test_no_fork_while_threads_run() -> None:
    """A fork copies only the calling thread; the TUI (threads) analyses in its own process."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()


@pytest.mark.parametrize("value", ["0", "x", "65"])
def test_bad_jobs_is_a_one_line_error(history: GitRepo, value: str) -> None:
    result = run("queue", "--repo", str(history.path), "--jobs", value)
    assert result.returncode == 2
    assert "--jobs" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_calibration_samples_are_the_same_with_workers(history: GitRepo, tmp_path: Path) -> None:
    serial = collect(history.path, analyzer=Analyzer(cache=False), jobs=1)
    parallel = collect(fresh_copy(history, tmp_path), analyzer=Analyzer(cache=False), jobs=2)
    assert len(serial.samples) == COMMITS + 1
    assert [(s.sha, s.measurements.values) for s in parallel.samples] == [
        (s.sha, s.measurements.values) for s in serial.samples
    ]


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_a_dead_worker_costs_speed_not_results(history: GitRepo, tmp_path: Path) -> None:
    """The OOM killer or a kill -9 ends a worker: its changes are analysed in this process instead."""
    changes = list(QueueLoader(QueueRequest(repo=history.path, commits="main"), summaries=False).changes())
    expected = [(a.findings, a.risk) for a in map(Analyzer(cache=False).analyze, changes)]
    analyzer = Analyzer(cache=False)
    pool = workers._start(analyzer, 2, changes[0])
    try:
        slots = [workers._Slot(change) for change in changes]
        workers._submit(pool, slots[:20])
        victim = next(iter(pool._processes.values()))  # the real worker process
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        workers._submit(pool, slots[20:])  # refused by the broken pool: left for this process
        results = [workers._finish(analyzer, slot) for slot in slots]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert [(r.findings, r.risk) for r in results if isinstance(r, Analysis)] == expected


def _blocked_signals(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigBlk:")), 16)


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_workers_are_forked_with_ctrl_c_held_back(history: GitRepo) -> None:
    """A Ctrl-C that reached a worker between its fork and its initializer printed a traceback from CPython's
    after-fork handlers: workers are forked with SIGINT blocked (this process gets it once the fork is done)."""
    changes = list(QueueLoader(QueueRequest(repo=history.path, commits="main"), summaries=False).changes())
    pool = workers._start(Analyzer(cache=False), 2, changes[0])
    try:
        workers._submit(pool, [workers._Slot(change) for change in changes[:4]])
        pids = [process.pid for process in pool._processes.values()]
        assert len(pids) == 2
        assert all(_blocked_signals(pid) & (1 << (signal.SIGINT - 1)) for pid in pids)
        assert not _blocked_signals(os.getpid()) & (1 << (signal.SIGINT - 1)), "this process takes Ctrl-C again"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_a_dead_worker_costs_speed_not_results_for_unread_changes(history: GitRepo, tmp_path: Path) -> None:
    """The same with changes whose diffs nobody has read yet: this process reads what the dead worker held."""
    full = list(QueueLoader(QueueRequest(repo=history.path, commits="main"), summaries=False).changes())
    expected = [(a.change.stats, a.findings, a.risk) for a in map(Analyzer(cache=False).analyze, full)]
    copy = fresh_copy(history, tmp_path)
    items = list(QueueLoader(QueueRequest(repo=copy, commits="main"), summaries=True)._items(defer=True))
    assert all(isinstance(item, Unread) and not item.change.files for item in items)
    analyzer = Analyzer(cache=False)
    assert isinstance(items[0], Unread)
    pool = workers._start(analyzer, 2, items[0].change)
    try:
        slots = [workers._Slot(item) for item in items]
        workers._submit(pool, slots[:20])
        victim = next(iter(pool._processes.values()))
        os.kill(victim.pid, signal.SIGKILL)
        victim.join(10)
        workers._submit(pool, slots[20:])
        results = [workers._finish(analyzer, slot, slots[index + 1 :]) for index, slot in enumerate(slots)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert [(r.change.stats, r.findings, r.risk) for r in results if isinstance(r, Analysis)] == expected


WAIT_FOR_DEATH = """
import sys, time
from pathlib import Path
from reviewtui import workers
from reviewtui import workers
from reviewtui.analysis import Analysis, Analyzer
from reviewtui.queue import QueueLoader, QueueRequest
changes = list(QueueLoader(QueueRequest(repo=Path(sys.argv[1]), commits="main"), summaries=False).changes())
pool = workers._start(Analyzer(cache=False), 2, changes[0])
futures = [pool.submit(time.sleep, 120) for _ in range(2)]
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_workers_end_when_the_main_process_is_killed(history: GitRepo) -> None:
    main = subprocess.Popen([sys.executable, "-c", WAIT_FOR_DEATH, str(history.path)], stdout=subprocess.PIPE)
    assert main.stdout is not None
    pids = [int(pid) for pid in main.stdout.readline().split()]
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    main.kill()
    main.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids), "workers outlived the process that started them"


@pytest.mark.skipif(not can_fork(), reason="workers need fork")
def test_ctrl_c_stops_the_run_and_its_workers_at_once(history: GitRepo, tmp_path: Path) -> None:
    """SIGINT to the process group (what Ctrl-C sends): one line, exit 130, no worker left behind."""
    copy = fresh_copy(history, tmp_path)
    for n in range(200):  # enough work that the run is still going when the signal comes
        (copy / f"bulk{n}.py").write_text("import requests\\n" * 50 + f"X = {n}\\n")
        GitRepo(copy, initial=False).commit(f"Bulk {n}")
    command = [sys.executable, "-m", "reviewtui", "queue", "--repo", str(copy), "--commits", "main", "--jobs", "2"]
    run_ = subprocess.Popen(
        [*command, "--no-cache"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    workers_: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers_) < 2 and run_.poll() is None and time.monotonic() < deadline:
        # the forked workers: python like their parent (git children are not)
        workers_ = [pid for pid in children(run_.pid) if cmdline(pid).startswith(sys.executable.encode())]
        time.sleep(0.01)
    assert len(workers_) == 2, "the workers never started"
    os.killpg(run_.pid, signal.SIGINT)
    _, stderr = run_.communicate(timeout=30)
    assert run_.returncode == 130
    assert stderr.decode().strip().splitlines()[-1] == "reviewtui: interrupted"
    assert "Traceback" not in stderr.decode()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers_) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers_)


def test_in_process_changes_are_taken_as_they_come(history: GitRepo) -> None:
    """The TUI analyses in its own process: its first row must not wait for the changes loaded after it (only
    unread changes are gathered, to be read in one git process)."""
    changes = list(QueueLoader(QueueRequest(repo=history.path, commits="main"), summaries=False).changes())
    pulled: list[int] = []

    def stream() -> Iterator[Change]:
        for index, change in enumerate(changes):
            pulled.append(index)
            yield change

    results = workers.analysed(stream(), Analyzer(cache=False), jobs=1)
    first = next(results)
    assert isinstance(first, Analysis) and first.change == changes[0]
    assert pulled == [0], "only the first change was loaded before its analysis"
    assert len(list(results)) == len(changes) - 1


def test_in_process_reads_of_unread_changes_start_small(
    history: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process, nothing cached: the first row waits for 16 diffs read in one git process, not for 256."""
    copy = fresh_copy(history, tmp_path)
    trace = tmp_path / "trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    loader = QueueLoader(QueueRequest(repo=copy, commits="main"), summaries=True)
    results = loader.analysed(Analyzer(), jobs=1)
    next(results)

    def reads() -> list[str]:
        return [line for line in trace.read_text().splitlines() if "git log --no-walk" in line]

    assert len(reads()) == 1
    assert len(list(results)) == COMMITS  # the rest: 24 more in one more read (16, then up to 32)
    assert len(reads()) == 2
