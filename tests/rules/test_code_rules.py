"""Built-in code rules (reviewtui/data/rules/30-code.toml): each with true positives and near misses, on real git."""

from __future__ import annotations

from pathlib import Path

from reviewtui.rules.checks import CheckInput, get_check
from reviewtui.rules.checks.tests import TEST_GLOBS
from reviewtui.rules.context import ScanContext
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.ruleset import builtin_rules
from tests.rules.ruletest import make_change, rule_hits


def at(finding: Finding) -> tuple[str | None, int | None, Side | None]:
    return (finding.path, finding.line, finding.side)


def where(findings: list[Finding]) -> list[tuple[str | None, int | None]]:
    return [(f.path, f.line) for f in findings]


def spans(findings: list[Finding], files: dict[str, str | bytes | None]) -> list[tuple[str | None, int | None, str]]:
    """(path, line, the text the span covers): exact spans without counting columns by hand."""
    out = []
    for f in findings:
        assert f.side is Side.NEW and f.span is not None and f.path is not None and f.line is not None
        content = files[f.path]
        assert isinstance(content, str)
        text = content.split("\n")[f.line - 1]
        out.append((f.path, f.line, text[f.span[0] : f.span[1]]))
    return out


MESSAGES = {r.id: r.message for r in builtin_rules()}


def detail(finding: Finding) -> str:
    """What the check adds to the rule's message: `<message> (<detail>)`."""
    prefix = MESSAGES[finding.rule] + " ("
    assert finding.message.startswith(prefix) and finding.message.endswith(")"), finding.message
    return finding.message[len(prefix) : -1]


def test_code_rules_skip_tests_docs_and_vendored_code() -> None:
    rules = [r for r in builtin_rules() if r.origin == "builtin:30-code.toml"]
    assert len(rules) == 15
    for rule in rules:
        assert set(TEST_GLOBS) <= set(rule.exclude), rule.id
        assert {"**/*.md", "docs/**", "**/vendor/**"} <= set(rule.exclude), rule.id
        assert rule.rationale and rule.fix and rule.message, rule.id


# --- swallowed exceptions -------------------------------------------------------------------------------------------

PY_HANDLERS = """import logging

logger = logging.getLogger(__name__)


def run(job):
    try:
        job()
    except Exception:
        pass
    try:
        job()
    except Exception as exc:
        logger.warning(
            "job failed: %s",
            exc,
        )
    try:
        job()
    except KeyError:
        pass
    try:
        job()
    except Exception:
        logger.exception("job failed")
        raise
    try:
        job()
    except Exception as exc:
        return failure(exc)
    for item in job.items:
        try:
            item()
        except:
            continue
    try:
        job()
    except BaseException: return None
    try:
        job()
    except (ValueError, Exception):
        # the caller retries
        return []
"""

JS_HANDLERS = """export async function load(url) {
  try {
    await fetch(url);
  } catch (e) {}
  try {
    await fetch(url);
  } catch (err) {
    console.error("load failed", err);
  }
  try {
    await fetch(url);
  } catch (err) {
    throw new Error(`load failed: ${err}`);
  }
  fetch(url).catch(() => {});
  fetch(url).catch((e) => report(e));
  fetch(url).catch(console.error);
  const text = "catch (e) {}";
}
"""

JAVA_HANDLERS = """class Pay {
  void run() {
    try {
      charge();
    } catch (Exception e) {
      // ignored
    }
    try {
      charge();
    } catch (IOException e) {
    }
    try {
      charge();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    try {
      charge();
    } catch (final Throwable t) {
      log.warn("charge failed", t);
      return null;
    }
  }
}
"""

GO_ERRORS = """package pay

func Charge() error {
\tif err := call(); err != nil {
\t\treturn nil
\t}
\treturn nil
}
"""

TIER1_BEFORE = """def capture(gateway):
    try:
        return gateway.capture()
    except Exception:
        logger.exception("capture failed")
        raise
"""


