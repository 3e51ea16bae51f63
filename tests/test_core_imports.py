"""The core must import and run without Textual: CI jobs and audits use it where no UI is installed."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import textwrap

import reviewtui

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys

    class BlockTextual(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "textual" or name.startswith("textual."):
                raise ImportError(f"textual is blocked in this test ({name})")
            return None

    sys.meta_path.insert(0, BlockTextual())
    """
)


def core_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(reviewtui.__path__, "reviewtui.")]
    return sorted(n for n in names if not n.startswith("reviewtui.ui") and n != "reviewtui.__main__")


def test_core_module_list_is_not_empty() -> None:
    modules = core_modules()
    for expected in ("reviewtui.model", "reviewtui.queue", "reviewtui.config", "reviewtui.sources.refs",
                     "reviewtui.cli", "reviewtui.demo"):
        assert expected in modules


def test_core_imports_and_runs_with_textual_blocked(tmp_path: object) -> None:
    imports = "\n".join(f"import {name}" for name in core_modules())
    script = BLOCKER + imports + textwrap.dedent(
        """
        from reviewtui.cli import main
        assert main(["queue", "--repo", "."]) in (0, 2)
        assert not any(m == "textual" or m.startswith("textual.") for m in sys.modules), "textual was imported"
        print("core ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("core ok")


def test_the_blocker_really_blocks() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCKER + "import textual"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "textual is blocked" in result.stderr
