"""The review screen: one change, its provenance at the top, its diff below, and the decision keys.

While the screen is shown it gathers the evidence a signed approval carries, for whoever is at the keyboard: which
hunks were displayed in full (reported by the diff view), how long the reviewer was here and active (a stopwatch
that runs only while this screen is current and the terminal has focus), and which findings they acknowledged or
waived, with a reason. The header and the progress line always say who is reviewing and how far they are; the
decision keys open a dialog showing exactly what will be signed.

The policy facts (binding, allowed_signers, policy, current verdict) are read in a worker thread when the screen
opens, so the diff paints first.

Around the diff: a file tree (`t`), a side panel with the risk breakdown (`r`), the description and commits (`d`),
the provenance (`p`) or the full text of the long lines on screen (`L`), and a search bar (`/`). Viewed marks (`v`
file, `V` hunk) are the reviewer's reading aid, kept per reviewer by content hash in the repository's git dir
(`reviewtui/viewed.py`); they are not coverage, which only the diff view's reports establish.
"""

from __future__ import annotations

import gc
from contextlib import suppress
from dataclasses import replace
from typing import ClassVar

from rich.console import Group
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree

from reviewtui.analysis import Analysis
from reviewtui.approvals.clerk import Clerk, principal_for
from reviewtui.approvals.verdict import Facts, Review, Verdict, evaluate
from reviewtui.errors import ReviewtuiError
from reviewtui.filekind import FileKind, classify_change
from reviewtui.journal import JsonValue
from reviewtui.model import Change
from reviewtui.repository import Repository
from reviewtui.text import inert
from reviewtui.ui.memo import memoised
from reviewtui.ui.messages import ReviewerChanged
from reviewtui.ui.pool import released
from reviewtui.ui.safe import safe_text
from reviewtui.ui.screens.decision import DecisionScreen
from reviewtui.ui.screens.reason import ReasonScreen
from reviewtui.ui.session import (
    ChangeProgress,
    HunkPlace,
    Session,
    Standing,
    change_key,
    clock_label,
    hunk_places,
    queue_key,
    standing,
)
from reviewtui.ui.signing import VERBS, Outcome, PendingDecision
from reviewtui.ui.widgets.diff_view import DiffView
from reviewtui.ui.widgets.file_tree import FileTree, tree_order
from reviewtui.ui.widgets.panels import SidePanel, description_text, long_lines_text, provenance_text, risk_text
from reviewtui.ui.widgets.search_bar import SearchBar
from reviewtui.viewed import ViewedMarks, store_path