def test_exception_swallowed_in_python_js_and_java(tmp_path: Path) -> None:
    after = {
        "app/worker.py": PY_HANDLERS,
        "web/load.js": JS_HANDLERS,
        "src/main/java/shop/Pay.java": JAVA_HANDLERS,
        "app/pay.go": GO_ERRORS,
        "app/tests/test_worker.py": PY_HANDLERS,
        "services/payments/capture.py": TIER1_BEFORE.replace("        raise\n", ""),
    }
    before = {"services/payments/capture.py": TIER1_BEFORE}
    hits = rule_hits(tmp_path, "exception-swallowed", before, after)
    assert where(hits) == [
        ("app/worker.py", 9),
        ("app/worker.py", 13),
        ("app/worker.py", 34),
        ("app/worker.py", 38),
        ("app/worker.py", 41),
        ("src/main/java/shop/Pay.java", 5),
        ("src/main/java/shop/Pay.java", 19),
        ("web/load.js", 4),
        ("web/load.js", 7),
        ("web/load.js", 15),
        ("web/load.js", 17),
    ]
    assert all(f.side is Side.NEW for f in hits)
    details = [detail(f) for f in hits]
    assert details[0] == "`except Exception:` handler only passes"
    assert details[1] == "`except Exception as exc:` handler only logs"
    assert details[2] == "`except:` handler only leaves the loop step"
    assert details[4] == "`except (ValueError, Exception):` handler only returns a default"
    assert details[6] == "`catch (final Throwable t)` handler only logs and returns a default"
    assert details[7] == "`catch (e)` handler is empty"
    assert details[10] == "`.catch(console.error)` handler only logs"


def test_exception_swallowed_in_tier1_is_critical_and_reported_once(tmp_path: Path) -> None:
    before = {"services/payments/capture.py": TIER1_BEFORE, "app/other.py": TIER1_BEFORE}
    after = {
        "services/payments/capture.py": TIER1_BEFORE.replace("        raise\n", ""),
        "services/payments/narrow.py": "try:\n    go()\nexcept KeyError:\n    pass\n",
        "app/other.py": TIER1_BEFORE.replace("        raise\n", "        raise RuntimeError('capture') from None\n"),
    }
    change = rule_hits(tmp_path, "exception-swallowed-tier1", before, after)
    assert [at(f) for f in change] == [("services/payments/capture.py", 4, Side.NEW)]
    assert change[0].severity.value == "critical"
    # the deleted `raise` makes the handler log-only: found although the except line itself is unchanged
    assert "`except Exception:` handler only logs" in change[0].message


LONG_BEFORE = (
    "def first():\n    try:\n        go()\n    except KeyError:\n        pass\n    done()\n"
    + "".join(f"# filler {i}\n" for i in range(20))
    + "def second():\n    try:\n        go()\n    except ValueError:\n"
    + '        logger.warning("w")\n        logger.info("a")\n        logger.info("b")\n        logger.info("c")\n'
    + "        raise\n"
)


def test_exception_swallowed_without_a_repository_reads_only_what_the_diff_shows(tmp_path: Path) -> None:
    """A patch has no repository: a handler cut off by the hunk's end is not judged, a visible one is."""
    after = LONG_BEFORE.replace("except KeyError", "except Exception").replace("except ValueError", "except Exception")
    change, _ = make_change(tmp_path, {"app/jobs.py": LONG_BEFORE}, {"app/jobs.py": after})
    rule = next(r for r in builtin_rules() if r.id == "exception-swallowed")
    spec = get_check("swallowed-exception")
    assert spec is not None
    hits = list(spec.function(CheckInput(rule, change, change.files, ScanContext())))
    assert [(h.path, h.line, h.side) for h in hits] == [("app/jobs.py", 4, Side.NEW)]
    with_repo = rule_hits(
        tmp_path / "repo", "exception-swallowed", {"app/jobs.py": LONG_BEFORE}, {"app/jobs.py": after}
    )
    assert [at(f) for f in with_repo] == [("app/jobs.py", 4, Side.NEW)]  # the whole file shows the `raise`


# --- TLS --------------------------------------------------------------------------------------------------------------

