"""Built-in test rules (reviewtui/data/rules/20-tests.toml) on real git changes, and on the demo's incident changes."""

from __future__ import annotations

from pathlib import Path

from reviewtui.analysis import Analysis
from reviewtui.rules.checks.tests import TEST_GLOBS, TRIVIAL_ASSERTION, is_test_path
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.ruleset import builtin_rules
from tests.rules.ruletest import Files, rule_hits


def at(findings: list[Finding]) -> list[tuple[str | None, int | None, Side | None]]:
    return [(f.path, f.line, f.side) for f in findings]


MESSAGES = {r.id: r.message for r in builtin_rules()}


def detail(finding: Finding) -> str:
    """What the check adds to the rule's message: `<message> (<detail>)`."""
    prefix = MESSAGES[finding.rule] + " ("
    assert finding.message.startswith(prefix) and finding.message.endswith(")"), finding.message
    return finding.message[len(prefix) : -1]


def test_test_globs_match_the_pack_and_recognise_tests() -> None:
    rules = {r.id: r for r in builtin_rules() if r.origin == "builtin:20-tests.toml"}
    assert len(rules) == 8
    assert rules["test-skip-added"].paths == TEST_GLOBS
    assert rules["test-trivial-assertion"].paths == TEST_GLOBS
    pattern = rules["test-trivial-assertion"].pattern
    assert pattern is not None and pattern.pattern == TRIVIAL_ASSERTION.pattern
    tests = [
        "tests/test_a.py", "pkg/tests/helpers.py", "a/test_b.py", "b_test.py", "svc/conftest.py", "x/y_test.go",
        "web/cart.test.ts", "web/cart.spec.tsx", "web/__tests__/cart.js", "src/test/java/shop/Pay.java",
        "src/main/java/shop/PayTest.java", "app/src/PayTests.kt",
    ]  # fmt: skip
    code = ["app/testing.py", "latest.py", "web/contest.ts", "src/main/java/shop/Pay.java", "docs/tests.md"]
    assert all(is_test_path(p) for p in tests)
    assert not any(is_test_path(p) for p in code)


# --- deleted files and removed tests ---------------------------------------------------------------------------------

PY_TESTS = """import pytest


def test_one():
    assert 1 + 1 == 2


def test_two():
    assert "a".upper() == "A"
"""

GO_TESTS = """package cart

import "testing"

func TestEmpty(t *testing.T) {
\tif len(New().Items) != 0 {
\t\tt.Fatal("x")
\t}
}
"""

JAVA_TESTS = """package shop;

class PayTest {
    @Test
    void capturesTheAmount() {
        assertEquals(5, pay(5));
    }

    @Test
    @DisplayName("declines are reported")
    void declines() {
        assertThrows(Declined.class, () -> pay(-1));
    }
}
"""

MOVED_FROM = "def test_moved():\n    assert parse('1') == 1\n"
MOVED_TO = (
    "import json\n\n\ndef helper():\n    return json.dumps({})\n\n\n"
    + MOVED_FROM
    + "\n\ndef test_other():\n    assert helper() == '{}'\n"
)


def test_test_file_deleted(tmp_path: Path) -> None:
    before: Files = {
        "tests/test_a.py": PY_TESTS,
        "tests/test_b.py": MOVED_FROM,
        "tests/helpers.py": "def make():\n    return 1\n",
        "pkg/cart_test.go": GO_TESTS,
        "src/test/java/shop/PayTest.java": JAVA_TESTS,
        "app/main.py": "print(1)\n",
    }
    after: Files = {
        "tests/test_a.py": None,
        "tests/test_b.py": None,
        "tests/test_c.py": MOVED_TO,
        "tests/helpers.py": None,
        "pkg/cart_test.go": None,
        "src/test/java/shop/PayTest.java": None,
        "app/main.py": None,
    }
    hits = rule_hits(tmp_path, "test-file-deleted", before, after)
    assert [(f.path, f.line, detail(f)) for f in hits] == [
        ("pkg/cart_test.go", None, "1 test: TestEmpty"),
        ("src/test/java/shop/PayTest.java", None, "2 tests: capturesTheAmount, declines"),
        ("tests/test_a.py", None, "2 tests: test_one, test_two"),
    ]


ORDERS_BEFORE = """from orders import total


def make_order():
    return {"lines": [1, 2]}


def test_total():
    assert total(make_order()) == 3


def test_old_name():
    assert total({"lines": []}) == 0


def test_moved():
    assert total({"lines": [5]}) == 5
"""

