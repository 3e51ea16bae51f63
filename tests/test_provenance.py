"""Agent provenance: which agent made a change and which human ran it.

Each scenario is checked twice: on hand-built `Commit` objects, and end to end through real commits whose trailers
git itself parses, loaded as a branch change with `load_ref_change`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewtui.commitlog import read_commits
from reviewtui.config import REPO_CONFIG, load_config
from reviewtui.model import Agent, Change, Commit, Person, SourceKind, Trailer
from reviewtui.provenance import AgentIdentity, ProvenanceDetector, builtin_identities, parse_identity
from reviewtui.repository import Repository
from reviewtui.sources.refs import Base, Candidate, load_ref_change
from tests.gitrepo import GitRepo

DANA = ("Dana Dev", "dana@example.com")
SAM = ("Sam Lee", "sam@example.com")
GITHUB = ("GitHub", "noreply@github.com")
COPILOT = ("Copilot", "198982749+Copilot@users.noreply.github.com")
DEVIN = ("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com")
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
ACME_BOT = ("acme-release[bot]", "123+acme-release[bot]@users.noreply.github.com")
AIDER = ("Sam Lee (aider)", "sam@example.com")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def person(who: tuple[str, str]) -> str:
    return f"{who[0]} <{who[1]}>"


@dataclass(frozen=True)
class Scenario:
    id: str
    message: str
    trailers: tuple[tuple[str, str], ...]
    """What git must find in `message` (checked end to end, so the table cannot drift from git)."""
    expected: Agent | None
    author: tuple[str, str] = DANA
    committer: tuple[str, str] | None = None
    branch: str = "feature/x"


SCENARIOS = [
    Scenario(
        "copilot-author-human-coauthor",
        "Add search box\n\nCo-authored-by: Sam Lee <sam@example.com>",
        (("Co-authored-by", "Sam Lee <sam@example.com>"),),
        Agent("GitHub Copilot", person(SAM), f"author {person(COPILOT)}", "ai"),
        author=COPILOT,
        branch="copilot/add-search",
    ),
    Scenario(
        "claude-footer-and-coauthor",
        "Fix login redirect\n\n"
        "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
        "Co-Authored-By: Claude <noreply@anthropic.com>",
        (("Co-Authored-By", "Claude <noreply@anthropic.com>"),),
        Agent("Claude Code", person(DANA), "trailer Co-Authored-By: Claude <noreply@anthropic.com>", "ai"),
    ),
    Scenario(
        "claude-footer-only",
        "Fix logout\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        (),
        Agent("Claude Code", person(DANA), "message footer 'Generated with [Claude Code]'", "ai"),
    ),
    Scenario(
        "devin-bot-human-committer",
        "Upgrade the ORM",
        (),
        Agent("Devin", person(SAM), f"author {person(DEVIN)}", "ai"),
        author=DEVIN,
        committer=SAM,
        branch="devin/1712-orm",
    ),
    Scenario(
        "codex-generated-by",
        "Refactor parser\n\nGenerated-by: codex-cli 0.46",
        (("Generated-by", "codex-cli 0.46"),),
        Agent("OpenAI Codex", person(DANA), "trailer Generated-by: codex-cli 0.46", "ai"),
    ),
    Scenario(
        "cursor-coauthor",
        "Tidy imports\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
        (("Co-authored-by", "Cursor Agent <cursoragent@cursor.com>"),),
        Agent("Cursor", person(DANA), "trailer Co-authored-by: Cursor Agent <cursoragent@cursor.com>", "ai"),
    ),
    Scenario(
        "aider-name-suffix",
        "aider: add retries",
        (),
        Agent("Aider", "sam@example.com", f"author {person(AIDER)}", "ai"),
        author=AIDER,
    ),
    Scenario(
        "unknown-assisted-by",
        "Speed up build\n\nAssisted-by: Windsurf Cascade",
        (("Assisted-by", "Windsurf Cascade"),),
        Agent("Windsurf Cascade", person(DANA), "trailer Assisted-by: Windsurf Cascade", "ai"),
    ),
    Scenario(
        "unknown-bot-author",
        "Release 1.4.0",
        (),
        Agent("acme-release[bot]", None, f"author {person(ACME_BOT)}", "bot"),
        author=ACME_BOT,
    ),
    Scenario(
        "dependabot-committed-by-github",
        "Bump requests from 2.31.0 to 2.32.0\n\nSigned-off-by: dependabot[bot] <support@github.com>",
        (("Signed-off-by", "dependabot[bot] <support@github.com>"),),
        Agent("Dependabot", None, f"author {person(DEPENDABOT)}", "bot"),
        author=DEPENDABOT,
        committer=GITHUB,
        branch="dependabot/pip/requests-2.32.0",
    ),
    Scenario(
        "kiro-branch-only",
        "Add spec",
        (),
        Agent("Kiro", person(DANA), "branch prefix kiro/", "ai"),
        branch="kiro/x",
    ),
    Scenario(
        "ai-branch-only",
        "Add thing",
        (),
        Agent("AI agent", person(DANA), "branch prefix ai/", "ai"),
        branch="ai/x",
    ),
    Scenario(
        "human-only",
        "Fix typo\n\nCo-authored-by: Sam Lee <sam@example.com>\nSigned-off-by: Dana Dev <dana@example.com>",
        (("Co-authored-by", "Sam Lee <sam@example.com>"), ("Signed-off-by", "Dana Dev <dana@example.com>")),
        None,
    ),
]


def make_commit(
    message: str,
    *,
    author: tuple[str, str] = DANA,
    committer: tuple[str, str] | None = None,
    trailers: tuple[tuple[str, str], ...] = (),
    sha: str = "0" * 40,
) -> Commit:
    return Commit(
        sha=sha,
        parents=(),
        author=Person(*author),
        authored=WHEN,
        committer=Person(*(committer or author)),
        committed=WHEN,
        message=message,
        trailers=tuple(Trailer(key, value) for key, value in trailers),
    )


def name_of(found: Agent | AgentIdentity | None) -> str | None:
    return found.name if found is not None else None


def builtin() -> ProvenanceDetector:
    return ProvenanceDetector(builtin_identities())


def load_branch(repo: GitRepo, branch: str, detector: ProvenanceDetector) -> Change:
    """Load `branch` as a pending change against main, exactly as the queue does."""
    git = Repository(repo.path)
    base_sha = repo.git("rev-parse", "main")
    head = repo.git("rev-parse", f"refs/heads/{branch}")
    candidate = Candidate(branch, SourceKind.BRANCH, f"refs/heads/{branch}", head, branch=branch)
    change = load_ref_change(git, candidate, Base("main", "refs/heads/main", base_sha), detector)
    assert change is not None
    assert change.commits == read_commits(git, f"{base_sha}..{head}")
    return change


# -- the scenario table, on Commit objects and through git -------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_detect_on_commit_objects(scenario: Scenario) -> None:
    commit = make_commit(
        scenario.message, author=scenario.author, committer=scenario.committer, trailers=scenario.trailers
    )

    assert builtin().detect([commit], scenario.branch) == scenario.expected


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_detect_end_to_end_through_real_commits(repo: GitRepo, scenario: Scenario) -> None:
    repo.checkout(scenario.branch, new=True)
    repo.write("work.txt", f"{scenario.id}\n")
    sha = repo.commit(scenario.message, author=scenario.author, committer=scenario.committer)
    repo.checkout("main")
    detector = builtin()

    change = load_branch(repo, scenario.branch, detector)

    [commit] = change.commits
    assert commit.sha == sha
    assert (commit.author, commit.committer) == (
        Person(*scenario.author),
        Person(*(scenario.committer or scenario.author)),
    )
    assert commit.trailers == tuple(Trailer(key, value) for key, value in scenario.trailers)
    assert change.agent == scenario.expected
    assert change.human_only is (scenario.expected is None)


# -- finer points ----------------------------------------------------------------------------------------------------


def test_trailer_beats_footer_in_the_same_commit() -> None:
    commit = make_commit(
        "Port module\n\nGenerated with Claude Code\n\nGenerated-by: Jules",
        trailers=(("Generated-by", "Jules"),),
    )

    assert builtin().detect([commit]) == Agent("Jules", person(DANA), "trailer Generated-by: Jules", "ai")


def test_agent_coauthor_on_agent_commit_is_not_the_operator() -> None:
    commit = make_commit(
        "Pair of agents\n\nCo-authored-by: Claude <noreply@anthropic.com>\nCo-authored-by: Sam Lee <sam@example.com>",
        author=COPILOT,
        trailers=(
            ("Co-authored-by", "Claude <noreply@anthropic.com>"),
            ("Co-authored-by", "Sam Lee <sam@example.com>"),
        ),
    )

    assert builtin().detect([commit]) == Agent("GitHub Copilot", person(SAM), f"author {person(COPILOT)}", "ai")


def test_agent_commit_with_only_noreply_email_has_no_operator() -> None:
    commit = make_commit("Autonomous change", author=("Claude", "noreply@anthropic.com"))

    assert builtin().detect([commit]) == Agent("Claude Code", None, "author Claude <noreply@anthropic.com>", "ai")


def test_github_web_flow_committer_is_not_an_operator_but_a_human_committer_is() -> None:
    """Dependabot's commits are committed by GitHub itself; a human who rebased one is its operator."""
    relayed = make_commit("Bump x", author=DEPENDABOT, committer=GITHUB)
    rebased = make_commit("Bump x", author=DEPENDABOT, committer=SAM)

    assert builtin().detect([relayed]) == Agent("Dependabot", None, f"author {person(DEPENDABOT)}", "bot")
    assert builtin().detect([rebased]) == Agent("Dependabot", person(SAM), f"author {person(DEPENDABOT)}", "bot")