TLS_FILES: dict[str, str | bytes | None] = {
    "app/client.py": (
        "import ssl\n"
        "resp = requests.get(url, verify=False, timeout=5)\n"
        "ok = requests.get(url, verify=True, timeout=5)\n"
        "ok = requests.get(url, verify=CA_BUNDLE, timeout=5)\n"
        "ctx.check_hostname = False\n"
        "ctx.verify_mode = ssl.CERT_NONE\n"
        "ctx.verify_mode = ssl.CERT_REQUIRED\n"
    ),
    "cmd/client.go": (
        "package main\n"
        "var insecure = &tls.Config{InsecureSkipVerify: true}\n"
        "var secure = &tls.Config{InsecureSkipVerify: false}\n"
    ),
    "web/client.ts": (
        "const bad = new https.Agent({ rejectUnauthorized: false });\n"
        "const good = new https.Agent({ rejectUnauthorized: true });\n"
    ),
    "Dockerfile": (
        "FROM python:3.12\nRUN curl -fsSLk https://get.example.com/install.sh | sh\n"
        "RUN curl -fsSL https://get.example.com/install.sh | sh\n"
    ),
    "deploy/run.sh": "export NODE_TLS_REJECT_UNAUTHORIZED=0\nexport NODE_TLS_REJECT_UNAUTHORIZED=1\n",
    "infra/providers.tf": 'provider "kubernetes" {\n  insecure = true\n}\nprovider "vault" {\n  insecure = false\n}\n',
    "k8s/kubeconfig.yaml": "clusters:\n- cluster:\n    insecure-skip-tls-verify: true\n",
    "app/tests/test_client.py": "resp = requests.get(url, verify=False)\n",
    "docs/proxy.md": "Use `verify=False` only on your laptop.\n",
}


def test_tls_verification_disabled(tmp_path: Path) -> None:
    hits = rule_hits(tmp_path, "tls-verification-disabled", {}, TLS_FILES)
    assert spans(hits, TLS_FILES) == [
        ("Dockerfile", 2, "curl -fsSLk"),
        ("app/client.py", 2, "verify=False"),
        ("app/client.py", 5, "check_hostname = False"),
        ("app/client.py", 6, "CERT_NONE"),
        ("cmd/client.go", 2, "InsecureSkipVerify: true"),
        ("deploy/run.sh", 1, "NODE_TLS_REJECT_UNAUTHORIZED=0"),
        ("infra/providers.tf", 2, "  insecure = true"),
        ("k8s/kubeconfig.yaml", 3, "insecure-skip-tls-verify: true"),
        ("web/client.ts", 1, "rejectUnauthorized: false"),
    ]


# --- shell and SQL injection ------------------------------------------------------------------------------------------

PY_SHELL = """import os
import subprocess


def deploy(branch, host):
    os.system(f"git checkout {branch}")
    os.system("git fetch")
    subprocess.run(
        "rsync -a build/ " + host + ":/srv",
        shell=True,
        check=True,
    )
    subprocess.run(["git", "checkout", branch], check=True)
    subprocess.run("make build", shell=True, check=True)
    os.popen("ls %s" % branch)
    subprocess.check_output(command, shell=True)
    note = "os.system(f'{x}')"
"""

JS_SHELL = """import { exec, execFile } from "node:child_process";
exec(`git checkout ${branch}`);
execFile("git", ["checkout", branch]);
exec("git status");
child_process.exec("rm -rf " + dir);
const found = /x/.exec(text);
"""

GO_SHELL = """package main

func run(archive string) {
\texec.Command("sh", "-c", "tar xzf "+archive).Run()
\texec.Command("tar", "xzf", archive).Run()
\texec.Command("bash", "-c", fmt.Sprintf("tar xzf %s", archive)).Run()
}
"""

JAVA_SHELL = """class Ping {
  void ping(String host) throws Exception {
    Runtime.getRuntime().exec("ping -c 1 " + host);
    Runtime.getRuntime().exec(new String[] {"ping", "-c", "1", host});
  }
}
"""


