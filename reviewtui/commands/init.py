"""`reviewtui init`: write a starter `.reviewtui/config.toml` and, from CODEOWNERS, a draft system map."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewtui.codeowners import LOCATIONS, draft_system_map, parse_codeowners
from reviewtui.config import REPO_CONFIG, starter_config, write_new_file
from reviewtui.errors import ReviewtuiError
from reviewtui.repository import Repository
from reviewtui.sources.refs import resolve_base
from reviewtui.systems import SYSTEMS_FILE, parse_system_map
from reviewtui.text import inert


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "init", help=f"write a starter {REPO_CONFIG} (and {SYSTEMS_FILE} drafted from CODEOWNERS)"
    )
    parser.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository (default: .)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    written = []
    config = repo.root / REPO_CONFIG
    if not config.exists():
        try:
            base: str | None = resolve_base(repo, None).name
        except ReviewtuiError:
            base = None
        write_new_file(config, starter_config(base))
        written.append(config)
    systems = repo.root / SYSTEMS_FILE
    owners = next((repo.root / p for p in LOCATIONS if (repo.root / p).is_file()), None)
    if not systems.exists() and owners is not None:
        draft = draft_system_map(parse_codeowners(owners.read_text(encoding="utf-8", errors="replace")))
        parse_system_map(draft, str(systems))  # never write a map the tool itself would reject
        write_new_file(systems, draft)
        written.append(systems)
    if not written:
        raise ReviewtuiError(f"{repo.root}: already initialised ({REPO_CONFIG} exists; remove it to start over)")
    for path in written:
        print(f"wrote {inert(str(path))}")
    if owners is None and not systems.exists():
        print(f"no CODEOWNERS found: write {SYSTEMS_FILE} by hand to mark Tier-1 systems")
    return 0
