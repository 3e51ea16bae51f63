"""The queue memo: a whole `reviewtui queue` answer, given again while nothing it was made from has moved.

The analysis cache makes a warm queue skip the rules, but the run still imports the analysis code, lists every
change, reads a thousand entries and judges every change's approvals: 0.7 s where `git log -p` takes 0.45. The memo
answers the same question from one file, and is only ever right or absent:

- Its key is the repository's whole state as far as a queue can see it, read by git in three processes at once:
  every ref and symbolic ref (branches, PR refs, notes holding the decisions, replace refs), the `--commits` range
  resolved to commit ids, and git's effective configuration (every scope, includes followed). With them go the files
  a queue reads outside git (the user's and the work tree's `.reviewtui/config.toml`, the git dir's `HEAD`,
  `info/attributes`, `info/grafts`, `shallow` and `objects/info/alternates`), the environment variables
  git and reviewtui read (and PATH), the time zone, and this installation's code, version, Python, git, Pygments and
  the `ssh-keygen` that judges signatures.
- Central rule packs are found only while the queue runs (their paths can come from a base commit's config), so the
  run records the bytes it compiled and the memo checks them against the disk before every answer.
- An answer is kept only when the state read after the run equals the one read before it (nothing moved during the
  run), the run met no warning, and nothing in it depends on the clock: one repository, changes from git only, and
  no allowed_signers line that bounds a key in time (`valid-before`, `valid-after`, `cert-authority`), since
  `ssh-keygen` checks those against the moment of verification. The table's AGE column is filled in when printed.
- One file per question (repository, folder asked, range, order), replaced by each run that can keep an answer:
  repositories whose refs move all day do not collect a file per state.

The entry is a JSON header line, then the answer's bytes, sealed like every cache entry with the reviewer's own key
(`seal.py`, outside the repository): a torn entry, or one written by anyone but this user (whoever can write the git
dir can write the cache folder), is not given, and nothing it names is read before the seal is checked.
This module imports only the standard library and the light parts of reviewtui (its records are NamedTuples:
`dataclasses` imports `inspect` and `ast`, a tenth of a hit's time): on a hit nothing else is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from reviewtui import __version__
from reviewtui.fingerprint import code_fingerprint, versions_with
from reviewtui.jsonstore import JsonStore
from reviewtui.places import user_config_path
from reviewtui.rules.central import digest_on_disk

SCHEMA = 1
FOLDER = Path("reviewtui") / "cache" / "queue"
_SUFFIX = ".memo"
_REPO_CONFIG = Path(".reviewtui") / "config.toml"
_GIT_DIR_FILES = ("HEAD", "config.worktree")
_COMMON_DIR_FILES = ("info/attributes", "info/grafts", "shallow", "objects/info/alternates")
_WORK_TREE_FILES = (str(_REPO_CONFIG),)
"""Not `.gitattributes`: git runs in an empty folder (`repository._no_work_tree`), so no in-tree file shapes a diff."""
_ENV_PREFIXES = ("GIT_", "REVIEWTUI_", "XDG_")
_ENV_NAMES = ("HOME", "TZ", "PATH")
_PROGRAMS = ("ssh-keygen",)
"""Programs whose answers a queue shows besides git's (whose version is in `tool_versions`): which one PATH finds,
and its size and time, so that an upgraded OpenSSH (which judges the signatures) is a new state."""
_GIT_ENV = {"LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


class Question(NamedTuple):
    """What the answer depends on besides the repository's state: the same question asked again."""

    repo: Path
    commits: str | None
    sort: str


class Answer(NamedTuple):
    """What `reviewtui queue` printed: the `--json` bytes, and the table's rows (AGE blank, filled when printed
    from `created`) with the lines printed under them. A recalled answer for `--json` leaves the rows out."""

    json: bytes
    rows: list[list[str]]
    created: list[str | None]
    summary: str
    bands: str
    several: bool = False
    """Rows carry a REPO column (changes from more than one repository; never kept)."""


CentralUse = tuple[tuple[str, ...], str]
"""The configured central pack paths of one rule set, and the digest of the bytes compiled from them."""


class _State(NamedTuple):
    git_dir: Path
    common_dir: Path
    top: Path
    digest: str


