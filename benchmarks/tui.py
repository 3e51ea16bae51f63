"""TUI benchmarks through the real app, headless (App.run_test): queue first paint, huge diffs, peak memory.

Each measurement runs in a fresh `python -m benchmarks.tui` process so its peak memory (ru_maxrss) is its own.

    python -m benchmarks.tui paint REPO      # ReviewApp on REPO: seconds to the first frame with rows, and to all rows
    python -m benchmarks.tui diff REPO       # ReviewScreen on REPO's one pending change: first screen, page-downs
    python -m benchmarks.tui modes REPO      # the same change: longest UI-thread block for s, w, s+w (first, again)
    python -m benchmarks.tui pagedown REPO   # the same change: the app's own cost per page-down, unified and wrapped

The longest UI-thread block is measured by a watchdog on the app's event loop (a 10 ms ticker): how late a tick
comes is how long the loop was kept from running anything else (a key, a repaint).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import synthetic

PAGE_DOWNS = 1000
ALL_ROWS_LIMIT = float(os.environ.get("REVIEWTUI_BENCH_ALL_ROWS_LIMIT", "120"))
"""Seconds to wait for the whole queue after the first rows; past it, the rows shown by then are reported."""
SIZE = (160, 45)
TICK = 0.01


class Watchdog:
    """Event-loop lag: a task that sleeps TICK and records how late it wakes up (the UI thread's longest block)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_gc = 0.0
        """The longest garbage collection (it holds the GIL whichever thread triggered it)."""
        self._gc_start = 0.0
        self.blocks: list[float] = []
        """Every lag over 100 ms, in seconds."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> Watchdog:
        self._task = asyncio.get_running_loop().create_task(self._run())
        gc.callbacks.append(self._gc)
        return self

    def _gc(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.longest_gc = max(self.longest_gc, time.perf_counter() - self._gc_start)

    def reset(self) -> float:
        """The longest lag since the last reset (and start over)."""
        longest, self.longest = self.longest, 0.0
        self.longest_gc = 0.0
        self.blocks.clear()
        return longest

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            lag = time.perf_counter() - before - TICK
            self.longest = max(self.longest, lag)
            if lag > 0.1:
                self.blocks.append(lag)


async def paint(repo: Path) -> dict[str, Any]:
    from textual.widgets import DataTable

    from reviewtui.queue import QueueRequest
    from reviewtui.ui.app import ReviewApp

    start = time.perf_counter()
    app = ReviewApp(QueueRequest(repo=repo))
    first = total = float("nan")
    rows = first_count = 0
    async with app.run_test(size=SIZE) as pilot:
        watchdog = Watchdog().start()
        while time.perf_counter() - start < 600:
            tables = app.screen.query(DataTable)
            if tables and tables.first().row_count:
                first = time.perf_counter() - start
                first_count = tables.first().row_count
                break
            await pilot.pause(0.005)
        before_rows = watchdog.reset()
        while time.perf_counter() - start < ALL_ROWS_LIMIT and not all(w.is_finished for w in app.workers):
            await pilot.pause(0.05)
        if all(w.is_finished for w in app.workers):
            await pilot.pause()
            total = time.perf_counter() - start
        rows = app.screen.query_one(DataTable).row_count
        watchdog.stop()
        app.exit()
    return {"first_rows_s": first, "all_rows_s": total, "rows": rows, "peak_rss_mb": _peak_mb(),
            "longest_block_before_rows_ms": before_rows * 1000, "longest_block_loading_ms": watchdog.longest * 1000,
            "blocks_over_100ms_loading": len(watchdog.blocks), "first_row_count": first_count}


def _first_analysis(repo: Path) -> Any:
    """The analysis of REPO's first pending change (the benchmark repositories hold one huge change)."""
    from reviewtui.analysis import Analyzer
    from reviewtui.queue import QueueLoader, QueueRequest

    return Analyzer().analyze(next(iter(QueueLoader(QueueRequest(repo=repo)).changes())))


def _review_host(analysis: Any) -> Any:
    """An app showing only the review screen of `analysis`, animations off."""
    from textual.app import App

    from reviewtui.ui.screens.review import ReviewScreen

    class Host(App[None]):
        def on_mount(self) -> None:
            self.animation_level = "none"
            self.push_screen(ReviewScreen(analysis))

    return Host()


async def _opened_view(app: Any, pilot: Any) -> Any:
    """The review screen's diff view once it has drawn rows and its workers are done, focused."""
    from reviewtui.ui.widgets.diff_view import DiffView

    while not app.screen.query(DiffView) or not app.screen.query_one(DiffView).rendered_rows:
        await pilot.pause(0.001)
    await app.workers.wait_for_complete()
    view = app.screen.query_one(DiffView)
    view.focus()
    return view


async def diff(repo: Path) -> dict[str, Any]:
    from reviewtui.ui.widgets.diff_view import DiffView

    start = time.perf_counter()
    analysis = _first_analysis(repo)
    loaded = time.perf_counter() - start
    app = _review_host(analysis)
    opened = time.perf_counter()  # app start included: what a reviewer waits for after pressing enter
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.query(DiffView) or not app.screen.query_one(DiffView).rendered_rows:
            await pilot.pause(0.001)
        first_screen = time.perf_counter() - opened
        view = app.screen.query_one(DiffView)
        view.focus()
        await pilot.pause()
        start = time.perf_counter()
        for _ in range(100):
            await pilot.press("f20")  # bound to nothing: what Pilot itself costs per key
        pilot_ms = (time.perf_counter() - start) / 100 * 1000
        before = view.scroll_y
        start = time.perf_counter()
        for _ in range(PAGE_DOWNS):
            await pilot.press("pagedown")
        per_page = (time.perf_counter() - start) / PAGE_DOWNS
        moved = view.scroll_y - before
    return {"load_s": loaded, "first_screen_s": first_screen, "page_down_ms": per_page * 1000,
            "pilot_key_ms": pilot_ms, "scrolled_rows": moved, "total_rows": view.total_rows,
            "peak_rss_mb": _peak_mb()}


async def pagedown(repo: Path) -> dict[str, Any]:
    """The app's own cost per page-down, which Pilot hides (its waits cost ~60 ms per key): each key is posted to the
    app as the terminal driver posts it, and timed until the frame it causes has been rendered by the compositor and
    turned into the bytes a terminal would get (`_display`; headless apps skip that step, so it is done here and not
    written). Reported as the UI thread's CPU time from the key to that frame (the app's work: key dispatch, the
    binding, the view's messages, layout, rendering every new line, the terminal bytes), and as wall time, which
    also includes Textual's frame timer (frames are drawn at most 60 times a second: ~17 ms at worst). Unified,
    then wrapped (a single 5 MB line only has pages to turn when it is wrapped); at the bottom the view goes back to
    the top, uncounted."""

    app = _review_host(_first_analysis(repo))
    results: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        view = await _opened_view(app, pilot)
        await pilot.pause()
        for mode in ("unified", "wrapped"):
            if mode == "wrapped":
                await pilot.press("w")
                while view.layout_pending:
                    await pilot.pause(0.01)
                await app.workers.wait_for_complete()
                await pilot.pause(0.1)
            results[mode] = await _page_downs(app, view, PAGE_DOWNS)
    results["peak_rss_mb"] = _peak_mb()
    return results


async def _page_downs(app: Any, view: Any, count: int) -> dict[str, Any]:
    from textual import events
    from textual._compositor import CompositorUpdate

    loop = asyncio.get_running_loop()
    waiting: list[asyncio.Future[None]] = []
    display = app._display

    def displayed(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)  # what a terminal would be sent (headless skips it)
        display(screen, renderable)
        if waiting and not waiting[-1].done():
            waiting[-1].set_result(None)

    async def frame(post: Any) -> None:
        waiting.append(loop.create_future())
        post()
        await asyncio.wait_for(waiting[-1], 10)

    if view.max_scroll_y == 0:
        return {"skipped": f"all {view.total_rows} rows fit on one screen"}
    app._display = displayed
    cpu: list[float] = []
    wall: list[float] = []
    rows = 0
    try:
        while len(cpu) < count:
            if view.scroll_y >= view.max_scroll_y:
                await frame(lambda: view.scroll_home(animate=False, immediate=True))
                continue
            before = view.scroll_y
            started, used = time.perf_counter(), time.thread_time()
            await frame(lambda: app.post_message(events.Key("pagedown", None)))
            cpu.append(time.thread_time() - used)
            wall.append(time.perf_counter() - started)
            rows += view.scroll_y - before
    finally:
        del app._display
    cpu.sort()
    wall.sort()
    return {"cpu_mean_ms": sum(cpu) / len(cpu) * 1000, "cpu_p95_ms": cpu[int(len(cpu) * 0.95)] * 1000,
            "wall_mean_ms": sum(wall) / len(wall) * 1000, "wall_p95_ms": wall[int(len(wall) * 0.95)] * 1000,
            "rows_per_page": rows / len(cpu), "total_rows": view.total_rows}


MODE_STEPS = (
    ("s", "split, first"), ("s", "unified"), ("s", "split, again"), ("s", "unified"),
    ("w", "wrap, first"), ("w", "no wrap"), ("w", "wrap, again"),
    ("s", "split+wrap from wrap"), ("w", "split, no wrap"), ("w", "split+wrap from split"),
    ("s", "wrap"), ("w", "unified, no wrap"),
)


async def modes(repo: Path) -> dict[str, Any]:
    """The longest UI-thread block around each mode key, and the rows the view ends up with."""

    app = _review_host(_first_analysis(repo))
    steps: list[dict[str, Any]] = []
    async with app.run_test(size=SIZE) as pilot:
        view = await _opened_view(app, pilot)
        view.scroll_to(y=view.total_rows // 2, animate=False, immediate=True)  # mid-hunk: the top line is kept
        await pilot.pause()
        watchdog = Watchdog().start()
        for key, label in MODE_STEPS:
            watchdog.reset()
            await pilot.press(key)
            settle = time.perf_counter()
            while time.perf_counter() - settle < 3 and getattr(view, "layout_pending", False):
                await pilot.pause(0.01)
            await pilot.pause(0.05)
            gc_ms = watchdog.longest_gc * 1000
            steps.append({"key": key, "mode": label, "longest_block_ms": watchdog.reset() * 1000,
                          "longest_gc_ms": gc_ms, "total_rows": view.total_rows, "top": view.window[0]})
        watchdog.stop()
    return {"steps": steps, "peak_rss_mb": _peak_mb()}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_big(root: Path, name: str, content: str) -> Path:
    repo = root / name
    repo.mkdir()
    synthetic.git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("big\n")
    synthetic.git(repo, "add", "-A")
    synthetic.git(repo, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "base")
    synthetic.git(repo, "checkout", "-qb", "ai/big")
    (repo / "big.py").write_text(content)
    synthetic.git(repo, "add", "-A")
    synthetic.git(repo, "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "big")
    synthetic.git(repo, "checkout", "-q", "main")
    return repo


def _child(kind: str, repo: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.tui", kind, str(repo)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_all(tmp: Path) -> dict[str, Any]:
    queue_repo = synthetic.build(tmp / "tui", prs=5000)
    results: dict[str, Any] = {"paint_cold": _child("paint", queue_repo), "paint_warm": _child("paint", queue_repo)}
    lines = build_big(tmp, "lines", "".join(f"value_{i} = {i}  # {'x' * (i % 300)}\n" for i in range(100_000)))
    results["diff_100k_lines"] = _child("diff", lines)
    results["modes_100k_lines"] = _child("modes", lines)
    results["pagedown_100k_lines"] = _child("pagedown", lines)
    single = build_big(tmp, "single", "data = '" + "x" * 5_000_000 + "'\n")
    results["diff_5mb_line"] = _child("diff", single)
    results["modes_5mb_line"] = _child("modes", single)
    results["pagedown_5mb_line"] = _child("pagedown", single)
    shutil.rmtree(queue_repo, ignore_errors=True)
    return results


def report(results: dict[str, Any]) -> str:
    from benchmarks.run import table, verdict

    rows = []
    for key, label in (("paint_cold", "first paint, 5000 PRs, cold cache"), ("paint_warm", "first paint, warm cache")):
        r = results[key]
        if "error" in r:
            rows.append([label, "error: " + r["error"], "", ""])
            continue
        done = (f"all {r['rows']} rows after {r['all_rows_s']:.1f} s" if r["all_rows_s"] == r["all_rows_s"]
                else f"{r['rows']} rows after {ALL_ROWS_LIMIT:.0f} s, still loading")
        rows.append([label, f"{r['first_rows_s']:.2f} s to first rows ({done})",
                     f"<= 1 s {verdict(r['first_rows_s'], 1.0)}", f"{r['peak_rss_mb']:.0f} MB"])
        block = max(r["longest_block_before_rows_ms"], r["longest_block_loading_ms"])
        over = r["blocks_over_100ms_loading"]
        rows.append([f"{label}: longest UI-thread block", f"{block:.0f} ms ({over} over 100 ms while loading)",
                     f"<= 100 ms {verdict(block, 100)}", ""])
    for key, label in (("diff_100k_lines", "100k-line diff"), ("diff_5mb_line", "5 MB single-line file")):
        r = results[key]
        if "error" in r:
            rows.append([label, "error: " + r["error"], "", ""])
            continue
        rows.append([f"{label}: first screen", f"{r['first_screen_s']:.3f} s (change loaded in {r['load_s']:.1f} s)",
                     f"<= 0.3 s {verdict(r['first_screen_s'], 0.3)}", ""])
        rows.append([f"{label}: page-down (mean of {PAGE_DOWNS})",
                     f"{r['page_down_ms']:.1f} ms (Pilot's own cost per key: {r['pilot_key_ms']:.1f} ms; "
                     f"{r['scrolled_rows']:.0f} of {r['total_rows']} rows scrolled)",
                     f"<= 16 ms {verdict(r['page_down_ms'], 16)}", ""])
        own = results.get(key.replace("diff_", "pagedown_"), {})
        for mode in ("unified", "wrapped"):
            if mode in own and "skipped" in own[mode]:
                rows.append([f"{label}: page-down ({mode})", f"no pages to turn: {own[mode]['skipped']}", "", ""])
            elif mode in own:
                o = own[mode]
                rows.append([f"{label}: page-down, the app's own cost ({mode}, {PAGE_DOWNS} keys)",
                             f"{o['cpu_mean_ms']:.1f} ms mean, p95 {o['cpu_p95_ms']:.1f} ms (UI-thread CPU, key to "
                             f"frame; wall {o['wall_mean_ms']:.1f} ms with the 60 fps frame timer; "
                             f"{o['rows_per_page']:.0f} rows a page of {o['total_rows']})",
                             f"<= 16 ms {verdict(o['cpu_mean_ms'], 16)}", ""])
            elif "error" in own and mode == "unified":
                rows.append([f"{label}: page-down, the app's own cost", "error: " + own["error"], "", ""])
        rows.append([f"{label}: peak memory", f"{r['peak_rss_mb']:.0f} MB",
                     f"<= 300 MB {verdict(r['peak_rss_mb'], 300)}", ""])
        m = results.get(key.replace("diff_", "modes_"), {})
        if "steps" in m:
            worst = max(m["steps"], key=lambda step: step["longest_block_ms"])
            gc_ms = max(step["longest_gc_ms"] for step in m["steps"])
            rows.append([f"{label}: longest UI-thread block on s / w", f"{worst['longest_block_ms']:.0f} ms "
                         f"({worst['mode']}; longest GC pause {gc_ms:.0f} ms)",
                         f"<= 100 ms {verdict(worst['longest_block_ms'], 100)}", ""])
    return table(rows, ["measure", "figure", "target", "peak RSS"])


def main() -> int:
    kind, repo = sys.argv[1], Path(sys.argv[2])
    runs = {"paint": paint, "diff": diff, "modes": modes, "pagedown": pagedown}
    result = asyncio.run(runs[kind](repo))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
