"""Thread workers that let go of their worker when they end, so a closed screen can be freed.

Textual runs a thread worker in the event loop's default executor and sets its `active_worker` context variable in
the pool thread's own context, where it stays after the work ends: each idle pool thread kept the last worker it
ran, that worker its screen (`Worker._node`), the screen its change, so every review screen closed after a thread
worker of its own had run (digests, facts, layouts) stayed in memory until that pool thread happened to run another
worker. The holder is the thread's context, which `gc.get_referrers` cannot see."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from textual.worker import active_worker

P = ParamSpec("P")
R = TypeVar("R")


def released(method: Callable[P, R]) -> Callable[P, R]:
    """`method`, run as a thread worker (under `@work(thread=True)`), clears the pool thread's `active_worker` when
    it ends, however it ends."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        finally:
            active_worker.set(None)  # type: ignore[arg-type]  # Textual kept the token that could reset it

    return run