class QueueMemo:
    """The memo of one question in one repository (`state` is None when there is none to keep: not a repository,
    a bare one, a range git cannot resolve, git missing)."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.state = _read_state(question)
        self._store = JsonStore(self.state.common_dir / FOLDER, _SUFFIX) if self.state else None

    @property
    def top(self) -> Path | None:
        return self.state.top if self.state else None

    def recall(self, *, table: bool = True) -> Answer | None:
        """The answer kept for this very state, or None (no entry, another state, a central pack that changed, a
        damaged entry); without `table`, only what `--json` prints (the rows are not read)."""
        if self.state is None or self._store is None:
            return None
        data = self._store.read_bytes(self._key())  # unsealed by the store: only this user's entries come back
        if data is None:
            return None
        try:
            return _decode(data, self.state.digest, table)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            return None

    def keep(self, answer: Answer, central: Iterable[CentralUse]) -> bool:
        """Store `answer` if nothing it was made from moved while it was made; whether it was stored."""
        if self.state is None or self._store is None:
            return False
        if _read_state(self.question) != self.state:
            return False
        uses = sorted(set(central))
        if any(digest_on_disk(paths) != digest for paths, digest in uses):
            return False  # a central pack changed during the run: what is on disk is not what was compiled
        return self._store.write_bytes(self._key(), _encode(answer, self.state.digest, uses))

    def _key(self) -> str:
        q = self.question
        assert self.state is not None
        where = str(q.repo.resolve())
        parts = ["queue", str(self.state.top), where, q.commits, q.sort]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


# -- the state -----------------------------------------------------------------------------------------------------


def _read_state(question: Question) -> _State | None:
    """Everything outside the commits themselves that a queue's answer depends on, hashed; None when git cannot
    tell (not a repository, a bare one, a range it cannot resolve)."""
    where = question.repo
    if not where.is_dir() or len(str(where.resolve()).splitlines()) != 1:
        return None  # git's answer below is read line by line: a path with a line break in it is not told apart
    locate = ["rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir", "--show-toplevel"]
    if question.commits is not None:
        if question.commits.startswith("-"):
            return None
        locate += ["--end-of-options", question.commits]
    outputs = _git_all(
        where,
        [
            locate,
            ["for-each-ref", "--format=%(objectname) %(refname) %(symref)"],
            ["config", "--list", "-z"],
            ["--version"],
        ],
    )
    if outputs is None:
        return None
    lines = outputs[0].decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 3:
        return None
    git_dir, common_dir, top = Path(lines[0]), Path(lines[1]), Path(lines[2])
    if not (git_dir.is_absolute() and common_dir.is_absolute() and top.is_absolute()):
        return None
    files = [git_dir / name for name in _GIT_DIR_FILES]
    files += [common_dir / name for name in _COMMON_DIR_FILES]
    files += [top / name for name in _WORK_TREE_FILES]
    files.append(user_config_path())  # `queue` reads the reviewer's own file, where `config.py` finds it
    try:
        digests = [(path, _file_digest(path)) for path in files]
    except OSError:
        return None
    parts: list[Any] = [
        SCHEMA,
        __version__,
        code_fingerprint(),
        versions_with(outputs[3]),
        sys.version,
        [time.tzname, time.timezone, time.altzone],
        sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES) or k in _ENV_NAMES),
        lines,  # the dirs, and the range as commit ids
        _digest(outputs[1]),
        _digest(outputs[2]),
        [[str(path), digest] for path, digest in digests],
        [_program(name) for name in _PROGRAMS],
    ]
    return _State(git_dir, common_dir, top, _digest(json.dumps(parts).encode()))


def _git_all(where: Path, commands: Sequence[Sequence[str]]) -> list[bytes] | None:
    """The output of each git command, run at once (a warm answer waits for one git, not four); None if any
    fails."""
    env = {**os.environ, **_GIT_ENV}
    try:
        running = [
            subprocess.Popen(
                ["git", "-C", str(where), *command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            for command in commands
        ]
    except OSError:
        return None
    outputs = [process.communicate()[0] for process in running]
    if any(process.returncode != 0 for process in running):
        return None
    return outputs


def _program(name: str) -> list[Any]:
    """Where PATH finds `name` (as `shutil.which` would), with its size and modification time; [] if nowhere."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        try:
            status = os.stat(candidate)
        except OSError:
            continue
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return [candidate, status.st_size, status.st_mtime_ns]
    return []


def _file_digest(path: Path) -> str:
    """A file's content digest; `-` when there is none (absent), `folder` for a folder. A file that is there but
    cannot be read raises OSError, and the state is unknown: a fresh run would stop on it (exit 2), so no kept
    answer may stand for it."""
    try:
        return _digest(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        return "-"
    except IsADirectoryError:
        return "folder"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the entry -----------------------------------------------------------------------------------------------------


def _encode(answer: Answer, state: str, central: list[CentralUse]) -> bytes:
    table = json.dumps({"rows": answer.rows, "created": answer.created}, ensure_ascii=True).encode()
    header = {
        "schema": SCHEMA,
        "state": state,
        "central": [[list(paths), digest] for paths, digest in central],
        "json": len(answer.json),
        "summary": answer.summary,
        "bands": answer.bands,
    }
    return json.dumps(header, ensure_ascii=True).encode() + b"\n" + answer.json + table


def _decode(body: bytes, state: str, with_table: bool) -> Answer | None:
    """The answer in an unsealed entry, or None when it belongs to another state or a central pack moved; a damaged
    entry raises (ValueError, TypeError, ...), which the caller takes as a miss. The store checked the seal (the
    reviewer's own key, `seal.py`) before anything here, so nothing a forged entry names (central pack paths) is
    ever opened, and a kept verdict is as trustworthy as one worked out."""
    end = body.index(b"\n")
    header = json.loads(body[:end])
    if header["schema"] != SCHEMA or header["state"] != state:
        return None
    for paths, digest in header["central"]:
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise TypeError("central paths")
        if digest_on_disk(paths) != digest:
            return None
    json_size = header["json"]
    if type(json_size) is not int:
        raise TypeError("json size")
    answer = body[end + 1 : end + 1 + json_size]
    if len(answer) != json_size or not answer.isascii():
        raise ValueError("answer")  # what `json.dumps(..., ensure_ascii=True)` wrote is ASCII
    summary, bands = header["summary"], header["bands"]
    if not isinstance(summary, str) or not isinstance(bands, str):
        raise TypeError("summary")
    if not with_table:
        return Answer(answer, [], [], summary, bands)
    table = json.loads(body[end + 1 + json_size :])
    rows, created = table["rows"], table["created"]
    if not (isinstance(rows, list) and all(isinstance(r, list) and all(isinstance(c, str) for c in r) for r in rows)):
        raise TypeError("rows")
    if not (isinstance(created, list) and len(created) == len(rows)):
        raise TypeError("created")
    if not all(c is None or isinstance(c, str) for c in created):
        raise TypeError("created")
    return Answer(answer, rows, created, summary, bands)
