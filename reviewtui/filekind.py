"""Which changed files a reviewer need not read line by line: generated output, lock files and vendored code.

Such files are collapsed in the review screen behind a banner (never hidden: they stay in the file tree, their
findings stay visible, and one key expands them). The repository's own word comes first: `linguist-generated` and
`linguist-vendored` in `.gitattributes` as they are at the change's base (so a change cannot mark its own code as
generated to get it skipped), asked of `git check-attr` against a private index of the base tree, which gives git's
exact pattern semantics including nested `.gitattributes` files. An attribute set to false overrides every
heuristic. Then well-known lock file names, vendored folders, and "@generated" / "Code generated ... DO NOT EDIT"
markers at the top of the new content.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from pathlib import PurePosixPath

from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change, FileChange, LineKind
from reviewtui.repository import Repository


class Kind(StrEnum):
    SOURCE = "source"
    GENERATED = "generated"
    LOCK = "lock"
    VENDORED = "vendored"


@dataclass(frozen=True, slots=True)
class FileKind:
    kind: Kind
    reason: str
    """Why, in a few words the banner shows ("linguist-generated in .gitattributes", "lock file name")."""

    @property
    def collapsible(self) -> bool:
        return self.kind is not Kind.SOURCE


SOURCE = FileKind(Kind.SOURCE, "")

LOCK_FILES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock",
        "poetry.lock", "Pipfile.lock", "pdm.lock", "uv.lock", "Cargo.lock", "Gemfile.lock", "composer.lock",
        "go.sum", "flake.lock", "mix.lock", "pubspec.lock", "Podfile.lock", "packages.lock.json",
        "gradle.lockfile", "Package.resolved", "conda-lock.yml", "deno.lock", "MODULE.bazel.lock",
    }
)  # fmt: skip
VENDOR_DIRS = frozenset({"vendor", "vendors", "node_modules", "third_party", "third-party", "bower_components", "Pods"})
GENERATED_SUFFIXES = (".min.js", ".min.css", ".js.map", ".css.map", "_pb2.py", "_pb2_grpc.py", ".pb.go")
_MARKER = re.compile(r"@generated\b|Code generated .* DO NOT EDIT")
MARKER_LINES = 5
"""How many lines at the top of the new content are searched for a generated-code marker."""
ATTRIBUTES = ("linguist-generated", "linguist-vendored")


def classify(file: FileChange, attributes: dict[str, str] | None = None) -> FileKind:
    """The kind of one file; `attributes` are its `linguist-*` values at base (`set`, `unset`, `true`, ...)."""
    attributes = attributes or {}
    generated = _flag(attributes.get("linguist-generated"))
    vendored = _flag(attributes.get("linguist-vendored"))
    if generated:
        return FileKind(Kind.GENERATED, "linguist-generated in .gitattributes")
    if vendored:
        return FileKind(Kind.VENDORED, "linguist-vendored in .gitattributes")
    path = PurePosixPath(file.path)
    if generated is None and path.name in LOCK_FILES:
        return FileKind(Kind.LOCK, "lock file")
    if vendored is None and any(part in VENDOR_DIRS for part in path.parts[:-1]):
        return FileKind(Kind.VENDORED, "vendored folder")
    if generated is None:
        if path.name.endswith(GENERATED_SUFFIXES):
            return FileKind(Kind.GENERATED, "generated file name")
        if _has_marker(file):
            return FileKind(Kind.GENERATED, "generated-code marker")
    return SOURCE


def classify_change(change: Change) -> list[FileKind]:
    """Every file's kind, reading `.gitattributes` at the change's base when there is one to read."""
    attributes: dict[str, dict[str, str]] = {}
    base = change.merge_base or change.base
    if base:
        try:
            attributes = attributes_at(Repository(change.repo), base, [f.path for f in change.files])
        except ReviewtuiError:
            attributes = {}  # e.g. a patch outside any repository: the name and marker rules still apply
    return [classify(file, attributes.get(file.path)) for file in change.files]


def attributes_at(repo: Repository, rev: str, paths: Sequence[str], chunk: int = 500) -> dict[str, dict[str, str]]:
    """`linguist-*` attributes of `paths` as the tree of `rev` defines them (git 2.39 has no `check-attr --source`,
    so the tree is read into a throwaway index and asked with `--cached`)."""
    out: dict[str, dict[str, str]] = {}
    if not paths:
        return out
    with tempfile.TemporaryDirectory(prefix="reviewtui-attr-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        repo.run("read-tree", "--end-of-options", rev, env=env)
        for start in range(0, len(paths), chunk):
            raw = repo.run("check-attr", "--cached", "-z", *ATTRIBUTES, "--", *paths[start : start + chunk], env=env)
            fields = raw.decode("utf-8", "surrogateescape").split("\0")
            for index in range(0, len(fields) - 2, 3):
                path, name, value = fields[index : index + 3]
                if value != "unspecified":
                    out.setdefault(path, {})[name] = value
    return out


def _flag(value: str | None) -> bool | None:
    """True when set, False when explicitly unset or false, None when the repository does not say."""
    if value is None:
        return None
    return value not in ("unset", "false")


def _has_marker(file: FileChange) -> bool:
    if not file.hunks or file.hunks[0].new_start > 1:
        return False
    new_lines = (line.text for line in file.hunks[0].lines if line.kind is not LineKind.REMOVED)
    return any(_MARKER.search(text) for text in islice(new_lines, MARKER_LINES))
