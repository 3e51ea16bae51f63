"""Imports of modules that exist nowhere: not in the standard library, not in the repository, not declared.

A model that invents an API invents the package it "comes from" too. The import then fails in production (Python
imports lazily inside functions; Node resolves `require` at call time), or someone runs `pip install <name>` to make
it work and installs whatever an attacker registered under that name. The check is deliberately lenient about what
counts as existing (any file or directory of that name anywhere in the repository, any manifest, any install command
in CI) because a false alarm at high severity teaches reviewers to ignore it; what remains is a name nothing vouches
for. Changes loaded from a patch without their repository are skipped: without the tree nothing can be judged.
"""

from __future__ import annotations

import functools
import posixpath
import re
import sys
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from reviewtui.model import FileChange
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.checks.dependencies import (
    GO,
    NPM,
    PYPI,
    normalize,
    package_json_names,
    parse_requirement,
    repository_dependencies,
)
from reviewtui.rules.context import ScanContext
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import Located, added, scope_lines

# --------------------------------------------------------------------------------------------------------------------
# What exists without being declared

PYTHON_STDLIB = frozenset(sys.stdlib_module_names) | frozenset(
    # Modules some supported Python has that the running one may not, and typing-only or always-present names.
    {"__future__", "__main__", "_typeshed", "tomllib", "zoneinfo", "graphlib", "distutils", "imp", "asynchat",
     "asyncore", "smtpd", "cgi", "cgitb", "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev",
     "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib", "audioop", "chunk", "lib2to3"}
)  # fmt: skip
NODE_BUILTINS = frozenset(
    {"assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram",
     "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2", "https", "inspector", "module", "net",
     "os", "path", "perf_hooks", "process", "punycode", "querystring", "readline", "repl", "stream",
     "string_decoder", "sys", "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm", "wasi",
     "worker_threads", "zlib"}
)  # fmt: skip

