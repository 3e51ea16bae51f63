"""The rule engine (regex rules and every built-in check) never raises on arbitrary text under any path."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from reviewtui.model import Change
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.ruleset import RuleSet, builtin_rules
from reviewtui.text import has_unsafe, inert
from tests.properties.strategies import changes

RULES = RuleSet(builtin_rules(), "builtin", ("builtin",))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(changes())
def test_scanning_arbitrary_text_never_raises_and_findings_point_into_the_change(change: Change) -> None:
    findings = scan(change, RULES, ScanContext())
    paths = {p for f in change.files for p in (f.old_path, f.new_path) if p}
    for finding in findings:
        assert finding.path is None or finding.path in paths
        if finding.line is not None:
            assert finding.line >= 0
        assert not has_unsafe(inert(finding.message))
    assert findings == scan(change, RULES, ScanContext())  # deterministic: approvals and audits rely on it
