"""`reviewtui init`: write a starter `.reviewtui/config.toml`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewtui.config import REPO_CONFIG, starter_config, write_new_file
from reviewtui.errors import ReviewtuiError
from reviewtui.repository import Repository
from reviewtui.sources.refs import resolve_base
from reviewtui.text import inert


def register(commands: Any) -> None:
    parser = commands.add_parser("init", help=f"write a starter {REPO_CONFIG} in the repository")
    parser.add_argument("--repo", type=Path, default=argparse.SUPPRESS, help="repository (default: .)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    repo = Repository(args.repo)
    try:
        base: str | None = resolve_base(repo, None).name
    except ReviewtuiError:
        base = None
    path = repo.root / REPO_CONFIG
    write_new_file(path, starter_config(base))
    print(f"wrote {inert(str(path))}")
    return 0
