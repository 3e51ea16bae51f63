"""Analysing the changes the cache does not hold in worker processes, one per core.

A cold queue is bound by the rule scan, pure Python that one interpreter runs on one core; a machine with N cores
analyses N changes at once only in N processes. The main process keeps loading (git and the diff parse) and looks
each change up in the cache until enough have missed to make workers worth starting; from then on it hands every
change to the workers in batches (they look the cache up themselves). Results come back in the order the changes
were loaded, so the output is the same as analysing one by one (the tests compare them byte for byte).

On a cold queue the loader does not read the diffs either: it hands out `Unread` changes (everything but the
files), and each worker looks its batch up in the cache, reads the misses' diffs in one git process, parses them,
analyses them and sends back the analysis with the summarised files (counts, no hunks), which the analysis entry
keeps (no separate diff summary is written: creating a file costs ~1 ms on some disks). The main process lists commits
and refs, reads cache entries and assembles the results: reading and parsing every diff in it made it the
bottleneck, and pickling parsed diffs (every line of every hunk) to the workers cost as much again.

Workers are forked: nothing is imported twice and the worker starts with the main process's compiled rule packs
and history index (built once, just before the fork). Each builds its own `Analyzer` (its own git processes: a
forked child must not share the parent's pipes to `git cat-file`) and writes nothing: the analysis entries are
written by the main process, which mostly waits (a second of a worker's time per 1000 changes). With fork,
ProcessPoolExecutor starts every worker at the first task, before its own management thread exists, so no fork
happens while a thread runs.

A fork copies only the calling thread (a lock held by another thread stays locked forever in the child), so while
threads run (the TUI) the workers come from a fork server instead: a fresh interpreter, started with fork+exec (safe
with threads), that imports this module once and forks each worker from its single thread. Such a worker inherits
nothing from the main process: it compiles the rules itself and reads the history index from its store, which the
main process therefore writes before starting it (a worker that finds no valid entry builds the index from git,
as the serial path does). That start costs more, so this process analyses the first misses itself, as they come
(the TUI's first rows do not wait for a worker), and starts the workers only once `MIN_MISSES_SERVED` have missed.
Where neither start method exists, analysis stays in this process.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice
from multiprocessing import resource_tracker
from pathlib import Path
from typing import cast

from reviewtui.analysis import Analysis, Analyzer, entry_of
from reviewtui.cache import Entry
from reviewtui.errors import GitError
from reviewtui.model import Change
from reviewtui.repository import adopt_fallback, fallback_folder
from reviewtui.sources.full import Unread, read_unread

BATCH = 32
"""Changes per task: consecutive changes share trees and files (the per-run caches of a worker's ScanContext), so
a worker given neighbours re-reads less; and pickling and the round trip stay small against the analysis."""
AHEAD = 4
"""Tasks in flight per worker: keeps every worker busy without loading far ahead of what has been written out."""
READ_HERE = 256
"""Unread changes this process reads in one git process when it analyses them itself (no workers): few processes,
and few parsed diffs held at once."""
FIRST_READ_HERE = 16
"""The first such read: a first row (the TUI on one core) waits for no more than 16 diffs."""
MIN_MISSES = 24
"""Cache misses seen before the workers start: starting them (a fork, then rules and history per worker) is not
worth it for a handful of changes."""
MIN_MISSES_SERVED = 64
"""The same when the workers come from the fork server (threads run: the TUI): each one starts without the main
process's compiled rules and history index (rules compiled again, the history read from its store: ~0.5 s on pip),
and the server itself is a fresh interpreter importing reviewtui; small queues (the demo, the TUI tests) are over
before that pays off, and stay in this process."""

SERVED_NICENESS = 10
"""How much lower served workers' CPU priority is than the app's: with as many workers as cores, the UI thread
otherwise competes with them for a core on every repaint."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A change a worker could not read (git no longer has its objects): the caller skips it with a warning."""

    change: Change
    error: GitError


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def start_method() -> str | None:
    """How this process can start workers now: "fork" while no other thread runs, else "forkserver" (its server
    is started by fork+exec, which threads do not disturb), else None (analysis stays here)."""
    if can_fork():
        return "fork"
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None


_Result = Entry | GitError


@dataclass(slots=True)
class _Slot:
    """One change's place in the output order: a cache hit, or a miss waiting for (or given to) a worker."""

    item: Change | Unread
    hit: Analysis | None = None
    future: Future[list[_Result]] | None = None
    index: int = 0
    error: GitError | None = None
    """Why this process could not read the slot's unread change."""
    done: bool = False
    """Answered in this process (before the workers started, or after a worker died): never send it to one."""

    def ready(self) -> bool:
        return self.hit is not None or (self.future is not None and self.future.done())

    @property
    def change(self) -> Change:
        return self.item.change if isinstance(self.item, Unread) else self.item


def analysed(
    changes: Iterable[Change | Unread], analyzer: Analyzer, jobs: int, started: Callable[[int], None] | None = None
) -> Iterator[Analysis | Failure]:
    """Each change analysed, in order: hits from the cache at once, misses in `jobs` worker processes (serially in
    this process when `jobs` is 1 or workers cannot be started); `started` is told when workers start. A worker
    that dies (the OOM killer, kill -9) costs speed, not results: its changes are analysed here. `Unread` changes
    are read by whoever analyses them."""
    method = start_method() if jobs > 1 else None
    if method is None:
        yield from _serial(changes, analyzer)
        return
    served = method == "forkserver"
    threshold = MIN_MISSES_SERVED if served else MIN_MISSES
    pool: ProcessPoolExecutor | None = None
    slots: deque[_Slot] = deque()
    waiting: list[_Slot] = []
    misses = 0
    finished = False
    try:
        for change in changes:
            # Once the workers run, they look the cache up too: a lookup asks git for the base's governance files,
            # and this process is busy enough reading and parsing the diffs they wait for.
            # An unread change is looked up too: an entry lists the change's files, so a hit needs no diff.
            slot = _Slot(change, hit=analyzer.cached(change) if pool is None else None)
            if slot.hit is None and served and misses + 1 < threshold:
                # Served workers start slowly: until they are worth it, a miss is answered here as it comes (every
                # slot before it is a hit, so the order holds), and the first rows wait for no worker.
                misses += 1
                while slots:
                    yield _finish(analyzer, slots.popleft(), slots)
                yield _here(analyzer, slot)
                continue
            slots.append(slot)
            if slot.hit is None:
                misses += 1
                waiting.append(slot)
                if pool is None and misses >= threshold:
                    pool = _start(analyzer, jobs, slot.change, method)
                    if started is not None:
                        started(jobs)
                if pool is not None and len(waiting) >= BATCH:
                    _submit(pool, waiting)
                    analyzer.save()  # the workers are forked now (at the first task) and busy
            while slots and (slots[0].ready() or len(slots) > BATCH * AHEAD * jobs):
                if pool is not None and slots[0].future is None and not slots[0].ready():
                    _submit(pool, waiting)  # the head is waited for: hand it over now, not later
                yield _finish(analyzer, slots.popleft(), slots)
        if pool is not None:
            _submit(pool, waiting)
        while slots:
            yield _finish(analyzer, slots.popleft(), slots)
        finished = True
    finally:
        if pool is not None:
            # Interrupted (Ctrl-C, an error, the consumer stopped early): do not wait for the batches still running.
            pool.shutdown(wait=finished, cancel_futures=True)
            _PARENT.clear()
            if finished:
                analyzer.save()


def _serial(changes: Iterable[Change | Unread], analyzer: Analyzer) -> Iterator[Analysis | Failure]:
    """Every change analysed here, in order; an unread one is read with the next ones (one git process per batch),
    any other is taken as it comes (the TUI's first row must not wait for the changes after it)."""
    iterator = iter(changes)
    ahead: deque[_Slot] = deque()
    size = FIRST_READ_HERE
    while True:
        if not ahead:
            first = next(iterator, None)
            if first is None:
                return
            ahead.append(_Slot(first, hit=analyzer.cached(first)))
            if isinstance(first, Unread):
                # Looked up now, so that the misses among them are read together and no hit's diff is read at all;
                # a few at first (the first row waits for them), more as the run goes on.
                ahead.extend(_Slot(item, hit=analyzer.cached(item)) for item in islice(iterator, size - 1))
                size = min(size * 2, READ_HERE)
        slot = ahead.popleft()
        yield slot.hit if slot.hit is not None else _here(analyzer, slot, ahead, READ_HERE)


def _start(analyzer: Analyzer, jobs: int, change: Change, method: str = "fork") -> ProcessPoolExecutor:
    analyzer.prepare(change)  # forked workers inherit the history index instead of each building one
    if method == "fork":
        _PARENT[:] = [analyzer]
    else:
        # A served worker inherits nothing: it reads the index from the store, which must hold it before it starts.
        analyzer.save()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        _start_resource_tracker()
        # The server imports this module (and with it the analysis, rules, git) once; each worker forked from it
        # starts with them imported. Only the first pool's request counts: the server lives as long as this process.
        context.set_forkserver_preload([__name__])
    settings = (os.getpid(), method != "fork", analyzer.tips(), analyzer.user_file, analyzer.use_history,
                analyzer.use_cache, fallback_folder())
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=settings)