@pytest.mark.parametrize(
    ("branch", "name", "prefix"),
    [
        ("kiro/x", "Kiro", "kiro/"),
        ("ai/x", "AI agent", "ai/"),
        ("agents/team/x", "AI agent", "agents/"),
        ("claude/fix/deep/branch", "Claude Code", "claude/"),
        ("Codex/Upper-Case", "OpenAI Codex", "Codex/"),
        ("renovate/lodash-4.x", "Renovate", "renovate/"),
    ],
)
def test_branch_prefix_only(branch: str, name: str, prefix: str) -> None:
    commits = [make_commit("Change"), make_commit("More", author=SAM)]
    kind = "bot" if name == "Renovate" else "ai"

    assert builtin().detect(commits, branch) == Agent(name, person(DANA), f"branch prefix {prefix}", kind)


@pytest.mark.parametrize("branch", [None, "feature/x", "main", "my-ai/x", "xai/x", "claude", "kiro"])
def test_human_only_is_none(branch: str | None) -> None:
    commits = [
        make_commit("Fix\n\nCo-authored-by: Sam Lee <sam@example.com>", trailers=(("Co-authored-by", person(SAM)),)),
        make_commit("Mention claude and copilot in prose, not as a footer", author=SAM),
    ]

    assert builtin().detect(commits, branch) is None
    assert builtin().detect([], branch) is None