def test_shell_injection(tmp_path: Path) -> None:
    after = {"ops/deploy.py": PY_SHELL, "web/git.js": JS_SHELL, "cmd/run.go": GO_SHELL, "src/Ping.java": JAVA_SHELL}
    hits = rule_hits(tmp_path, "shell-injection", {}, after)
    assert where(hits) == [
        ("cmd/run.go", 4),
        ("cmd/run.go", 6),
        ("ops/deploy.py", 6),
        ("ops/deploy.py", 8),
        ("ops/deploy.py", 15),
        ("ops/deploy.py", 16),
        ("src/Ping.java", 3),
        ("web/git.js", 2),
        ("web/git.js", 5),
    ]
    assert [detail(f) for f in hits] == [
        'exec.Command("sh", "-c", ...) with concatenation',
        'exec.Command("bash", "-c", ...) with string formatting',
        "os.system() runs a command built with an f-string through the shell",
        "subprocess.run(shell=True) with concatenation",
        "os.popen() runs a command built with %-formatting through the shell",
        "subprocess.check_output(shell=True) with a command that is not a literal",
        "Runtime.exec() with a command built with concatenation",
        "exec() runs a command built with a template literal through the shell",
        "child_process.exec() runs a command built with concatenation through the shell",
    ]


PY_SQL = '''def find(cur, name):
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")
    cur.execute("SELECT * FROM users WHERE name = %s", (name,))
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    cur.execute(
        """
        SELECT id FROM orders WHERE customer = {}
        """.format(name)
    )
    query = "DELETE FROM sessions WHERE user_name = '" + name + "'"
    cur.execute(query)
    sql = "SELECT id FROM orders WHERE status = %s"
    cur.execute(sql, ("open",))
    executor.execute(f"job {name}")
'''

JS_SQL = """const a = await db.query(`SELECT * FROM users WHERE id = ${id}`);
const b = await db.query("SELECT * FROM users WHERE id = $1", [id]);
"""

GO_SQL = """package store

func find(id string) {
\tdb.Query(fmt.Sprintf("SELECT * FROM users WHERE id = %s", id))
\tdb.QueryContext(ctx, "SELECT * FROM users WHERE id = $1", id)
}
"""

JAVA_SQL = """class Users {
  void find(String id) throws Exception {
    ResultSet rs = conn.createStatement().executeQuery("SELECT * FROM users WHERE id = " + id);
    PreparedStatement ps = conn.prepareStatement("SELECT * FROM users WHERE id = ?");
  }
}
"""


def test_sql_string_formatting(tmp_path: Path) -> None:
    after = {"app/users.py": PY_SQL, "web/users.ts": JS_SQL, "store/users.go": GO_SQL, "src/Users.java": JAVA_SQL}
    hits = rule_hits(tmp_path, "sql-string-formatting", {}, after)
    assert where(hits) == [
        ("app/users.py", 2),
        ("app/users.py", 4),
        ("app/users.py", 5),
        ("app/users.py", 11),
        ("src/Users.java", 3),
        ("store/users.go", 4),
        ("web/users.ts", 1),
    ]
    assert [detail(f) for f in hits] == [
        "SQL built with an f-string passed to .execute()",
        "SQL built with %-formatting passed to .execute()",
        "SQL built with str.format() passed to .execute()",
        "SQL built with concatenation (line 10) passed to .execute() as `query`",
        "SQL built with concatenation passed to .executeQuery()",
        "SQL built with string formatting passed to .Query()",
        "SQL built with a template literal passed to .query()",
    ]


# --- unsafe deserialization, eval -------------------------------------------------------------------------------------

DESERIALIZE = """data = pickle.loads(blob)
config = yaml.load(stream)
config = yaml.load(open(path), Loader=yaml.Loader)
model = torch.load(path)
config = yaml.safe_load(stream)
config = yaml.load(open(path), Loader=yaml.SafeLoader)
data = json.loads(blob)
blob = pickle.dumps(data)
model = torch.load(path, weights_only=True)
"""


def test_unsafe_deserialization(tmp_path: Path) -> None:
    java = (
        "class A {\n  Object read(InputStream s) throws Exception {\n"
        "    return new ObjectInputStream(s).readObject();\n  }\n}\n"
    )
    files: dict[str, str | bytes | None] = {"app/load.py": DESERIALIZE, "src/A.java": java, "notes.txt": DESERIALIZE}
    hits = rule_hits(tmp_path, "unsafe-deserialization", {}, files)
    assert spans(hits, files) == [
        ("app/load.py", 1, "pickle.loads("),
        ("app/load.py", 2, "yaml.load("),
        ("app/load.py", 3, "yaml.load("),
        ("app/load.py", 4, "torch.load("),
        ("src/A.java", 3, "new ObjectInputStream("),
    ]


