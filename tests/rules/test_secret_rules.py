"""Secret rules: provider tokens, private keys, credential files and generic high-entropy secrets.

Every token below is generated at run time from a fixed seed: the shapes are real, the values belong to nobody,
and no scanner (reviewtui's own included) finds a token in this file's source.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from reviewtui.rules.checks.secrets import secret_like_name, shannon_entropy
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.ruleset import builtin_rules
from tests.rules.ruletest import Files, scan_files

Hit = tuple[str | None, int | None, Side | None, tuple[int, int] | None]

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
OURS = frozenset(r.id for r in builtin_rules() if r.origin == "builtin:10-text.toml")
PROVIDER_RULES = (
    "aws-access-key-id",
    "aws-secret-access-key",
    "github-token",
    "gitlab-token",
    "slack-token",
    "slack-webhook-url",
    "stripe-live-key",
    "google-api-key",
    "anthropic-api-key",
    "openai-api-key",
    "npm-token",
    "pypi-token",
)


def fake(alphabet: str, length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(length))


def hits(findings: list[Finding], rule: str) -> list[Hit]:
    return [(f.path, f.line, f.side, f.span) for f in findings if f.rule == rule]


def span_of(line: str, needle: str) -> tuple[int, int]:
    start = line.index(needle)
    return (start, start + len(needle))


# -- provider tokens -------------------------------------------------------------------------------------------------

AKIA = "AKIA" + fake(string.ascii_uppercase + "234567", 16, 1)
AWS_SECRET = fake(ALNUM + "/+", 40, 2)
GHP = "ghp_" + fake(ALNUM, 36, 3)
GITHUB_PAT = "github_pat_" + fake(ALNUM, 22, 4) + "_" + fake(ALNUM, 59, 5)
GLPAT = "glpat-" + fake(ALNUM + "_-", 20, 6)
XOXB = "xoxb-" + fake(string.digits, 12, 7) + "-" + fake(string.digits, 13, 8) + "-" + fake(ALNUM, 24, 9)
WEBHOOK = (
    "https://hooks.slack.com/services/T"
    + fake(UPPER_DIGITS, 8, 10)
    + "/B"
    + fake(UPPER_DIGITS, 10, 11)
    + "/"
    + fake(ALNUM, 24, 12)
)
STRIPE = "sk_live_" + fake(ALNUM, 24, 13)
GOOGLE = "AIza" + fake(ALNUM + "_-", 35, 14)
ANTHROPIC = "sk-ant-api03-" + fake(ALNUM + "_-", 93, 15) + "AA"
OPENAI_PROJECT = "sk-proj-" + fake(ALNUM + "_-", 74, 16) + "T3BlbkFJ" + fake(ALNUM + "_-", 74, 17)
OPENAI_LEGACY = "sk-" + fake(ALNUM, 20, 18) + "T3BlbkFJ" + fake(ALNUM, 20, 19)
NPM = "npm_" + fake(ALNUM, 36, 20)
PYPI = "pypi-AgEIcHlwaS5vcmc" + fake(ALNUM + "_-", 60, 21)
GHP_IN_TEST = "ghp_" + fake(ALNUM, 36, 22)

TOKEN_LINES: dict[str, list[str]] = {
    "services/payments/aws.py": [
        "import boto3",
        f'AWS_ACCESS_KEY_ID = "{AKIA}"',
        f'AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"',
    ],
    ".github/workflows/release.yml": ["on: push", "env:", f"  GH_TOKEN: {GHP}", f"  GH_PAT: {GITHUB_PAT}"],
    "deploy/gitlab.sh": [f"export GITLAB_TOKEN={GLPAT}"],
    "web/slack.js": [f'const bot = new WebClient("{XOXB}");'],
    "infra/alerts.tf": [f'  url = "{WEBHOOK}"'],
    "cmd/billing/main.go": [f'\tstripe.Key = "{STRIPE}"'],
    "web/firebase.ts": [f'  apiKey: "{GOOGLE}",'],
    "db/settings.sql": [f"INSERT INTO settings VALUES ('maps', '{GOOGLE}');"],
    "agents/claude.py": [f'client = Anthropic(api_key="{ANTHROPIC}")'],
    "src/main/java/Ai.java": [f'String key = "{OPENAI_PROJECT}";', f'String old = "{OPENAI_LEGACY}";'],
    ".npmrc": [f"//registry.npmjs.org/:_authToken={NPM}"],
    "Dockerfile": ["FROM python:3.12", f"ENV TWINE_PASSWORD={PYPI}"],
    "tests/test_client.py": [f'TOKEN = "{GHP_IN_TEST}"'],
}


def _token_hit(path: str, line_no: int, token: str) -> Hit:
    return (path, line_no, Side.NEW, span_of(TOKEN_LINES[path][line_no - 1], token))


def test_provider_tokens_in_every_language_even_in_tests(tmp_path: Path) -> None:
    after: Files = {path: "\n".join(lines) + "\n" for path, lines in TOKEN_LINES.items()}
    findings = scan_files(tmp_path, {}, after)

    aws_line = TOKEN_LINES["services/payments/aws.py"][2]
    assert hits(findings, "aws-access-key-id") == [_token_hit("services/payments/aws.py", 2, AKIA)]
    assert hits(findings, "aws-secret-access-key") == [
        ("services/payments/aws.py", 3, Side.NEW, (0, len(aws_line) - 1))
    ]
    assert hits(findings, "github-token") == [
        _token_hit(".github/workflows/release.yml", 3, GHP),
        _token_hit(".github/workflows/release.yml", 4, GITHUB_PAT),
        _token_hit("tests/test_client.py", 1, GHP_IN_TEST),
    ]
    assert hits(findings, "gitlab-token") == [_token_hit("deploy/gitlab.sh", 1, GLPAT)]
    assert hits(findings, "slack-token") == [_token_hit("web/slack.js", 1, XOXB)]
    assert hits(findings, "slack-webhook-url") == [_token_hit("infra/alerts.tf", 1, WEBHOOK)]
    assert hits(findings, "stripe-live-key") == [_token_hit("cmd/billing/main.go", 1, STRIPE)]
    assert hits(findings, "google-api-key") == [
        _token_hit("db/settings.sql", 1, GOOGLE),
        _token_hit("web/firebase.ts", 1, GOOGLE),
    ]
    assert hits(findings, "anthropic-api-key") == [_token_hit("agents/claude.py", 1, ANTHROPIC)]
    assert hits(findings, "openai-api-key") == [
        _token_hit("src/main/java/Ai.java", 1, OPENAI_PROJECT),
        _token_hit("src/main/java/Ai.java", 2, OPENAI_LEGACY),
    ]
    assert hits(findings, "npm-token") == [_token_hit(".npmrc", 1, NPM)]
    assert hits(findings, "pypi-token") == [_token_hit("Dockerfile", 2, PYPI)]
    # The generic rule leaves these to the provider rules instead of reporting every token twice.
    assert hits(findings, "hardcoded-secret") == []
    severities = {f.rule: f.severity.value for f in findings if f.rule in PROVIDER_RULES}
    assert severities == {rule: "high" if rule == "slack-webhook-url" else "critical" for rule in PROVIDER_RULES}


def test_placeholders_look_alikes_and_removed_secrets_are_not_findings(tmp_path: Path) -> None:
    after: Files = {
        "docs/aws.md": (
            "Example: AKIAIOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
            "Short ids such as AKIA1234 and lower case akia" + fake(ALNUM, 16, 30).lower() + " are not keys.\n"
        ),
        "config/example.env": "\n".join(
            [
                "GITHUB_TOKEN=ghp_" + "x" * 36,
                "GITLAB_TOKEN=glpat-" + "x" * 20,
                "SLACK_BOT_TOKEN=xoxb-your-bot-token",
                "SLACK_WEBHOOK=https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24,
                "STRIPE_TEST_KEY=sk_test_" + fake(ALNUM, 24, 31),
                "STRIPE_PUBLISHABLE=pk_live_" + fake(ALNUM, 24, 32),
                "GOOGLE_API_KEY=AIzaSy" + "X" * 33,
                "ANTHROPIC_API_KEY=sk-ant-...",
                "OPENAI_API_KEY=<your-key>",
                "OTHER_VENDOR=sk-" + fake(ALNUM, 48, 33),
                "NPM_CONFIG=$npm_config_registry",
                "PYPI=pypi-<token>",
            ]
        )
        + "\n",
        "config/settings.py": "DEBUG = False\n",
    }
    before: Files = {"config/settings.py": f'GITHUB_TOKEN = "{GHP}"\nDEBUG = False\n', "config/old.sh": f"T={STRIPE}\n"}
    after["config/old.sh"] = None
    findings = scan_files(tmp_path, before, after)
    assert [(f.rule, f.path, f.line) for f in findings if f.rule in OURS] == []


def test_findings_never_echo_the_secret(tmp_path: Path) -> None:
    secret = fake(SYMBOLS, 28, 40)
    after: Files = {"app/settings.py": f'AWS_ACCESS_KEY_ID = "{AKIA}"\nDB_PASSWORD = "{secret}"\n'}
    findings = [f for f in scan_files(tmp_path, {}, after) if f.rule in OURS]
    assert {f.rule for f in findings} == {"aws-access-key-id", "hardcoded-secret"}
    assert all(AKIA not in f.message and secret[:-4] not in f.message for f in findings)
    generic = next(f for f in findings if f.rule == "hardcoded-secret")
    assert f"DB_PASSWORD = '...{secret[-4:]}' (28 characters, " in generic.message


# -- private keys ----------------------------------------------------------------------------------------------------


def _body(seed: int, lines: int = 3) -> str:
    return "".join(fake(ALNUM + "+/", 64, seed + i) + "\n" for i in range(lines))


def test_private_key_blocks_with_key_material(tmp_path: Path) -> None:
    one_line = "-----BEGIN PRIVATE KEY-----\\n" + fake(ALNUM + "+/", 64, 50) + "\\n-----END PRIVATE KEY-----\\n"
    go_line = 'const testKey = "-----BEGIN EC PRIVATE KEY-----\\n' + fake(ALNUM, 48, 51) + '\\n"'
    after: Files = {
        "deploy/tls/server.key": "-----BEGIN RSA PRIVATE KEY-----\n" + _body(52) + "-----END RSA PRIVATE KEY-----\n",
        "config/service-account.json": f'{{\n  "type": "service_account",\n  "private_key": "{one_line}"\n}}\n',
        "keys/signing.asc": "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n" + _body(53),
        "deploy/legacy.pem": (
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n" + _body(54)
        ),
        "app/keys.go": "package app\n\n" + go_line + "\n",
        "app/ssh.py": 'KEY = """-----BEGIN OPENSSH PRIVATE KEY-----\n'
        + _body(55)
        + '-----END OPENSSH PRIVATE KEY-----"""\n',
        # Near misses: code that names the header, a redacted example, a certificate and a public key.
        "app/pem.py": (
            'def kind(text):\n    if text.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n        return "rsa"\n'
        ),
        "docs/keys.md": "```\n-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n```\n",
        "certs/ca.pem": "-----BEGIN CERTIFICATE-----\n" + _body(56) + "-----BEGIN PUBLIC KEY-----\n" + _body(57),
        "deploy/old.key": None,
    }
    before: Files = {"deploy/old.key": "-----BEGIN RSA PRIVATE KEY-----\n" + _body(58)}
    findings = scan_files(tmp_path, before, after)
    assert hits(findings, "private-key") == [
        ("app/keys.go", 3, Side.NEW, span_of(go_line, "-----BEGIN EC PRIVATE KEY-----")),
        ("app/ssh.py", 1, Side.NEW, (9, 44)),
        ("config/service-account.json", 3, Side.NEW, (18, 45)),
        ("deploy/legacy.pem", 1, Side.NEW, (0, 31)),
        ("deploy/tls/server.key", 1, Side.NEW, (0, 31)),
        ("keys/signing.asc", 1, Side.NEW, (0, 37)),
    ]
    details = [f.message.rsplit("(", 1)[1] for f in findings if f.rule == "private-key"]
    assert details == [
        "EC private key)",
        "OpenSSH private key)",
        "PKCS#8 private key)",
        "RSA private key)",
        "RSA private key)",
        "PGP private key)",
    ]