def test_branch_operator_is_the_first_author() -> None:
    """On the branch signal no author is an agent (that would be a stronger signal), so the first one ran it."""
    commits = [make_commit("Human step", author=SAM), make_commit("Another", author=DANA)]

    assert builtin().detect(commits, "kiro/x") == Agent("Kiro", person(SAM), "branch prefix kiro/", "ai")


def test_strongest_signal_wins_across_commits() -> None:
    footer = make_commit("One\n\nGenerated with [Claude Code](https://claude.com/claude-code)", sha="1" * 40)
    trailer = make_commit("Two\n\nGenerated-by: codex", trailers=(("Generated-by", "codex"),), sha="2" * 40)
    cursor = make_commit(
        "Three\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
        trailers=(("Co-authored-by", "Cursor Agent <cursoragent@cursor.com>"),),
        sha="3" * 40,
    )
    by_agent = make_commit("Four", author=DEVIN, committer=SAM, sha="4" * 40)
    detector = builtin()

    devin = Agent("Devin", person(SAM), f"author {person(DEVIN)}", "ai")
    codex = Agent("OpenAI Codex", person(DANA), "trailer Generated-by: codex", "ai")
    cursor_agent = Agent("Cursor", person(DANA), "trailer Co-authored-by: Cursor Agent <cursoragent@cursor.com>", "ai")
    claude = Agent("Claude Code", person(DANA), "message footer 'Generated with [Claude Code]'", "ai")
    assert detector.detect([footer, trailer, cursor, by_agent], "kiro/x") == devin  # author beats everything
    assert detector.detect([footer, trailer, cursor], "kiro/x") == codex  # trailer beats an earlier footer
    assert detector.detect([footer, cursor, trailer]) == cursor_agent  # first commit wins a tie
    assert detector.detect([footer], "kiro/x") == claude  # any commit signal beats the branch prefix