ORDERS_AFTER = """from orders import total


def test_new_name():
    assert total({"lines": []}) == 0
"""

CART_TS_BEFORE = """describe("cart", () => {
  it("adds items", () => {
    expect(add([], 1)).toEqual([1]);
  });

  it("is empty at first", () => {
    expect(cart()).toEqual([]);
  });
});
"""

CART_TS_AFTER = """describe("cart", () => {
  it("is empty at first", () => {
    expect(cart()).toEqual([]);
  });
});
"""


def test_test_functions_removed(tmp_path: Path) -> None:
    before: Files = {
        "tests/test_orders.py": ORDERS_BEFORE,
        "tests/test_other.py": "def test_existing():\n    assert True\n",
        "web/cart.test.ts": CART_TS_BEFORE,
        "pkg/cart_test.go": GO_TESTS
        + '\nfunc TestAdd(t *testing.T) {\n\tif Add(1) == nil {\n\t\tt.Fatal("x")\n\t}\n}\n',
        "src/test/java/shop/PayTest.java": JAVA_TESTS,
    }
    after: Files = {
        "tests/test_orders.py": ORDERS_AFTER,
        "tests/test_other.py": "def test_existing():\n    assert True\n\n\n" + "def test_moved():\n    assert 5 == 5\n",
        "web/cart.test.ts": CART_TS_AFTER,
        "pkg/cart_test.go": GO_TESTS,
        "src/test/java/shop/PayTest.java": JAVA_TESTS.replace(
            '    @Test\n    @DisplayName("declines are reported")\n    void declines() {\n'
            "        assertThrows(Declined.class, () -> pay(-1));\n    }\n",
            "",
        ),
    }
    hits = rule_hits(tmp_path, "test-functions-removed", before, after)
    assert [(f.path, f.line, f.side, detail(f)) for f in hits] == [
        ("pkg/cart_test.go", 11, Side.OLD, "TestAdd"),
        ("src/test/java/shop/PayTest.java", 11, Side.OLD, "declines"),
        ("tests/test_orders.py", 8, Side.OLD, "test_total"),
        ("web/cart.test.ts", 2, Side.OLD, "adds items"),
    ]  # make_order is a helper; test_old_name was renamed in place; test_moved moved to another file


# --- skips and trivial assertions ------------------------------------------------------------------------------------


def test_test_skip_added(tmp_path: Path) -> None:
    files: Files = {
        "tests/test_x.py": 'import sys\n\n\n@pytest.mark.skip(reason="flaky")\n'
        'def test_a():\n    pytest.skip("later")\n\n\n'
        '@pytest.mark.skipif(sys.platform == "win32", reason="posix only")\ndef test_b():\n    assert 1\n\n\n'
        "@pytest.mark.xfail\ndef test_c():\n    assert 1\n",
        "tests/test_module.py": 'pytestmark = pytest.mark.skip(reason="wip")\n',
        "web/a.test.ts": 'it.skip("x", () => {});\nxit("y", () => {});\nit("skips weekends", () => {});\n'
        'it.only("z", () => {});\n',
        "pkg/a_test.go": 'package a\n\nfunc TestA(t *testing.T) {\n\tt.Skip("flaky")\n}\n',
        "src/test/java/ATest.java": "class ATest {\n  @Disabled\n  @Test\n  void a() {}\n}\n",
        "app/x.py": 'pytest.skip("not a test file")\n',
    }
    hits = rule_hits(tmp_path, "test-skip-added", {}, files)
    found = []
    for f in hits:
        assert f.path is not None and f.line is not None and f.span is not None
        content = files[f.path]
        assert isinstance(content, str)
        found.append((f.path, f.line, content.split("\n")[f.line - 1][f.span[0] : f.span[1]]))
    assert found == [
        ("pkg/a_test.go", 4, "t.Skip("),
        ("src/test/java/ATest.java", 2, "@Disabled"),
        ("tests/test_module.py", 1, "pytest.mark.skip"),
        ("tests/test_x.py", 4, "@pytest.mark.skip"),
        ("tests/test_x.py", 6, "pytest.skip("),
        ("tests/test_x.py", 14, "@pytest.mark.xfail"),
        ("web/a.test.ts", 1, "it.skip("),
        ("web/a.test.ts", 2, "xit("),
        ("web/a.test.ts", 4, "it.only("),
    ]


