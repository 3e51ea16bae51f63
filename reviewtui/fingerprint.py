"""What identifies this installation's behaviour, for every cache key: its code and the tools that shape its output.

Kept apart from the caches themselves (and free of heavy imports) because the queue memo checks it before anything
else is imported: a warm `reviewtui queue` must not pay for loading the analysis code only to learn it is not needed.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pygments

_FINGERPRINT: list[str] = []


def code_fingerprint() -> str:
    """The size and modification time of every module of this installation: an edited checkout (same version
    string, different code) must not read entries written by the old code. Computed once per process."""
    if not _FINGERPRINT:
        package = Path(__file__).resolve().parent
        found: list[tuple[str, os.stat_result]] = []
        for folder, subfolders, files in os.walk(package):
            here = Path(folder).relative_to(package)
            if here == Path("."):
                subfolders.remove("ui")  # the TUI's code shapes no cached result
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            found += [(str(here / name), os.stat(os.path.join(folder, name))) for name in files
                      if name.endswith((".py", ".toml"))]
        digest = hashlib.sha256()
        for name, stat in sorted(found):
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        _FINGERPRINT.append(digest.hexdigest())
    return _FINGERPRINT[0]


@functools.cache
def tool_versions() -> list[str]:
    """What else shapes a diff and so an analysis: git's version (its diff and rename detection), Pygments' (the
    language of each file comes from its lexer table), unidiff's code (it parses every hunk) and Python's (`re` runs
    every rule)."""
    try:
        git = subprocess.run(["git", "--version"], capture_output=True, check=False).stdout
    except OSError:
        git = b"?"  # no git: nothing will be read from git either
    return versions_with(git)


def versions_with(git_version: bytes) -> list[str]:
    """`tool_versions` from what `git --version` printed: the queue memo asks git along with its other questions,
    at once, rather than one process after another."""
    git = git_version.decode("ascii", "replace").strip()
    return [git, pygments.__version__, _package_files("unidiff"), sys.version]


def _package_files(name: str) -> str:
    """The size and time of an installed package's modules, found without importing it (the queue memo asks before
    anything heavy is loaded): an upgrade in place is a new fingerprint even if the version string stayed."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return "-"
    folder = Path(spec.origin).parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        status = path.stat()
        digest.update(f"{path.name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()
