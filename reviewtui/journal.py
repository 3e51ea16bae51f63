"""The reviewer's action journal: what was opened, shown, acknowledged and signed, in a tamper-evident log.

A signed decision says what a reviewer concluded; the journal says what they did to get there, so an auditor can ask
whether a hunk was ever on screen or whether two minutes were really spent. Each action is one line of JSON
(JSON Lines) carrying its sequence number and the hash of the previous entry, so editing, deleting or reordering
entries breaks the chain at a point `verify` names. Every append is written under an exclusive lock and fsynced
before it returns: an action the UI reports as done is on disk.

Limits, stated plainly: a chain proves the file is internally consistent. Someone who can rewrite the whole file
can also rebuild the whole chain; the head file beside the journal (`<journal>.head`, the last sequence number and
hash) catches a truncated tail, and copying `Journal.head()` somewhere the reviewer cannot rewrite (a signed
decision's comment, a ticket) anchors everything up to that point.

Where it lives: `$REVIEWTUI_JOURNAL` if set, else `$XDG_STATE_HOME/reviewtui/journal.jsonl`
(`~/.local/state/reviewtui/journal.jsonl`): per user and per machine, like shell history, since it records one
person's actions across every repository they review.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from reviewtui.errors import ReviewtuiError
from reviewtui.places import user_state_path

JOURNAL_ENV = "REVIEWTUI_JOURNAL"
ACTIONS = (
    "change-opened",
    "hunk-displayed",
    "finding-acknowledged",
    "finding-waived",
    "decision-signed",
    "sync",
    "change-closed",
)
"""What the journal records; anything else is a programming error, refused so a typo cannot hide actions."""
GENESIS = "0" * 64
"""The `prev` of the first entry."""
IDLE_SECONDS = 120.0
"""In time-spent estimates, a gap between two actions longer than this counts as this much (the reviewer left)."""
_DOMAIN = b"reviewtui-journal-v1\n"
_RESERVED = frozenset({"seq", "time", "action", "prev", "hash"})
_TAIL_BLOCK = 4096

JsonScalar = str | int | float | bool | None
JsonValue = JsonScalar | list[JsonScalar]


class JournalError(ReviewtuiError):
    """The journal cannot be read or written; the message names the file."""


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    time: str
    action: str
    fields: Mapping[str, Any]
    prev: str
    hash: str

    def get(self, name: str) -> Any:
        return self.fields.get(name)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of verifying a journal: how many entries hold together, and the first thing that does not."""

    path: Path
    entries: int
    """Entries that verified, from the first, before any problem."""
    problem: str | None = None
    line: int | None = None
    """1-based line of the first problem."""
    head: str | None = None
    """The hash of the last verified entry."""
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Activity:
    """What one reviewer did on one head, as the journal tells it: what a decision's coverage is made of."""

    hunks_displayed: tuple[str, ...] = ()
    seconds: float = 0.0
    acknowledged: tuple[Mapping[str, Any], ...] = ()
    opened: int = 0
    signed: tuple[str, ...] = field(default=())


def default_path() -> Path:
    override = os.environ.get(JOURNAL_ENV)
    if override:
        return Path(override).expanduser()
    return user_state_path() / "journal.jsonl"