# -- credential files ------------------------------------------------------------------------------------------------


def test_credential_files(tmp_path: Path) -> None:
    after: Files = {
        "certs/client.p12": b"\x30\x82\x01\x00binary\x00keystore",
        "infra/terraform.tfstate": '{"version": 4}\n',
        ".env": "DEBUG=1\n",
        "home/.netrc": "machine git.example.com\n",
        "keys/id_ed25519": "kept out of this test\n",
        "config/.env.staging": "A=2\n",
        # Near misses: templates, public keys, documentation about them, and a deleted .env.
        ".env.example": "DEBUG=1\n",
        "keys/id_ed25519.pub": "ssh-ed25519 AAAAC3Nza dana@example.com\n",
        "docs/env.md": "# Environment\n",
        "old/.env": None,
    }
    before: Files = {"config/.env.staging": "A=1\n", "old/.env": "X=1\n"}
    findings = scan_files(tmp_path, before, after)
    assert [
        (f.path, f.line, f.message.rsplit("(", 1)[1]) for f in findings if f.rule == "credential-file-committed"
    ] == [
        (".env", None, "added)"),
        ("certs/client.p12", None, "added)"),
        ("config/.env.staging", None, "modified)"),
        ("home/.netrc", None, "added)"),
        ("infra/terraform.tfstate", None, "added)"),
        ("keys/id_ed25519", None, "added)"),
    ]


