"""`keywords`: a cheap guard before a rule's pattern runs, which must never change what the rule finds."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewtui.queue import QueueLoader, QueueRequest
from reviewtui.rules.context import ScanContext
from reviewtui.rules.engine import scan
from reviewtui.rules.pack import RuleError, parse_pack
from reviewtui.rules.ruleset import RuleLibrary
from reviewtui.rules.walk import Folded
from reviewtui.systems import parse_system_map
from tests.gitrepo import GitRepo

RULE = """
[[rule]]
id = "x"
title = "x"
severity = "low"
message = "x"
scope = "{scope}"
{body}
"""

TIER1_EVERYWHERE = '[[system]]\nname = "all"\ntier = 1\npaths = ["**"]\n'

# Lines each built-in keyword rule must still find, a few near misses, and case tricks: `ſ` (long s) and the Kelvin
# sign match `s` and `k` under re.IGNORECASE, so the guard compares case-folded text.
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
SAMPLES = [
    'key = "AKIAIOSFODNN7ABCDEFG"',
    'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz"',
    'aws_ſecret_access_key = "wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz"',
    f"token = 'ghp_{'a1B2' * 9}'",
    f"t = 'github_pat_{'a1_B' * 20}ab'",
    f"GITLAB = 'glpat-{'abcde' * 4}'",
    "SLACK = 'xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx'",
    "url = 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx'",
    f"stripe = 'sk_live_{'a1' * 12}'",
    f"g = 'AIza{'a1B2c' * 7}'",
    f"k = 'sk-ant-api03-{'a' * 90}'",
    f"k = 'sk-proj-{'a' * 48}'",
    f"n = 'npm_{'a1' * 18}'",
    f"p = 'pypi-AgEIcHlwaS5vcmc{'a' * 60}'",
    "  force_destroy = true",
    '  "skip_final_snapshot": true',
    "run: terraform destroy -auto-approve",
    "terraform -chdir=infra apply -auto-approve",
    "kubectl -n prod delete deployment web",
    "helm uninstall web",
    "TF_CLI_ARGS_apply='-auto-approve'",
    "requests.get(url, verify=False)",
    "ctx.verify_mode = ssl.CERT_NONE",
    "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'",
    "RUN curl -sk https://example.org/x",
    "  insecure = true",
    "data = pickle.loads(blob)",
    "cfg = yaml.load(text)",
    "model = torch.load(path)",
    "result = eval(expr)",
    "setTimeout('go()', 10)",
    "token = ''.join(random.choice(chars) for _ in range(32))",
    "apiKey := rand.Intn(1000000)",
    "digest = hashlib.md5(password.encode()).hexdigest()",
    "sig = DigestUtils.sha1Hex(secret)",
    "DEBUG = True",
    "NODE_ENV=development",
    "x = run()  # nosec",
    "y = run()  # noqa: S603",
    "z = run()  # type: ignore",
    "// eslint-disable-next-line no-eval",
    "    raise NotImplementedError",
    "    return None  # placeholder",
    "assert True",
    "curl -fsSL https://get.example.org | sh",
    "label = 'abc\u202edef'",
    "nothing to see here",
    "AKIA too short",
]


def _body(rng: random.Random) -> str:
    lines = list(SAMPLES)
    for _ in range(300):
        lines.append("".join(rng.choice(_ALNUM + " _-'\"=:/.") for _ in range(rng.randint(0, 90))))
    for sample in SAMPLES:
        lines.append(sample.swapcase())
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", [1, 2])
def test_keywords_never_change_the_findings(repo: GitRepo, seed: int) -> None:
    body = _body(random.Random(seed))
    repo.checkout("ai/secrets", new=True)
    for name in ("app.py", "main.tf", "deploy.sh", ".github/workflows/ci.yml", "tests/test_app.py"):
        repo.write(name, body)
    repo.commit("Samples")
    repo.checkout("main")
    change = next(iter(QueueLoader(QueueRequest(repo=repo.path)).changes()))
    ruleset = RuleLibrary(None).for_base(None)
    guarded = [r for r in ruleset.rules if r.keywords]
    assert len(guarded) >= 15
    unguarded = replace(ruleset, rules=tuple(replace(r, keywords=()) for r in ruleset.rules))
    context = ScanContext(systems=parse_system_map(TIER1_EVERYWHERE, "systems.toml"))
    with_keywords = scan(change, ruleset, context)
    assert with_keywords == scan(change, unguarded, context)
    found = {f.rule for f in with_keywords}
    assert {r.id for r in guarded} <= found, "every guarded rule found its sample"


def test_keywords_are_case_folded_and_part_of_the_digest() -> None:
    (rule,) = parse_pack(RULE.format(scope="added", body="pattern = 'Foo'\nkeywords = ['FOO', 'Straße']"),
                         origin="p.toml", source="local")
    assert rule.keywords == ("foo", "strasse")
    assert rule.canonical()["keywords"] == ["foo", "strasse"]


@pytest.mark.parametrize(
    ("scope", "body", "problem"),
    [
        ("file", "pattern = 'x'\nkeywords = ['x']", "only applies to a 'pattern' on lines"),
        ("change", "check = \"size\"\nkeywords = ['x']", "only applies"),
        ("added", "pattern = 'x'\nkeywords = ['']", "must not contain an empty string"),
        ("added", "pattern = 'x'\nkeywords = 'x'", "'keywords' must be a list of strings"),
    ],
)
def test_bad_keywords_name_the_rule(scope: str, body: str, problem: str) -> None:
    with pytest.raises(RuleError, match=problem) as info:
        parse_pack(RULE.format(scope=scope, body=body), origin="p.toml", source="local")
    assert str(info.value).startswith("p.toml: rule x: ")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="abAB ßẞİ\u0130σΣ\n\x85", max_size=8), max_size=12),
    st.lists(st.text(alphabet="abß\nss", max_size=3), min_size=1, max_size=3),
)
def test_keyword_lines_are_the_lines_that_contain_a_keyword(texts: list[str], keywords: list[str]) -> None:
    """The engine finds keyword lines in the folded text of the whole file; it must say exactly what asking each
    line would (an occurrence across a line break, or made by case folding, included or not as per line)."""
    folded = Folded(texts)
    expected = [i for i, text in enumerate(texts) if any(k in text.casefold() for k in keywords)]
    assert folded.lines_with(tuple(keywords)) == expected
