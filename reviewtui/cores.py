"""How many processes to analyse in: asked by every command's `--jobs` default, so it must not import the workers."""

from __future__ import annotations

import os


def default_jobs() -> int:
    """One worker per core this process may use, at most 4: each worker holds its own history index and per-run
    caches of trees and files, so memory grows with every worker while the gain flattens."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))