# Distributions whose import name is not their normalised name (or not only it); keys are PEP 503 names.
DISTRIBUTION_MODULES: dict[str, tuple[str, ...]] = {
    "pyyaml": ("yaml",),
    "ruamel-yaml": ("ruamel",),
    "beautifulsoup4": ("bs4",),
    "pillow": ("PIL",),
    "scikit-learn": ("sklearn",),
    "scikit-image": ("skimage",),
    "python-dateutil": ("dateutil",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "opencv-contrib-python": ("cv2",),
    "opencv-contrib-python-headless": ("cv2",),
    "attrs": ("attr", "attrs"),
    "protobuf": ("google",),
    "grpcio": ("grpc",),
    "grpcio-tools": ("grpc_tools",),
    "grpcio-status": ("grpc_status",),
    "mysqlclient": ("MySQLdb",),
    "mysql-connector-python": ("mysql",),
    "psycopg2-binary": ("psycopg2",),
    "psycopg-binary": ("psycopg",),
    "pyjwt": ("jwt",),
    "python-jose": ("jose",),
    "pycryptodome": ("Crypto",),
    "pycryptodomex": ("Cryptodome",),
    "pyopenssl": ("OpenSSL",),
    "python-dotenv": ("dotenv",),
    "python-multipart": ("multipart", "python_multipart"),
    "pyserial": ("serial",),
    "pyusb": ("usb",),
    "pyzmq": ("zmq",),
    "pygobject": ("gi",),
    "pywin32": ("win32api", "win32con", "win32com", "win32file", "pywintypes", "pythoncom"),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
    "python-magic": ("magic",),
    "python-slugify": ("slugify",),
    "dnspython": ("dns",),
    "pysocks": ("socks", "sockshandler"),
    "djangorestframework": ("rest_framework",),
    "django-cors-headers": ("corsheaders",),
    "django-filter": ("django_filters",),
    "django-environ": ("environ",),
    "django-redis": ("django_redis",),
    "faiss-cpu": ("faiss",),
    "faiss-gpu": ("faiss",),
    "tensorflow-cpu": ("tensorflow",),
    "tensorflow-gpu": ("tensorflow",),
    "pytorch-lightning": ("pytorch_lightning", "lightning"),
    "mkdocs-material": ("material",),
    "python-ldap": ("ldap", "ldif"),
    "websocket-client": ("websocket",),
    "python-socketio": ("socketio",),
    "python-engineio": ("engineio",),
    "discord-py": ("discord",),
    "paho-mqtt": ("paho",),
    "opensearch-py": ("opensearchpy",),
    "apache-airflow": ("airflow",),
    "apache-beam": ("apache_beam",),
    "python-docx": ("docx",),
    "python-pptx": ("pptx",),
    "pymupdf": ("fitz", "pymupdf"),
    "gitpython": ("git",),
    "pygithub": ("github",),
    "python-gitlab": ("gitlab",),
    "pyinstaller": ("PyInstaller",),
    "pytest": ("pytest", "_pytest", "py"),
    "msgpack-python": ("msgpack",),
    "google-api-python-client": ("googleapiclient", "apiclient"),
    "google-auth": ("google",),
    "google-auth-oauthlib": ("google_auth_oauthlib",),
    "azure-identity": ("azure",),
    "zope-interface": ("zope",),
    "typing-extensions": ("typing_extensions",),
    "pyyaml-include": ("yamlinclude", "yaml_include"),
    "python-telegram-bot": ("telegram",),
    "slack-sdk": ("slack_sdk",),
    "slack-bolt": ("slack_bolt",),
    "ipython": ("IPython",),
    "pyqt5": ("PyQt5",),
    "pyqt6": ("PyQt6",),
    "pyside6": ("PySide6",),
    "scikit-build": ("skbuild",),
    "email-validator": ("email_validator",),
    "argon2-cffi": ("argon2",),
    "pynacl": ("nacl",),
    "docker-py": ("docker",),
    "hiredis": ("hiredis",),
    "python-json-logger": ("pythonjsonlogger",),
    "sentry-sdk": ("sentry_sdk",),
    "prometheus-client": ("prometheus_client",),
    "opentelemetry-api": ("opentelemetry",),
    "opentelemetry-sdk": ("opentelemetry",),
    "huggingface-hub": ("huggingface_hub",),
    "sentence-transformers": ("sentence_transformers",),
    "great-expectations": ("great_expectations",),
    "snowflake-connector-python": ("snowflake",),
    "cassandra-driver": ("cassandra",),
    "kafka-python": ("kafka",),
    "confluent-kafka": ("confluent_kafka",),
    "ua-parser": ("ua_parser",),
    "text-unidecode": ("text_unidecode",),
    "beautifulsoup": ("BeautifulSoup",),
    "markdown-it-py": ("markdown_it",),
    "jsonschema-specifications": ("jsonschema_specifications",),
    "importlib-metadata": ("importlib_metadata",),
    "importlib-resources": ("importlib_resources",),
    "tomli-w": ("tomli_w",),
}
_PREFIXES = ("python-", "py-", "django-", "flask-", "pytest-")
_SUFFIXES = ("-python", "-py", "-client", "-sdk", "-binary", "-headless", "-cpu", "-gpu")


_KNOWN: dict[tuple[int, tuple[str, ...]], tuple[frozenset[str], frozenset[str]]] = {}
_MAX_KNOWN = 64


def _python_known(in_tree: frozenset[str], declared: tuple[str, ...]) -> frozenset[str]:
    """The names in the tree and those the declared distributions provide: the same for most changes of a queue
    (both are shared while no module file or manifest changes), so built once per distinct pair instead of copying
    thousands of names per change. Keyed by the tree's set by identity (held in the entry)."""
    key = (id(in_tree), declared)
    found = _KNOWN.get(key)
    if found is None or found[0] is not in_tree:
        if len(_KNOWN) >= _MAX_KNOWN:
            _KNOWN.clear()
        found = _KNOWN[key] = (in_tree, in_tree.union(*map(python_import_names, declared)))
    return found[1]


@functools.lru_cache(maxsize=4096)
def python_import_names(distribution: str) -> frozenset[str]:
    """Lower-cased module names a distribution may provide: its own name, its first word (namespace packages such
    as google-cloud-storage), the known exceptions, and the usual `python-`/`-client` wrappings removed."""
    key = normalize(PYPI, distribution)
    names = {key.replace("-", "_"), key.split("-", 1)[0]}
    names.update(n.lower() for n in DISTRIBUTION_MODULES.get(key, ()))
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            names.add(key[len(prefix) :].replace("-", "_"))
    for suffix in _SUFFIXES:
        if key.endswith(suffix):
            names.add(key[: -len(suffix)].replace("-", "_"))
    return frozenset(names)


# --------------------------------------------------------------------------------------------------------------------
# Install commands: CI and images often install tools that no manifest lists

_INSTALL_FILES = re.compile(
    r"(?:^|/)(?:Dockerfile[^/]*|Containerfile|Makefile|tox\.ini|noxfile\.py|[^/]+\.sh|\.gitlab-ci\.yml)$"
    r"|^\.github/workflows/[^/]+\.ya?ml$|^\.circleci/[^/]+\.ya?ml$"
)
_PIP_INSTALL = re.compile(r"\b(?:pip3?|uv\s+pip|pipx|python3?\s+-m\s+pip)\s+install\s+([^\n&|;#]+)")
_NPM_INSTALL = re.compile(
    r"\b(?:npm\s+(?:install|i|add)|yarn\s+(?:global\s+)?add|pnpm\s+(?:add|install))\s+([^\n&|;#]+)"
)
_TOX_DEPS = re.compile(r"^deps\s*=([^\n]*\n(?:[ \t]+\S.*\n?)*)", re.M)
_MAX_INSTALL_FILES = 200


def installed_by_commands(context: ScanContext, rev: str | None) -> tuple[set[str], set[str]]:
    """(PyPI names, npm names) installed by `pip install` / `npm install` lines or tox `deps` in the repository."""
    python: set[str] = set()
    node: set[str] = set()
    for path in context.per_tree(rev, ("install-files",), _install_files, _INSTALL_FILES.search):
        blob_id = context.blob_id(rev, path)
        read = functools.partial(_installed_by_file, context, rev, path)
        installed = read() if blob_id is None else context.memo(("install-commands", blob_id), read)
        python.update(installed[0])
        node.update(installed[1])
    return python, node


def _install_files(tree: frozenset[str]) -> list[str]:
    return sorted(p for p in tree if _INSTALL_FILES.search(p))[:_MAX_INSTALL_FILES]


def _installed_by_file(context: ScanContext, rev: str | None, path: str) -> tuple[frozenset[str], frozenset[str]]:
    """What one file installs; memoised by blob id, as most commits leave CI files and Dockerfiles alone."""
    python: set[str] = set()
    node: set[str] = set()
    text = (context.read(rev, path) or b"").decode("utf-8", "replace")
    for match in _PIP_INSTALL.finditer(text):
        python.update(_install_arguments(match.group(1), PYPI))
    for match in _NPM_INSTALL.finditer(text):
        node.update(_install_arguments(match.group(1), NPM))
    for match in _TOX_DEPS.finditer(text):
        python.update(_install_arguments(match.group(1), PYPI))
    return frozenset(python), frozenset(node)


def _install_arguments(text: str, ecosystem: str) -> set[str]:
    names: set[str] = set()
    for word in text.split():
        word = word.strip("\"'")
        if not word or word.startswith(("-", ".", "/", "$", "{")):
            continue
        if ecosystem == NPM:
            names.add(word.rsplit("@", 1)[0] if word.rfind("@") > 0 else word)
            continue
        dependency = parse_requirement(PYPI, word, 0, 0)
        if dependency is not None:
            names.add(dependency.key)
    return names


# --------------------------------------------------------------------------------------------------------------------
# What the repository has and declares, at the change's head


@dataclass
class _Known:
    """Everything that makes an import resolvable, computed once per check run and only if an import needs it."""

    context: ScanContext
    rev: str
    _python: AbstractSet[str] | None = None
    _node: set[str] | None = None
    _node_aliases: list[str] | None = None
    _go: list[str] | None = None

    def has_tree(self) -> bool:
        return bool(self.context.tree(self.rev))

    def python(self) -> AbstractSet[str]:
        if self._python is None:
            in_tree = self.context.per_tree(
                self.rev, ("tree-names", *_PY_EXTENSIONS), _python_tree_names, _python_module, TreeNames.step
            ).names
            declared = [d.name for d in repository_dependencies(self.context, self.rev) if d.ecosystem == PYPI]
            declared += installed_by_commands(self.context, self.rev)[0]
            self._python = _python_known(in_tree, tuple(dict.fromkeys(declared)))
        return self._python

    def node(self) -> tuple[set[str], list[str]]:
        if self._node is None or self._node_aliases is None:
            names = set(
                self.context.per_tree(
                    self.rev, ("tree-names", *_JS_EXTENSIONS), _js_tree_names, _js_module, TreeNames.step
                ).names
            )

            for dependency in repository_dependencies(self.context, self.rev):
                if dependency.ecosystem == NPM:
                    names.add(dependency.key)
                    names.add(_types_target(dependency.key))
            names |= {n.lower() for n in package_json_names(self.context, self.rev)}
            names |= {n.lower() for n in installed_by_commands(self.context, self.rev)[1]}
            self._node, self._node_aliases = names, _path_aliases(self.context, self.rev)
        return self._node, self._node_aliases

    def go(self) -> list[str]:
        if self._go is None:
            modules = [d.name for d in repository_dependencies(self.context, self.rev) if d.ecosystem == GO]
            for path in self.context.per_tree(self.rev, ("go.mod",), _go_mod_files, _is_go_mod):
                match = _GO_MODULE.search((self.context.read(self.rev, path) or b"").decode("utf-8", "replace"))
                if match:
                    modules.append(match.group(1))
            self._go = modules
        return self._go


_PY_EXTENSIONS = (".py", ".pyi", ".pyx", ".pxd", ".so", ".pyd")
_JS_EXTENSIONS = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".json", ".vue", ".svelte")
_GO_MODULE = re.compile(r"^\s*module\s+(\S+)", re.M)
_TSCONFIG = re.compile(r"(?:^|/)(?:tsconfig[^/]*|jsconfig)\.json$")
_TS_PATHS = re.compile(r'"paths"\s*:\s*\{([^}]*)\}')
_JSON_KEY = re.compile(r'"([^"]+)"\s*:')


