"""The binding (sha256 of the diff) must not depend on whoever computes it: a reviewer's git configuration or
attributes file must never turn their approval stale for CI, or CI's for them."""

from __future__ import annotations

import os
from pathlib import Path

from reviewtui.approvals.binding import BINDING_CONFIG, BINDING_DIFF
from tests.approvals.conftest import Keys
from tests.approvals.kit import add_change, make_shop, record, statuses, verdict
from tests.gitrepo import GitRepo

BEFORE = """class Cart:
    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)

    def total(self):
        subtotal = 0
        for item in self.items:
            subtotal += item.price

        return subtotal
"""
AFTER = BEFORE.replace("subtotal = 0", "subtotal = 0.0").replace("return subtotal", "return round(subtotal, 2)")
HOSTILE = {
    "diff.algorithm": "histogram",
    "diff.context": "1",
    "diff.interHunkContext": "5",
    "diff.indentHeuristic": "false",
    "diff.suppressBlankEmpty": "true",
    "diff.relative": "true",
    "diff.noprefix": "true",
    "diff.renames": "copies",
    "core.quotePath": "true",
}


def _hostile(repo: GitRepo, on: bool) -> None:
    order = repo.path.parent / "order.txt"
    order.write_text("z.py\ncart.py\n", encoding="utf-8")
    attributes = Path(os.environ["XDG_CONFIG_HOME"]) / "git" / "attributes"
    for key, value in {**HOSTILE, "diff.orderFile": str(order)}.items():
        if on:
            repo.git("config", key, value)
        else:
            repo.git("config", "--unset", key)
    if on:
        attributes.parent.mkdir(parents=True, exist_ok=True)
        attributes.write_text("*.py diff=python\n", encoding="utf-8")
    else:
        attributes.unlink()


def test_the_binding_ignores_the_reviewers_diff_settings(tmp_path: Path, keys: Keys) -> None:
    repo = make_shop(tmp_path / "repo", keys.signers("alice", "bob"), files={"cart.py": BEFORE, "z.py": "Z = 1\n"})
    add_change(repo, "ai/cart", {"cart.py": AFTER, "z.py": "Z = 2\n", "naïve.txt": "café\n"})
    plain = repo.git("diff", "main", "ai/cart")
    _hostile(repo, True)
    assert repo.git("diff", "main", "ai/cart") != plain  # the settings do change what `git diff` prints

    record(repo.path, "ai/cart", keys.alice)  # signed under the odd settings
    hostile_view = verdict(repo.path, "ai/cart")
    _hostile(repo, False)
    record(repo.path, "ai/cart", keys.bob)  # signed under git's defaults
    clean_view = verdict(repo.path, "ai/cart")
    _hostile(repo, True)
    again = verdict(repo.path, "ai/cart")

    assert statuses(hostile_view) == [("alice@example.com", "counted", ())]
    for result in (clean_view, again):
        assert statuses(result) == [("alice@example.com", "counted", ()), ("bob@example.com", "counted", ())]
        assert result.satisfied


def test_the_documented_binding_command_is_the_one_in_use() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "approval-format.md").read_text(encoding="utf-8")
    section = text[text.index("## 3. The binding") : text.index("## 4. Storage")]
    start = section.index("```sh\n") + len("```sh\n")
    command = section[start : section.index("```", start)]
    words = command.replace("\\\n", " ").split()
    assert words[:2] == ["empty=$(mktemp", "-d)"]  # git in an empty folder, no index: no in-tree attributes
    no_tree = ["GIT_DIR=$(git", "rev-parse", "--absolute-git-dir)", "GIT_WORK_TREE=$empty",
               "GIT_INDEX_FILE=$empty/none/index", "GIT_ATTR_NOSYSTEM=1", "git", "-C", '"$empty"']
    words = words[2:]
    expected = [word for key, value in BINDING_CONFIG for word in ("-c", f"{key}={value}")]
    assert words[: len(no_tree) + len(expected)] == [*no_tree, *expected]
    start = len(no_tree) + len(expected)
    assert words[start : start + len(BINDING_DIFF)] == list(BINDING_DIFF)
    assert words[-5:] == ["<mergeBase>", "<headCommit>", "--", "|", "sha256sum"]
    recipe = text[text.index("<!-- openssh-recipe:start -->") :]
    assert " ".join(words[:-5]) in " ".join(recipe.replace("\\\n", " ").split())