class ReviewScreen(Screen[None]):
    """Read one change, account for its findings, and sign a decision on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("a", "decide('approve')", "Approve", id="review.approve"),
        Binding("x", "decide('request-changes')", "Request changes", id="review.request_changes"),
        Binding("X", "decide('reject')", "Reject", show=False, id="review.reject"),
        Binding("A", "acknowledge('ack')", "Ack finding", id="review.acknowledge"),
        Binding("W", "acknowledge('waive')", "Waive finding", show=False, id="review.waive"),
        Binding("v", "toggle_file_viewed", "Viewed", id="review.file_viewed"),
        Binding("V", "toggle_hunk_viewed", "Hunk viewed", show=False, id="review.hunk_viewed"),
        Binding("slash", "search", "Search", id="review.search"),
        Binding("t", "toggle_tree", "Files", id="review.tree"),
        Binding("r", "panel('risk')", "Risk", show=False, id="review.risk"),
        Binding("d", "panel('description')", "Description", show=False, id="review.description"),
        Binding("p", "panel('provenance')", "Provenance", show=False, id="review.provenance"),
        Binding("L", "panel('lines')", "Long lines", show=False, id="review.long_lines"),
    ]
    """
    | Key | Action |
    | :- | :- |
    | `escape` | Back to the queue. |
    | `a` | Approve: confirm what will be signed, then sign. |
    | `x` | Request changes (signed). |
    | `X` | Reject (signed). |
    | `A` | Acknowledge the selected finding (accepted as is), with a reason. |
    | `W` | Waive the selected finding (does not apply), with a reason. |
    | `v` | Mark the file at the top of the view viewed (or not); marking moves on to the next file. |
    | `V` | Mark the hunk at the top of the view viewed (or not); marking moves on to the next hunk. |
    | `slash` (`/`) | Search the diff: `enter`/`down` next match, `shift+enter`/`up` previous, `escape` closes. |
    | `t` | Show or hide the file tree (it starts hidden below 110 columns); `enter` on a file jumps the diff there. |
    | `r` | Risk breakdown with the hints that would lower the score (again to hide). |
    | `d` | Change description and commits (again to hide). |
    | `p` | Provenance: agent, operator and the evidence for them (again to hide). |
    | `L` | The full text of the long (truncated) lines on screen (again to hide). |

    The selected finding is the one `f`/`F` jumped to, or else the first one on screen.
    """

    DEFAULT_CSS = """
    ReviewScreen #summary { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    ReviewScreen #progress { height: auto; max-height: 4; padding: 0 1; background: $boost; color: $text; }
    ReviewScreen #body { height: 1fr; }
    ReviewScreen DiffView { width: 1fr; height: 1fr; }
    ReviewScreen FileTree.-hidden { display: none; }
    ReviewScreen.-narrow FileTree { width: 32; }
    ReviewScreen.-narrow SidePanel { width: 48; }
    """

    TREE_WIDTH = 110
    """Below this many columns the file tree starts hidden (`t` shows it): the diff needs the width more."""
    NARROW = 150
    """Below this many columns the tree and the side panel are narrower."""

    def __init__(self, analysis: Analysis, *, session: Session | None = None, clerk: Clerk | None = None) -> None:
        super().__init__()
        self.analysis = replace(analysis, change=memoised(analysis.change))
        """The analysis, its hunks remembering their digests and counts (asked for again and again below)."""
        self.change = in_tree_order(self.analysis.change)
        """The change as shown: its files in the order the tree lists them (git's own order in practice)."""
        self.findings = analysis.findings
        self.session = session if session is not None else Session()
        self.clerk = clerk if clerk is not None else Clerk()
        self.facts: Facts | None = None
        self.verdict: Verdict | None = None
        self.facts_error: str | None = None
        self._places: tuple[HunkPlace, ...] | None = None
        """Every hunk's rows and digest; None until the first screen has painted (`_open`)."""
        self._progress: ChangeProgress | None = None
        self._tree_choice: bool | None = None
        """The reviewer's `t` (shown or not); until they press it the tree follows the width."""
        self.kinds: list[FileKind] = classify_change(self.change)
        self.viewed = ViewedMarks(None)
        self._frozen = False
        """Whether `_settle` froze the collector's view (once per screen)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(summary(self.change), id="summary")
        yield Static(Text("reading the policy…", style="dim"), id="progress")
        with Horizontal(id="body"):
            yield FileTree(self.change, self.findings, self.kinds, id="files")
            yield DiffView(self.change, self.findings, kinds=self.kinds)
            yield SidePanel(id="panel")
        yield SearchBar(id="search")
        yield Footer(compact=True)  # the keys that matter fit a 100-column terminal

    def on_mount(self) -> None:
        self._fit_width(self.app.size.width)
        self.query_one(DiffView).focus()
        self.watch(self.app, "app_focus", self._app_focus_changed, init=False)
        self.call_after_refresh(self.hash_hunks)  # the first screen paints before any hunk is hashed
        self.load_facts()

    @work(thread=True, exclusive=True, group="digests")
    @released
    def hash_hunks(self) -> None:
        """Every hunk's content digest (what coverage and viewed marks are keyed by) and the reviewer's earlier
        activity from the journal: the passes over the whole change and the whole journal that opening it needs,
        done off the UI thread; the evidence starts when they are done."""
        for file in self.change.files:
            for hunk in file.hunks:
                hunk.digest()  # remembered by the hunk (ui/memo.py)
        self.session.prefetch(self.change.head)  # the journal is read whole: here, not on the UI thread
        with suppress(RuntimeError):  # the app closed meanwhile
            self.app.call_from_thread(self._hashed)

    def _hashed(self) -> None:
        if self.is_mounted:
            self._open()
            self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        """Take the change out of the cycle collector's full collections once it is laid out and hashed.

        A 100k-line change is a few hundred thousand container objects (lines, hunks, layout rows); every full
        collection walked them all, 60-110 ms at a time, whenever the reviewer switched layouts or scrolled. Frozen
        (`gc.freeze`), later collections see only what was created since. When the screen has gone, everything is
        unfrozen, collected once (the closed screen is full of cycles) and frozen again (`_refreeze`)."""
        if self.is_mounted and not self._frozen:
            gc.collect(1)
            gc.freeze()
            self._frozen = True

    def _open(self) -> None:
        """Start the evidence: every hunk's place and digest, then the reviewer's progress, resumed from the
        journal. Runs when the digests are ready, or at once when something needs the progress sooner (the reviewer
        scrolls, a key acts on a finding): then the digests not yet taken are taken here."""
        if self._places is not None:
            return
        self._places = hunk_places(self.query_one(DiffView).layout_map.canonical)
        self._follow_reviewer()
        self.set_interval(1.0, self._refresh_progress)

    @property
    def progress(self) -> ChangeProgress:
        """The active reviewer's evidence on this change (asking for it before the first screen has painted
        starts it at once)."""
        if self._progress is None:
            self._open()
        assert self._progress is not None
        return self._progress

    # -- the clock ---------------------------------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        if self._progress is None:
            return  # first shown: `_open` starts the clock and the progress line after the first screen
        if self.app.app_focus:
            self._arrive()
        self._refresh_progress()

    def on_screen_suspend(self) -> None:
        self._leave()

    def on_unmount(self) -> None:
        _unwatch(self.app, "app_focus", self)
        if self._frozen:
            self.app.call_after_refresh(_refreeze)
        if self._progress is None:
            return  # closed before it opened: nothing was journaled, nothing to close
        self._leave()
        self._journal("change-closed", seconds=round(self.progress.stopwatch.seconds, 1))

    def _app_focus_changed(self, focused: bool) -> None:
        """The terminal lost focus (another window is in front): that is neither review time nor coverage."""
        if focused and self.is_current:
            self._arrive()
        else:
            self._leave()

    def _arrive(self) -> None:
        if self._progress is None:
            return  # `_open` starts the clock
        self.progress.stopwatch.start()
        if self.is_mounted:
            self.query_one(DiffView).announce()

    def _leave(self) -> None:
        if self._progress is None:
            return
        self.progress.stopwatch.stop()
        self.progress.coverage.hide()

    def on_key(self, _event: events.Key) -> None:
        if self._progress is not None:
            self.progress.stopwatch.touch()

    def on_mouse_move(self, _event: events.MouseMove) -> None:
        if self._progress is not None:
            self.progress.stopwatch.touch()

    # -- coverage ----------------------------------------------------------------------------------------------------

    def on_diff_view_displayed(self, event: DiffView.Displayed) -> None:
        if self._progress is None and not event.scrolled:
            return  # the first screen: `_open` announces it again when the evidence starts
        if event.scrolled:
            self.progress.stopwatch.touch()
        if self.progress.coverage.show_spans(event.spans):
            self._journal_displayed()
            self._refresh_progress()

    def on_diff_view_moved(self, event: DiffView.Moved) -> None:
        self.query_one(FileTree).show_file(event.file)

    # -- the reviewer ------------------------------------------------------------------------------------------------

    def on_reviewer_changed(self, _message: ReviewerChanged) -> None:
        if self._places is None:
            self._open()  # follows the reviewer now at the keyboard
        else:
            self._follow_reviewer()

    def _follow_reviewer(self) -> None:
        """Move the clock, coverage and acknowledgements over to whoever is now at the keyboard."""
        assert self._places is not None
        running = self._progress is not None and self._progress.stopwatch.running
        if self._progress is not None:
            self._progress.stopwatch.stop()
            self._progress.coverage.hide()
        self._progress = self.session.progress(change_key(self.change), self._places, head=self.change.head)
        self._journal("change-opened")
        if running or (self.is_current and self.app.app_focus):
            self.progress.stopwatch.start()
        view = self.query_one(DiffView)
        view.show_acknowledgements(self.progress.acknowledgement)
        self._load_viewed()
        view.announce()
        self._refresh_progress()

    # -- files, viewed marks, panels, search --------------------------------------------------------------------------

    def file_paths(self) -> list[str]:
        """The change's files in the order the diff and the tree show them (the palette's "jump to file" lists
        these; stable interface)."""
        return [file.path for file in self.change.files]

    def jump_to_file(self, index: int) -> None:
        """Show file `index` (of `file_paths`) at the top of the diff and give the diff the keyboard."""
        view = self.query_one(DiffView)
        view.jump_to_file(index)
        view.focus()

    def on_tree_node_selected(self, event: Tree.NodeSelected[int | None]) -> None:
        if event.node.data is not None:
            self.jump_to_file(event.node.data)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_width(event.size.width)

    def _fit_width(self, width: int) -> None:
        """On a narrow terminal the tree and panel get narrower, and the tree starts hidden."""
        self.set_class(width < self.NARROW, "-narrow")
        if self._tree_choice is None:
            self.query_one(FileTree).set_class(width < self.TREE_WIDTH, "-hidden")

    def action_toggle_tree(self) -> None:
        tree = self.query_one(FileTree)
        tree.toggle_class("-hidden")
        self._tree_choice = not tree.has_class("-hidden")
        if tree.has_class("-hidden"):
            self.query_one(DiffView).focus()
        else:
            tree.focus()

    def _load_viewed(self) -> None:
        """The active reviewer's marks (each reviewer has their own; in pair mode they follow the keyboard)."""
        identity = self.session.active
        reviewer = identity.fingerprint if identity is not None else "anonymous"
        try:
            path = store_path(Repository(self.change.repo).git_dir, reviewer)
        except ReviewtuiError:
            path = None  # no repository (a patch file): marks live as long as the app
        try:
            self.viewed = ViewedMarks.load(path)
        except ReviewtuiError as exc:
            self.notify(str(exc), title="viewed marks", severity="warning", markup=False, timeout=8)
            self.viewed = ViewedMarks(None)
        self._show_viewed()

    def _show_viewed(self) -> None:
        self.query_one(DiffView).show_viewed(self.viewed)
        self.query_one(FileTree).rebuild(self.viewed)

    def _save_viewed(self) -> None:
        try:
            self.viewed.save()
        except ReviewtuiError as exc:
            self.notify(str(exc), title="viewed marks", severity="error", markup=False, timeout=8)
        self._show_viewed()

    def action_toggle_file_viewed(self) -> None:
        view = self.query_one(DiffView)
        index = view.current_file()
        if index is None:
            return
        viewed = self.viewed.toggle_file(self.change.files[index])
        self._save_viewed()
        if viewed:
            view.action_next_file()

    def action_toggle_hunk_viewed(self) -> None:
        view = self.query_one(DiffView)
        here = view.current_hunk()
        if here is None:
            self.notify("No hunk here (a collapsed or binary file has none to mark): use v for the file.", timeout=4)
            return
        file = self.change.files[here[0]]
        viewed = self.viewed.toggle_hunk(file.path, file.hunks[here[1]])
        self._save_viewed()
        if viewed:
            view.action_next_hunk()

    def action_panel(self, kind: str) -> None:
        panel = self.query_one(SidePanel)
        if panel.kind == kind:
            panel.show(None)
            return
        view = self.query_one(DiffView)
        bodies = {
            "risk": lambda: risk_text(self.analysis),
            "description": lambda: description_text(self.change),
            "provenance": lambda: provenance_text(self.change),
            "lines": lambda: long_lines_text(view.long_lines()),
        }
        panel.show(kind, bodies[kind]())

    def action_search(self) -> None:
        self.query_one(SearchBar).open()

    def on_search_bar_changed(self, event: SearchBar.Changed) -> None:
        view = self.query_one(DiffView)
        total = view.search(event.query)
        if total:
            view.next_match(True)
        self.query_one(SearchBar).show_count(view.match_index, total)

    def on_search_bar_step(self, event: SearchBar.Step) -> None:
        view = self.query_one(DiffView)
        view.next_match(event.forward)
        self.query_one(SearchBar).show_count(view.match_index, len(view.matches))

    def on_search_bar_closed(self, _event: SearchBar.Closed) -> None:
        self.query_one(DiffView).focus()

    # -- policy facts ------------------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="facts")
    @released
    def load_facts(self) -> None:
        """Binding, policy and allowed_signers at the base, and the stored decisions (git and ssh-keygen calls)."""
        try:
            facts = self.clerk.facts(self.analysis)
            verdict = evaluate(facts, self.clerk.stored(facts))
        except ReviewtuiError as exc:
            self.app.call_from_thread(self._facts_failed, str(exc))
            return
        self.app.call_from_thread(self._facts_loaded, facts, verdict)

    def _facts_loaded(self, facts: Facts, verdict: Verdict) -> None:
        self.facts = facts
        self.verdict = verdict
        self.session.verdicts[queue_key(self.change)] = verdict
        if facts.allowed_signers is not None:
            self.session.allowed_signers = facts.allowed_signers
            for identity in self.session.identities:
                principal = principal_for(identity.key.public_key, facts.allowed_signers)
                if principal:
                    self.session.principals[identity.key.public_key] = principal
        self._refresh_progress()

    def _facts_failed(self, message: str) -> None:
        self.facts_error = message
        self.notify(message, title="cannot judge this change", severity="error", markup=False, timeout=10)
        self._refresh_progress()

    # -- findings ----------------------------------------------------------------------------------------------------

    def action_acknowledge(self, kind: str) -> None:
        finding = self.query_one(DiffView).selected_finding()
        if finding is None:
            self.notify("No finding on screen: press f to go to the next one.", timeout=4)
            return
        progress = self.progress

        def record(reason: str | None) -> None:
            if reason is None:
                return
            ack = progress.acknowledge(finding, kind, reason)
            self._journal(
                "finding-waived" if kind == "waive" else "finding-acknowledged",
                rule=ack.rule,
                path=ack.path,
                line=ack.line,
                reason=ack.reason,
            )
            self.query_one(DiffView).show_acknowledgements(self.progress.acknowledgement)
            self._refresh_progress()

        self.app.push_screen(ReasonScreen(finding, kind, progress.acknowledgement(finding)), record)

    # -- decisions ---------------------------------------------------------------------------------------------------

    def action_decide(self, decision: str) -> None:
        if self.facts is None:
            problem = self.facts_error or "still reading the policy and allowed_signers; try again in a moment"
            self.notify(problem, severity="warning", markup=False)
            return
        identity = self.session.active
        if identity is None:
            problems = "; ".join(self.session.problems)
            self.notify(
                "No signing key: pass --key, set [approvals] key in your config, or configure git "
                "(gpg.format = ssh, user.signingkey)" + (f". Problems: {problems}" if problems else ""),
                title=f"cannot {VERBS[decision].lower()}",
                severity="error",
                markup=False,
                timeout=10,
            )
            return
        facts = self.facts
        principal = principal_for(identity.key.public_key, facts.allowed_signers) if facts.allowed_signers else None
        progress = self.progress
        pending = PendingDecision(
            decision=decision,
            analysis=self.analysis,
            binding=facts.binding,
            identity=identity,
            principal=principal,
            allowed_signers=facts.policy.allowed_signers,
            acknowledged=progress.acknowledged(),
            coverage=progress.evidence(),
            standing=self.standing(),
        )
        self.app.push_screen(DecisionScreen(pending, self.clerk), self._decided)

    def _decided(self, outcome: Outcome | None) -> None:
        if outcome is None:
            return
        self.verdict = outcome.verdict
        self.session.verdicts[queue_key(self.change)] = outcome.verdict
        self._journal("decision-signed", decision=outcome.record.decision, counted=outcome.counted)
        self.notify(
            outcome.summary(),
            title="decision stored",
            markup=False,
            severity="information" if outcome.counted else "warning",
            timeout=8,
        )
        self._refresh_progress()

    # -- the journal -------------------------------------------------------------------------------------------------

    def _journal(self, action: str, **fields: JsonValue) -> None:
        problem = self.session.record(action, self.change, fields)
        if problem is not None:
            self.notify(
                f"{problem}. Reviewing goes on, but actions are no longer journaled.",
                title="action journal",
                severity="warning",
                markup=False,
                timeout=10,
            )

    def _journal_displayed(self) -> None:
        """Each hunk, once displayed in full, is journaled once (by content digest) with its file."""
        progress = self.progress
        paths = {place.digest: place.path for place in self._places or ()}
        for digest in progress.coverage.digests():
            if digest not in progress.journaled:
                progress.journaled.add(digest)
                self._journal("hunk-displayed", hunk=digest, path=paths.get(digest, ""))

    # -- display -----------------------------------------------------------------------------------------------------

    def standing(self) -> Standing:
        return standing(self.progress, self.facts, self.findings)

    def _refresh_progress(self) -> None:
        now = self.standing()
        name = self.session.name(self.session.active)
        self.sub_title = inert(
            f"{self.change.id} · {name} · seen {now.hunks_seen}/{now.hunks_total} hunks · {clock_label(now.seconds)}"
        )
        self.query_one("#progress", Static).update(self._progress_text(now, name))

    def _progress_text(self, now: Standing, name: str) -> Text:
        out = Text()
        out.append("reviewer ", "dim")
        out.append_text(safe_text(name, "bold magenta"))
        identity = self.session.active
        signers = self.facts.allowed_signers if self.facts is not None else None
        if identity is not None and signers is not None and principal_for(identity.key.public_key, signers) is None:
            out.append(" (key not in allowed_signers: cannot count)", "bold red")
        out.append("   seen ", "dim")
        complete = now.hunks_seen == now.hunks_total
        out.append(f"{now.hunks_seen}/{now.hunks_total} hunks", "green" if complete else "yellow")
        if now.tier1_total:
            out.append(
                f" (Tier-1 {now.tier1_seen}/{now.tier1_total})",
                "green" if now.tier1_seen == now.tier1_total else "bold yellow",
            )
        out.append("   time ", "dim")
        out.append(clock_label(now.seconds), "green" if now.seconds >= now.seconds_needed else "yellow")
        if now.seconds_needed:
            out.append(f" (policy asks {clock_label(now.seconds_needed, up=True)})", "dim")
        if now.blocking:
            done = len(now.blocking) - len(now.unacknowledged)
            out.append("   blocking findings ", "dim")
            out.append(f"{done}/{len(now.blocking)} acknowledged", "green" if not now.unacknowledged else "yellow")
        out.append("\n")
        out.append_text(self._approvals_text())
        return out

    def _approvals_text(self) -> Text:
        out = Text()
        if self.facts_error is not None:
            out.append_text(safe_text(f"policy: {self.facts_error}", "red"))
            return out
        if self.verdict is None or self.facts is None:
            out.append("reading the policy…", "dim")
            return out
        verdict = self.verdict
        out.append("approvals ", "dim")
        out.append(verdict.label(), "bold green" if verdict.satisfied else "bold")
        tier = self.facts.tier
        out.append(f" (tier {tier})" if tier is not None else "", "dim")
        for review in _latest_reviews(verdict):
            out.append("  ")
            mark = "✓" if review.status == "counted" else "✗"
            out.append_text(safe_text(f"{mark} {review.principal} {review.decision}", _STATUS[review.status]))
            if review.status != "counted":
                out.append_text(safe_text(f" ({review.status})", "dim"))
        active = self.session.active
        mine = self.session.principals.get(active.key.public_key) if active is not None else None
        if mine is not None and mine in verdict.approvers:
            out.append_text(
                safe_text(f"   {mine} already counts; another approval from them would not count twice", "dim")
            )
        return out