def before_threads() -> None:
    """Called by the TUI before its app starts: the resource tracker (which fork-server workers need) is started
    while stderr is still the terminal's, so `_start_resource_tracker` never has to swap it back under Textual."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        _start_resource_tracker()


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (the fork server and its queues' named semaphores need it) with a
    real stderr. Python 3.11 hands the tracker `sys.stderr.fileno()`, and Textual replaces stderr while the app runs
    with an object whose fileno is -1, so starting it there fails ("bad value(s) in fds_to_keep"). The real stderr
    is put back only for the spawn (a few ms; a stray print from another thread then would reach the terminal, and
    nothing in the app prints), and only when the current one has no file descriptor."""
    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable or sys.__stderr__ is None:
        resource_tracker.ensure_running()
        return
    captured = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        if sys.stderr is sys.__stderr__:  # unless someone else replaced it meanwhile
            sys.stderr = captured


def _submit(pool: ProcessPoolExecutor, waiting: list[_Slot]) -> None:
    """Give the waiting slots not yet answered to a worker as one task, and empty `waiting`."""
    batch = [slot for slot in waiting if not slot.done and slot.future is None]
    waiting.clear()
    if not batch:
        return
    try:
        with _interrupts_held():  # the first task forks the workers
            future = pool.submit(_work, [slot.item for slot in batch])
    except BrokenProcessPool:
        return  # a worker died: these are analysed here when their turn comes (`_finish`)
    for index, slot in enumerate(batch):
        slot.future, slot.index = future, index


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while workers may be forked. A worker ignores SIGINT (its main process handles Ctrl-C for
    the whole run), but only from its initializer on: a Ctrl-C (sent to the whole process group) that reached it
    between the fork and then raised KeyboardInterrupt inside CPython's after-fork handlers and printed a traceback.
    Forked with SIGINT blocked, a worker never receives it; this process gets it as soon as the fork is done."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _finish(analyzer: Analyzer, slot: _Slot, after: Iterable[_Slot] = ()) -> Analysis | Failure:
    """The slot's analysis; `after`, the slots that follow it (read with it if it must be read here)."""
    if slot.hit is not None:
        return slot.hit
    if slot.future is not None:
        try:
            result: _Result | None = slot.future.result()[slot.index]
        except BrokenProcessPool:
            result = None  # its worker died (killed, out of memory): analysed here instead
        if isinstance(result, GitError):
            return Failure(slot.change, result)
        # The worker left the analysis cache write to this process, which mostly waits for it (a file created is
        # ~1 ms on some disks, 1000 of them a second of a worker's time).
        if isinstance(result, Entry):
            change = slot.item.filled(result.files) if isinstance(slot.item, Unread) else slot.item
            return _stored(analyzer, analyzer.assemble(change, result))
    return _here(analyzer, slot, after)  # a miss no worker took (too few to start them, or a worker died)


