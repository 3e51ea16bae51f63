"""Which agent produced a change, and which human ran it (the operator).

Two-person review needs both answers: neither the agent's identity nor its operator may approve the change. The
evidence is graded, strongest first: the commit author is a known agent or a `[bot]`; a trailer names an agent
(`Co-authored-by`, `Generated-by`, `Assisted-by`); the message carries an agent's footer; the branch has an agent
prefix. The matched evidence is kept verbatim as the `signal`, so a reviewer can see why a change counts as AI.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from reviewtui.model import Agent, Commit, Person

_TOOL_TRAILERS = frozenset({"generated-by", "assisted-by", "ai-agent", "x-ai-agent", "coding-agent", "ai-assisted-by"})
_COAUTHOR = "co-authored-by"
_IDENTITY = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^>]*)>\s*$")
# GitHub commits web edits and API-made commits (every Dependabot update) as `GitHub <noreply@github.com>`: a service
# that relays the commit, never the person who ran an agent.
_PLATFORM_COMMITTERS = frozenset({"noreply@github.com"})


@dataclass(frozen=True, slots=True)
class AgentIdentity:
    """How to recognise one agent; loaded from the built-in table and from `[[agents]]` in config."""

    name: str
    kind: str = "ai"
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    footers: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()

    def matches_person(self, person: Person) -> bool:
        return _any_glob(person.name, self.names) or _any_glob(person.email, self.emails)

    def matches_tool(self, value: str) -> bool:
        return _any_glob(value, self.tools) or _any_glob(value, self.names)

    def matches_branch(self, branch: str) -> bool:
        return any(_glob(pattern).fullmatch(branch.lower()) for pattern in self.branches)


FIELDS = ("name", "kind", "names", "emails", "footers", "tools", "branches")


def identity_from_table(table: dict[str, object]) -> AgentIdentity:
    """Build an identity from an already validated TOML table (validation lives with whoever read the file)."""

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    return AgentIdentity(
        name=str(table["name"]),
        kind=str(table.get("kind", "ai")),
        names=strings("names"),
        emails=strings("emails"),
        footers=strings("footers"),
        tools=strings("tools"),
        branches=strings("branches"),
    )


def builtin_identities() -> tuple[AgentIdentity, ...]:
    text = resources.files("reviewtui.data").joinpath("agents.toml").read_text(encoding="utf-8")
    return tuple(identity_from_table(table) for table in tomllib.loads(text)["agent"])


class ProvenanceDetector:
    """Applies a list of identities (config first, so a team can override the built-ins) to changes."""

    def __init__(self, identities: Sequence[AgentIdentity]) -> None:
        self.identities = tuple(identities)
        self._people: dict[Person, AgentIdentity | None] = {}

    def agent_for_person(self, person: Person) -> AgentIdentity | None:
        """Remembered per person: a queue over a range asks about the same few authors a thousand times, and each
        answer runs every identity's globs."""
        if person in self._people:
            return self._people[person]
        found = next((identity for identity in self.identities if identity.matches_person(person)), None)
        if len(self._people) >= 4096:
            self._people.clear()
        self._people[person] = found
        return found

    def is_agent(self, person: Person) -> bool:
        return self.agent_for_person(person) is not None or _is_bot(person)

    def detect(self, commits: Sequence[Commit], branch: str | None = None) -> Agent | None:
        """The strongest signal over all commits (first commit wins ties), else the branch prefix, else None."""
        for finder in (self._by_author, self._by_trailer, self._by_footer):
            for commit in commits:
                found = finder(commit)
                if found is not None:
                    return found
        if branch is not None:
            return self._by_branch(branch, commits)
        return None

    # -- signals, strongest first -------------------------------------------------------------------------------

    def _by_author(self, commit: Commit) -> Agent | None:
        identity = self.agent_for_person(commit.author)
        if identity is None and not _is_bot(commit.author):
            return None
        name = identity.name if identity else commit.author.name
        kind = identity.kind if identity else "bot"
        return Agent(name, self._operator_of_agent_commit(commit), f"author {commit.author}", kind)

    def _by_trailer(self, commit: Commit) -> Agent | None:
        for trailer in commit.trailers:
            key = trailer.key.lower()
            if key == _COAUTHOR:
                person = parse_identity(trailer.value)
                identity = self.agent_for_person(person) if person else None
                if identity is not None:
                    return self._agent(identity, commit, f"trailer {trailer.key}: {trailer.value}")
            elif key in _TOOL_TRAILERS and trailer.value:
                identity = self._identity_for_tool(trailer.value)
                signal = f"trailer {trailer.key}: {trailer.value}"
                if identity is not None:
                    return self._agent(identity, commit, signal)
                return Agent(trailer.value, self._human(commit.author), signal)
        return None

    def _by_footer(self, commit: Commit) -> Agent | None:
        for identity in self.identities:
            for footer in identity.footers:
                if footer.lower() in commit.message.lower():
                    return self._agent(identity, commit, f"message footer {footer!r}")
        return None

    def _by_branch(self, branch: str, commits: Sequence[Commit]) -> Agent | None:
        for identity in self.identities:
            if identity.matches_branch(branch):
                operator = next((self._human(c.author) for c in commits if self._human(c.author)), None)
                prefix = branch.split("/", 1)[0] + "/" if "/" in branch else branch
                return Agent(identity.name, operator, f"branch prefix {prefix}", identity.kind)
        return None

    # -- helpers ------------------------------------------------------------------------------------------------

    def _agent(self, identity: AgentIdentity, commit: Commit, signal: str) -> Agent:
        return Agent(identity.name, self._human(commit.author), signal, identity.kind)

    def _identity_for_tool(self, value: str) -> AgentIdentity | None:
        for identity in self.identities:
            if identity.matches_tool(value):
                return identity
        return None

    def _human(self, person: Person) -> str | None:
        return None if self.is_agent(person) else str(person)

    def _operator_of_agent_commit(self, commit: Commit) -> str | None:
        """An agent-authored commit: the human co-author, else a human committer, else a personal e-mail."""
        for trailer in commit.trailers:
            if trailer.key.lower() == _COAUTHOR:
                person = parse_identity(trailer.value)
                if person is not None and not self.is_agent(person):
                    return str(person)
        committer = commit.committer
        if (
            committer != commit.author
            and not self.is_agent(committer)
            and committer.email.lower() not in _PLATFORM_COMMITTERS
        ):
            return str(committer)
        # An agent that only rewrites the name (aider's "Sam Lee (aider)") still commits with its operator's e-mail.
        identity = self.agent_for_person(commit.author)
        email = commit.author.email
        if identity is not None and "@" in email and not _any_glob(email, identity.emails) and "noreply" not in email:
            return email
        return None


def parse_identity(value: str) -> Person | None:
    """`Name <email>` as used in Co-authored-by trailers, or None when the value is not of that shape."""
    match = _IDENTITY.match(value)
    return Person(match.group("name"), match.group("email")) if match else None


def _is_bot(person: Person) -> bool:
    return person.name.lower().endswith("[bot]") or "[bot]@" in person.email.lower()


def _any_glob(value: str, patterns: Iterable[str]) -> bool:
    lowered = value.lower()
    return any(_glob(pattern).fullmatch(lowered) for pattern in patterns)


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """Only `*` is special: agent names contain brackets (`claude[bot]`) that fnmatch would read as a class."""
    return re.compile(".*".join(re.escape(part) for part in pattern.lower().split("*")), re.DOTALL)