def _python_tree_names(tree: frozenset[str]) -> TreeNames:
    return TreeNames.build(tree, _PY_EXTENSIONS)


def _js_tree_names(tree: frozenset[str]) -> TreeNames:
    return TreeNames.build(tree, _JS_EXTENSIONS)


def _go_mod_files(tree: frozenset[str]) -> list[str]:
    return sorted(path for path in tree if _is_go_mod(path))


def _is_go_mod(path: str) -> bool:
    return posixpath.basename(path) == "go.mod"


def _python_module(path: str) -> bool:
    """The paths `TreeNames` reads for Python (the last part has a module extension)."""
    return path.rsplit("/", 1)[-1].endswith(_PY_EXTENSIONS)


def _js_module(path: str) -> bool:
    return path.rsplit("/", 1)[-1].endswith(_JS_EXTENSIONS)


@dataclass(frozen=True, eq=False)
class TreeNames:
    """Lower-cased directory names and module file stems anywhere in a tree (a module found by any sys.path or
    bundler alias is found here), with how many module paths give each name: a commit that adds or removes a module
    then updates its neighbour's names (`step`) instead of splitting every path of the tree again (84 rebuilds of
    pip's 1,500 modules per 1000 commits were a third of this check's cost). `names` is exactly the set of names
    whose count is above zero, so a step gives what `build` gives (tests/rules/test_tree_names.py)."""

    extensions: tuple[str, ...]
    counts: dict[str, int]
    names: frozenset[str]

    @classmethod
    def build(cls, tree: AbstractSet[str], extensions: tuple[str, ...]) -> TreeNames:
        counts: dict[str, int] = {}
        for path in tree:
            for name in _path_names(path, extensions):
                counts[name] = counts.get(name, 0) + 1
        return cls(extensions, counts, frozenset(counts))

    def step(self, added: AbstractSet[str], removed: AbstractSet[str]) -> TreeNames:
        """The names of this tree with `added` paths put in and `removed` ones taken out (paths this tree has not,
        and has): the same set object when no name comes or goes, so whatever was derived from it stays shared."""
        counts = dict(self.counts)
        changed = False
        for path in removed:
            for name in _path_names(path, self.extensions):
                left = counts[name] - 1
                if left:
                    counts[name] = left
                else:
                    del counts[name]
                    changed = True
        for path in added:
            for name in _path_names(path, self.extensions):
                before = counts.get(name, 0)
                counts[name] = before + 1
                changed = changed or not before
        if changed and counts.keys() == self.names:
            changed = False  # a name went and came back
        return TreeNames(self.extensions, counts, frozenset(counts) if changed else self.names)