def entry_hash(body: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of an entry without its own hash (domain-separated from other hashes)."""
    return hashlib.sha256(_DOMAIN + _canonical(body)).hexdigest()


class Journal:
    """One journal file. Cheap to create; every method opens the file for just as long as it needs."""

    def __init__(self, path: Path | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path if path is not None else default_path()
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- writing -----------------------------------------------------------------------------------------------------

    def append(self, action: str, **fields: JsonValue) -> Entry:
        """Record one action; returns once the entry (and the head file) are on disk."""
        if action not in ACTIONS:
            raise ValueError(f"unknown journal action {action!r} (known: {', '.join(ACTIONS)})")
        clash = sorted(_RESERVED & set(fields))
        if clash:
            raise ValueError(f"journal field {clash[0]!r} is reserved")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot open the journal: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last, discarded = _tail(fd, self.path, repair=True)
            extra: dict[str, JsonValue] = {"discarded_bytes": discarded} if discarded else {}
            body: dict[str, Any] = {
                **fields,
                **extra,
                "seq": 0 if last is None else last.seq + 1,
                "time": self._clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "action": action,
                "prev": GENESIS if last is None else last.hash,
            }
            digest = entry_hash(body)
            start = os.lseek(fd, 0, os.SEEK_END)
            try:
                _write_all(fd, _canonical({**body, "hash": digest}) + b"\n")
                os.fsync(fd)
                if created:
                    _fsync_dir(self.path.parent)
                _write_atomic(self.head_path, _canonical({"seq": body["seq"], "hash": digest}) + b"\n")
            except OSError:
                # A full disk writes part of the line: cut it off so an action is either recorded whole or
                # reported as failed, never reported done while half on disk.
                os.ftruncate(fd, start)
                os.fsync(fd)
                raise
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot write the journal: {exc.strerror}") from None
        finally:
            os.close(fd)
        return _entry({**body, "hash": digest})

    def head(self) -> tuple[int, str] | None:
        """(sequence number, hash) of the last entry: copy it somewhere safe to anchor the journal up to here."""
        for entry in self._reversed_last():
            return entry.seq, entry.hash
        return None

    # -- reading -----------------------------------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        """Every well-formed entry in file order, without checking the chain (see `verify`)."""
        for _, raw in self._lines():
            try:
                yield _entry(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                continue

    def verify(self) -> ChainReport:
        """Check every link; the report names the first entry that is edited, missing or out of place."""
        if not self.path.exists():
            raise JournalError(f"{self.path}: no journal here (nothing has been recorded, or the path is wrong)")
        lines = list(self._lines())
        warnings: list[str] = []
        if lines and not lines[-1][1].endswith(b"\n"):
            lines.pop()
            warnings.append("the last line is an unfinished write (no newline; never reported done); ignored")
        parsed = [_parse_line(raw) for _, raw in lines]
        expected_prev, count = GENESIS, 0
        for index, ((number, _), item) in enumerate(zip(lines, parsed, strict=True)):
            if isinstance(item, str):
                return ChainReport(self.path, count, f"line {number}: {item}", number, expected_prev, tuple(warnings))
            if item.seq != index:
                problem = _misplaced(index, item.seq, parsed, number)
                return ChainReport(self.path, count, problem, number, expected_prev, tuple(warnings))
            body = {**item.fields, "seq": item.seq, "time": item.time, "action": item.action, "prev": item.prev}
            if entry_hash(body) != item.hash:
                problem = f"entry {item.seq} (line {number}) was edited: its content does not match its hash"
                return ChainReport(self.path, count, problem, number, expected_prev, tuple(warnings))
            if item.prev != expected_prev:
                problem = (
                    f"the chain breaks between entry {item.seq - 1} and entry {item.seq} (line {number}): entry "
                    f"{item.seq - 1} was rewritten after entry {item.seq} was written"
                )
                return ChainReport(self.path, count, problem, number, expected_prev, tuple(warnings))
            expected_prev, count = item.hash, count + 1
        at_end = self._head_problem(count, expected_prev, warnings)
        line = count + 1 if at_end else None
        return ChainReport(self.path, count, at_end, line, expected_prev, tuple(warnings))

    def activity(self, reviewer: str, head: str, *, idle_seconds: float = IDLE_SECONDS) -> Activity:
        """Hunks shown, time spent and findings acknowledged by `reviewer` on the change at `head`.

        Time is estimated from the gaps between this reviewer's consecutive actions on this head, each gap capped at
        `idle_seconds`, so a review left open overnight counts as two minutes, not ten hours.
        """
        mine = [e for e in self.entries() if e.get("reviewer") == reviewer and e.get("head") == head]
        hunks = dict.fromkeys(str(e.get("hunk")) for e in mine if e.action == "hunk-displayed" and e.get("hunk"))
        moments = sorted(_moment(e.time) for e in mine)
        seconds = sum(min(b - a, idle_seconds) for a, b in pairwise(moments))
        acks = tuple(
            {key: e.get(key) for key in ("rule", "path", "line", "reason")}
            | {"kind": "waive" if e.action == "finding-waived" else "ack"}
            for e in mine
            if e.action in ("finding-acknowledged", "finding-waived")
        )
        return Activity(
            hunks_displayed=tuple(hunks),
            seconds=round(seconds, 1),
            acknowledged=acks,
            opened=sum(1 for e in mine if e.action == "change-opened"),
            signed=tuple(str(e.get("decision")) for e in mine if e.action == "decision-signed"),
        )

    # -- helpers -----------------------------------------------------------------------------------------------------

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        try:
            with open(self.path, "rb") as handle:
                yield from enumerate(handle, start=1)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot read the journal: {exc.strerror}") from None

    def _reversed_last(self) -> Iterator[Entry]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot read the journal: {exc.strerror}") from None
        try:
            last, _ = _tail(fd, self.path, repair=False)
        finally:
            os.close(fd)
        if last is not None:
            yield last

    def _head_problem(self, count: int, last_hash: str, warnings: list[str]) -> str | None:
        try:
            head = json.loads(self.head_path.read_bytes())
            seq, digest = int(head["seq"]), str(head["hash"])
        except FileNotFoundError:
            if count:
                warnings.append(f"no {self.head_path.name} beside the journal: a truncated tail cannot be detected")
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return f"{self.head_path.name} is unreadable: the journal's recorded end cannot be checked"
        if seq >= count:
            missing = f"entry {count}" if seq == count else f"entries {count} to {seq}"
            return f"{missing} missing from the end: {self.head_path.name} records entry {seq} as the last one"
        if seq == count - 1 and digest != last_hash:
            return f"entry {seq} differs from the one {self.head_path.name} recorded: it was rewritten"
        return None


def _misplaced(index: int, seq: int, parsed: Sequence[Entry | str], number: int) -> str:
    """Name what is wrong when line `number` holds entry `seq` where entry `index` belongs."""
    later = next((i for i, p in enumerate(parsed) if isinstance(p, Entry) and p.seq == index), None)
    if later is not None:
        return f"entries out of order: line {number} holds entry {seq}, and entry {index} is on line {later + 1}"
    if seq > index:
        return f"entry {index} is missing: line {number} holds entry {seq} where entry {index} belongs"
    return f"line {number} holds entry {seq} again where entry {index} belongs (a duplicated or replayed entry)"


def _parse_line(raw: bytes) -> Entry | str:
    try:
        data = json.loads(raw)
    except ValueError:
        return "not a JSON entry (the line was edited or overwritten)"
    try:
        return _entry(data)
    except (KeyError, TypeError, ValueError):
        return "a JSON object without the journal's fields (seq, time, action, prev, hash)"


def _entry(data: Any) -> Entry:
    if not isinstance(data, dict):
        raise TypeError("not an object")
    seq = data["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise TypeError("seq")
    rest = {k: v for k, v in data.items() if k not in _RESERVED}
    return Entry(seq, str(data["time"]), str(data["action"]), rest, str(data["prev"]), str(data["hash"]))


def _tail(fd: int, path: Path, *, repair: bool) -> tuple[Entry | None, int]:
    """The last complete entry of an open journal, and how many bytes of an unfinished line follow it.

    An unfinished last line is a write that never completed (its writer died before fsync returned), so it was never
    reported done; with `repair` it is cut off before the next entry is appended, and that entry records how many
    bytes went.
    """
    size = os.fstat(fd).st_size
    if size == 0:
        return None, 0
    end, data = size, b""
    while True:
        start = max(0, end - _TAIL_BLOCK)
        data = os.pread(fd, end - start, start) + data
        end = start
        lines = data.split(b"\n")
        filled = [i for i, line in enumerate(lines[:-1]) if line.strip()]
        # lines[0] may begin mid-line unless the read reached the start of the file
        if (filled and filled[-1] > 0) or start == 0:
            break
    torn = len(lines[-1])
    if torn and repair:
        os.ftruncate(fd, size - torn)
    if not filled:
        return None, torn
    try:
        return _entry(json.loads(lines[filled[-1]])), torn
    except (ValueError, KeyError, TypeError):
        raise JournalError(
            f"{path}: the last entry is not readable; `reviewtui audit --journal {path}` shows where the chain breaks"
        ) from None


def _write_all(fd: int, data: bytes) -> None:
    """`os.write` may write less than asked (a disk filling up); keep going until all is written or it fails."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(28, "no space left on device")
        view = view[written:]


def _canonical(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _moment(text: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