def test_test_trivial_assertion(tmp_path: Path) -> None:
    files: Files = {
        "tests/test_x.py": "def test_a():\n    assert True  # verified by the gateway\n    assert total == 3\n"
        "    assert ok\n    self.assertTrue(True)\n    assert result is True\n",
        "web/a.test.ts": "expect(true).toBe(true);\nexpect(ok).toBe(true);\n",
        "src/test/java/ATest.java": "class ATest {\n  void a() {\n"
        "    assertTrue(true);\n    assertEquals(3, total);\n  }\n}\n",
        "app/x.py": "assert True\n",
    }
    hits = rule_hits(tmp_path, "test-trivial-assertion", {}, files)
    assert [(f.path, f.line, f.span) for f in hits] == [
        ("src/test/java/ATest.java", 3, (4, 20)),
        ("tests/test_x.py", 2, (4, 15)),
        ("tests/test_x.py", 5, (9, 25)),
        ("web/a.test.ts", 1, (0, 23)),
    ]


# --- weakened assertions ----------------------------------------------------------------------------------------------

REFUNDS_BEFORE = """def test_refund(gateway):
    result = refund(gateway, 10)
    assert result.ok
    assert result.remaining == 0
    assert gateway.calls == 1


def test_gone(gateway):
    assert gateway.calls == 0
    assert gateway.refunds == []


def test_rewritten(gateway):
    assert refund(gateway, 1).ok
    assert gateway.calls == 1
"""

REFUNDS_AFTER = """def test_refund(gateway):
    result = refund(gateway, 10)
    assert result.ok
    assert True


def test_rewritten(gateway):
    assert refund(gateway, 2).ok
    assert gateway.calls >= 1
"""


def test_test_assertions_reduced(tmp_path: Path) -> None:
    before: Files = {"tests/test_refunds.py": REFUNDS_BEFORE, "tests/test_same.py": REFUNDS_BEFORE}
    after: Files = {
        "tests/test_refunds.py": REFUNDS_AFTER,
        "tests/test_same.py": REFUNDS_BEFORE.replace(
            "== 0\n    assert gateway.calls == 1", "== 1\n    assert gateway.calls == 2"
        ),
    }
    hits = rule_hits(tmp_path, "test-assertions-reduced", before, after)
    # test_refund loses 2 assertions for an `assert True`; test_gone's own assertions go with the test; test_rewritten
    # keeps its two. test_same.py edits values but keeps every assertion.
    assert [(f.path, f.line, f.side, detail(f)) for f in hits] == [
        ("tests/test_refunds.py", 4, Side.OLD, "4 assertions removed, 2 added"),
    ]


def test_test_assertion_loosened(tmp_path: Path) -> None:
    before: Files = {
        "tests/test_api.py": "def test_api(resp, items, a, b):\n    assert len(items) == 1\n"
        "    self.assertEqual(resp.status_code, 200)\n    assert total == 3\n    assert a == 1\n",
        "web/cart.test.ts": "test('x', () => {\n  expect(items).toHaveLength(2);\n});\n",
    }
    after: Files = {
        "tests/test_api.py": "def test_api(resp, items, a, b):\n    assert len(items) >= 1\n"
        "    self.assertTrue(resp.status_code)\n    assert total == 4\n    assert b > 0\n",
        "web/cart.test.ts": "test('x', () => {\n  expect(items.length).toBeGreaterThan(0);\n});\n",
    }
    hits = rule_hits(tmp_path, "test-assertion-loosened", before, after)
    assert [(f.path, f.line, f.side, detail(f)) for f in hits] == [
        ("tests/test_api.py", 2, Side.NEW, "was: assert len(items) == 1"),
        ("tests/test_api.py", 3, Side.NEW, "was: self.assertEqual(resp.status_code, 200)"),
        ("web/cart.test.ts", 2, Side.NEW, "was: expect(items).toHaveLength(2);"),
    ]


PRICING_TESTS = """from pricing import price, sign


def test_bulk_discount():
    assert price(3) == 30
    assert price(0) == 0


def test_signature():
    assert sign("order-1") == "3f2a9c1e8b7d6f5a4c3b2a1908f7e6d5"
"""


