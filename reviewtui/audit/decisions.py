"""Every decision stored in the repository's notes, indexed so a landed commit can find the change it came from.

A merge names its approved head (the second parent), but squash and rebase merges make new commits that carry no
notes; their approvals sit on the branch head that was reviewed. Reading every note once (one `git notes list`, one
`git cat-file --batch`) and indexing the parsed statements by head, diff hash, patch-id and change id lets the audit
recognise those cases without a git call per landed commit. Nothing here verifies a signature: the verdict does that,
the index only finds candidates.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field

from reviewtui.approvals import notes
from reviewtui.approvals.dsse import EnvelopeError, parse_envelope
from reviewtui.approvals.statement import Decision, StatementError, parse_statement
from reviewtui.repository import Repository, run_git


@dataclass(frozen=True, slots=True)
class Stored:
    line: str
    commit: str
    """The commit the note is attached to (the head the decision was recorded on)."""
    record: Decision


@dataclass(slots=True)
class DecisionIndex:
    stored: list[Stored] = field(default_factory=list)
    by_commit: dict[str, list[Stored]] = field(default_factory=lambda: defaultdict(list))
    by_diff: dict[str, list[Stored]] = field(default_factory=lambda: defaultdict(list))
    by_patch: dict[str, list[Stored]] = field(default_factory=lambda: defaultdict(list))
    by_change: dict[str, list[Stored]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(cls, repo: Repository) -> DecisionIndex:
        index = cls()
        if repo.resolve(notes.NOTES_REF) is None:
            return index
        listing = repo.run("notes", f"--ref={notes.NOTES_REF}", "list").decode().split()
        blobs = dict(zip(listing[0::2], listing[1::2], strict=True))
        for blob, text in _read_blobs(repo, list(blobs)).items():
            for line in text.splitlines():
                if line.strip():
                    index.add(line, blobs[blob])
        return index

    def add(self, line: str, commit: str) -> None:
        try:
            record = parse_statement(parse_envelope(line).payload)
        except (EnvelopeError, StatementError):
            return  # not a decision at all; the verdict reports such lines when it reads the change's notes
        item = Stored(line, commit, record)
        self.stored.append(item)
        self.by_commit[commit].append(item)
        self.by_diff[record.binding.diff_sha256].append(item)
        if record.binding.patch_id:
            self.by_patch[record.binding.patch_id].append(item)
        self.by_change[record.change].append(item)

    def __bool__(self) -> bool:
        return bool(self.stored)

    def lines_for(self, change_id: str) -> list[str]:
        """Decisions recorded under a change id, whatever head they were made on (older versions show as stale)."""
        return [s.line for s in self.by_change.get(change_id, [])]

    def heads(self) -> dict[str, Stored]:
        """One stored decision per distinct head it names: the reviewed versions of every change."""
        found: dict[str, Stored] = {}
        for item in self.stored:
            head = item.record.binding.head
            if head and item.record.binding.merge_base:
                found.setdefault(head, item)
        return found


def _read_blobs(repo: Repository, shas: list[str]) -> dict[str, str]:
    """Many note blobs through one `git cat-file --batch`."""
    if not shas:
        return {}
    with tempfile.TemporaryFile() as stdin:
        stdin.write(("\n".join(shas) + "\n").encode())
        stdin.seek(0)
        out = run_git(None, ["-C", str(repo.root), "cat-file", "--batch"], stdin=stdin)
    found: dict[str, str] = {}
    pos = 0
    for sha in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split()
        pos = end + 1
        if len(header) != 3:
            continue  # "<sha> missing"
        size = int(header[2])
        found[sha] = out[pos : pos + size].decode("utf-8", "replace")
        pos += size + 1
    return found
