"""What the TUI remembers about each reviewer's reading of each change: the evidence a signed approval carries.

A Tier-1 approval counts only when the reviewer saw every Tier-1 hunk, accounted for every blocking finding with a
reason, and took long enough (docs/approval-format.md). Only the TUI can observe those facts, so it keeps them here,
per reviewer and per change: the diff view reports which rows were on screen, the review screen reports when the
reviewer was there and active, and this module decides what that amounts to. It never imports Textual, so the
accounting is unit-tested on its own, and pair mode keeps two people's evidence apart on one terminal.

Everything is kept in memory for the life of the app; nothing here is a claim until it is signed.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewtui.approvals.clerk import Coverage, principal_for
from reviewtui.approvals.statement import Acknowledgement
from reviewtui.approvals.verdict import Facts, Verdict
from reviewtui.errors import ReviewtuiError
from reviewtui.journal import Activity, Journal, JsonValue
from reviewtui.model import Change
from reviewtui.rules.finding import Finding
from reviewtui.text import inert
from reviewtui.ui.diff_layout import DiffLayout
from reviewtui.ui.identities import Identity

IDLE_AFTER = 180.0
"""Seconds without a key press, scroll or mouse movement after which the review clock stops counting."""

DWELL = 0.2
"""Seconds a screenful must stay put to count as displayed: the frames of a scroll animation, or of a held-down key,
flash past unread and do not count."""

ACK_KINDS = ("ack", "waive")

Clock = Callable[[], float]


class Stopwatch:
    """Seconds of attention on one change.

    It counts only while running (the review screen is the active screen and the terminal has focus) and never more
    than `idle_after` seconds past the last sign of activity, so a screen left open over lunch does not become an
    hour of review. Time is measured between events with a monotonic clock, never by counting timer ticks, so a
    busy event loop cannot add or lose time.
    """

    def __init__(self, clock: Clock = time.monotonic, idle_after: float = IDLE_AFTER) -> None:
        self._clock = clock
        self.idle_after = idle_after
        self._counted = 0.0
        self._mark: float | None = None
        """While running: the moment up to which time has been accounted for."""
        self._active = 0.0
        """The last sign of activity."""

    @property
    def running(self) -> bool:
        return self._mark is not None

    @property
    def seconds(self) -> float:
        if self._mark is not None:
            self._advance(self._clock())
        return self._counted

    def start(self) -> None:
        """Arriving on the screen (or the terminal regaining focus) counts as activity."""
        if self._mark is None:
            now = self._clock()
            self._mark = now
            self._active = now

    def stop(self) -> None:
        if self._mark is not None:
            self._advance(self._clock())
            self._mark = None

    def credit(self, seconds: float) -> None:
        """Time this reviewer already spent on this version of the change in an earlier run of the app (the
        journal's estimate), so closing the terminal does not send a reviewer back to zero."""
        self._counted += max(0.0, seconds)

    def touch(self) -> None:
        """The reviewer did something: the time since the last mark counts (up to the idle limit)."""
        now = self._clock()
        if self._mark is not None:
            self._advance(now)
        self._active = now

    def _advance(self, now: float) -> None:
        assert self._mark is not None
        end = min(now, self._active + self.idle_after)
        if end > self._mark:
            self._counted += end - self._mark
        self._mark = max(self._mark, now)


@dataclass(frozen=True, slots=True)
class HunkPlace:
    """One hunk as the diff view lays it out: its rows (header, lines, findings), content digest and file path."""

    start: int
    rows: int
    digest: str
    path: str


def hunk_places(layout: DiffLayout) -> tuple[HunkPlace, ...]:
    files = layout.change.files
    return tuple(
        HunkPlace(span.start, span.rows, files[span.file].hunks[span.hunk].digest(), files[span.file].path)
        for span in layout.hunk_spans
    )


class CoverageTracker:
    """Which hunks were displayed in full, as recorded in an approval's `hunksDisplayed`.

    A hunk counts once every one of its rows has been on screen, in one window or across several scroll positions
    (a 500-line hunk never fits a terminal). A window counts once it has stayed on screen for `dwell` seconds, so
    jumping from the first hunk to the last with `G` (an animated scroll) shows neither the hunks in between nor the
    rows skipped. Partial coverage is kept as merged row intervals, so memory stays small however the reviewer
    scrolls.
    """

    def __init__(self, places: Sequence[HunkPlace], clock: Clock = time.monotonic, dwell: float = DWELL) -> None:
        self.places = tuple(places)
        self._clock = clock
        self.dwell = dwell
        self._starts = [place.start for place in self.places]
        self._partial: dict[int, list[tuple[int, int]]] = {}
        self._seen: set[int] = set()
        self._window: tuple[tuple[tuple[int, int], ...], float] | None = None
        """The row intervals on screen now and since when (not yet credited)."""

    @property
    def total(self) -> int:
        return len(self.places)

    @property
    def seen(self) -> int:
        self._settle(self._clock())
        return len(self._seen)

    def show(self, top: int, bottom: int) -> int:
        """Rows `top` to `bottom` (exclusive) are on screen from now on; returns how many hunks were completed by
        the window they replace."""
        return self.show_spans([(top, bottom)] if bottom > top else [])

    def show_spans(self, spans: Sequence[tuple[int, int]]) -> int:
        """These row intervals are on screen from now on (a side-by-side or wrapped view shows the canonical rows
        in pieces); returns how many hunks were completed by the window they replace."""
        now = self._clock()
        completed = self._settle(now)
        kept = tuple((top, bottom) for top, bottom in spans if bottom > top)
        self._window = (kept, now) if kept else None
        return completed

    def hide(self) -> int:
        """Nothing is on screen any more (another screen is in front, or the terminal lost focus)."""
        completed = self._settle(self._clock())
        self._window = None
        return completed

    def _settle(self, now: float) -> int:
        if self._window is None or now - self._window[1] < self.dwell:
            return 0
        spans, _ = self._window
        self._window = None  # credited; the same rows count again only when shown again
        return sum(self._credit(top, bottom) for top, bottom in spans)

    def _credit(self, top: int, bottom: int) -> int:
        completed = 0
        index = max(0, bisect.bisect_right(self._starts, top) - 1)
        while index < len(self.places) and self.places[index].start < bottom:
            place = self.places[index]
            end = place.start + place.rows
            if index not in self._seen and end > top:
                piece = (max(top, place.start) - place.start, min(bottom, end) - place.start)
                merged = _merge(self._partial.get(index, []), piece)
                if merged == [(0, place.rows)]:
                    self._seen.add(index)
                    self._partial.pop(index, None)
                    completed += 1
                else:
                    self._partial[index] = merged
            index += 1
        return completed

    def restore(self, digests: Iterable[str]) -> int:
        """Hunks the journal says this reviewer displayed in an earlier run, matched by content digest (a hunk that
        changed since is not among them); returns how many were credited."""
        wanted = set(digests)
        before = len(self._seen)
        for index, place in enumerate(self.places):
            if place.digest in wanted:
                self._seen.add(index)
                self._partial.pop(index, None)
        return len(self._seen) - before

    def is_seen(self, index: int) -> bool:
        self._settle(self._clock())
        return index in self._seen

    def digests(self) -> tuple[str, ...]:
        """Digests of the hunks seen in full, in diff order, each once."""
        self._settle(self._clock())
        return tuple(dict.fromkeys(self.places[i].digest for i in sorted(self._seen)))

    def count_in(self, paths: frozenset[str]) -> tuple[int, int]:
        """(seen, total) among the hunks of these files (the Tier-1 files of a change)."""
        self._settle(self._clock())
        indexes = [i for i, place in enumerate(self.places) if place.path in paths]
        return sum(1 for i in indexes if i in self._seen), len(indexes)


def _merge(spans: list[tuple[int, int]], new: tuple[int, int]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted([*spans, new]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def finding_key(finding: Finding) -> tuple[str, str | None, int | None]:
    """What an acknowledgement names, and what the verdict matches it against."""
    return (finding.rule, finding.path, finding.line)


@dataclass(slots=True)
class ChangeProgress:
    """One reviewer's evidence on one change."""

    coverage: CoverageTracker
    stopwatch: Stopwatch
    acknowledgements: dict[tuple[str, str | None, int | None], Acknowledgement] = field(default_factory=dict)
    journaled: set[str] = field(default_factory=set)
    """Digests of hunks already written to the journal as displayed (each is journaled once per version)."""

    def acknowledge(self, finding: Finding, kind: str, reason: str) -> Acknowledgement:
        """Record that this reviewer accepts (`ack`) or dismisses (`waive`) a finding; the reason is required
        because an acknowledgement without one is not counted by the policy and tells later readers nothing."""
        if kind not in ACK_KINDS:
            raise ValueError(f"unknown acknowledgement kind {kind!r}")
        reason = inert(reason.strip(), keep_tabs=False)
        if not reason:
            raise ValueError("a reason is required")
        ack = Acknowledgement(finding.rule, finding.path, finding.line, kind, reason)
        self.acknowledgements[finding_key(finding)] = ack
        return ack

    def acknowledgement(self, finding: Finding) -> Acknowledgement | None:
        return self.acknowledgements.get(finding_key(finding)) or self.acknowledgements.get((finding.rule, None, None))

    def acknowledged(self) -> tuple[Acknowledgement, ...]:
        return tuple(self.acknowledgements.values())

    def evidence(self) -> Coverage:
        """The coverage block of a decision made now."""
        return Coverage(hunks_displayed=self.coverage.digests(), seconds=round(self.stopwatch.seconds, 1))


@dataclass(frozen=True, slots=True)
class Standing:
    """How one reviewer's evidence measures up to the policy, before signing.

    A preview for the reviewer (the header and the confirmation dialog); the verdict over the signed record is what
    decides. It mirrors the policy's Tier-1 conditions so a reviewer learns what is missing before signing, not after.
    """

    tier1: bool
    hunks_seen: int
    hunks_total: int
    tier1_seen: int
    tier1_total: int
    seconds: float
    seconds_needed: float
    blocking: tuple[Finding, ...]
    """Findings of the severities the policy asks approvers to acknowledge."""
    unacknowledged: tuple[Finding, ...]

    def gaps(self) -> list[str]:
        """Why an approval made now would not count (Tier-1 only); empty when nothing is missing."""
        if not self.tier1:
            return []
        gaps = []
        if self.unacknowledged:
            gaps.append(f"{len(self.unacknowledged)} blocking finding(s) not acknowledged or waived")
        if self.tier1_seen < self.tier1_total:
            gaps.append(f"{self.tier1_total - self.tier1_seen} of {self.tier1_total} Tier-1 hunk(s) not displayed yet")
        if self.seconds < self.seconds_needed:
            needed = clock_label(self.seconds_needed, up=True)
            gaps.append(f"reviewed for {clock_label(self.seconds)}; the policy asks {needed}")
        return gaps


def standing(progress: ChangeProgress, facts: Facts | None, findings: Sequence[Finding]) -> Standing:
    seconds = progress.stopwatch.seconds
    if facts is None:
        seen = progress.coverage.seen
        return Standing(False, seen, progress.coverage.total, 0, 0, seconds, 0.0, (), ())
    policy = facts.policy
    tier1 = facts.tier == 1
    blocking = tuple(f for f in findings if f.severity.value in policy.acknowledge)
    unacknowledged = tuple(f for f in blocking if progress.acknowledgement(f) is None)
    tier1_seen, tier1_total = progress.coverage.count_in(facts.tier1_paths)
    stats = facts.change.stats
    needed = policy.min_seconds_per_100_lines * (stats.added + stats.deleted) / 100 if tier1 else 0.0
    return Standing(
        tier1=tier1,
        hunks_seen=progress.coverage.seen,
        hunks_total=progress.coverage.total,
        tier1_seen=tier1_seen if tier1 and policy.full_coverage else 0,
        tier1_total=tier1_total if tier1 and policy.full_coverage else 0,
        seconds=seconds,
        seconds_needed=needed,
        blocking=blocking,
        unacknowledged=unacknowledged,
    )


def _acknowledgement(data: Mapping[str, Any]) -> Acknowledgement | None:
    """An acknowledgement as the journal recorded it, or None when the entry lacks what one needs."""
    rule, path, line, reason = data.get("rule"), data.get("path"), data.get("line"), data.get("reason")
    if not isinstance(rule, str) or not isinstance(reason, str) or not reason.strip():
        return None
    return Acknowledgement(
        rule,
        path if isinstance(path, str) else None,
        line if isinstance(line, int) and not isinstance(line, bool) else None,
        "waive" if data.get("kind") == "waive" else "ack",
        inert(reason.strip(), keep_tabs=False),
    )


def clock_label(seconds: float, *, up: bool = False) -> str:
    """`0:07`, `12:30`, `1:02:03`; `up` rounds a requirement up (11.8 s needed is 0:12, not 0:11)."""
    whole = math.ceil(seconds) if up else int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def change_key(change: Change) -> str:
    """Progress belongs to one version of a change: a re-push (new head) starts the evidence afresh."""
    return f"{change.repo}\0{change.id}\0{change.head or ''}"


def queue_key(change: Change) -> str:
    """The queue's row key for a change (any version)."""
    return f"{change.repo}\0{change.id}"


NOBODY = "(no signing key)"


class Session:
    """The people reviewing in this app, who is at the keyboard, and each one's progress on each change.

    In pair mode two (or more) reviewers share a terminal and take turns; switching the active identity switches
    whose clock runs, whose coverage grows and whose acknowledgements are shown and signed. One reviewer's evidence
    is never credited to another.
    """

    def __init__(
        self,
        identities: Sequence[Identity] = (),
        *,
        clock: Clock = time.monotonic,
        idle_after: float = IDLE_AFTER,
        dwell: float = DWELL,
        journal: Journal | None = None,
    ) -> None:
        self.identities: list[Identity] = list(identities)
        self.active_index = 0
        self.clock = clock
        """Replaceable (tests use a fake clock); every stopwatch reads the clock through the session."""
        self.idle_after = idle_after
        self.dwell = dwell
        self.problems: list[str] = []
        """Keys that were configured but could not be used, shown to the reviewer when they try to sign."""
        self.allowed_signers: bytes | None = None
        """The allowed_signers file of the latest base read, to name reviewers by their principal."""
        self.principals: dict[str, str] = {}
        """Public key -> principal, as the allowed_signers of a base names it (learned as changes are judged)."""
        self.verdicts: dict[str, Verdict | str] = {}
        """Queue row key -> the latest verdict, or the reason it could not be computed."""
        self._progress: dict[tuple[str, str], ChangeProgress] = {}
        self.journal = journal
        """The action journal every reviewer action is appended to (None: not journaled, as in unit tests)."""
        self.journal_problem: str | None = None
        self._earlier: dict[tuple[str, str], Activity] = {}
        """Journal activity read ahead off the UI thread (`prefetch`), by (key fingerprint, head)."""
        """Why the journal could not be written, once it failed (the review goes on; the reviewer is told once)."""

    @property
    def active(self) -> Identity | None:
        if not self.identities:
            return None
        return self.identities[min(self.active_index, len(self.identities) - 1)]

    def switch(self, index: int) -> Identity:
        if not 0 <= index < len(self.identities):
            raise IndexError(f"no reviewer #{index}")
        self.active_index = index
        return self.identities[index]

    def name(self, identity: Identity | None) -> str:
        """Who this is, as plainly as known: the allowed_signers principal, else the key's comment or file name."""
        if identity is None:
            return NOBODY
        key = identity.key.public_key
        if key not in self.principals and self.allowed_signers is not None:
            principal = principal_for(key, self.allowed_signers)
            if principal:
                self.principals[key] = principal
        return self.principals.get(key) or identity.comment or identity.key.path.name

    def progress(
        self,
        change: str,
        places: Sequence[HunkPlace],
        identity: Identity | None = None,
        *,
        head: str | None = None,
    ) -> ChangeProgress:
        """The progress of `identity` (default: the active reviewer) on `change`, created on first use.

        With a journal and the change's `head`, a new progress starts from what the journal says this reviewer
        already did on exactly this version in earlier runs: hunks displayed (by content digest), time spent and
        acknowledgements. That is how the journal feeds a decision's coverage and time."""
        who = identity if identity is not None else self.active
        key = (who.key.public_key if who is not None else NOBODY, change)
        found = self._progress.get(key)
        if found is None:
            found = ChangeProgress(
                CoverageTracker(places, self._now, self.dwell), Stopwatch(self._now, self.idle_after)
            )
            if who is not None and head:
                self._resume(found, who, head)
            self._progress[key] = found
        return found

    def prefetch(self, head: str | None) -> None:
        """Read the active reviewer's earlier activity on `head` from the journal now, so that starting their
        progress later costs no journal read. The journal is read whole, so callers do this off the UI thread."""
        who = self.active
        if self.journal is None or who is None or not head:
            return
        try:
            self._earlier[(who.fingerprint, head)] = self.journal.activity(who.fingerprint, head)
        except ReviewtuiError:
            return  # an unreadable journal resumes nothing; the first failed write tells the reviewer why

    def _resume(self, progress: ChangeProgress, who: Identity, head: str) -> None:
        if self.journal is None:
            return
        earlier = self._earlier.pop((who.fingerprint, head), None)
        try:
            earlier = earlier or self.journal.activity(who.fingerprint, head)
        except ReviewtuiError:
            return  # an unreadable journal resumes nothing; the first failed write tells the reviewer why
        progress.coverage.restore(earlier.hunks_displayed)
        progress.journaled.update(earlier.hunks_displayed)
        progress.stopwatch.credit(earlier.seconds)
        for ack in earlier.acknowledged:
            restored = _acknowledgement(ack)
            if restored is not None:
                progress.acknowledgements[(restored.rule, restored.path, restored.line)] = restored

    def record(
        self,
        action: str,
        change: Change,
        fields: Mapping[str, JsonValue] | None = None,
        *,
        identity: Identity | None = None,
    ) -> str | None:
        """Append one reviewer action to the journal, fsynced before this returns.

        Returns a message the first time the journal cannot be written (so the UI can say so once); the review
        itself goes on, since a signed decision does not depend on the journal."""
        if self.journal is None:
            return None
        who = identity if identity is not None else self.active
        try:
            self.journal.append(
                action,
                reviewer=who.fingerprint if who is not None else NOBODY,
                name=self.name(who),
                repo=change.repo,
                change=change.id,
                head=change.head or "",
                **(fields or {}),
            )
        except ReviewtuiError as exc:
            first = self.journal_problem is None
            self.journal_problem = str(exc)
            return str(exc) if first else None
        return None

    def _now(self) -> float:
        return self.clock()
