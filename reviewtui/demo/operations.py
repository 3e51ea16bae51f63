"""File operations that a demo commit performs on the work tree.

Most commits are written as edits against whatever the checkout holds rather than as whole files: the
diffs then look like real review diffs (a few hunks, not full rewrites), and an edit whose anchor text is
missing stops the build instead of quietly producing a different history.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewtui.demo.errors import DemoBuildError


@dataclass(frozen=True)
class Write:
    """Create or overwrite a file; `str` content is written as UTF-8 bytes, line endings untouched."""

    path: str
    content: str | bytes
    executable: bool = False


@dataclass(frozen=True)
class Generate:
    """Write a file whose bytes are computed only when the commit is built (large generated files)."""

    path: str
    factory: Callable[[], bytes]


@dataclass(frozen=True)
class Edit:
    """Replace the single occurrence of `old` with `new`; more or fewer occurrences is a recipe bug."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Delete:
    path: str


@dataclass(frozen=True)
class Move:
    """Rename a file; pair it with `Edit`s on the destination for a rename-with-changes."""

    source: str
    destination: str


@dataclass(frozen=True)
class Chmod:
    path: str
    executable: bool


@dataclass(frozen=True)
class Symlink:
    path: str
    target: str


Operation = Write | Generate | Edit | Delete | Move | Chmod | Symlink


def apply(root: Path, operation: Operation) -> None:
    """Perform `operation` inside the work tree at `root`."""
    match operation:
        case Write(path=path, content=content, executable=executable):
            _write_bytes(root / path, content.encode("utf-8") if isinstance(content, str) else content)
            if executable:
                _set_executable(root / path, True)
        case Generate(path=path, factory=factory):
            _write_bytes(root / path, factory())
        case Edit(path=path, old=old, new=new):
            _edit(root / path, old, new)
        case Delete(path=path):
            _existing(root / path).unlink()
        case Move(source=source, destination=destination):
            target = root / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            _existing(root / source).rename(target)
        case Chmod(path=path, executable=executable):
            _set_executable(_existing(root / path), executable)
        case Symlink(path=path, target=link_target):
            link = root / path
            link.parent.mkdir(parents=True, exist_ok=True)
            if link.is_symlink() or link.exists():
                link.unlink()
            os.symlink(link_target, link)


def _existing(path: Path) -> Path:
    if not path.is_symlink() and not path.exists():
        raise DemoBuildError(f"demo recipe refers to {path}, which the checkout does not have")
    return path


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_bytes(data)


def _edit(path: Path, old: str, new: str) -> None:
    text = _existing(path).read_bytes().decode("utf-8")
    count = text.count(old)
    if count != 1:
        first_line = old.strip().splitlines()[0] if old.strip() else repr(old)
        raise DemoBuildError(f"edit of {path} expected one match for {first_line!r}, found {count}")
    path.write_bytes(text.replace(old, new).encode("utf-8"))


def _set_executable(path: Path, executable: bool) -> None:
    """Only the owner-execute bit matters to git; set all three so the file behaves like a real script."""
    mode = path.stat().st_mode
    path.chmod(mode | 0o111 if executable else mode & ~0o111)