# -- hardcoded-secret (generic, by name and entropy) -----------------------------------------------------------------

SYMBOLS = ALNUM + "!@%^*-_"
P = [fake(SYMBOLS, 24, 100 + i) for i in range(16)]
HEX32 = fake("0123456789abcdef", 32, 120)

SECRET_LINES: dict[str, tuple[int, str, str]] = {
    # path: (line number, line, the literal the span must cover)
    "services/payments/settings.py": (2, f'DB_PASSWORD = "{P[0]}"', P[0]),
    "services/payments/client.py": (1, f"client = Client(api_key='{P[1]}')", P[1]),
    "web/config.js": (1, f'const clientSecret = "{P[2]}";', P[2]),
    "cmd/api/main.go": (1, f'\tapiToken := "{HEX32}"', HEX32),
    "src/main/java/Db.java": (1, f'    private static final String PASSWORD = "{P[3]}";', P[3]),
    "config/app.yaml": (2, f"  password: {P[4]}", P[4]),
    "infra/db.tf": (2, f'  password = "{P[5]}"', P[5]),
    "db/users.sql": (1, f"CREATE USER app WITH PASSWORD '{P[6]}';", P[6]),
    "scripts/deploy.sh": (1, f"export API_KEY={P[7]}", P[7]),
    "Dockerfile": (2, f"ENV AUTH_TOKEN {P[8]}", P[8]),
    "web/api.ts": (1, f'const headers = {{ Authorization: "Bearer {P[9]}" }};', f"Bearer {P[9]}"),
    ".env.production": (1, f"SECRET_KEY={P[10]}", P[10]),
}
FIRST_LINES = {
    "services/payments/settings.py": "import os",
    "config/app.yaml": "database:",
    "infra/db.tf": 'resource "aws_db_instance" "main" {',
    "Dockerfile": "FROM python:3.12",
}