def test_dynamic_code_execution(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "app/calc.py": "value = eval(expr)\nexec(code, scope)\nvalue = ast.literal_eval(text)\nmodel.eval()\n"
        "pattern = re.compile(p)\n",
        "web/calc.js": 'const f = new Function("a", body);\nsetTimeout("tick()", 10);\nsetTimeout(tick, 10);\n'
        "const m = pattern.exec(text);\n",
    }
    hits = rule_hits(tmp_path, "dynamic-code-execution", {}, files)
    assert spans(hits, files) == [
        ("app/calc.py", 1, "eval("),
        ("app/calc.py", 2, "exec("),
        ("web/calc.js", 1, "new Function("),
        ("web/calc.js", 2, 'setTimeout("'),
    ]


# --- randomness and hashing -----------------------------------------------------------------------------------------


def test_insecure_random_for_secret(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "app/tokens.py": 'token = "".join(random.choice(ALPHABET) for _ in range(32))\n'
        "otp = random.randint(100000, 999999)\n"
        "delay = random.uniform(0, 1) * backoff\n"
        "token = secrets.token_urlsafe(32)\n"
        "keys = random.sample(list(cache.keys()), 3)\n"
        "monkey = random.choice(zoo)\n"
        "value = random.random()  # used as the session salt\n",
        "web/session.ts": "const sessionId = Math.random().toString(36).slice(2);\n"
        "const jitter = Math.random() * 100;\n",
        "src/Salt.java": "class Salt {\n  String salt = Long.toString(new Random().nextLong());\n}\n",
    }
    hits = rule_hits(tmp_path, "insecure-random-for-secret", {}, files)
    assert spans(hits, files) == [
        ("app/tokens.py", 1, 'token = "".join(random.choice('),
        ("app/tokens.py", 2, "otp = random.randint("),
        ("app/tokens.py", 7, "random.random("),
        ("src/Salt.java", 2, "salt = Long.toString(new Random("),
        ("web/session.ts", 1, "sessionId = Math.random()"),
    ]