def _here(analyzer: Analyzer, slot: _Slot, after: Iterable[_Slot] = (), read: int = BATCH) -> Analysis | Failure:
    """Analyse the slot in this process; an unread change is read first, with the unread ones among the next
    slots that no worker has (one git process for up to `read` of them, not one each)."""
    slot.done = True
    if isinstance(slot.item, Unread) and slot.error is None:
        _read_here(analyzer, [slot, *_unread_after(after, read - 1)])
    if slot.error is not None:
        return Failure(slot.change, slot.error)
    try:
        return analyzer.analyze(slot.change)
    except GitError as exc:
        return Failure(slot.change, exc)


def _unread_after(after: Iterable[_Slot], limit: int) -> list[_Slot]:
    found: list[_Slot] = []
    for slot in after:
        if len(found) >= limit:
            break
        if isinstance(slot.item, Unread) and slot.future is None and slot.error is None and slot.hit is None:
            found.append(slot)
    return found


def _read_here(analyzer: Analyzer, slots: list[_Slot]) -> None:
    """Read the slots' unread changes and put the full changes (or the GitError of one git cannot read) in."""
    by_repo: dict[str, list[_Slot]] = {}
    for slot in slots:
        by_repo.setdefault(slot.change.repo, []).append(slot)
    for path, group in by_repo.items():
        read = _read(analyzer, path, [slot.item for slot in group if isinstance(slot.item, Unread)])
        for slot, change in zip(group, read, strict=True):
            if isinstance(change, GitError):
                slot.error = change
            else:
                slot.item = change


