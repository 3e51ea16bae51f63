"""Dependency manifests: which packages a change adds, where it fetches them from, and how loosely it pins them.

An agent adds a dependency as easily as it writes a line of code, and a package name it invents or misspells is a
name anyone can register and fill with malware ("slopsquatting"). These checks read the manifests a change touches as
whole files at merge base and head when the repository is there, so a version bump is recognised as a bump and only
names that are really new are reported; for a patch without a repository they fall back to the diff lines.

Parsing is line-based on purpose: every dependency must be anchored to the line a reviewer sees, which `tomllib` and
`json` cannot give. The parsers follow the layouts tools write (one entry per line) and never raise on odd input.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources

from reviewtui.model import FileChange, FileStatus, LineKind
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.context import ScanContext
from reviewtui.rules.finding import Hit, Side
from reviewtui.rules.rule import Scope

PYPI = "pypi"
NPM = "npm"
GO = "go"
CARGO = "cargo"
RUBYGEMS = "rubygems"
MAVEN = "maven"

Lines = Sequence[tuple[int, str]]
"""(1-based line number, text) pairs: a whole file, or the lines of one diff hunk."""

# --------------------------------------------------------------------------------------------------------------------
# The dependency model


@dataclass(frozen=True, slots=True)
class Dependency:
    ecosystem: str
    name: str
    spec: str
    """The version constraint as written ("" when there is none)."""
    line: int
    column: int
    """0-based column of the name on its line, for the finding's span."""
    source: str | None = None
    """Where it is fetched from when that is not the package registry (a URL, a VCS repository, a local file)."""
    replacement: bool = False
    """A go.mod `replace` directive: it redirects a dependency rather than adding one."""
    width: int | None = None
    """How many characters of the line the name covers, when that is not the name (pom.xml: the artifactId)."""

    @property
    def key(self) -> str:
        return normalize(self.ecosystem, self.name)

    @property
    def span(self) -> tuple[int, int]:
        return (self.column, self.column + (len(self.name) if self.width is None else self.width))


_PYPI_SEPARATORS = re.compile(r"[-_.]+")


def normalize(ecosystem: str, name: str) -> str:
    """The name the registry compares: PyPI folds case and runs of `-_.` (PEP 503), crates.io folds `_` into `-`."""
    if ecosystem == PYPI:
        return _PYPI_SEPARATORS.sub("-", name).lower()
    if ecosystem == CARGO:
        return name.lower().replace("_", "-")
    if ecosystem in (NPM, RUBYGEMS):
        return name.lower()
    return name


# --------------------------------------------------------------------------------------------------------------------
# Which files are manifests

_EXACT_MANIFESTS = {
    "pyproject.toml": "pyproject",
    "setup.cfg": "setup.cfg",
    "Pipfile": "pipfile",
    "package.json": "package.json",
    "go.mod": "go.mod",
    "Cargo.toml": "cargo",
    "Gemfile": "gemfile",
    "gems.rb": "gemfile",
    "pom.xml": "pom",
    "build.gradle": "gradle",
    "build.gradle.kts": "gradle",
}
_REQUIREMENTS_NAME = re.compile(r"(?:.*[-_.])?(?:requirements|constraints)(?:[-_.].*)?\.(?:txt|in)")
_REQUIREMENTS_DIRS = frozenset({"requirements", "requirements.d"})
ECOSYSTEMS = {
    "requirements": PYPI,
    "pyproject": PYPI,
    "setup.cfg": PYPI,
    "pipfile": PYPI,
    "package.json": NPM,
    "go.mod": GO,
    "cargo": CARGO,
    "gemfile": RUBYGEMS,
    "pom": MAVEN,
    "gradle": MAVEN,
}


@functools.lru_cache(maxsize=1 << 16)
def manifest_kind(path: str) -> str | None:
    """The manifest format of `path` by its name, or None; `Makefile.in` and `MANIFEST.in` are not requirements."""
    name = posixpath.basename(path)
    if name in _EXACT_MANIFESTS:
        return _EXACT_MANIFESTS[name]
    lower = name.lower()
    if _REQUIREMENTS_NAME.fullmatch(lower):
        return "requirements"
    parent = posixpath.basename(posixpath.dirname(path)).lower()
    if parent in _REQUIREMENTS_DIRS and lower.endswith((".txt", ".in")):
        return "requirements"
    return None


def parse_manifest(kind: str, lines: Lines, *, lenient: bool = False) -> list[Dependency]:
    """Dependencies declared in `lines`; `lenient` is for diff fragments, where section headers may be missing."""
    return list(_PARSERS[kind](lines, lenient))


def parse_text(kind: str, text: str) -> list[Dependency]:
    return parse_manifest(kind, list(enumerate(text.splitlines(), start=1)))


