"""A synthetic repository with N pull-request refs, written with one `git fast-import` (seconds, not minutes).

main has `history` commits over a small Python/TypeScript/YAML project; each PR ref (`refs/pull/N/head`) is one
commit off main's tip that edits one to three files (30-60 changed lines), some with findings (a secret, a print,
a disabled TLS check), so the rule engine does real work. Seeded: the same arguments give the same repository.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
_LINES = [
    "def handler(event):", "    total = sum(item.price for item in cart)", "    return requests.get(url, timeout=5)",
    "    logger.info('done %s', order_id)", "    if not items:", "        return 0", "class Cart:",
    "    def add(self, item):", "        self.items.append(item)", "import json", "from pathlib import Path",
]
_RISKY = [
    '    AWS_SECRET = "AKIAIOSFODNN7EXAMPLE"', "    print(debug)", "    requests.get(url, verify=False)",
    "    subprocess.run(cmd, shell=True)", "    except Exception:\n        pass",
]


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=repo, env=_ENV, check=True, capture_output=True, input=stdin).stdout


def build(root: Path, *, prs: int, history: int = 60, files: int = 40, seed: int = 11) -> Path:
    repo = root / f"synthetic-{prs}"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    rng = random.Random(seed)
    paths = [f"src/pkg{i % 8}/mod{i}.py" for i in range(files)]
    content = {p: [rng.choice(_LINES) for _ in range(rng.randint(40, 200))] for p in paths}
    out: list[bytes] = []
    when = 1_700_000_000

    def commit(ref: str, mark: int, parent: int | None, message: str, changed: dict[str, list[str]], who: str) -> None:
        nonlocal when
        when += 3600
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        email = "noreply@anthropic.com" if who == "Claude" else f"{who.lower()}@example.com"
        out.append(f"author {who} <{email}> {when} +0000\n".encode())
        out.append(f"committer {who} <{email}> {when} +0000\n".encode())
        data = message.encode()
        out.append(f"data {len(data)}\n".encode() + data + b"\n")
        if parent is not None:
            out.append(f"from :{parent}\n".encode())
        for path, lines in changed.items():
            blob = ("\n".join(lines) + "\n").encode()
            out.append(f"M 100644 inline {path}\ndata {len(blob)}\n".encode() + blob + b"\n")

    mark = 1
    commit("refs/heads/main", mark, None, "Initial project", content, "Dana")
    for n in range(history):
        changed = {}
        for path in rng.sample(paths, rng.randint(1, 3)):
            lines = content[path]
            at = rng.randrange(len(lines))
            lines[at:at] = [rng.choice(_LINES) for _ in range(rng.randint(1, 10))]
            changed[path] = list(lines)
        mark += 1
        commit("refs/heads/main", mark, mark - 1, f"{'Fix' if n % 7 == 0 else 'Change'} thing {n}", changed, "Dana")
    tip = mark
    for pr in range(1, prs + 1):
        changed = {}
        for path in rng.sample(paths, rng.randint(1, 3)):
            lines = list(content[path])
            at = rng.randrange(len(lines))
            added = [rng.choice(_LINES) for _ in range(rng.randint(15, 30))]
            if pr % 3 == 0:
                added.append(rng.choice(_RISKY))
            lines[at : at + rng.randint(0, 15)] = added
            changed[path] = lines
        mark += 1
        who = "Claude" if pr % 2 else "Erin"
        commit(f"refs/pull/{pr}/head", mark, tip, f"PR {pr}: change things", changed, who)
    git(repo, "fast-import", "--quiet", stdin=b"".join(out))
    git(repo, "reset", "-q", "--hard", "main")
    return repo
