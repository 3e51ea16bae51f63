"""Commit constructors that reproduce how each coding agent signs its work.

The shapes are copied from what the tools actually write (bot authors, trailers, footers) because the
core detects AI provenance from exactly these; a near miss here would make the demo lie about detection.
"""

from __future__ import annotations

from reviewtui.demo.operations import Operation
from reviewtui.demo.people import COPILOT, DEVIN, SAM_VIA_AIDER, Person
from reviewtui.demo.recipes import CommitRecipe

CLAUDE_CODE_FOOTER = (
    "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>"
)


def _with_trailer(message: str, trailer: str) -> str:
    return f"{message.rstrip()}\n\n{trailer}"


def human(message: str, author: Person, *operations: Operation, mark: str | None = None) -> CommitRecipe:
    return CommitRecipe(message, author, operations, mark=mark)


def copilot(message: str, operator: Person, *operations: Operation) -> CommitRecipe:
    """GitHub Copilot coding agent: the bot authors, the operator commits and is credited as co-author."""
    return CommitRecipe(_with_trailer(message, f"Co-authored-by: {operator.ident}"), COPILOT, operations, operator)


def claude_code(message: str, operator: Person, *operations: Operation) -> CommitRecipe:
    """Claude Code: the operator authors; the footer and co-author trailer are the only signal."""
    return CommitRecipe(_with_trailer(message, CLAUDE_CODE_FOOTER), operator, operations)


def devin(message: str, operator: Person, *operations: Operation) -> CommitRecipe:
    """Devin: the integration bot authors, the human who merges the session commits."""
    return CommitRecipe(message, DEVIN, operations, operator)


def codex(message: str, operator: Person, *operations: Operation) -> CommitRecipe:
    return CommitRecipe(_with_trailer(message, "Generated-by: OpenAI Codex"), operator, operations)


def cursor(message: str, operator: Person, *operations: Operation) -> CommitRecipe:
    trailer = "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"
    return CommitRecipe(_with_trailer(message, trailer), operator, operations)


def aider(message: str, *operations: Operation) -> CommitRecipe:
    """Aider marks both author and committer by appending "(aider)" to the user's name."""
    return CommitRecipe(message, SAM_VIA_AIDER, operations, SAM_VIA_AIDER)


def copilot_assisted(message: str, author: Person, *operations: Operation) -> CommitRecipe:
    """A human-authored commit that declares editor assistance in a trailer, the weakest signal."""
    return CommitRecipe(_with_trailer(message, "Assisted-by: GitHub Copilot"), author, operations)