def _path_names(path: str, extensions: tuple[str, ...]) -> set[str]:
    """The names one path gives (none unless its last part has a module extension), each once."""
    parts = path.split("/")
    if not parts[-1].endswith(extensions):
        return set()
    names = {part.lower() for part in parts[:-1]}
    names.add(parts[-1].split(".", 1)[0].lower())
    return names


def _types_target(key: str) -> str:
    """`@types/node` declares `node`, `@types/babel__core` declares `@babel/core`."""
    if not key.startswith("@types/"):
        return key
    name = key[len("@types/") :]
    return "@" + name.replace("__", "/", 1) if "__" in name else name


def _path_aliases(context: ScanContext, rev: str) -> list[str]:
    """TypeScript `paths` keys from every tsconfig/jsconfig (`@app/*` -> prefix `@app/`, exact keys as they are)."""
    aliases: list[str] = []
    for path in context.per_tree(rev, ("tsconfig",), _tsconfig_files, _TSCONFIG.search):
        blob_id = context.blob_id(rev, path)
        read = functools.partial(_aliases_in, context, rev, path)
        aliases += read() if blob_id is None else context.memo(("ts-paths", blob_id), read)
    return aliases


def _tsconfig_files(tree: frozenset[str]) -> list[str]:
    return sorted(path for path in tree if _TSCONFIG.search(path) and "/node_modules/" not in f"/{path}")