def test_hardcoded_secrets_across_languages_and_their_near_misses(tmp_path: Path) -> None:
    after: Files = {}
    for path, (number, line, _) in SECRET_LINES.items():
        after[path] = (FIRST_LINES[path] + "\n" if number == 2 else "") + line + "\n"
    after |= {
        "services/payments/env.py": 'DB_PASSWORD = os.environ["DB_PASSWORD"]\nAPI_KEY = os.getenv("API_KEY", "")\n',
        "web/env.js": "const apiKey = process.env.API_KEY;\n",
        "config/vault.yaml": 'password: ${DB_PASSWORD}\ntoken: "{{ vault_token }}"\n',
        "app/placeholders.py": (
            'API_KEY = "your-api-key-goes-here-1234"\nPASSWORD = "changeme-changeme-changeme"\n'
            'SECRET = "xxxxxxxxxxxxxxxxxxxx"\nCLIENT_SECRET = "<client-secret-from-vault>"\n'
        ),
        "app/names.py": (
            'TOKEN_URL = "https://login.example.com/oauth2/v2.0/token"\n'
            'SECRET_NAME = "prod/payments/stripe-api-key-7Hq2"\n'
            f'author = "{P[11]}"\ncache_key = "{P[12]}"\npassword = "passwordpassword"\n'
            'if password == "":\n    pass\ntheme_token = "ansi_bright_black_and_white"\n'
            f"password = f'{{prefix}}{P[13]}'\n"
        ),
        "tests/test_login.py": f'PASSWORD = "{P[14]}"\n',
        "web/src/__tests__/login.test.ts": f'const password = "{P[15]}";\n',
        "app/old_settings.py": "DEBUG = False\n",
    }
    # A secret on a removed line leaves with the change. (A fresh value: git would see a file that repeats the
    # removed line as a copy of this one, and the repeated line as context rather than added.)
    before: Files = {"app/old_settings.py": f'DB_PASSWORD = "{fake(SYMBOLS, 24, 300)}"\nDEBUG = False\n'}
    findings = scan_files(tmp_path, before, after)
    expected = [
        (path, number, Side.NEW, span_of(line, literal)) for path, (number, line, literal) in SECRET_LINES.items()
    ]
    assert sorted(hits(findings, "hardcoded-secret"), key=str) == sorted(expected, key=str)


