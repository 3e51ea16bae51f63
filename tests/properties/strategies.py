"""Hypothesis strategies for hostile diff content, file names and notes lines.

Text is drawn from the characters that matter: terminal controls (C0, ESC, DEL, C1), bidi and invisible format
characters, markup brackets, line and paragraph separators, wide and combining characters, and raw bytes that are
not UTF-8, mixed with ordinary code. Every strategy produces what an attacker could put in a commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from reviewtui.language import guess_language
from reviewtui.model import Change, DiffLine, FileChange, FileStatus, Hunk, LineKind, SourceKind

NASTY = (
    "\x00\x07\x08\t\x0b\x0c\r\x1b\x7f\x80\x85\x9b\x9c\x9d"
    "\u061c\u200b\u200d\u200e\u202a\u202e\u2066\u2069\u2028\u2029\ufeff\ufffd"
    "[]/\\@=:;'\"`$%&*#<>{}()|~-+ "
    "e\u0301\u4e2d\uff21\U0001f600"
)
SEQUENCES = (
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]52;c;cHduZWQ=\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1bP+q544e\x1b\\",
    "\x9b6n",
    "[bold red]x[/]",
    "[@click=app.quit]q[/]",
    "[link=https://evil.example]l[/link]",
    "def f(x):",
    "    return x  # ok",
    "password = 'hunter2'",
    "AKIAIOSFODNN7EXAMPLE",
    "eval(input())",
    "import os; os.system(cmd)",
    "verify=False",
)

chunks = st.one_of(st.text(alphabet=NASTY, max_size=12), st.sampled_from(SEQUENCES), st.text(max_size=8))
hostile_text = st.lists(chunks, max_size=6).map("".join)
"""One line of text (it may still hold U+2028, CR, VT: characters some readers treat as line breaks)."""

line_bytes = st.one_of(
    hostile_text.map(lambda t: t.replace("\n", "").encode("utf-8", "surrogatepass")),
    st.binary(max_size=24).map(lambda b: b.replace(b"\n", b"")),
)
"""One line's content as bytes, without its line terminator; may be invalid UTF-8."""

eols = st.sampled_from(["\n", "\r\n"])

PATH_SUFFIXES = (
    ".py",
    ".js",
    ".ts",
    ".go",
    ".rs",
    ".java",
    ".rb",
    ".sh",
    ".tf",
    ".yml",
    ".json",
    ".toml",
    ".md",
    ".txt",
    "",
)
SPECIAL_PATHS = (
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "Cargo.toml",
    "go.mod",
    "Dockerfile",
    ".github/workflows/ci.yml",
    "tests/test_x.py",
    "services/payments/fees.py",
    ".reviewtui/policy.toml",
    ".env",
    "id_rsa",
    "k8s/deploy.yaml",
    "package-lock.json",
    "poetry.lock",
    "setup.py",
    "conftest.py",
)
names = st.text(alphabet=NASTY.replace("/", "").replace("\x00", "") + "abcxyz_.", min_size=1, max_size=16)
paths = st.one_of(
    st.sampled_from(SPECIAL_PATHS),
    st.tuples(names, st.sampled_from(PATH_SUFFIXES)).map("".join),
    st.tuples(st.sampled_from(["src/", "tests/", "docs/", "-", "--"]), names).map("".join),
)
"""Repository-relative paths an agent could create, including rule-relevant names (manifests, workflows, tests)."""


@dataclass(frozen=True)
class DiffSpec:
    """What a generated unified diff contains, so the parse can be checked against it."""

    path: str
    hunks: tuple[tuple[tuple[str, bytes, str], ...], ...]
    """Per hunk, (prefix, content, eol) per line; prefix is " ", "-" or "+"."""
    no_newline_at_end: bool

    def to_bytes(self) -> bytes:
        out = [f"--- a/{self.path}\n+++ b/{self.path}\n".encode()]
        old = new = 1
        for index, hunk in enumerate(self.hunks):
            olds = sum(1 for p, _, _ in hunk if p != "+")
            news = sum(1 for p, _, _ in hunk if p != "-")
            out.append(f"@@ -{old},{olds} +{new},{news} @@ section {index}\n".encode())
            for number, (prefix, content, eol) in enumerate(hunk):
                last = index == len(self.hunks) - 1 and number == len(hunk) - 1
                if last and self.no_newline_at_end:
                    out.append(prefix.encode() + content + b"\n\\ No newline at end of file\n")
                else:
                    out.append(prefix.encode() + content + eol.encode())
            old += olds + 5
            new += news + 5
        return b"".join(out)


hunk_lines = st.lists(
    st.tuples(st.sampled_from([" ", "-", "+"]), line_bytes.filter(lambda b: not b.endswith(b"\r")), eols),
    min_size=1,
    max_size=8,
)
diff_specs = st.builds(
    DiffSpec,
    path=st.text(alphabet="abcdefghij_/.", min_size=1, max_size=12).filter(
        lambda p: not p.startswith("/") and "//" not in p and not p.endswith("/")
    ),
    hunks=st.lists(hunk_lines.map(tuple), min_size=1, max_size=4).map(tuple),
    no_newline_at_end=st.booleans(),
)


@st.composite
def changes(draw: st.DrawFn) -> Change:
    """A whole change built directly as the model: several files of hostile lines under rule-relevant paths."""
    files = []
    for _ in range(draw(st.integers(1, 4))):
        path = draw(paths)
        lines = []
        old = new = 1
        for kind in draw(st.lists(st.sampled_from(list(LineKind)), min_size=1, max_size=10)):
            text = draw(hostile_text)
            lines.append(
                DiffLine(
                    kind,
                    None if kind is LineKind.ADDED else old,
                    None if kind is LineKind.REMOVED else new,
                    text,
                    draw(st.sampled_from(["\n", "\r\n", ""])),
                )
            )
            old += kind is not LineKind.ADDED
            new += kind is not LineKind.REMOVED
        hunk = Hunk(1, old - 1, 1, new - 1, draw(hostile_text), tuple(lines))
        status = draw(st.sampled_from([FileStatus.ADDED, FileStatus.MODIFIED, FileStatus.DELETED]))
        files.append(
            FileChange(
                old_path=None if status is FileStatus.ADDED else path,
                new_path=None if status is FileStatus.DELETED else path,
                status=status,
                hunks=(hunk,),
                language=guess_language(path),
            )
        )
    return Change(
        id=draw(hostile_text) or "x",
        title=draw(hostile_text),
        description=draw(hostile_text),
        source=SourceKind.BRANCH,
        repo="/nonexistent",
        files=tuple(files),
    )