def test_strongest_signal_wins_end_to_end(repo: GitRepo) -> None:
    repo.checkout("kiro/big-change", new=True)
    repo.write("a.txt", "1\n")
    repo.commit("Start\n\nGenerated with Claude Code")
    repo.write("a.txt", "2\n")
    repo.commit("Continue\n\nAssisted-by: Gemini 2.5 Pro")
    repo.write("a.txt", "3\n")
    repo.commit("Merge-ready", author=SAM)

    change = load_branch(repo, "kiro/big-change", builtin())

    assert [c.subject for c in change.commits] == ["Start", "Continue", "Merge-ready"]
    assert change.agent == Agent("Jules", person(DANA), "trailer Assisted-by: Gemini 2.5 Pro", "ai")


def test_trailer_outside_the_last_paragraph_is_not_a_trailer_end_to_end(repo: GitRepo) -> None:
    """git only reads trailers from the final paragraph; an agent named in the body proves nothing."""
    repo.checkout("feature/x", new=True)
    repo.write("a.txt", "1\n")
    repo.commit("Refactor\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nThis is just the body.")

    change = load_branch(repo, "feature/x", builtin())

    assert [c.trailers for c in change.commits] == [()]
    assert change.agent is None


# -- glob-special characters -------------------------------------------------------------------------------------------


def test_builtin_names_with_brackets_match_literally() -> None:
    detector = builtin()

    claude_bot = Person("claude[bot]", "209825114+claude[bot]@users.noreply.github.com")
    assert name_of(detector.agent_for_person(claude_bot)) == "Claude Code"
    for name in ("claudeb", "claudeo", "claudet", "claude[bo]"):
        assert detector.agent_for_person(Person(name, "x@example.com")) is None, name
    assert detector.agent_for_person(Person("Someone", "1+claudeb@users.noreply.github.com")) is None
    assert detector.agent_for_person(Person("Someone", "1+claude[bot]@users.noreply.github.com")) is not None


def test_configured_glob_characters_are_literal_except_star() -> None:
    ops = AgentIdentity(
        name="Ops",
        names=("deploy?bot", "[ci] runner*"),
        tools=("build[1]",),
        branches=("rel[ease]/*",),
    )

    assert ops.matches_person(Person("deploy?bot", "a@example.com"))
    assert not ops.matches_person(Person("deploy1bot", "a@example.com"))
    assert ops.matches_person(Person("[CI] Runner 7", "a@example.com"))
    assert not ops.matches_person(Person("c runner", "a@example.com"))
    assert ops.matches_tool("build[1]") and not ops.matches_tool("build1")
    assert ops.matches_branch("rel[ease]/2.0") and not ops.matches_branch("rele/2.0")
    assert not ops.matches_branch("release/2.0")


