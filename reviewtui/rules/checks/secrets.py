"""Checks about secrets that a one-line regular expression cannot judge.

Provider tokens with a fixed shape (AKIA..., ghp_...) are plain regex rules in the pack. What lives here needs more:
a private-key header only matters when key material follows it on the next lines, and a generic password or token
is recognised by a secret-like name, a literal value (not an environment lookup or template), and the Shannon
entropy of that value. Findings never repeat a secret: details show at most its last four characters.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from reviewtui.model import DiffLine, FileChange, LineKind
from reviewtui.rules.checks import CheckInput, check
from reviewtui.rules.finding import Hit
from reviewtui.rules.rule import Scope
from reviewtui.rules.walk import Located, scope_lines

# -- private keys ----------------------------------------------------------------------------------------------------

_PEM_HEADER = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY(?: BLOCK)?-----")
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/]{32,}")
# Lines allowed between the header and the base64 body: legacy PEM and PGP armour headers, blank lines.
_ARMOUR_HEADER = re.compile(
    r"""^[\s"'`+,]*(?:(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset):.*|(?:\\n)*[\s"'`+,]*)$"""
)
_BODY_LOOKAHEAD = 6
_KEY_KINDS = {"": "PKCS#8", "ENCRYPTED": "encrypted PKCS#8", "OPENSSH": "OpenSSH"}


@check("private-key-block", scopes={Scope.ADDED})
def private_key_block(data: CheckInput) -> Iterator[Hit]:
    """A PEM/OpenSSH/PGP private key header followed by key material (not code that merely names the header)."""
    for file in data.files:
        if "PRIVATE KEY" not in scope_lines(file, Scope.ADDED).text:
            continue  # every header _PEM_HEADER matches says so, on an added line
        for index, hunk in enumerate(file.hunks):
            yield from _private_keys(file, index, hunk.lines)


def _private_keys(file: FileChange, hunk: int, diff_lines: Sequence[DiffLine]) -> Iterator[Hit]:
    for position, line in enumerate(diff_lines):
        if line.kind is not LineKind.ADDED:
            continue
        match = _PEM_HEADER.search(line.text)
        if match is None or not _has_key_material(line.text[match.end() :], diff_lines[position + 1 :]):
            continue
        kind = match.group(1).strip()
        yield Located(file, hunk, line).hit(span=match.span(), detail=f"{_KEY_KINDS.get(kind, kind)} private key")


def _has_key_material(rest: str, following: Sequence[DiffLine]) -> bool:
    """Base64 key material on the same line (a key inside one string) or on the next added lines."""
    if _KEY_MATERIAL.search(rest):
        return True
    for line in following[:_BODY_LOOKAHEAD]:
        if line.kind is not LineKind.ADDED:
            return False
        if _KEY_MATERIAL.search(line.text):
            return True
        if not _ARMOUR_HEADER.match(line.text):
            return False
    return False


# -- generic secrets by name and entropy -----------------------------------------------------------------------------

# The look-behind starts a name only where a run of name letters starts: a start inside the run can only end where
# the run's own start could, so it finds nothing new, and without it a 10 MB run of letters is tried from every
# position (quadratic: hours).
_ASSIGNMENT = re.compile(
    r"""(?<![A-Za-z_])(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)
        ["'\]]*                                                  # "password": / ["password"] =
        (?:\s*:\s*[A-Za-z_][\w.\[\]<>|?]*(?=\s*=[^=]))?          # a type annotation: password: str = ...
        \s*(?::=|=>|===?|!==?|=|:)[ \t]*""",
    re.VERBOSE,
)
_DOCKER_ENV = re.compile(r"^\s*ENV\s+(?P<name>[A-Za-z_]\w*)\s+(?=[^\s=])")
_SQL_PASSWORD = re.compile(r"(?i)\b(?P<name>password|identified\s+by)\s+(?=')")
_XML_ELEMENT = re.compile(r"<(?P<name>[A-Za-z_][\w.-]*)>(?=[^<\s]+</(?P=name)>)")
# Cheap pre-filter: a line without any of these cannot name a secret, so the assignment patterns never run on it.
# Substring tests on the case-folded line, not a `(?i)` alternation: the regex tried eight words at every position
# (2 s on a 10 MB line), `in` is a memchr-speed scan. Case folding maps what re.IGNORECASE would (the long s, the
# Kelvin sign) onto the same letters.
_NAME_HINTS = ("pass", "pwd", "secret", "token", "key", "auth", "cred", "bearer")
_NAME_HINT = re.compile("|".join(_NAME_HINTS))
_VALUE_SEGMENTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^A-Za-z0-9]+")
_VOWELS = frozenset("aeiouyAEIOUY")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_STRING_PREFIX = re.compile(r"(?:[rRbBuU]{1,2})?(?=[\"'`])")
_BARE_VALUE = re.compile(r"[^\s\"'`#;,)}\]<]+")
_SCHEME = re.compile(r"^(?i:bearer|basic|token|digest)\s+")
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_HEX = re.compile(r"[0-9a-fA-F]+")
_TEMPLATE = re.compile(r"\$\{|\$\(|\{\{|%\(|#\{|<%|%\{|^\$[A-Za-z_{(]|^%[A-Za-z_]+%$|%[sdr]|\{[0-9]*\}")
_PLACEHOLDER = re.compile(
    r"(?i)example|sample|placeholder|change[-_]?me|replace|your|dummy|fake|redacted|test|todo|fixme|insert|"
    r"not[-_]?a[-_]?real|xxxx|\*\*\*|\.\.\.|123456|abcdef|<|>"
)
# Shapes the provider rules report with their own (higher) severity: reporting them twice is noise.
_PROVIDER_SHAPED = re.compile(
    r"^(?:AKIA|ASIA|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|soat|cbt)-|xox[abeprs]-|[sr]k_live_|AIza|"
    r"sk-ant-|sk-(?:proj|svcacct|admin)-|npm_|pypi-)"
)
_AWS_SECRET_NAME = re.compile(r"(?i)aws[_.-]?secret|secret[_.-]?access[_.-]?key")
_AWS_SECRET_VALUE = re.compile(r"[A-Za-z0-9/+]{40}")