_STATUS = {"counted": "green", "not-counted": "yellow", "stale": "dim", "invalid": "red"}


def _latest_reviews(verdict: Verdict) -> list[Review]:
    """Each principal's latest decision: what the verdict counts (one principal never counts twice)."""
    latest: dict[str, Review] = {}
    for review in verdict.reviews:
        if review.principal is None or review.status == "invalid":
            continue
        known = latest.get(review.principal)
        if known is None or review.timestamp >= known.timestamp:
            latest[review.principal] = review
    return sorted(latest.values(), key=lambda r: r.principal or "")


def in_tree_order(change: Change) -> Change:
    """`change` with its files in the file tree's order, so the tree and the diff read the same way down."""
    order = tree_order([file.path for file in change.files])
    if order == list(range(len(change.files))):
        return change
    return replace(change, files=tuple(change.files[i] for i in order))


def summary(change: Change) -> Group:
    """Title (up to two rows), then the numbers, then who wrote it; each of the last two is one row that ends in
    `…` when the terminal is too narrow (the `p` panel has the provenance in full)."""
    title = safe_text(change.title, "bold")
    title.overflow = "ellipsis"
    title.end = "\n"
    stats = change.stats
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append_text(safe_text(f"{change.id}  ", "bold cyan"))
    out.append(f"+{stats.added} ", "green")
    out.append(f"-{stats.deleted} ", "red")
    out.append(f"in {stats.files} file(s)", "dim")
    if change.merge_base and change.head:
        out.append(f"   {change.merge_base[:10]}..{change.head[:10]}", "dim")
    out.end = "\n"
    who = Text(no_wrap=True, overflow="ellipsis")
    _provenance_line(who, change)
    return Group(title, out, who)