# --------------------------------------------------------------------------------------------------------------------
# PEP 508 and requirements files

_PEP508 = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)", re.S)
_PEP508_AFTER_NAME = re.compile(r"[\s\[(;@<>=!~,]|$")
_VCS_OR_URL = re.compile(r"(?:git\+|hg\+|svn\+|bzr\+|git://|git@|https?://|ftp://|file:)", re.I)
_EDITABLE = re.compile(r"^\s*(?:-e|--editable)(?:\s+|=)(\S+)")
_HASH_COMMENT = re.compile(r"(?:^|\s)#.*$")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_ARCHIVE = re.compile(r"([A-Za-z0-9][A-Za-z0-9._]*?)-\d[^/]*\.(?:tar\.gz|tgz|tar\.bz2|zip|whl)$", re.I)
_REPO_TAIL = re.compile(r"/([A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.git)?(?:@[^/#]*)?(?:#.*)?$")
_CREDENTIALS = re.compile(r"(//)[^/@\s]+@")


def redact(url: str) -> str:
    """A URL without the user and token some people put before `@`: findings must not echo credentials."""
    return _CREDENTIALS.sub(r"\1***@", url)


def parse_requirement(ecosystem: str, text: str, line: int, column: int) -> Dependency | None:
    """A PEP 508 requirement (`name[extras] spec ; marker` or `name @ url`) found at `column` of `line`."""
    stripped = text.strip()
    column += len(text) - len(text.lstrip())
    match = _PEP508.fullmatch(stripped)
    if match is None or not _PEP508_AFTER_NAME.match(match.group(3)[:1]):
        return None
    spec = match.group(3).strip()
    source = None
    if spec.startswith("@"):
        source = spec[1:].split(";", 1)[0].strip()
    return Dependency(ecosystem, match.group(1), spec, line, column, source)


def _url_requirement(url: str, line: int, column: int) -> Dependency:
    """A requirement given only as a URL: its name is the egg fragment, the archive name or the repository name."""
    name = url
    for pattern in (_EGG, _ARCHIVE, _REPO_TAIL):
        match = pattern.search(url.split("?", 1)[0] if pattern is not _EGG else url)
        if match:
            name = match.group(1)
            break
    return Dependency(PYPI, name, url, line, column, source=url)