_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token", "apikey", "apitoken",
        "accesstoken", "authtoken", "credential", "credentials", "creds", "auth", "authorization", "bearer",
        "privatekey", "secretkey", "clientsecret", "accesskey", "signingkey", "masterkey", "encryptionkey",
    }
)  # fmt: skip
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "private", "signing", "encryption", "encrypt", "master", "account", "app", "hmac", "jwt",
        "session", "shared", "storage", "service", "sas", "subscription", "cipher", "aes", "client",
    }
)  # fmt: skip
# A name ending in one of these holds something *about* a secret (where it is, what it is called), not the secret.
_NOT_SECRET_SUFFIXES = frozenset(
    {
        "url", "uri", "urls", "endpoint", "host", "hostname", "path", "file", "filename", "files", "dir",
        "directory", "name", "names", "type", "kind", "header", "headers", "field", "fields", "param", "params",
        "env", "var", "variable", "len", "length", "size", "count", "num", "number", "prefix", "suffix", "format",
        "fmt", "pattern", "regex", "re", "id", "ids", "arn", "ref", "label", "title", "text", "message", "msg",
        "error", "err", "hint", "placeholder", "description", "desc", "help", "version", "expiry", "expires",
        "expiration", "ttl", "timeout", "lifetime", "age", "policy", "scope", "scopes", "mode", "method",
        "location", "provider", "cache", "index", "column", "table", "attr", "attribute", "class", "enabled",
        "required", "rule", "rules", "algorithm", "alg", "strength", "display", "confirmation", "reset", "input",
        "button", "link", "route", "selector", "store", "usage", "hdr", "secs", "seconds", "ms", "days",
    }
)  # fmt: skip
# Where an unquoted value is a literal (KEY=value) rather than an expression naming a variable.
_BARE_LANGUAGES = frozenset({None, "YAML", "Bash", "Docker", "INI", "Properties", "Makefile", "Text only"})


@dataclass(frozen=True, slots=True)
class _Candidate:
    name: str
    value: str
    span: tuple[int, int]


@check(
    "high-entropy-secret",
    scopes={Scope.ADDED},
    options={"base64_threshold": float, "hex_threshold": float, "min_length": int, "length_factor": float},
)
def high_entropy_secret(data: CheckInput) -> Iterator[Hit]:
    """A random-looking literal assigned to a secret-like name (password, token, api_key, client_secret, ...)."""
    limits = _Limits(
        base64=float(data.option("base64_threshold", 4.5)),
        hex=float(data.option("hex_threshold", 3.0)),
        min_length=int(data.option("min_length", 16)),
        length_factor=float(data.option("length_factor", 0.85)),
    )
    for file in data.files:
        view = scope_lines(file, Scope.ADDED)
        # The lines `_candidates` does not pass over at once (a name hint in the folded line), found in the file's
        # folded text: most lines have none, and folding and searching each line alone was most of this check.
        for position in view.folded().lines_with(_NAME_HINTS):
            located = view.located(position)
            for candidate in _candidates(located.line.text, located.file.language):
                entropy = _secret_entropy(candidate, limits)
                if entropy is not None:
                    yield located.hit(span=candidate.span, detail=_secret_detail(candidate, entropy))
                    break


