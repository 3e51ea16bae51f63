"""A real git repository for tests, built with GitPython: no mocks of git anywhere in the suite.

The global and system git configuration are switched off so a developer's `~/.gitconfig` cannot change results,
and dates are explicit so shas are reproducible.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import git

from reviewtui.memo import FOLDER as MEMO_FOLDER

ISOLATED_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Dana Dev",
    "GIT_AUTHOR_EMAIL": "dana@example.com",
    "GIT_COMMITTER_NAME": "Dana Dev",
    "GIT_COMMITTER_EMAIL": "dana@example.com",
}


class GitRepo:
    """Write files, commit with chosen authors and dates, and make refs; every call is a real git command."""

    def __init__(self, path: Path, *, initial: bool = True) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.repo = git.Repo.init(path, initial_branch="main")
        self._clock = 0
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "core.autocrlf", "false")
        if initial:
            self.write("README.md", "# test repository\n")
            self.commit("Initial commit")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {**ISOLATED_ENV, **(env or {})}
        return str(self.repo.git.execute(["git", *args], env=full_env, strip_newline_in_stdout=True))

    def write(self, rel: str, data: str | bytes, *, executable: bool = False) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        if isinstance(data, str):
            data = data.encode("utf-8")
        target.write_bytes(data)
        target.chmod(0o755 if executable else 0o644)
        return target

    def symlink(self, rel: str, points_to: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            target.unlink()
        target.symlink_to(points_to)

    def remove(self, rel: str) -> None:
        self.git("rm", "-q", "--", rel)

    def move(self, old: str, new: str) -> None:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", "--", old, new)

    def commit(
        self,
        message: str,
        *,
        author: tuple[str, str] = ("Dana Dev", "dana@example.com"),
        committer: tuple[str, str] | None = None,
        date: str | None = None,
        allow_empty: bool = False,
    ) -> str:
        """Commit everything in the work tree; dates tick one hour per commit unless given."""
        self._clock += 1
        when = date or f"2026-01-01T{self._clock % 24:02d}:00:00+00:00"
        name, email = committer or author
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": when,
        }
        self.git("add", "-A")
        args = ["commit", "-q", "--no-verify", "-m", message]
        if allow_empty:
            args.append("--allow-empty")
        self.git(*args, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def checkout(self, name: str, *, new: bool = False, start: str | None = None) -> None:
        args = ["checkout", "-q"]
        if new:
            args += ["-b", name] + ([start] if start else [])
        else:
            args.append(name)
        self.git(*args)

    def update_ref(self, ref: str, sha: str) -> None:
        self.git("update-ref", ref, sha)


def agent_history(path: Path, commits: int) -> GitRepo:
    """A repository of `commits` small commits, every other one by an AI agent and every third importing a package
    nothing declares (a finding): enough varied misses for the worker tests."""
    repo = GitRepo(path)
    for n in range(commits):
        body = f"import requests\n\n\ndef fetch_{n}(url):\n    return requests.get(url)\n" if n % 3 == 0 else ""
        repo.write(f"pkg/m{n % 7}.py", body + f"VALUE_{n} = {n}\n")
        repo.commit(f"Change {n}", author=("Claude", "noreply@anthropic.com") if n % 2 else ("Dana Dev", "d@x.org"))
    return repo


def forget_memo(repo: Path) -> None:
    """Drop the queue memo, so that the next `queue` works the answer out (through the analysis cache) instead of
    giving the kept one: for tests of the analysis cache and the workers, which ask the same question twice."""
    shutil.rmtree(repo / ".git" / MEMO_FOLDER, ignore_errors=True)