def _aliases_in(context: ScanContext, rev: str, path: str) -> tuple[str, ...]:
    text = (context.read(rev, path) or b"").decode("utf-8", "replace")
    return tuple(key.rstrip("*") for block in _TS_PATHS.finditer(text) for key in _JSON_KEY.findall(block.group(1)))


# --------------------------------------------------------------------------------------------------------------------
# Finding imports in added lines


@dataclass(frozen=True, slots=True)
class _Import:
    located: Located
    name: str
    """The top-level module (Python), package (JS/TS) or import path (Go)."""
    span: tuple[int, int]


_PY_IMPORT = re.compile(r"^\s*import\s+([^#;]+)")
_PY_FROM = re.compile(r"^\s*from\s+([A-Za-z_]\w*)[\w.]*\s+import\b")
_PY_PART = re.compile(r"[^,]+")
_PY_NAME = re.compile(r"\s*\(?\s*([A-Za-z_]\w*)")
_TRIPLE_QUOTE = re.compile(r'"""|\'\'\'')
_OPTIONAL_IMPORT = re.compile(r"^\s*(?:try\s*:|except\b.*\bImportError\b.*:|except\s+\(.*ImportError.*\)\s*:)")

_JS_FROM = re.compile(r"""(?:^|[\s;}*])from\s*(['"])([^'"\n]+)\1""")
_JS_SIDE_EFFECT = re.compile(r"""^\s*import\s*(['"])([^'"\n]+)\1""")
_JS_CALL = re.compile(r"""\b(?:require|import)\s*\(\s*(['"])([^'"\n]+)\1\s*\)""")
_JS_COMMENT = re.compile(r"^\s*(?://|/\*|\*)")
_JS_WORDS = ("from", "import", "require")

_GO_BLOCK_START = re.compile(r"^\s*import\s*\(\s*(?://.*)?$")
_GO_SINGLE = re.compile(r'^\s*import\s+(?:[\w.]+\s+)?"([^"]+)"')
_GO_ITEM = re.compile(r'^\s*(?:[\w.]+\s+)?"([^"]+)"')