def _provenance_line(out: Text, change: Change) -> None:
    if change.agent:
        out.append("agent ", "dim")
        out.append_text(safe_text(change.agent.name, "magenta"))
        out.append("  operator ", "dim")
        out.append_text(safe_text(change.agent.operator or "unknown"))
        out.append("  signal ", "dim")
        out.append_text(safe_text(change.agent.signal, "dim"))
    else:
        out.append("human-only change", "dim")


def _refreeze() -> None:
    """After a review screen that froze its change has gone: collect it, and freeze what is still alive (the queue)."""
    gc.unfreeze()
    gc.collect(2)
    gc.freeze()


def _unwatch(target: object, attribute: str, node: object) -> None:
    """Drop `node`'s watchers of `target.attribute`. Textual forgets a closed screen's watchers only when the
    attribute next changes; until the terminal's focus changed, every review screen ever closed (with its whole
    change) stayed reachable from the app. The watcher table is Textual's own (`__watchers`): if it moves, this does
    nothing, and the screens are freed when the focus next changes, as before."""
    table = getattr(target, "__watchers", None)
    watchers = table.get(attribute) if isinstance(table, dict) else None
    if isinstance(watchers, list):
        watchers[:] = [entry for entry in watchers if not (isinstance(entry, tuple) and entry[:1] == (node,))]