def test_hardcoded_secret_options_come_from_the_pack(tmp_path: Path) -> None:
    strict = """
[[rule]]
id = "long-secrets-only"
title = "Long secrets only"
severity = "low"
scope = "added"
check = "high-entropy-secret"
message = "Long secret"
[rule.options]
min_length = 30
"""
    long_secret = fake(SYMBOLS, 40, 200)
    after: Files = {"app/keys.py": f'API_SECRET = "{P[0]}"\nSIGNING_KEY = "{long_secret}"\n'}
    findings = scan_files(tmp_path, {".reviewtui/rules/strict.toml": strict}, after)
    assert hits(findings, "long-secrets-only") == [("app/keys.py", 2, Side.NEW, (15, 55))]
    assert [f.line for f in findings if f.rule == "hardcoded-secret"] == [1, 2]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("clientSecret", True),
        ("APIKey", True),
        ("aws.secretAccessKey", True),
        ("auth_header_value", True),
        ("db-pass", True),
        ("signing_key", True),
        ("author", False),
        ("cache_key", False),
        ("TOKEN_URL", False),
        ("secret_name", False),
        ("passthrough", False),
        ("access_key_id", False),
    ],
)
def test_secret_like_names(name: str, secret: bool) -> None:
    assert secret_like_name(name) is secret


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0
    assert shannon_entropy("0123456789abcdef") == 4.0