_PYTHON_FILES = (".py", ".pyi")
_JS_FILES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


_Candidate = tuple[Located, re.Match[str] | None, re.Match[str] | None]
"""An added line that looks like an import: (line, `from X import` match, `import X` match)."""


def _python_candidates(file: FileChange) -> list[_Candidate]:
    """Both patterns need the word `import`: only the added lines that contain it (found in the file's folded
    text, a superset) are tried."""
    found: list[_Candidate] = []
    view = scope_lines(file, Scope.ADDED)
    for position in view.folded().lines_with(("import",)):
        line = view.texts[position]
        from_match = _PY_FROM.match(line)
        import_match = None if from_match else _PY_IMPORT.match(line)
        if from_match is not None or import_match is not None:
            found.append((view.located(position), from_match, import_match))
    return found


def _python_imports(candidates: list[_Candidate], read: Callable[[], str | None]) -> Iterator[_Import]:
    """`read` gives the whole new file; it is called only when an added line looks like an import, since reading
    and scanning the file for strings is most of the cost and most changes add no import."""
    source: list[str] | None = None
    in_strings = _StringLines([])
    for located, from_match, import_match in candidates:
        line = located.line.text
        if source is None:
            source = (read() or "").splitlines()
            in_strings = _StringLines(source)
        number = located.line.new_no or 0
        if in_strings.starts_inside(number) or _optional(source, number):
            continue
        if from_match:
            yield _Import(located, from_match.group(1), from_match.span(1))
            continue
        assert import_match is not None
        for part in _PY_PART.finditer(line, import_match.start(1), import_match.end(1)):
            name = _PY_NAME.match(part.group())
            if name:
                start = part.start() + name.start(1)
                yield _Import(located, name.group(1), (start, start + len(name.group(1))))


class _StringLines:
    """Which lines start inside a triple-quoted string (docstrings often show `import` examples), scanned only as
    far as asked: imports sit near the top, and scanning whole files was most of this check's own time."""

    def __init__(self, source: list[str]) -> None:
        self._source = source
        self._inside: list[bool] = []
        """Whether line i + 1 starts inside a string, for the lines scanned so far."""
        self._state = False

    def starts_inside(self, number: int) -> bool:
        """`number` is 1-based; lines past the end are never inside (as a line that does not exist)."""
        while len(self._inside) < min(number, len(self._source)):
            self._inside.append(self._state)
            if len(_TRIPLE_QUOTE.findall(self._source[len(self._inside) - 1])) % 2 == 1:
                self._state = not self._state
        return 1 <= number <= len(self._inside) and self._inside[number - 1]


def _optional(source: list[str], number: int) -> bool:
    """An import right under `try:` or `except ImportError:` is optional by design."""
    for previous in range(number - 2, -1, -1):
        if source[previous].strip():
            return _OPTIONAL_IMPORT.match(source[previous]) is not None
    return False


def _js_imports(file: FileChange) -> Iterator[_Import]:
    view = scope_lines(file, Scope.ADDED)
    for position in view.folded().lines_with(_JS_WORDS):  # each pattern needs one of them: a superset
        line = view.texts[position]
        if _JS_COMMENT.match(line):
            continue
        located = view.located(position)
        for pattern in (_JS_FROM, _JS_SIDE_EFFECT, _JS_CALL):
            for match in pattern.finditer(line):
                yield _Import(located, match.group(2), match.span(2))


def _go_may_import(file: FileChange) -> bool:
    """Whether an added line could be an import (else the file need not be read)."""
    return any(_GO_SINGLE.match(x.line.text) or _GO_ITEM.match(x.line.text) for x in added([file]))