@dataclass(frozen=True, slots=True)
class _Limits:
    base64: float
    hex: float
    min_length: int
    length_factor: float

    def threshold(self, value: str) -> float:
        """detect-secrets' thresholds, capped for short strings.

        A string of n characters has at most log2(n) bits of entropy per character, so 4.5 is out of reach below
        23 characters and rare below 40 even for random keys. Capping at length_factor * log2(n) keeps the
        thresholds for long values and still judges the 16-40 character secrets most services issue.
        """
        base = self.hex if _HEX.fullmatch(value) else self.base64
        if self.length_factor <= 0:
            return base
        return min(base, self.length_factor * math.log2(len(value)))


def shannon_entropy(value: str) -> float:
    """Bits per character of the value's own character distribution."""
    if not value:
        return 0.0
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in Counter(value).values())


def _candidates(text: str, language: str | None) -> Iterator[_Candidate]:
    if _NAME_HINT.search(text.casefold()) is None:
        return
    bare = language in _BARE_LANGUAGES
    for pattern, bare_ok in ((_ASSIGNMENT, bare), (_DOCKER_ENV, True), (_SQL_PASSWORD, False), (_XML_ELEMENT, True)):
        for match in pattern.finditer(text):
            literal = _literal(text, match.end(), bare_ok)
            if literal is not None:
                value, start = literal
                yield _Candidate(match.group("name"), value, (start, start + len(value)))


def _literal(text: str, pos: int, bare_ok: bool) -> tuple[str, int] | None:
    """The literal starting at `pos` and its column: a complete quoted string, or a bare word where bare is literal."""
    prefix = _STRING_PREFIX.match(text, pos)
    if prefix is not None:
        quote_at = prefix.end()
        end = _closing_quote(text, quote_at)
        return None if end is None else (text[quote_at + 1 : end], quote_at + 1)
    if not bare_ok:
        return None
    bare = _BARE_VALUE.match(text, pos)
    return None if bare is None else (bare.group(), pos)


def _closing_quote(text: str, start: int) -> int | None:
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index
        index += 1
    return None  # continues on the next line or is concatenated: not one literal


def _secret_entropy(candidate: _Candidate, limits: _Limits) -> float | None:
    """The value's entropy when it is a secret by this rule, else None."""
    value = _SCHEME.sub("", candidate.value)
    if len(value) < limits.min_length or not secret_like_name(candidate.name):
        return None
    if value.isdigit() or any(ch.isspace() for ch in value) or "://" in value or value.startswith(("/", "./", "~/")):
        return None
    if _looks_like_words(value) or _EMAIL.fullmatch(value) or _TEMPLATE.search(value) or _PLACEHOLDER.search(value):
        return None
    if _reported_by_provider_rule(candidate.name, value):
        return None
    entropy = shannon_entropy(value)
    return entropy if entropy > limits.threshold(value) else None


def secret_like_name(name: str) -> bool:
    """Whether a variable, key or field name says it holds a secret: words, not substrings (author is not auth)."""
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    if not words or words[-1] in _NOT_SECRET_SUFFIXES:
        return False
    if any(word in _SECRET_WORDS for word in words):
        return True
    return any(word == "key" and prev in _KEY_QUALIFIERS for prev, word in itertools.pairwise(words))


def _looks_like_words(value: str) -> bool:
    """Names made of words (ExclusiveStartTableName, storage_v1_client, Proxy-Authorization): not random.

    Random keys split into short case-and-digit fragments; names split into several real-looking words. A word is a
    letter run with a vowel once longer than four letters (shorter runs may be acronyms); at least two words of
    four letters or more, on average four letters long; digits only as short version numbers.
    """
    parts = [p for p in _VALUE_SEGMENTS.findall(value) if p[0].isalnum()]
    words = [p for p in parts if p.isalpha()]
    if sum(1 for w in words if len(w) >= 4) < 2 or any(p.isdigit() and len(p) > 3 for p in parts):
        return False
    if sum(len(w) for w in words) / len(words) < 4:
        return False
    return all(len(w) <= 4 or not _VOWELS.isdisjoint(w) for w in words)


def _reported_by_provider_rule(name: str, value: str) -> bool:
    if _PROVIDER_SHAPED.match(value):
        return True
    return bool(_AWS_SECRET_NAME.search(name)) and _AWS_SECRET_VALUE.fullmatch(value) is not None


def _secret_detail(candidate: _Candidate, entropy: float) -> str:
    """Enough to recognise the value (its last four characters, its length), never enough to use it."""
    value = _SCHEME.sub("", candidate.value)
    return f"{candidate.name} = '...{value[-4:]}' ({len(value)} characters, {entropy:.1f} bits per character)"