def test_test_expected_value_edited(tmp_path: Path) -> None:
    before: Files = {"app/pricing.py": "def price(n):\n    return n * 10\n", "tests/test_pricing.py": PRICING_TESTS}
    after: Files = {
        "app/pricing.py": "def price(n):\n    return n * 11\n",
        "tests/test_pricing.py": PRICING_TESTS.replace("== 30", "== 33")
        .replace("price(0) == 0", "price(0) in (0,)")
        .replace("3f2a9c1e8b7d6f5a4c3b2a1908f7e6d5", "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"),
    }
    hits = rule_hits(tmp_path, "test-expected-value-edited", before, after)
    assert [(f.path, f.line, f.side, detail(f)) for f in hits] == [
        (
            "tests/test_pricing.py",
            5,
            Side.NEW,
            "tests/test_pricing.py:5 in test_bulk_discount: 30 → 33; code edited: app/pricing.py",
        ),
        (
            "tests/test_pricing.py",
            10,
            Side.NEW,
            'tests/test_pricing.py:10 in test_signature: "3f2a…" → "9e8d…"; code edited: app/pricing.py',
        ),
    ]
    # the same test edit with no code change is a test fix, not an expectation copied from the code
    tests_only = rule_hits(
        tmp_path / "only",
        "test-expected-value-edited",
        before,
        {"tests/test_pricing.py": after["tests/test_pricing.py"]},
    )
    assert tests_only == []


# --- Tier-1 code without tests ----------------------------------------------------------------------------------------

PAY = """class PayError(Exception):
    pass


def pay(amount):
    # charge the card
    return amount * 100
"""

PAY_DOCUMENTED = '''class PayError(Exception):
    """Raised before the gateway is called."""


def pay(amount):
    """Charge `amount` (in pounds) and return pence."""
    # charge the card, in pence
    return amount * 100
'''


def test_tier1_code_untested(tmp_path: Path) -> None:
    before: Files = {
        "services/payments/pay.py": PAY,
        "app/util.py": "X = 1\n",
        "services/payments/tests/test_pay.py": "def test_pay():\n    assert 1\n",
    }
    behaviour = {"services/payments/pay.py": PAY.replace("* 100", "* 1000")}
    hits = rule_hits(tmp_path / "a", "tier1-code-untested", before, behaviour)
    assert [(f.path, f.line, detail(f)) for f in hits] == [
        (None, None, "1 Tier-1 code file changed, no test touched: services/payments/pay.py")
    ]
    assert hits[0].severity.value == "medium"
    docs_only = rule_hits(tmp_path / "b", "tier1-code-untested", before, {"services/payments/pay.py": PAY_DOCUMENTED})
    with_tests = {**behaviour, "services/payments/tests/test_pay.py": "def test_pay():\n    assert pay(1) == 1000\n"}
    tested = rule_hits(tmp_path / "c", "tier1-code-untested", before, with_tests)
    outside = rule_hits(tmp_path / "d", "tier1-code-untested", before, {"app/util.py": "X = 2\n"})
    assert docs_only == tested == outside == []


# --- the demo's incidents ---------------------------------------------------------------------------------------------

PACK_RULES = {r.id for r in builtin_rules() if r.origin in ("builtin:20-tests.toml", "builtin:30-code.toml")}


def test_demo_incidents(demo_analyses: dict[str, Analysis]) -> None:
    wanted = {"pr/102", "cursor/stabilise-refund-tests", "pr/103", "pr/104", "pr/109", "pr/112", "pr/113"}
    found = {
        change_id: sorted((f.rule, f.path, f.line) for f in analysis.findings if f.rule in PACK_RULES)
        for change_id, analysis in demo_analyses.items()
        if change_id in wanted
    }
    refunds = "services/payments/tests/test_refunds.py"
    estimates = "services/delivery-estimates/tests/test_estimates.py"
    assert found["pr/102"] == [("test-file-deleted", "services/payments/tests/test_retry.py", None)]
    assert found["cursor/stabilise-refund-tests"] == [
        ("test-assertion-loosened", refunds, 29),
        ("test-assertions-reduced", refunds, 9),
        ("test-skip-added", refunds, 14),
        ("test-trivial-assertion", refunds, 9),
    ]
    assert found["pr/103"] == [
        ("exception-swallowed-tier1", "services/payments/capture.py", 59),
        ("test-assertions-reduced", "services/payments/tests/test_capture.py", 26),
    ]
    assert found["pr/104"] == [
        ("test-expected-value-edited", estimates, 19),
        ("test-expected-value-edited", estimates, 23),
        ("test-functions-removed", estimates, 26),
    ]
    assert found["pr/109"] == found["pr/112"] == found["pr/113"] == []
