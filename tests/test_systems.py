"""The system map: parsing with clear errors, glob matching, several systems per path, unmapped paths."""

from __future__ import annotations

import pytest

from reviewtui.errors import ConfigError
from reviewtui.systems import glob_match, parse_system_map

MAP = """
[[system]]
name = "checkout"
tier = 1
paths = ["services/checkout/**", "libs/cart/**"]
owners = ["@shop/checkout"]

[[system]]
name = "payments"
tier = 1
paths = ["services/payments/**", "libs/cart/pricing.py"]
exclude = ["services/payments/docs/**"]

[[system]]
name = "docs"
tier = 3
paths = ["docs/", "*.md"]
"""


def test_paths_map_to_zero_one_or_several_systems() -> None:
    systems = parse_system_map(MAP, "systems.toml")
    names = lambda path: [s.name for s in systems.systems_for(path)]  # noqa: E731
    assert names("services/checkout/cart.py") == ["checkout"]
    assert names("libs/cart/pricing.py") == ["checkout", "payments"]
    assert names("services/payments/docs/guide.txt") == ["docs"]  # excluded from payments; `docs/` matches at any depth
    assert names("services/payments/capture.py") == ["payments"]
    assert names("README.md") == ["docs"] and names("services/checkout/NOTES.md") == ["checkout", "docs"]
    assert names("docs/deep/page.txt") == ["docs"]
    assert names("infra/main.tf") == []
    assert systems.is_tier1("libs/cart/x.py") and not systems.is_tier1("docs/a.txt")
    assert [s.name for s in systems.systems_of(["docs/a", "libs/cart/pricing.py"])] == ["checkout", "payments", "docs"]


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("services/**", "services/a/b.py", True),
        ("services/*", "services/a/b.py", False),
        ("services/*.py", "services/b.py", True),
        ("**/test_*.py", "test_x.py", True),
        ("**/test_*.py", "a/b/test_x.py", True),
        ("*.tf", "infra/deep/main.tf", True),
        ("/top.txt", "top.txt", True),
        ("/top.txt", "sub/top.txt", False),
        ("a?c", "abc", True),
        ("a?c", "a/c", False),
        ("docs/", "docs/x/y", True),
        ("[x]", "[x]", True),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[system]]\ntier = 1\npaths = ['a/**']\n", r"system\[0\]: name must be a non-empty string"),
        ("[[system]]\nname = 'a'\ntier = 0\npaths = ['a/**']\n", r"\(a\): tier must be a positive integer"),
        ("[[system]]\nname = 'a'\npaths = []\n", r"paths must list at least one glob"),
        ("[[system]]\nname = 'a'\npaths = ['x']\nowner = 'me'\n", r"unknown key 'owner'"),
        ("[[system]]\nname = 'a'\npaths = ['x']\n[[system]]\nname = 'a'\npaths = ['y']\n", r"duplicate system"),
        ("systems = 1\n", r"unknown key 'systems'"),
        ("[[system]\n", r"invalid TOML"),
    ],
)
def test_bad_maps_name_file_and_entry(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_system_map(text, "base:.reviewtui/systems.toml")
    assert str(caught.value).startswith("base:.reviewtui/systems.toml")


def test_digest_is_stable_and_sensitive() -> None:
    one = parse_system_map(MAP, "a")
    assert one.digest() == parse_system_map(MAP, "b").digest()
    assert one.digest() != parse_system_map(MAP.replace("tier = 3", "tier = 2"), "a").digest()
