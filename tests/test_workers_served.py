"""Cache misses analysed while other threads run (the TUI) go to workers forked by a fork server, not by this
threaded process, and give exactly what analysing them one by one gives, in the same order."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.risk.history import HISTORY_DIR
from reviewtui.workers import MIN_MISSES_SERVED, start_method
from tests.gitrepo import GitRepo, agent_history
from tests.procs import alive, children, cmdline

COMMITS = MIN_MISSES_SERVED + 40
"""Commits on top of the initial one: enough for the served workers to start and take several batches."""

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="served workers need a fork server"
)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    return agent_history(tmp_path_factory.mktemp("served") / "repo", COMMITS)


@pytest.fixture
def threaded() -> Iterator[None]:
    """Another thread alive, as in the TUI: forking now would copy only the calling thread."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def outcome(analyses: list[Analysis]) -> list[tuple[object, ...]]:
    return [(a.change.id, a.change.stats, a.findings, a.risk, a.measurements.values) for a in analyses]


def fresh_copy(repo: GitRepo, tmp_path: Path) -> Path:
    return Path(shutil.copytree(repo.path, tmp_path / "copy", symlinks=True))


@pytest.mark.parametrize("cache", [True, False], ids=["history-from-store", "history-from-git"])
def test_a_threaded_caller_gets_served_workers_and_the_serial_result(
    history: GitRepo, tmp_path: Path, threaded: None, cache: bool
) -> None:
    """With the cache the main process stores the history before the workers start and they read it; without it
    (no store) each worker builds the index from git itself: both give the serial result."""
    serial_loader = QueueLoader(QueueRequest(repo=history.path, commits="main"), summaries=True)
    serial = outcome(list(serial_loader.analysed(Analyzer(cache=False), jobs=1)))
    assert len(serial) == COMMITS + 1 and any(findings for _, _, findings, _, _ in serial)
    assert start_method() == "forkserver"
    copy = fresh_copy(history, tmp_path)
    loader = QueueLoader(QueueRequest(repo=copy, commits="main"), summaries=True)
    served = list(loader.analysed(Analyzer(cache=cache), jobs=2))
    assert loader.report.workers == 2, "the workers started although a thread runs"
    assert outcome(served) == serial
    stored = list((copy / ".git" / HISTORY_DIR).rglob("*.json"))
    assert len(stored) == (1 if cache else 0)


def test_a_small_threaded_queue_stays_in_this_process(history: GitRepo, threaded: None) -> None:
    loader = QueueLoader(QueueRequest(repo=history.path, commits=f"main~{MIN_MISSES_SERVED - 2}..main"))
    analyses = list(loader.analysed(Analyzer(cache=False), jobs=2))
    assert len(analyses) == MIN_MISSES_SERVED - 2 and loader.report.workers == 0


def test_closing_the_results_early_leaves_no_worker_process(history: GitRepo, threaded: None) -> None:
    """The TUI leaving the queue (or quitting) closes the generator: the workers stop, none is left behind."""
    loader = QueueLoader(QueueRequest(repo=history.path, commits="main"), summaries=True)
    results = loader.analysed(Analyzer(cache=False), jobs=2)
    for _ in range(MIN_MISSES_SERVED + 1):  # the last one came from a worker
        next(results)
    assert loader.report.workers == 2
    servers = [pid for pid in children(os.getpid()) if b"forkserver" in cmdline(pid)]
    workers = [pid for server in servers for pid in children(server)]
    assert len(servers) == 1 and len(workers) == 2, (servers, workers)
    results.close()
    deadline = time.monotonic() + 60
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers), "a worker outlived the closed results"


WAIT_FOR_DEATH = """
import sys, threading, time
from pathlib import Path
from reviewtui import workers
from reviewtui.analysis import Analyzer
from reviewtui.queue import QueueLoader, QueueRequest

def running(mark):
    Path(mark).touch()
    time.sleep(120)

if __name__ == "__main__":
    threading.Thread(target=time.sleep, args=(120,), daemon=True).start()  # a thread runs: served workers
    changes = list(QueueLoader(QueueRequest(repo=Path(sys.argv[1]), commits="main")).changes())
    pool = workers._start(Analyzer(cache=False), 2, changes[0], "forkserver")
    marks = [Path(sys.argv[2]) / str(n) for n in range(2)]
    futures = [pool.submit(running, str(mark)) for mark in marks]
    while not all(mark.exists() for mark in marks):  # both tasks run at once: both workers are past their start
        time.sleep(0.05)
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
    time.sleep(120)
"""


def test_served_workers_and_their_server_end_when_the_main_process_is_killed(
    history: GitRepo, tmp_path: Path
) -> None:
    """kill -9 of the main process (the OOM killer): the fork server and the workers it forked go too."""
    script = tmp_path / "main.py"
    script.write_text(WAIT_FOR_DEATH)
    main = subprocess.Popen([sys.executable, str(script), str(history.path), str(tmp_path)], stdout=subprocess.PIPE)
    try:
        assert main.stdout is not None
        pids = [int(pid) for pid in main.stdout.readline().split()]
        servers = [pid for pid in children(main.pid) if b"forkserver" in cmdline(pid)]
        assert len(pids) == 2 and len(servers) == 1 and all(alive(pid) for pid in pids)
        assert set(children(servers[0])) >= set(pids), "the workers are the server's children"
    finally:
        main.kill()
        main.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in [*pids, *servers]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids), "served workers outlived the process that started them"
    assert not any(alive(pid) for pid in servers), "the fork server outlived the process that started it"


def test_served_workers_share_the_main_process_temporary_folder(
    history: GitRepo, tmp_path: Path, threaded: None
) -> None:
    """A repository that cannot hold its no-work-tree folder (here: not empty) makes git run in a temporary one,
    removed when the process exits. Served workers end without exit handlers: each folder of their own would stay
    in the temporary directory for good, so they use the main process's."""
    from reviewtui.repository import FALLBACK_PREFIX, NO_WORK_TREE, fallback_folder

    copy = fresh_copy(history, tmp_path)
    planted = copy / ".git" / NO_WORK_TREE
    planted.mkdir(parents=True, exist_ok=True)
    (planted / ".gitattributes").write_text("*.py -diff\n")
    temporary = Path(tempfile.gettempdir())

    def folders() -> set[Path]:
        return set(temporary.glob(f"{FALLBACK_PREFIX}*"))

    before = folders()
    loader = QueueLoader(QueueRequest(repo=copy, commits="main"), summaries=True)
    served = list(loader.analysed(Analyzer(cache=True), jobs=2))
    assert loader.report.workers == 2 and len(served) == COMMITS + 1
    assert sum(a.change.stats.added for a in served) > 0, "the file planted in the folder must not apply"
    assert fallback_folder() is not None
    assert folders() - before <= {Path(fallback_folder() or "")}, "a served worker left its own folder behind"