def _requirements(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    del lenient  # every requirement line stands alone
    for number, raw in lines:
        text = _HASH_COMMENT.sub("", raw)
        stripped = text.strip()
        if not stripped:
            continue
        column = len(text) - len(text.lstrip())
        editable = _EDITABLE.match(text)
        if editable:
            if _VCS_OR_URL.match(editable.group(1)):
                yield _url_requirement(editable.group(1), number, editable.start(1))
            continue
        if stripped.startswith(("-", ".", "/", "~")):
            continue  # options (handled by the index rule), includes and local paths
        if _VCS_OR_URL.match(stripped):
            yield _url_requirement(stripped.split()[0], number, column)
            continue
        dependency = parse_requirement(PYPI, text, number, 0)
        if dependency is not None:
            yield dependency


# --------------------------------------------------------------------------------------------------------------------
# TOML manifests: pyproject.toml, Pipfile, Cargo.toml

_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"""^(\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=\s*(.*)$""")
_TOML_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'|#|\]""")
_TOML_STRING = re.compile(r"""^\s*("((?:[^"\\]|\\.)*)"|'([^']*)')""")
_INLINE_VERSION = re.compile(r"""\bversion\s*=\s*["']([^"']*)["']""")
_INLINE_SOURCE = re.compile(r"""\b(git|url|hg|svn)\s*=\s*["']([^"']+)["']""")
_QUOTES_AND_SPACE = re.compile(r"""["'\s]""")
_VERSIONISH = re.compile(r"""^\s*(?:["'][\^~<>=!*\dvx]|\{)""")
_META_KEYS = frozenset(
    {"name", "version", "description", "readme", "license", "python", "requires-python", "edition", "authors",
     "homepage", "repository", "documentation", "keywords", "classifiers", "rust-version", "target-version"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _TomlDialect:
    ecosystem: str
    array_key: Callable[[str, str], bool]
    """(table, key) -> the key holds an array of PEP 508 strings (pyproject `dependencies = [...]`)."""
    kv_table: Callable[[str], bool]
    """table -> each `name = spec` entry in it is a dependency (Poetry, Pipfile, Cargo)."""
    sub_table: Callable[[str], str | None] = lambda table: None
    """table -> the dependency a `[dependencies.NAME]` table declares (Cargo)."""
    skip: frozenset[str] = frozenset({"python"})


_PYPROJECT_ARRAYS: dict[str, frozenset[str] | None] = {
    "project": frozenset({"dependencies"}),
    "project.optional-dependencies": None,
    "dependency-groups": None,
    "build-system": frozenset({"requires"}),
    "tool.pdm.dev-dependencies": None,
    "tool.uv": frozenset({"dev-dependencies", "constraint-dependencies", "override-dependencies"}),
}
_POETRY_TABLE = re.compile(r"tool\.poetry\.(?:dependencies|dev-dependencies|group\.[^.]+\.dependencies)")
_CARGO_TABLE = re.compile(r"(?:.+\.)?(?:dev-|build-)?dependencies")
_CARGO_SUB_TABLE = re.compile(r"(?:.+\.)?(?:dev-|build-)?dependencies\.([A-Za-z0-9_-]+)")


def _pyproject_array(table: str, key: str) -> bool:
    if table not in _PYPROJECT_ARRAYS:
        return False
    keys = _PYPROJECT_ARRAYS[table]
    return keys is None or key in keys


def _cargo_sub_table(table: str) -> str | None:
    match = _CARGO_SUB_TABLE.fullmatch(table)
    return match.group(1) if match else None


_PYPROJECT = _TomlDialect(PYPI, _pyproject_array, lambda table: _POETRY_TABLE.fullmatch(table) is not None)
_PIPFILE = _TomlDialect(PYPI, lambda table, key: False, lambda table: table in ("packages", "dev-packages"))
_CARGO = _TomlDialect(
    CARGO,
    lambda table, key: False,
    lambda table: _CARGO_TABLE.fullmatch(table) is not None,
    _cargo_sub_table,
    skip=frozenset(),
)


def _array_strings(text: str, start: int) -> tuple[list[tuple[int, str]], bool]:
    """Strings in a TOML array from `start`, and whether the array closes on this line; inline-table values
    (`{include-group = "dev"}`) are not items."""
    items: list[tuple[int, str]] = []
    for token in _TOML_TOKEN.finditer(text, start):
        value = token.group()
        if value == "#":
            return items, False
        if value == "]":
            return items, True
        before = text[start : token.start()].rstrip()
        if not before.endswith("="):
            items.append((token.start() + 1, value[1:-1]))
    return items, False


def _toml_string(value: str) -> str | None:
    match = _TOML_STRING.match(value)
    if match is None:
        return None
    return match.group(2) if match.group(2) is not None else match.group(3)


def _kv_dependency(dialect: _TomlDialect, name: str, value: str, line: int, column: int) -> Dependency:
    string = _toml_string(value)
    if string is not None:
        return Dependency(dialect.ecosystem, name, string, line, column)
    version = _INLINE_VERSION.search(value)
    source = _INLINE_SOURCE.search(value)
    return Dependency(
        dialect.ecosystem, name, version.group(1) if version else "", line, column, source.group(2) if source else None
    )


def _toml(dialect: _TomlDialect, lines: Lines, lenient: bool) -> Iterator[Dependency]:
    table: str | None = None if lenient else ""
    in_array = False
    pending: list[Dependency] = []  # a Cargo `[dependencies.NAME]` table, completed by the keys under it
    pending_lines: list[str] = []
    for number, raw in lines:
        if in_array:
            items, closed = _array_strings(raw, 0)
            yield from _pep508_items(dialect.ecosystem, items, number)
            in_array = not closed
            continue
        header = _TOML_HEADER.match(raw)
        if header:
            yield from _complete(dialect, pending, pending_lines)
            table = _QUOTES_AND_SPACE.sub("", header.group(1))
            name = dialect.sub_table(table)
            if name is not None:
                pending, pending_lines = [Dependency(dialect.ecosystem, name, "", number, raw.rindex(name))], []
            continue
        entry = _TOML_KEY.match(raw)
        if entry is None:
            if table is None:  # a fragment inside an array we cannot see the start of
                items, _ = _array_strings(raw, 0)
                if items and not raw.strip().startswith("["):
                    yield from _pep508_items(dialect.ecosystem, items, number)
            continue
        key = entry.group(2).strip("\"'")
        value = entry.group(3)
        if pending:
            pending_lines.append(f"{key} = {value}")
            continue
        if table is not None and dialect.array_key(table, key) and value.lstrip().startswith("["):
            items, closed = _array_strings(raw, entry.start(3) + value.index("[") + 1)
            yield from _pep508_items(dialect.ecosystem, items, number)
            in_array = not closed
            continue
        name = key.split(".", 1)[0] if dialect.ecosystem == CARGO else key
        is_dependency = (table is not None and dialect.kv_table(table)) or (
            table is None and _VERSIONISH.match(value) is not None and name.lower() not in _META_KEYS
        )
        if is_dependency and name.lower() not in dialect.skip:
            column = entry.start(2) + (1 if entry.group(2)[0] in "\"'" else 0)
            yield _kv_dependency(dialect, name, value, number, column)
    yield from _complete(dialect, pending, pending_lines)


def _complete(dialect: _TomlDialect, pending: list[Dependency], keys: list[str]) -> Iterator[Dependency]:
    if pending:
        head = pending[0]
        yield _kv_dependency(dialect, head.name, "{" + ", ".join(keys) + "}", head.line, head.column)
        pending.clear()


def _pep508_items(ecosystem: str, items: list[tuple[int, str]], line: int) -> Iterator[Dependency]:
    for column, text in items:
        dependency = parse_requirement(ecosystem, text, line, column)
        if dependency is not None:
            yield dependency


# --------------------------------------------------------------------------------------------------------------------
# setup.cfg

_INI_HEADER = re.compile(r"^\[([^\]]+)\]")
_INI_KEY = re.compile(r"^([A-Za-z0-9_.-]+)\s*[=:]\s*(.*)$")
_SETUP_LISTS = frozenset({"install_requires", "setup_requires", "tests_require"})
_HAS_VERSION = re.compile(r"[<>=~!]=?\s*\d")


def _setup_cfg(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    section: str | None = None if lenient else ""
    in_list = False
    for number, raw in lines:
        if not raw.strip() or raw.lstrip().startswith(("#", ";")):
            continue
        header = _INI_HEADER.match(raw)
        if header:
            section, in_list = header.group(1).strip(), False
            continue
        if raw[0] in " \t":
            if in_list or (section is None and _HAS_VERSION.search(raw)):
                dependency = parse_requirement(PYPI, _HASH_COMMENT.sub("", raw), number, 0)
                if dependency is not None:
                    yield dependency
            continue
        in_list = False
        entry = _INI_KEY.match(raw)
        if entry is None:
            continue
        if (section == "options" and entry.group(1) in _SETUP_LISTS) or section == "options.extras_require":
            in_list = True
            if entry.group(2).strip():
                dependency = parse_requirement(PYPI, entry.group(2), number, entry.start(2))
                if dependency is not None:
                    yield dependency


# --------------------------------------------------------------------------------------------------------------------
# package.json

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_JSON_PAIR = re.compile(r'^\s*"((?:[^"\\]|\\.)+)"\s*:\s*"((?:[^"\\]|\\.)*)"\s*,?\s*$')
NPM_SECTIONS = frozenset({"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"})
_NPM_NAME = re.compile(r"(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*")
_NPM_SOURCE = re.compile(r"(?:git\+|git://|git@|github:|gitlab:|bitbucket:|gist:|https?://|file:)", re.I)
_GITHUB_SHORTHAND = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+(?:#\S*)?")
_NPM_META = frozenset(
    {"name", "version", "description", "main", "module", "types", "typings", "browser", "license", "homepage",
     "author", "type", "private", "packageManager", "node", "npm", "yarn", "pnpm", "bun"}
)  # fmt: skip


def _npm_name(key: str) -> bool:
    return key not in _NPM_META and _NPM_NAME.fullmatch(key) is not None


def npm_source(spec: str) -> str | None:
    """Where npm fetches a dependency from when it is not the registry: git, a URL, a tarball or a local path."""
    spec = spec.strip()
    if _NPM_SOURCE.match(spec) or _GITHUB_SHORTHAND.fullmatch(spec):
        return spec
    return None


def _npm(name: str, spec: str, line: int, column: int) -> Dependency:
    return Dependency(NPM, name, spec, line, column, npm_source(spec))


def _package_json(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    if lenient:
        for number, raw in lines:
            pair = _JSON_PAIR.match(raw)
            if pair and _npm_name(pair.group(1)) and " " not in pair.group(2):
                yield _npm(pair.group(1), pair.group(2), number, pair.start(1))
        return
    stack: list[str | None] = []  # per open container: the dependency section it is, if any
    key: tuple[str, int, int] | None = None
    expect_value = False
    for number, raw in lines:
        for token in _JSON_TOKEN.finditer(raw):
            value = token.group()
            if value in "{[":
                section = key[0] if value == "{" and key and len(stack) == 1 and key[0] in NPM_SECTIONS else None
                stack.append(section)
                key, expect_value = None, False
            elif value in "}]":
                if stack:
                    stack.pop()
                key, expect_value = None, False
            elif value == ":":
                expect_value = True
            elif value == ",":
                key, expect_value = None, False
            elif value.startswith('"'):
                text = value[1:-1]
                if not expect_value:
                    key = (text, number, token.start() + 1)
                    continue
                if key is not None and stack and stack[-1] is not None:
                    yield _npm(key[0], text, key[1], key[2])
                key, expect_value = None, False
            else:
                key, expect_value = None, False


# --------------------------------------------------------------------------------------------------------------------
# go.mod, Gemfile, pom.xml, build.gradle

_GO_SINGLE = re.compile(r"^\s*require\s+([^\s()]+)\s+(\S+)")
_GO_BLOCK = re.compile(r"^\s*(require|replace)\s*\(\s*$")
_GO_ITEM = re.compile(r"^\s*([^\s()/][^\s()]*)\s+(v\S+)")
_GO_FRAGMENT_ITEM = re.compile(r"^\s+([\w.-]+\.[\w.-]+/\S+)\s+(v\d\S*)")
_GO_REPLACE = re.compile(r"^\s*(?:replace\s+)?([^\s()=]+)(?:\s+v\S+)?\s+=>\s+(\S+)(?:\s+(v\S+))?")


def _go_replace(raw: str, number: int) -> Dependency | None:
    match = _GO_REPLACE.match(raw)
    if match is None:
        return None
    target = match.group(2)
    local = target.startswith((".", "/"))
    return Dependency(GO, match.group(1), raw.strip(), number, match.start(1), None if local else target, True)


def _go_mod(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    block: str | None = None
    for number, raw in lines:
        text = raw.split("//", 1)[0]
        if block is not None:
            if text.strip().startswith(")"):
                block = None
                continue
            if block == "replace":
                replacement = _go_replace(text, number)
                if replacement is not None:
                    yield replacement
                continue
            item = _GO_ITEM.match(text)
            if item:
                yield Dependency(GO, item.group(1), item.group(2), number, item.start(1))
            continue
        opened = _GO_BLOCK.match(text)
        if opened:
            block = opened.group(1)
            continue
        single = _GO_SINGLE.match(text)
        if single:
            yield Dependency(GO, single.group(1), single.group(2), number, single.start(1))
        elif text.lstrip().startswith("replace") or (lenient and "=>" in text):
            replacement = _go_replace(text, number)
            if replacement is not None:
                yield replacement
        elif lenient:
            item = _GO_FRAGMENT_ITEM.match(text)
            if item:
                yield Dependency(GO, item.group(1), item.group(2), number, item.start(1))


_GEM = re.compile(r"""^\s*gem\s*\(?\s*(["'])([^"']+)\1(.*)$""")
_GEM_SOURCE = re.compile(
    r"""\b(?:git|github|gist|bitbucket)\s*(?::|=>)\s*["']([^"']+)["']"""
    r"""|\bsource\s*(?::|=>)\s*["'](?!https://rubygems\.org)([^"']+)["']"""
)
_GEM_OPTION = re.compile(r"\b\w+\s*(?::|=>)")
_GEM_VERSION = re.compile(r"""["']([~<>=!\d][^"']*)["']""")


def _gemfile(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    del lenient
    for number, raw in lines:
        match = _GEM.match(raw)
        if match is None:
            continue
        rest = match.group(3)
        source = _GEM_SOURCE.search(rest)
        where = (source.group(1) or source.group(2)) if source else None
        option = _GEM_OPTION.search(rest)
        versions = _GEM_VERSION.findall(rest[: option.start()] if option else rest)
        yield Dependency(RUBYGEMS, match.group(2), ", ".join(versions), number, match.start(2), where)


_POM_DEPENDENCY = re.compile(r"<dependency>(.*?)</dependency>", re.S)
_POM_EXCLUSIONS = re.compile(r"<exclusions>.*?</exclusions>", re.S)
_POM_FIELD = re.compile(r"<(groupId|artifactId|version)>\s*([^<\s]+)\s*</\1>")
_POM_ARTIFACT_LINE = re.compile(r"<artifactId>\s*([^<\s]+)\s*</artifactId>")


def _pom(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    if lenient:
        for number, raw in lines:
            artifact = _POM_ARTIFACT_LINE.search(raw)
            if artifact:
                yield Dependency(MAVEN, artifact.group(1), "", number, artifact.start(1))
        return
    text = "\n".join(raw for _, raw in lines)
    starts = [0]
    for _, raw in lines:
        starts.append(starts[-1] + len(raw) + 1)
    numbers = [number for number, _ in lines]
    for block in _POM_DEPENDENCY.finditer(text):
        body = _POM_EXCLUSIONS.sub(lambda m: " " * len(m.group()), block.group(1))
        fields = {m.group(1): m for m in _POM_FIELD.finditer(body)}
        artifact = fields.get("artifactId")
        if artifact is None:
            continue
        offset = block.start(1) + artifact.start(2)
        index = bisect.bisect_right(starts, offset) - 1
        group = fields["groupId"].group(2) if "groupId" in fields else ""
        version = fields["version"].group(2) if "version" in fields else ""
        name = f"{group}:{artifact.group(2)}"
        yield Dependency(MAVEN, name, version, numbers[index], offset - starts[index], width=len(artifact.group(2)))


_GRADLE = re.compile(
    r"""^\s*(?:implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|testCompileOnly|"""
    r"""annotationProcessor|kapt|ksp|classpath|compile|testCompile|androidTestImplementation|debugImplementation)"""
    r"""\s*\(?\s*(["'])([^"':\s]+:[^"':\s]+)(?::([^"'\s]+))?\1"""
)


def _gradle(lines: Lines, lenient: bool) -> Iterator[Dependency]:
    del lenient
    for number, raw in lines:
        match = _GRADLE.match(raw)
        if match:
            yield Dependency(MAVEN, match.group(2), match.group(3) or "", number, match.start(2))


_PARSERS: dict[str, Callable[[Lines, bool], Iterable[Dependency]]] = {
    "requirements": _requirements,
    "pyproject": lambda lines, lenient: _toml(_PYPROJECT, lines, lenient),
    "pipfile": lambda lines, lenient: _toml(_PIPFILE, lines, lenient),
    "cargo": lambda lines, lenient: _toml(_CARGO, lines, lenient),
    "setup.cfg": _setup_cfg,
    "package.json": _package_json,
    "go.mod": _go_mod,
    "gemfile": _gemfile,
    "pom": _pom,
    "gradle": _gradle,
}


# --------------------------------------------------------------------------------------------------------------------
# A manifest's dependencies before and after the change


@dataclass(frozen=True)
class ManifestDiff:
    file: FileChange
    kind: str
    old: list[Dependency]
    new: list[Dependency]
    added_lines: frozenset[int]
    complete: bool
    """Both versions were parsed as whole files (not reconstructed from diff fragments)."""
    _hunks: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def ecosystem(self) -> str:
        return ECOSYSTEMS[self.kind]

    def added_entries(self) -> list[Dependency]:
        """Entries on added lines: new dependencies and changed versions or sources alike."""
        return [d for d in self.new if d.line in self.added_lines]

    def new_entries(self) -> list[Dependency]:
        """Entries whose name the file did not have before (a version bump is not one); one per name."""
        before = {d.key for d in self.old}
        seen: set[str] = set()
        entries = []
        for dependency in self.added_entries():
            if dependency.replacement or dependency.key in before or dependency.key in seen:
                continue
            seen.add(dependency.key)
            entries.append(dependency)
        return entries

    def hit(self, dependency: Dependency, detail: str) -> Hit:
        return Hit(
            path=self.file.path,
            line=dependency.line,
            side=Side.NEW,
            span=dependency.span,
            hunk=self._hunks.get(dependency.line),
            detail=detail,
        )


def manifest_diffs(data: CheckInput) -> Iterator[ManifestDiff]:
    for file in data.files:
        kind = manifest_kind(file.new_path or "")
        if kind is None or file.status is FileStatus.DELETED or file.binary:
            continue
        hunks = {
            line.new_no: index
            for index, hunk in enumerate(file.hunks)
            for line in hunk.lines
            if line.kind is LineKind.ADDED and line.new_no is not None
        }
        whole = _whole_files(data, file, kind)
        complete = whole[0] is not None
        old, new = whole if whole[0] is not None and whole[1] is not None else _fragments(file, kind)
        yield ManifestDiff(file, kind, old, new, frozenset(hunks), complete, hunks)


def _whole_files(
    data: CheckInput, file: FileChange, kind: str
) -> tuple[list[Dependency], list[Dependency]] | tuple[None, None]:
    change, context = data.change, data.context
    new_blob = context.read(change.head, file.new_path) if file.new_path else None
    if file.status is FileStatus.ADDED or file.old_path is None:
        old_blob: bytes | None = b""
    else:
        old_blob = context.read(change.merge_base, file.old_path)
    if new_blob is None or old_blob is None:
        return None, None
    return _parsed_text(context, kind, old_blob), _parsed_text(context, kind, new_blob)


def _parsed_text(context: ScanContext, kind: str, blob: bytes) -> list[Dependency]:
    """`parse_text` memoised by content: four checks ask for the same manifest diff, and a queue's commits often
    share a manifest version (a copy, as callers may not share the memo's list)."""
    digest = hashlib.sha256(blob).hexdigest()
    return list(context.memo(("manifest-text", kind, digest), lambda: parse_text(kind, _decode(blob))))


def _fragments(file: FileChange, kind: str) -> tuple[list[Dependency], list[Dependency]]:
    """Both sides rebuilt from the hunks alone: context and removed lines as the old file, context and added as new."""
    old: list[Dependency] = []
    new: list[Dependency] = []
    for hunk in file.hunks:
        before = [(ln.old_no, ln.text) for ln in hunk.lines if ln.kind is not LineKind.ADDED and ln.old_no is not None]
        after = [(ln.new_no, ln.text) for ln in hunk.lines if ln.kind is not LineKind.REMOVED and ln.new_no is not None]
        old += parse_manifest(kind, before, lenient=True)
        new += parse_manifest(kind, after, lenient=True)
    return old, new


def _decode(blob: bytes) -> str:
    return blob.decode("utf-8", "replace")


def repository_dependencies(context: ScanContext, rev: str | None) -> list[Dependency]:
    """Every dependency declared in any manifest of the repository at `rev` (nothing without a repository)."""
    found: list[Dependency] = []
    for path, kind in context.per_tree(rev, ("manifests",), _manifests, _is_manifest):
        blob_id = context.blob_id(rev, path)
        if blob_id is None:
            continue
        found += context.memo(("manifest", kind, blob_id), functools.partial(_parsed, context, rev, path, kind))
    return found


def _manifests(tree: frozenset[str]) -> list[tuple[str, str]]:
    """(path, kind) of every manifest in the tree, in path order (paths under node_modules are someone else's)."""
    found = []
    for path in sorted(tree):
        kind = manifest_kind(path)
        if kind is not None and "/node_modules/" not in f"/{path}":
            found.append((path, kind))
    return found


def _is_manifest(path: str) -> bool:
    return manifest_kind(path) is not None


def _parsed(context: ScanContext, rev: str | None, path: str, kind: str) -> list[Dependency]:
    """One manifest's dependencies; memoised by blob id, as most commits of a queue leave most manifests alone."""
    blob = context.read(rev, path)
    return parse_text(kind, _decode(blob)) if blob is not None else []


_PACKAGE_NAME = re.compile(r'^\s{0,4}"name"\s*:\s*"([^"]+)"', re.M)


def package_json_names(context: ScanContext, rev: str | None) -> set[str]:
    """The `name` of every package.json in the repository: workspace packages import each other by these."""
    names: set[str] = set()
    for path in context.per_tree(rev, ("package.json",), _package_jsons, _is_package_json):
        blob_id = context.blob_id(rev, path)
        read = functools.partial(_package_name, context, rev, path)
        name = read() if blob_id is None else context.memo(("package-name", blob_id), read)
        if name is not None:
            names.add(name)
    return names


def _package_jsons(tree: frozenset[str]) -> list[str]:
    return sorted(p for p in tree if _is_package_json(p) and "/node_modules/" not in f"/{p}")


def _is_package_json(path: str) -> bool:
    return posixpath.basename(path) == "package.json"


def _package_name(context: ScanContext, rev: str | None, path: str) -> str | None:
    match = _PACKAGE_NAME.search(_decode(context.read(rev, path) or b""))
    return match.group(1) if match else None


class _BaseDependencies:
    """Names declared anywhere in the repository at the merge base, read only when a candidate needs it."""

    def __init__(self, context: ScanContext, rev: str | None) -> None:
        self._context = context
        self._rev = rev
        self._keys: set[tuple[str, str]] | None = None

    def declares(self, dependency: Dependency) -> bool:
        if self._keys is None:
            self._keys = {(d.ecosystem, d.key) for d in repository_dependencies(self._context, self._rev)}
        return (dependency.ecosystem, dependency.key) in self._keys


def _allowed(data: CheckInput) -> Callable[[Dependency], bool]:
    names = [str(n) for n in data.option("allow", [])]

    def allowed(dependency: Dependency) -> bool:
        return any(normalize(dependency.ecosystem, name) == dependency.key for name in names)

    return allowed


def _new_to_repository(data: CheckInput) -> Iterator[tuple[ManifestDiff, Dependency]]:
    """Dependencies this change adds that no manifest of the repository declared before, minus the allow-list."""
    base = _BaseDependencies(data.context, data.change.merge_base)
    allowed = _allowed(data)
    for diff in manifest_diffs(data):
        for dependency in diff.new_entries():
            if not allowed(dependency) and not base.declares(dependency):
                yield diff, dependency


# --------------------------------------------------------------------------------------------------------------------
# Checks


@check("new-dependency", scopes={Scope.ADDED}, options={"allow": list})
def new_dependency(data: CheckInput) -> Iterator[Hit]:
    """A package the repository did not depend on before: new code from a new publisher runs at install time."""
    for diff, dependency in _new_to_repository(data):
        yield diff.hit(dependency, f"{dependency.name} ({diff.ecosystem}) is new to this repository")


@functools.lru_cache(maxsize=1)
def popular_packages() -> dict[str, frozenset[str]]:
    """The most downloaded names per ecosystem (reviewtui/data/popular-packages.toml), normalised."""
    text = resources.files("reviewtui.data").joinpath("popular-packages.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {eco: frozenset(normalize(eco, name) for name in table.get("names", [])) for eco, table in data.items()}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts once), or limit+1 once it must exceed limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def lookalike(ecosystem: str, key: str, limit: int) -> tuple[str, int] | None:
    """The popular package `key` is a near-miss of, if any. Short names allow one edit only: at four or five
    letters two edits reach too many real packages to mean anything."""
    popular = popular_packages().get(ecosystem)
    if not popular or key in popular or len(key) < 4:
        return None
    allowed = min(limit, 1 if len(key) <= 5 else 2)
    best: tuple[str, int] | None = None
    for name in sorted(popular):
        distance = edit_distance(key, name, allowed)
        if distance <= allowed and len(name) >= 4 and (best is None or distance < best[1]):
            best = (name, distance)
    return best


@check("dependency-lookalike", scopes={Scope.ADDED}, options={"allow": list, "distance": int})
def dependency_lookalike(data: CheckInput) -> Iterator[Hit]:
    """A new dependency whose name is one or two edits from a popular package's: a typo- or slopsquat."""
    limit = int(data.option("distance", 2))
    for diff, dependency in _new_to_repository(data):
        near = lookalike(dependency.ecosystem, dependency.key, limit)
        if near is not None:
            name, distance = near
            edits = "edit" if distance == 1 else "edits"
            yield diff.hit(dependency, f"{dependency.name} is {distance} {edits} from the popular package {name}")


@check("dependency-source", scopes={Scope.ADDED}, options={"allow": list})
def dependency_source(data: CheckInput) -> Iterator[Hit]:
    """A dependency fetched from a URL, a VCS repository or a file instead of the registry (or redirected)."""
    allowed = _allowed(data)
    for diff in manifest_diffs(data):
        for dependency in diff.added_entries():
            if dependency.source is None or allowed(dependency):
                continue
            what = "is replaced by" if dependency.replacement else "comes from"
            yield diff.hit(dependency, f"{dependency.name} {what} {redact(dependency.source)}")


_NPM_ANY = re.compile(r"|\*|x|X|>=?\s*0(?:\.0){0,2}|[A-Za-z][\w.-]*")
"""Every release: empty, `*`, `x`, `>=0`, or a dist-tag such as `latest` or `next` that moves with each publish."""
_NPM_EXACT = re.compile(r"=?v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?")
_PYPI_EXACT = re.compile(r"===?\s*[^\s,;*]+(?:\s*;.*)?(?:\s+--hash\S*)*")


def any_version(kind: str, dependency: Dependency) -> bool:
    """Whether the constraint admits every release: `*`, `latest` or another moving npm dist-tag."""
    if dependency.source is not None:
        return False
    spec = dependency.spec.strip()
    if kind == "package.json":
        return _NPM_ANY.fullmatch(spec) is not None
    return kind in ("pyproject", "cargo") and spec == "*"


def pinned(ecosystem: str, spec: str) -> bool:
    if ecosystem == PYPI:
        return _PYPI_EXACT.fullmatch(spec.strip()) is not None
    if ecosystem == NPM:
        return _NPM_EXACT.fullmatch(spec.strip()) is not None
    return True


@check("dependency-any-version", scopes={Scope.ADDED}, options={"allow": list})
def dependency_any_version(data: CheckInput) -> Iterator[Hit]:
    """A dependency constrained to `*`, `latest` or another dist-tag: whatever is published next is installed."""
    allowed = _allowed(data)
    for diff in manifest_diffs(data):
        for dependency in diff.added_entries():
            if any_version(diff.kind, dependency) and not allowed(dependency):
                spec = dependency.spec or "no version"
                yield diff.hit(dependency, f"{dependency.name} accepts any version ({spec})")


@check("dependency-unpinned", scopes={Scope.ADDED}, options={"allow": list, "min_pinned": int})
def dependency_unpinned(data: CheckInput) -> Iterator[Hit]:
    """An unpinned entry added to a PyPI or npm manifest in which every other entry is pinned exactly."""
    allowed = _allowed(data)
    minimum = int(data.option("min_pinned", 2))
    for diff in manifest_diffs(data):
        if not diff.complete or diff.ecosystem not in (PYPI, NPM):
            continue
        # The file's convention is judged without this change's own unpinned additions.
        registry = [
            d
            for d in diff.new
            if d.source is None
            and not d.replacement
            and (d.line not in diff.added_lines or pinned(diff.ecosystem, d.spec))
        ]
        for dependency in diff.added_entries():
            if (
                dependency.source is not None
                or allowed(dependency)
                or pinned(diff.ecosystem, dependency.spec)
                or any_version(diff.kind, dependency)
            ):
                continue
            others = [d for d in registry if d.key != dependency.key]
            if len(others) >= minimum and all(pinned(diff.ecosystem, d.spec) for d in others):
                spec = dependency.spec or "no version"
                yield diff.hit(
                    dependency, f"{dependency.name} ({spec}) is not pinned; the other {len(others)} entries are"
                )