def _go_imports(file: FileChange, read: Callable[[], str | None]) -> Iterator[_Import]:
    if not _go_may_import(file):
        return  # no added line could be an import: the file need not be read
    text = read()
    import_lines: set[int] = set()
    in_block = False
    for number, line in enumerate((text or "").splitlines(), start=1):
        if in_block:
            if line.strip().startswith(")"):
                in_block = False
            else:
                import_lines.add(number)
        elif _GO_BLOCK_START.match(line):
            in_block = True
        elif _GO_SINGLE.match(line):
            import_lines.add(number)
    for located in added([file]):
        if located.line.new_no not in import_lines:
            continue
        match = _GO_SINGLE.match(located.line.text) or _GO_ITEM.match(located.line.text)
        if match:
            yield _Import(located, match.group(1), match.span(1))


# --------------------------------------------------------------------------------------------------------------------
# Judging them


def js_package(specifier: str) -> str | None:
    """The package a bare specifier names (`@scope/pkg/sub` -> `@scope/pkg`, `lodash/fp` -> `lodash`), or None for
    relative paths, aliases (`@/`, `~/`, `#`), URLs and loader syntax."""
    if specifier.startswith((".", "/", "#", "~", "@/", "$")) or ":" in specifier or "!" in specifier:
        return None
    parts = specifier.split("/")
    if specifier.startswith("@"):
        return "/".join(parts[:2]) if len(parts) >= 2 and parts[1] else None
    return parts[0] or None


def _python_unknown(found: _Import, known: _Known, allow: set[str]) -> bool:
    name = found.name.lower()
    return found.name not in PYTHON_STDLIB and name not in allow and name not in known.python()


def _js_unknown(found: _Import, known: _Known, allow: set[str]) -> bool:
    specifier = found.name
    if specifier.startswith("node:") or specifier.startswith(("bun:", "deno:")):
        return False
    package = js_package(specifier)
    if package is None or package in NODE_BUILTINS or package.lower() in allow:
        return False
    names, aliases = known.node()
    if any(a and (specifier == a or (a.endswith("/") and specifier.startswith(a))) for a in aliases):
        return False
    return package.lower() not in names


def _go_unknown(found: _Import, known: _Known, allow: set[str]) -> bool:
    path = found.name
    first = path.split("/", 1)[0]
    if "." not in first or path == "C" or path.lower() in allow:
        return False  # the standard library has no dot in its first element
    return not any(path == module or path.startswith(module + "/") for module in known.go())


@check("unknown-import", scopes={Scope.ADDED}, options={"allow": list})
def unknown_import(data: CheckInput) -> Iterator[Hit]:
    """An import (Python, JavaScript/TypeScript, Go) that nothing in the repository provides or declares."""
    head = data.change.head
    if head is None:
        return
    known = _Known(data.context, head)
    allow = {str(name).lower() for name in data.option("allow", [])}
    files: list[tuple[FileChange, str, list[_Candidate]]] = []
    for file in data.files:
        path = file.new_path or ""
        if file.new_path is None or file.binary:
            continue
        if path.endswith(_PYTHON_FILES):
            files.append((file, path, _python_candidates(file)))
        elif path.endswith(_JS_FILES) or path.endswith(".go"):
            files.append((file, path, []))
    # The files whose imports are judged against their whole text, read in one request (see ScanContext.read_ahead).
    data.context.read_ahead(
        head, [path for file, path, found in files if found or (path.endswith(".go") and _go_may_import(file))]
    )
    for file, path, candidates in files:
        read = functools.partial(_text, data.context, head, path)
        if path.endswith(_PYTHON_FILES):
            found = [(i, _python_unknown(i, known, allow)) for i in _python_imports(candidates, read)]
        elif path.endswith(_JS_FILES):
            found = [(i, _js_unknown(i, known, allow)) for i in _js_imports(file)]
        else:
            found = [(i, _go_unknown(i, known, allow)) for i in _go_imports(file, read)]
        for item, unknown in found:
            # Without a tree (a patch without its repository, a head git cannot list) nothing can be judged; asked
            # only now because listing the tree at every head was most of this check's cost.
            if unknown and known.has_tree():
                detail = f"{item.name} is not in the standard library, the repository or any dependency manifest"
                yield item.located.hit(span=item.span, detail=detail)


def _text(context: ScanContext, rev: str, path: str) -> str | None:
    blob = context.read(rev, path)
    return None if blob is None else blob.decode("utf-8", "replace")
