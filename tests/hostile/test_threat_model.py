"""docs/security.md names, for each threat, the test that shows the defence: every named test must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def test_every_test_the_threat_model_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = re.findall(r"`((?:[a-z_]+/)*test_[a-z_]+\.py)(?:::(test_[a-z0-9_]+))?`", text)
    assert len(named) > 20, named
    missing = []
    for path, test in named:
        file = ROOT / "tests" / path
        if not file.exists():
            missing.append(path)
        elif test and not re.search(rf"^(async )?def {test}\(", file.read_text(encoding="utf-8"), re.MULTILINE):
            missing.append(f"{path}::{test}")
    bare = re.findall(r"`(test_[a-z0-9_]+)`", text)  # names given after their file in the same bullet or row
    every = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    missing += [name for name in bare if not re.search(rf"^(async )?def {name}\(", every, re.MULTILINE)]
    assert missing == []
