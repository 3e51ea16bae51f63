from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile.corpus import Item, build


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Item]:
    """Each corpus item built once per run, on first use; tests that write must `copy_item` it first."""
    built: dict[str, Item] = {}
    root = Path(tmp_path_factory.mktemp("corpus"))

    def get(name: str) -> Item:
        if name not in built:
            built[name] = build(name, root / name)
        return built[name]

    return get
