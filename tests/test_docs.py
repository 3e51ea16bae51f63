"""Documentation that is generated from the code must not drift from it."""

from __future__ import annotations

from pathlib import Path

from reviewtui.commands.rules import markdown
from reviewtui.rules.ruleset import builtin_rules

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_rule_reference_matches_the_packs() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    start = text.index("<!-- rules-table:start -->") + len("<!-- rules-table:start -->")
    end = text.index("<!-- rules-table:end -->")
    assert text[start:end].strip() == markdown(builtin_rules()).strip(), (
        "regenerate with: reviewtui rules --builtin --format markdown"
    )


def test_every_configuration_key_is_documented() -> None:
    from reviewtui import config

    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    keys = [*config._QUEUE_KEYS, *config._WORKSPACE_KEYS, *config._RULES_KEYS]
    missing = [key for key in keys if f"`{key}`" not in text]
    assert missing == []