def test_parse_identity() -> None:
    assert parse_identity("  Sam Lee   <sam@example.com> ") == Person("Sam Lee", "sam@example.com")
    assert parse_identity("<bot@example.com>") == Person("", "bot@example.com")
    assert parse_identity("Claude") is None


# -- identities from configuration -------------------------------------------------------------------------------------

REPO_AGENTS = """
[[agents]]
name = "Acme Copilot"
names = ["copilot"]
tools = ["*copilot*"]

[[agents]]
name = "Release Robot"
kind = "bot"
names = ["[ci] runner"]
emails = ["ci@acme.example"]
branches = ["release-bot/*"]
"""


def write_repo_config(repo: GitRepo, text: str) -> Path:
    path = repo.path / REPO_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_configured_identities_take_precedence_over_builtins(repo: GitRepo) -> None:
    write_repo_config(repo, REPO_AGENTS)
    config = load_config(repo.path)
    detector = ProvenanceDetector(config.agents)

    assert [identity.name for identity in config.agents[:3]] == ["Acme Copilot", "Release Robot", "Claude Code"]
    assert config.agents[1] == AgentIdentity(
        name="Release Robot",
        kind="bot",
        names=("[ci] runner",),
        emails=("ci@acme.example",),
        branches=("release-bot/*",),
    )
    copilot = make_commit("Add search", author=COPILOT)
    assert detector.detect([copilot]) == Agent("Acme Copilot", None, f"author {person(COPILOT)}", "ai")
    assert builtin().detect([copilot]) == Agent("GitHub Copilot", None, f"author {person(COPILOT)}", "ai")
    tool = make_commit("X\n\nAI-Agent: GitHub Copilot", trailers=(("AI-Agent", "GitHub Copilot"),))
    assert detector.detect([tool]) == Agent("Acme Copilot", person(DANA), "trailer AI-Agent: GitHub Copilot", "ai")
    # Built-ins still apply to everything the configuration does not cover.
    claude = make_commit(
        "Y\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
        trailers=(("Co-Authored-By", "Claude <noreply@anthropic.com>"),),
    )
    assert name_of(detector.detect([claude])) == "Claude Code"
    assert detector.detect([make_commit("Z")], "release-bot/2.0") == Agent(
        "Release Robot", person(DANA), "branch prefix release-bot/", "bot"
    )


def test_configured_identities_end_to_end(repo: GitRepo) -> None:
    write_repo_config(repo, REPO_AGENTS)
    repo.checkout("release-bot/1.4", new=True)
    repo.write("VERSION", "1.4.0\n")
    repo.commit("Release 1.4.0", author=("[ci] runner", "ci@acme.example"), committer=SAM)
    detector = ProvenanceDetector(load_config(repo.path).agents)

    change = load_branch(repo, "release-bot/1.4", detector)

    assert change.agent == Agent("Release Robot", person(SAM), "author [ci] runner <ci@acme.example>", "bot")
    assert builtin().detect(change.commits, "release-bot/1.4") is None


def test_repository_identities_take_precedence_over_the_user_file(repo: GitRepo, tmp_path: Path) -> None:
    write_repo_config(repo, REPO_AGENTS)
    user_file = tmp_path / "user-config.toml"
    user_file.write_text('[[agents]]\nname = "My Copilot"\nnames = ["copilot", "my-helper"]\n', encoding="utf-8")

    config = load_config(repo.path, user_file=user_file)
    detector = ProvenanceDetector(config.agents)

    assert [identity.name for identity in config.agents[:3]] == ["Acme Copilot", "Release Robot", "My Copilot"]
    assert name_of(detector.detect([make_commit("A", author=COPILOT)])) == "Acme Copilot"
    assert name_of(detector.detect([make_commit("B", author=("my-helper", "h@example.com"))])) == "My Copilot"