def _stored(analyzer: Analyzer, analysis: Analysis) -> Analysis:
    analyzer.store(analysis)
    return analysis


def _read(analyzer: Analyzer, path: str, items: list[Unread]) -> list[Change | GitError]:
    """The unread changes of one repository read in full."""
    repo = analyzer.repository(path)
    if repo is None:
        return [GitError(f"{path}: not a git repository any more") for _ in items]
    return read_unread(repo, items)


# -- in the worker -------------------------------------------------------------------------------------------------

_PARENT: list[Analyzer] = []
"""The main process's analyzer, set just before the workers are forked: they inherit it (as a copy) with its
history index. Only its plain data is used; its git processes belong to the parent."""
_WORKER: list[Analyzer] = []


def _init_worker(
    main: int,
    served: bool,
    tips: dict[str, str | None],
    user_file: Path | None,
    history: bool,
    cache: bool,
    no_work_tree: str | None,
) -> None:
    if served:
        _let_go_of_the_server()
        adopt_fallback(no_work_tree)
    _die_with_parent(main, served)
    # Ctrl-C goes to the whole process group: the main process stops the run (and with it the workers); a worker
    # interrupted on its own would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if served:
        # Served workers run under a threaded app (the TUI): they are background work, and the app's UI thread
        # must get a core the moment it has something to draw, not wait out the workers' time slices.
        os.nice(SERVED_NICENESS)
    analyzer = Analyzer(user_file=user_file, history=history, cache=cache)
    # The main process's base tips: a worker must count history up to the tip the main process keys the cache by,
    # even if the branch moves meanwhile.
    analyzer.take_tips(tips)
    if _PARENT:
        analyzer.inherit(_PARENT[0])
    _WORKER.append(analyzer)


def _work(items: list[Change | Unread]) -> list[_Result]:
    """Analyse a batch; its unread changes are read first, per repository in one git process."""
    analyzer = _WORKER[0]
    hits: dict[int, Analysis] = {}
    unread: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        if isinstance(item, Unread):
            hit = analyzer.cached(item)  # the entry lists the files: a hit needs no diff
            if hit is not None:
                hits[index] = hit
            else:
                unread.setdefault(item.change.repo, []).append(index)
    found: dict[int, Change | GitError] = {}
    for path, indices in unread.items():
        read = _read(analyzer, path, [cast(Unread, items[i]) for i in indices])
        found.update(zip(indices, read, strict=True))
    out: list[_Result] = []
    for index, item in enumerate(items):
        if index in hits:
            out.append(entry_of(hits[index]))
            continue
        change = found.get(index, item)
        if isinstance(change, GitError):
            out.append(change)
            continue
        try:
            analysis = analyzer.analyze(cast(Change, change), store=False)
        except GitError as exc:
            out.append(exc)
            continue
        out.append(entry_of(analysis))
    return out


def _let_go_of_the_server() -> None:
    """Close this worker's copy of the fork server's "alive" pipe. The server exits when that pipe's write end is
    closed everywhere, which is meant to happen when the main process dies; but CPython hands a copy to every process
    it serves, so while its workers lived the server never saw the main process die (kill -9), and the workers, whose
    parent is the server, kept running for nobody. A worker never asks the server for anything."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if isinstance(fd, int):
        with contextlib.suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None  # type: ignore[union-attr]


def _die_with_parent(main: int, served: bool) -> None:
    """Ask Linux to end this worker when the process that forked it dies (SIGTERM from `timeout` or a cancelled CI
    job, SIGKILL from the OOM killer): otherwise the workers are orphaned and keep analysing for nobody. A served
    worker's parent is the fork server, a child of the main process that ends when the main process does (its pipe
    from the main process closes), so the worker goes with it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux: a worker then ends when it next finds its task queue gone
    parent = os.getppid()
    # The parent died before the request took effect (this worker was handed to init or a subreaper)?
    if (_parent_of(parent) if served else parent) != main:
        os._exit(1)


def _parent_of(pid: int) -> int | None:
    """The parent of process `pid` as Linux reports it (None when it is gone)."""
    try:
        # The command name (in parentheses) may hold anything, spaces and parentheses included: split after the last.
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


_PR_SET_PDEATHSIG = 1
