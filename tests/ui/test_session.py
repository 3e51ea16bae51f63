"""The evidence accounting behind approvals, without Textual: coverage, review time, acknowledgements, reviewers."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.analysis import Analysis, Analyzer
from reviewtui.approvals.clerk import Clerk
from reviewtui.approvals.signer import SigningKey
from reviewtui.rules.finding import Finding
from reviewtui.rules.rule import Severity
from reviewtui.ui.diff_layout import DiffLayout
from reviewtui.ui.identities import Identity
from reviewtui.ui.session import (
    ChangeProgress,
    CoverageTracker,
    HunkPlace,
    Session,
    Stopwatch,
    change_key,
    clock_label,
    hunk_places,
    standing,
)
from tests.ui.conftest import FakeClock


def places(*sizes: int, path: str = "a.py") -> list[HunkPlace]:
    """Hunks of the given row counts, laid out one after another from row 2 (after a file header)."""
    out, row = [], 2
    for index, size in enumerate(sizes):
        out.append(HunkPlace(row, size, f"digest-{index}", path))
        row += size
    return out


def identity(name: str) -> Identity:
    key = SigningKey(Path(f"/keys/{name}"), f"ssh-ed25519 KEY{name}")
    return Identity(key, f"SHA256:{name}", comment=f"{name}@example.org")


# -- the stopwatch -----------------------------------------------------------------------------------------------------


def test_stopwatch_counts_only_while_running() -> None:
    clock = FakeClock()
    watch = Stopwatch(clock)
    clock.now += 10
    assert watch.seconds == 0  # not started: another screen was in front
    watch.start()
    clock.now += 7
    assert watch.seconds == 7
    watch.stop()
    clock.now += 100
    assert watch.seconds == 7
    watch.start()
    clock.now += 3
    assert watch.seconds == 10


def test_stopwatch_stops_counting_when_the_reviewer_is_idle() -> None:
    clock = FakeClock()
    watch = Stopwatch(clock, idle_after=60)
    watch.start()
    clock.now += 45
    watch.touch()  # a key press at 45 s
    clock.now += 3600  # lunch
    assert watch.seconds == 45 + 60
    watch.touch()  # back: counting resumes from here
    clock.now += 5
    assert watch.seconds == 45 + 60 + 5


def test_clock_label() -> None:
    assert [clock_label(s) for s in (0, 7.9, 65, 3723)] == ["0:00", "0:07", "1:05", "1:02:03"]
    assert clock_label(11.8, up=True) == "0:12"


# -- coverage ----------------------------------------------------------------------------------------------------------


def test_a_hunk_counts_once_all_its_rows_were_on_screen_long_enough() -> None:
    clock = FakeClock()
    tracker = CoverageTracker(places(10, 30, 5), clock)
    tracker.show(0, 20)  # hunk 0 whole (rows 2-11), hunk 1 partly (12-19)
    assert tracker.seen == 0  # not yet: a window must stay put for the dwell time
    clock.now += 1
    assert tracker.seen == 1 and tracker.digests() == ("digest-0",)
    tracker.show(20, 40)
    clock.now += 1
    tracker.show(35, 47)  # hunk 1 (12-41) is now complete over three windows, hunk 2 (42-46) too
    clock.now += 1
    assert tracker.seen == 3
    assert tracker.digests() == ("digest-0", "digest-1", "digest-2")


def test_windows_that_flash_past_do_not_count() -> None:
    """A jump to the end (or a held-down key) passes over rows without showing them long enough to read."""
    clock = FakeClock()
    tracker = CoverageTracker(places(10, 30, 5), clock)
    for top in range(0, 40, 3):  # animation frames, all within the same instant
        tracker.show(top, top + 8)
    clock.now += 1
    tracker.show(39, 47)  # the final position
    clock.now += 1
    assert tracker.digests() == ("digest-2",)


def test_hidden_rows_do_not_accumulate_dwell() -> None:
    clock = FakeClock()
    tracker = CoverageTracker(places(10), clock)
    tracker.show(0, 5)
    tracker.hide()  # a dialog covers the diff at once
    clock.now += 60
    assert tracker.seen == 0


def test_coverage_counts_per_file_and_dedupes_digests() -> None:
    clock = FakeClock()
    spans = [*places(4, path="tier1.py"), HunkPlace(8, 4, "digest-0", "other.py")]  # an identical hunk elsewhere
    tracker = CoverageTracker(spans, clock)
    tracker.show(0, 20)
    clock.now += 1
    assert tracker.count_in(frozenset({"tier1.py"})) == (1, 1)
    assert tracker.seen == 2 and tracker.digests() == ("digest-0",)


def test_hunk_places_follow_the_layout(demo_analyses: dict[str, Analysis]) -> None:
    analysis = demo_analyses["claude/s3-order-export"]
    layout = DiffLayout(analysis.change, analysis.findings)
    found = hunk_places(layout)
    hunks = [h for f in analysis.change.files for h in f.hunks]
    assert [p.digest for p in found] == [h.digest() for h in hunks]
    for place in found:  # each span starts at the hunk header and ends before the next block
        assert layout.row(place.start).kind.value == "hunk"
        end = place.start + place.rows
        assert end == layout.total_rows or layout.row(end).kind.value in ("hunk", "blank")


# -- acknowledgements --------------------------------------------------------------------------------------------------


def finding(rule: str = "secret", line: int | None = 3) -> Finding:
    return Finding(rule, Severity.CRITICAL, "a secret", "ai/x", "builtin", "a.py", line)


def test_acknowledging_needs_a_reason_and_a_known_kind() -> None:
    progress = ChangeProgress(CoverageTracker([]), Stopwatch())
    with pytest.raises(ValueError, match="reason"):
        progress.acknowledge(finding(), "waive", "   ")
    with pytest.raises(ValueError, match="kind"):
        progress.acknowledge(finding(), "ignore", "because")
    ack = progress.acknowledge(finding(), "waive", "  test fixture, not a real key ")
    assert (ack.rule, ack.path, ack.line, ack.kind, ack.reason) == (
        "secret",
        "a.py",
        3,
        "waive",
        "test fixture, not a real key",
    )
    assert progress.acknowledgement(finding()) == ack
    assert progress.acknowledgement(finding(line=9)) is None
    progress.acknowledge(finding(), "ack", "rotated already")  # changing one's mind replaces, never duplicates
    assert [a.kind for a in progress.acknowledged()] == ["ack"]


# -- reviewers ---------------------------------------------------------------------------------------------------------


def test_each_reviewer_has_their_own_evidence() -> None:
    clock = FakeClock()
    session = Session([identity("alice"), identity("bob")], clock=clock)
    spans = places(5)
    alice = session.progress("change", spans)
    alice.stopwatch.start()
    alice.coverage.show(0, 10)
    alice.acknowledge(finding(), "ack", "fine")
    clock.now += 30
    assert session.switch(1).comment == "bob@example.org"
    bob = session.progress("change", spans)
    assert bob is not alice
    assert (bob.coverage.seen, bob.stopwatch.seconds, bob.acknowledged()) == (0, 0, ())
    assert session.progress("change", spans, session.identities[0]) is alice
    assert alice.evidence().hunks_displayed == ("digest-0",) and alice.evidence().seconds == 30
    assert session.progress("other change", spans) is not bob


def test_names_prefer_the_allowed_signers_principal() -> None:
    session = Session([identity("alice")])
    assert session.name(session.active) == "alice@example.org"  # the key's comment until a base names it
    session.principals["ssh-ed25519 KEYalice"] = "alice"
    assert session.name(session.active) == "alice"
    assert Session().name(None) == "(no signing key)"
    with pytest.raises(IndexError):
        session.switch(3)


def test_a_new_head_starts_the_evidence_afresh(demo_analyses: dict[str, Analysis]) -> None:
    change = demo_analyses["pr/109"].change
    from dataclasses import replace

    assert change_key(change) != change_key(replace(change, head="0" * 40))


# -- the policy preview ------------------------------------------------------------------------------------------------


def test_standing_previews_the_tier1_gaps(demo_analyses: dict[str, Analysis]) -> None:
    analysis = demo_analyses["claude/s3-order-export"]
    facts = Clerk(Analyzer()).facts(analysis)
    clock = FakeClock()
    spans = hunk_places(DiffLayout(analysis.change, analysis.findings))
    progress = ChangeProgress(CoverageTracker(spans, clock), Stopwatch(clock))
    before = standing(progress, facts, analysis.findings)
    assert before.tier1 and len(before.blocking) == 2 and before.unacknowledged == before.blocking
    assert (before.hunks_total, before.tier1_total) == (4, 3) and before.seconds_needed == pytest.approx(20 * 59 / 100)
    assert len(before.gaps()) == 3
    progress.stopwatch.start()
    progress.coverage.show(0, 10_000)
    for blocking in before.blocking:
        progress.acknowledge(blocking, "ack", "understood")
    clock.now += 12
    after = standing(progress, facts, analysis.findings)
    assert after.gaps() == [] and after.tier1_seen == 3 and after.hunks_seen == after.hunks_total
    assert standing(progress, None, analysis.findings).gaps() == []  # policy not read yet: nothing claimed


def test_prefetched_journal_activity_resumes_without_reading_the_journal_again(tmp_path: Path) -> None:
    """The review screen reads the journal in its worker thread (`prefetch`); starting the progress on the UI
    thread then uses what was read, even if the journal could no longer be read by then."""
    from reviewtui.journal import Journal

    journal = Journal(tmp_path / "journal.jsonl")
    alice = identity("alice")
    for digest in ("digest-0", "digest-2"):
        journal.append("hunk-displayed", reviewer=alice.fingerprint, head="abc", hunk=digest)
    session = Session([alice], clock=FakeClock(), journal=journal)
    session.prefetch("abc")
    journal.path.unlink()
    progress = session.progress("change", places(3, 3, 3), head="abc")
    assert progress.coverage.digests() == ("digest-0", "digest-2")
    assert progress.journaled == {"digest-0", "digest-2"}