def test_insecure_random_span_when_the_name_follows_the_call(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {"web/id.js": "const x = Math.random(); // session token\n"}
    hits = rule_hits(tmp_path, "insecure-random-for-secret", {}, files)
    assert spans(hits, files) == [("web/id.js", 1, "Math.random()")]


def test_weak_hash_for_security(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "app/auth.py": "digest = hashlib.md5(password.encode()).hexdigest()\n"
        "sig = hashlib.sha1(secret + body).hexdigest()\n"
        "etag = hashlib.md5(body).hexdigest()\n"
        "key = hashlib.md5(token, usedforsecurity=False).hexdigest()\n"
        "digest = hashlib.sha256(password.encode()).hexdigest()\n"
        "author_id = hashlib.md5(author.encode()).hexdigest()\n",
        "web/sign.js": 'const sig = crypto.createHash("md5").update(token).digest("hex");\n',
    }
    hits = rule_hits(tmp_path, "weak-hash-for-security", {}, files)
    assert spans(hits, files) == [
        ("app/auth.py", 1, "hashlib.md5"),
        ("app/auth.py", 2, "hashlib.sha1"),
        ("web/sign.js", 1, 'createHash("md5"'),
    ]
    assert all(f.severity.value == "medium" for f in hits)


# --- HTTP timeouts ----------------------------------------------------------------------------------------------------

PY_HTTP = """import httpx
import requests


def fetch(url, options):
    requests.get(url)
    requests.get(url, timeout=5)
    requests.post(
        url,
        json={"timeout": 1},
    )
    requests.get(url, timeout=None)
    httpx.get(url)
    httpx.get(url, timeout=None)
    requests.get(url, **options)
    text = "requests.get(url)"
"""

PING = """def ping(url):
    return requests.get(
        url,
        timeout=3,
    )
"""


def test_http_call_without_timeout(tmp_path: Path) -> None:
    after = {"app/fetch.py": PY_HTTP, "app/ping.py": PING.replace("        timeout=3,\n", "")}
    hits = rule_hits(tmp_path, "http-call-without-timeout", {"app/ping.py": PING}, after)
    assert [(f.path, f.line, detail(f)) for f in hits] == [
        ("app/fetch.py", 6, "requests.get() without timeout= can hang forever"),
        ("app/fetch.py", 8, "requests.post() without timeout= can hang forever"),
        ("app/fetch.py", 12, "requests.get() with timeout=None waits forever"),
        ("app/fetch.py", 14, "httpx.get() with timeout=None waits forever"),
        ("app/ping.py", 2, "requests.get() without timeout= can hang forever"),
    ]


# --- debug mode, suppressions, stubs ----------------------------------------------------------------------------------


def test_debug_mode_enabled(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "shop/settings.py": 'DEBUG = True\nDEBUG = env.bool("DEBUG", default=False)\nDEBUG = False\n',
        "shop/app.py": 'app.run(host="0.0.0.0", debug=True)\nlogging.basicConfig(level=logging.DEBUG)\n',
        "Dockerfile": "FROM node:22\nENV FLASK_DEBUG=1\nENV NODE_ENV=development\nENV NODE_ENV=production\n",
        "shop/settings/dev.py": "DEBUG = True\n",
        "web/.env.development": "NODE_ENV=development\n",
        "config/dev.env": "DEBUG=1\n",
    }
    hits = rule_hits(tmp_path, "debug-mode-enabled", {}, files)
    assert spans(hits, files) == [
        ("Dockerfile", 2, "FLASK_DEBUG=1"),
        ("Dockerfile", 3, "NODE_ENV=development"),
        ("shop/app.py", 1, '.run(host="0.0.0.0", debug=True'),
        ("shop/settings.py", 1, "DEBUG = True"),
    ]


SUPPRESSED = """import os  # noqa: F401
value = thing.attr  # type: ignore[attr-defined]
out = subprocess.check_output(cmd)  # noqa: S603
x = eval(s)  # nosec B307
# NOTE: the type ignore below was removed
# this is not a nosecurity thing
"""


def test_security_and_lint_suppressions(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "app/x.py": SUPPRESSED,
        "web/x.ts": "// eslint-disable-next-line no-console\n// @ts-ignore\nconst a = 1;\n",
        "cmd/x.go": "package x\n\nvar a = b //nolint:gosec\nvar c = d //nolint:errcheck\n",
        "app/tests/test_x.py": "import os  # noqa: F401\n",
    }
    security = rule_hits(tmp_path, "security-check-suppressed", {}, files)
    assert spans(security, files) == [
        ("app/x.py", 3, "noqa: S6"),
        ("app/x.py", 4, "# nosec"),
        ("cmd/x.go", 3, "nolint:gosec"),
    ]
    lint = rule_hits(tmp_path / "lint", "lint-suppression-added", {}, files)
    assert spans(lint, files) == [
        ("app/x.py", 1, "# noqa"),
        ("app/x.py", 2, "# type: ignore"),
        ("cmd/x.go", 4, "//nolint"),
        ("web/x.ts", 1, "// eslint-disable"),
        ("web/x.ts", 2, "// @ts-ignore"),
    ]
    assert {f.severity.value for f in security} == {"medium"} and {f.severity.value for f in lint} == {"low"}


def test_stub_in_tier1_code(tmp_path: Path) -> None:
    files: dict[str, str | bytes | None] = {
        "services/payments/refund.py": "def partial(amount):\n    raise NotImplementedError\n"
        "# TODO: handle partial refunds\n"
        "def fee():\n    return None  # placeholder\n"
        "try:\n    go()\nexcept NotImplementedError:\n    pass\n"
        "todo_items = []\n"
        "# Todoist sync lives elsewhere\n",
        "services/payments/web.js": 'function refund() {\n  throw new Error("not implemented");\n}\n',
        "services/payments/fx.go": 'package fx\n\nfunc Rate() float64 {\n\tpanic("not implemented")\n}\n',
        "services/payments/Fx.java": "class Fx {\n  double rate() {\n"
        "    throw new UnsupportedOperationException();\n  }\n}\n",
        "app/other.py": "# TODO: later\nraise NotImplementedError\n",
        "services/payments/tests/test_refund.py": "# TODO: more cases\n",
    }
    hits = rule_hits(tmp_path, "stub-in-tier1-code", {}, files)
    assert spans(hits, files) == [
        ("services/payments/Fx.java", 3, "throw new UnsupportedOperationException"),
        ("services/payments/fx.go", 4, 'panic("not implemented'),
        ("services/payments/refund.py", 2, "raise NotImplementedError"),
        ("services/payments/refund.py", 3, "# TODO"),
        ("services/payments/refund.py", 5, "return None  # placeholder"),
        ("services/payments/web.js", 2, 'throw new Error("not implemented'),
    ]


# --- changed operational defaults -------------------------------------------------------------------------------------

SETTINGS_BEFORE = """REQUEST_TIMEOUT = 30
MAX_RETRIES = 3
GREETING = "hi"
CACHE_TTL = 60
BATCH_SIZE: int = 100
AUTH_TOKEN_TTL = 3600
"""

SETTINGS_AFTER = """REQUEST_TIMEOUT = 5
MAX_RETRIES = 3  # unchanged
GREETING = "hello"
CACHE_TTL_SECONDS = 60
BATCH_SIZE: int = 1000
AUTH_TOKEN_TTL = 60
"""


def test_operational_default_changed(tmp_path: Path) -> None:
    before: dict[str, str | bytes | None] = {
        "app/settings.py": SETTINGS_BEFORE,
        "deploy/values.yaml": "api:\n  replicas: 2\n  timeout: 30s\n",
        ".env": "FEATURE_NEW_CHECKOUT=false\n",
        "pay/client.go": "package pay\n\nvar opts = Options{\n\tMaxRetries: 3,\n}\n",
        "src/Pool.java": "class Pool {\n  private static final int POOL_SIZE = 10;\n}\n",
        "app/tests/test_settings.py": "TIMEOUT = 1\n",
    }
    after: dict[str, str | bytes | None] = {
        "app/settings.py": SETTINGS_AFTER,
        "deploy/values.yaml": "api:\n  replicas: 3\n  timeout: 300s\n",
        ".env": "FEATURE_NEW_CHECKOUT=true\n",
        "pay/client.go": "package pay\n\nvar opts = Options{\n\tMaxRetries: 10,\n}\n",
        "src/Pool.java": "class Pool {\n  private static final int POOL_SIZE = 50;\n}\n",
        "app/tests/test_settings.py": "TIMEOUT = 2\n",
    }
    hits = rule_hits(tmp_path, "operational-default-changed", before, after)
    assert [(f.path, f.line, f.side, detail(f)) for f in hits] == [
        (".env", 1, Side.NEW, "FEATURE_NEW_CHECKOUT: false → true"),
        ("app/settings.py", 1, Side.NEW, "REQUEST_TIMEOUT: 30 → 5"),
        ("app/settings.py", 5, Side.NEW, "BATCH_SIZE: 100 → 1000"),
        ("app/settings.py", 6, Side.NEW, "AUTH_TOKEN_TTL: 3600 → 60"),
        ("deploy/values.yaml", 3, Side.NEW, "timeout: 30s → 300s"),
        ("pay/client.go", 4, Side.NEW, "MaxRetries: 3 → 10"),
        ("src/Pool.java", 2, Side.NEW, "POOL_SIZE: 10 → 50"),
    ]


def test_operational_default_hides_secret_looking_values(tmp_path: Path) -> None:
    before = {"app/flags.py": 'FEATURE_FLAG_TOKEN = "ff-abcdef0123456789"\n'}
    after = {"app/flags.py": 'FEATURE_FLAG_TOKEN = "ff-9876543210fedcba"\n'}
    hits = rule_hits(tmp_path, "operational-default-changed", before, after)
    assert len(hits) == 1 and "(value hidden) → (value hidden)" in hits[0].message
    assert "abcdef" not in hits[0].message and "fedcba" not in hits[0].message
