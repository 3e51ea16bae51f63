"""Find one change by its id (or a revision) for the commands that act on a single change."""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewtui.commands.options import queue_request
from reviewtui.config import load_config
from reviewtui.errors import ReviewtuiError
from reviewtui.model import Change, SourceKind
from reviewtui.provenance import ProvenanceDetector
from reviewtui.queue import QueueLoader
from reviewtui.repository import Repository
from reviewtui.sources.refs import Candidate, Landed, load_ref_change, resolve_base


def find_change(args: argparse.Namespace, wanted: str) -> Change:
    """A pending change by id (`pr/12`, a branch, `patch:x.patch`), else any revision against the base branch."""
    for change in QueueLoader(queue_request(args)).changes():
        if change.id == wanted:
            return change  # full: the loader reads summaries only when asked
    repo = Repository(args.repo)
    sha = repo.resolve(wanted)
    if sha is None:
        raise ReviewtuiError(f"{Path(args.repo)}: no pending change or revision {wanted!r} (see `reviewtui queue`)")
    config = load_config(repo.root)
    base = resolve_base(repo, config.queue.base)
    found = load_ref_change(
        repo, Candidate(wanted, SourceKind.BRANCH, wanted, sha, branch=wanted), base, ProvenanceDetector(config.agents)
    )
    if isinstance(found, Landed):
        raise ReviewtuiError(f"{wanted}: already in {base.ref}; `reviewtui audit` judges what landed")
    return found
