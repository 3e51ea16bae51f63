"""The hostile-input corpus: each item is built at test time in a fresh real repository (nothing large is
committed to this repository), so every item goes through git, the queue, the rules, the TUI and verify for real.

An item is a repository (plus, for patch files, a folder of them) and what a correct run must show: which
changes the queue lists, and text that must appear somewhere in the output (a finding, a note, a warning).
Large items (10 MB line, 200k lines, 5000 refs) are marked `slow`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.gitrepo import ISOLATED_ENV, GitRepo

TERMINAL = (
    "csi\x1b[2J\x1b[31mred"
    " osc52\x1b]52;c;cHduZWQ=\x07"
    " osc8\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
    " dcs\x1bP+q544e\x1b\\"
    " bare\x1b"
    " c1\u009b2J\u009d0;title\u009c"
    " bell\x07 bs\x08 del\x7f"
)
"""Every kind of terminal sequence named in issue 9 (CSI, OSC 52 clipboard, OSC 8 link, DCS, bare ESC, C1)."""
BIDI = "bidi \u202eevil\u202c \u2066iso\u2069 zw\u200bsp\u200dj\ufeff tag\U000e0041"
MARKUP = "[bold red]markup[/] [@click=app.quit]quit[/] [link=https://evil.example]link[/link] [reverse]"
WIDE = "wide 中文字符 ｆｕｌｌ e\u0301\u0301\u0301 emoji \U0001f600\U0001f468\u200d\U0001f469 zalgo Z\u0336\u0335\u0334"
HOSTILE = f"{TERMINAL} {BIDI} {MARKUP} {WIDE}"
"""Forbidden raw in any output (see `RAW`); the markup must be shown literally."""
RAW = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\u202e", "\u2066", "\u200b", "\ufeff", "\U000e0041", "\x08", "\x7f")
"""Characters from content that must never reach a terminal as themselves."""


@dataclass
class Item:
    """One corpus entry, built and ready to run."""

    repo: Path
    patches: Path | None = None
    changes: set[str] | None = None
    """The change ids the queue must list (None: do not check the ids, only that it does not fail)."""
    expect: tuple[str, ...] = ()
    """Text that must appear in the queue's or the scan's output (findings, notes, warnings)."""
    queue_exit: int = 0
    """0, or 2 when the repository itself is unusable and one clear line is the correct result."""
    message: str = ""
    """For queue_exit 2: what the one line must say."""
    extra: dict[str, str] = field(default_factory=dict)

    def selection(self) -> list[str]:
        args = ["--repo", str(self.repo)]
        if self.patches is not None:
            args += ["--patches", str(self.patches)]
        return args


Builder = Callable[[Path], Item]
ITEMS: dict[str, Builder] = {}
SLOW: set[str] = set()


def item(name: str, *, slow: bool = False) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        ITEMS[name] = builder
        if slow:
            SLOW.add(name)
        return builder

    return register


def _branch(
    repo: GitRepo, name: str, files: dict[str, str | bytes], message: str = "Agent change", **kw: object
) -> str:
    repo.checkout(name, new=True, start="main")
    for path, data in files.items():
        repo.write(path, data)
    head = repo.commit(message, **kw)  # type: ignore[arg-type]
    repo.checkout("main")
    return head


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True, env={**os.environ, **ISOLATED_ENV})
    return done.stdout.decode("utf-8", "replace").strip()


# -- patch files ---------------------------------------------------------------------------------------------------

GOOD_PATCH = "--- a/ok.py\n+++ b/ok.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
MALFORMED = {
    "wrong-counts.patch": "--- a/x.py\n+++ b/x.py\n@@ -1,5 +1,9 @@\n-a = 1\n+a = 2\n",
    "truncated.patch": "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n context\n-a = 1\n",
    "no-file-header.patch": "@@ -1 +1 @@\n-a = 1\n+a = 2\n",
    "no-hunk-header.patch": "--- a/x.py\n+++ b/x.py\n-a = 1\n+a = 2\n",
    "garbage.patch": "\x00\x01\x02\xff\xfe binary junk \x1b[2J\n",
    "hostile-name.patch": f"--- a/{TERMINAL}.py\n+++ b/{TERMINAL}.py\n@@ -1 +1 @@\n-a\n+b {HOSTILE}\n",
    "empty.patch": "",
}


@item("hostile-patch-file")
def hostile_patch_file(root: Path) -> Item:
    """A patch file (no commits) whose names and lines are hostile, next to a plain one: both load."""
    repo = GitRepo(root / "repo")
    folder = root / "patches"
    folder.mkdir()
    (folder / "good.patch").write_text(GOOD_PATCH, encoding="utf-8")
    (folder / "hostile.patch").write_text(MALFORMED["hostile-name.patch"], encoding="utf-8")
    return Item(repo.path, patches=folder, changes={"patch:good.patch", "patch:hostile.patch"})


# -- content -------------------------------------------------------------------------------------------------------


@item("binary-and-nul")
def binary_and_nul(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    late_nul = "x = 1\n" * 2000 + "y = '\x00'\n"  # past git's 8000-byte look-ahead: a text diff with a NUL in it
    _branch(
        repo,
        "ai/binary",
        {"blob.bin": bytes(range(256)) * 4, "nul.py": "a = '\x00\x1b[2J'\n", "late.py": late_nul},
    )
    return Item(repo.path, changes={"ai/binary"})


@item("ten-megabyte-line", slow=True)
def ten_megabyte_line(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    _branch(repo, "ai/long-line", {"min.js": "var a='" + "x" * (10 * 1024 * 1024) + "';\n"})
    return Item(repo.path, changes={"ai/long-line"})


@item("two-hundred-thousand-lines", slow=True)
def many_lines(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    _branch(repo, "ai/huge", {"data.py": "".join(f"v{i} = {i}\n" for i in range(200_000))})
    return Item(repo.path, changes={"ai/huge"})


@item("invalid-utf8-and-mixed-encodings")
def encodings(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    mixed = "utf8 é\n".encode() + "latin1 é\n".encode("latin-1") + "utf16\n".encode("utf-16") + b"\xc3\x28 \xff\n"
    _branch(repo, "ai/encodings", {"mixed.txt": mixed, "cp1252.py": "s = '\x93quoted\x94'\n".encode("latin-1")})
    return Item(repo.path, changes={"ai/encodings"}, expect=("not valid UTF-8",))


@item("mixed-line-endings")
def line_endings(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    repo.write("endings.py", "a = 1\r\nb = 2\nc = 3\r\n")
    repo.commit("Base endings")
    _branch(repo, "ai/endings", {"endings.py": "a = 1\nb = 2\r\nc = 3\rd = 4\r\n\re = 5"})
    return Item(repo.path, changes={"ai/endings"})


@item("hostile-text-in-every-field")
def hostile_fields(root: Path) -> Item:
    """Terminal sequences, bidi and zero-width characters, markup, wide and combining characters in the content,
    the file name, the title, the message body, the author, the committer and the branch name."""
    repo = GitRepo(root / "repo")
    name = ("Mallory " + TERMINAL + MARKUP).replace("<", "").replace(">", "").replace("\n", " ")
    _branch(
        repo,
        "ai/hostile",
        {
            f"src/{MARKUP} {BIDI}.py": f"text = '{HOSTILE}'\n# {HOSTILE}\n",
            "docs/readme.md": f"{WIDE}\n{BIDI}\n",
        },
        message=f"Title {HOSTILE}\n\nBody {HOSTILE}\n\nCo-Authored-By: {name} <m@example.com>",
        author=(name, "mallory@example.com"),
        committer=(f"Committer {MARKUP}", "c@example.com"),
    )
    _branch(repo, "ai/bidi-\u202eevil\u202c-zw\u200b-tag\U000e0041-wide-中文-@click=app.quit", {"x.py": "x = 1\n"})
    return Item(repo.path, expect=("bidi",))


@item("hostile-file-names")
def file_names(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    names = [
        "new\nline.py",
        "tab\there.py",
        "esc\x1b[2Jname.py",
        "quote\"d'.py",
        "-leading-dash.py",
        "--option=value",
        "back\\slash.py",
        "spaces in name.py",
        " leading space.py",
        "c1\u009bname.py",
        "bidi\u202eyp.exe",
    ]
    repo.checkout("ai/names", new=True)
    for index, name in enumerate(names):
        repo.write(name, f"value = {index}\n")
    (repo.path / "invalid\xff".encode().decode("utf-8", "surrogateescape")).write_bytes(b"x\n")
    repo.commit("Odd file names")
    repo.checkout("main")
    return Item(repo.path, changes={"ai/names"})


@item("symlinks-outside-the-repository")
def symlinks(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    secret = root / "secret.txt"
    secret.write_text("TOP SECRET do not show\n", encoding="utf-8")
    repo.checkout("ai/links", new=True)
    repo.symlink("etc-passwd", "/etc/passwd")
    repo.symlink("secret", str(secret))
    repo.symlink("up", "../../..")
    repo.symlink(".reviewtui", str(root))  # a governance folder that points elsewhere
    repo.symlink("loop", "loop")
    repo.commit("Links")
    repo.checkout("main")
    return Item(repo.path, changes={"ai/links"}, extra={"never": "TOP SECRET"})


@item("submodules")
def submodules(root: Path) -> Item:
    inner = GitRepo(root / "inner")
    repo = GitRepo(root / "repo")
    repo.checkout("ai/submodule", new=True)
    _git(repo.path, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner.path), "vendor/inner")
    repo.commit("Add a submodule")
    inner.write("more.txt", "x\n")
    inner.commit("More")
    # A gitlink to a commit nobody has, and a .gitmodules entry pointing at a hostile URL.
    repo.write(".gitmodules", f'[submodule "evil"]\n\tpath = evil\n\turl = ext::sh -c "touch {root}/pwned"\n')
    _git(repo.path, "add", ".gitmodules")
    _git(repo.path, "update-index", "--add", "--cacheinfo", f"160000,{'e' * 40},evil")
    _git(repo.path, "commit", "-q", "--no-verify", "-m", "Point at a commit nobody has")
    repo.checkout("main")
    return Item(repo.path, changes={"ai/submodule"}, extra={"pwned": str(root / "pwned")})


@item("empty-commits")
def empty_commits(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    repo.checkout("ai/empty", new=True)
    repo.commit("Nothing at all", allow_empty=True)
    repo.commit("Still nothing", allow_empty=True)
    repo.checkout("main")
    return Item(repo.path, changes={"ai/empty"})


@item("octopus-merge")
def octopus(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    heads = [_branch(repo, f"part/{n}", {f"{n}.py": f"{n} = 1\n"}) for n in ("a", "b", "c")]
    repo.checkout("ai/octopus", new=True)
    _git(repo.path, "merge", "-q", "--no-edit", "part/a", "part/b", "part/c")
    repo.checkout("main")
    assert len(heads) == 3
    return Item(repo.path, changes={"ai/octopus"})


@item("shallow-clone")
def shallow(root: Path) -> Item:
    origin = GitRepo(root / "origin")
    for n in range(5):
        origin.write("history.txt", f"{n}\n")
        origin.commit(f"History {n}")
    _branch(origin, "ai/deep", {"feature.py": "x = 1\n"})
    clone = root / "clone"
    _git(root, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{origin.path}", str(clone))
    _git(clone, "branch", "ai/deep", "origin/ai/deep")
    return Item(clone, changes=set())  # reported as a warning; see test_cli.test_a_shallow_clone_says_so


@item("detached-head")
def detached(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    head = _branch(repo, "ai/cart", {"cart.py": "x = 1\n"})
    repo.checkout(head)
    return Item(repo.path, changes={"ai/cart"})


@item("five-thousand-refs", slow=True)
def many_refs(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    head = _branch(repo, "ai/seed", {"seed.py": "x = 1\n"})
    lines = "".join(f"create refs/heads/ai/change-{n:04d} {head}\n" for n in range(5000))
    subprocess.run(["git", "update-ref", "--stdin"], cwd=repo.path, input=lines.encode(), check=True)
    return Item(repo.path, changes=None)


@item("missing-base-branch")
def missing_base(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    _branch(repo, "ai/orphaned", {"x.py": "x = 1\n"})
    _git(repo.path, "checkout", "-q", "ai/orphaned")
    _git(repo.path, "branch", "-D", "main")
    return Item(repo.path, queue_exit=2, message="base")


@item("broken-object")
def broken_object(root: Path) -> Item:
    repo = GitRepo(root / "repo")
    _branch(repo, "ai/ok", {"ok.py": "x = 1\n"})
    _branch(repo, "ai/broken", {"broken.py": "y = 2\n"})
    blob = _git(repo.path, "rev-parse", "ai/broken:broken.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    return Item(repo.path, changes={"ai/ok"}, expect=("ai/broken", f"unable to read {blob}"))


def build(name: str, root: Path) -> Item:
    root.mkdir(parents=True, exist_ok=True)
    return ITEMS[name](root)


def fast() -> list[str]:
    return [name for name in ITEMS if name not in SLOW]


def copy_item(item_: Item, root: Path) -> Item:
    """A private copy for a test that writes (decisions, TUI session)."""
    target = Path(shutil.copytree(item_.repo, root / item_.repo.name, symlinks=True))
    return Item(target, item_.patches, item_.changes, item_.expect, item_.queue_exit, item_.message, item_.extra)
