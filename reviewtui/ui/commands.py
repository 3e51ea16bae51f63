"""Command palette providers (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from reviewtui.ui.safe import safe_text
from reviewtui.ui.session import Session

_PREFIX = "Switch reviewer"


@runtime_checkable
class ReviewerDesk(Protocol):
    """What the provider needs from the app (kept structural so this module does not import the app)."""

    session: Session
    pair: bool

    def switch_reviewer(self, index: int) -> None: ...


class ReviewerCommands(Provider):
    """`Switch reviewer: <who>` for every other available signing key, so pair reviewers can take turns.

    Names come from allowed_signers or key comments, so hits are built as Rich `Text` (never palette markup).
    """

    def _choices(self) -> list[tuple[str, Text, Callable[[], None]]]:
        app = self.app
        if not isinstance(app, ReviewerDesk):
            return []
        session = app.session
        if not app.pair or len(session.identities) < 2:
            why = (
                "start reviewtui with --pair to take turns with another reviewer"
                if not app.pair
                else "only one signing key was found (pass --key for each reviewer)"
            )
            return [(_PREFIX, _prompt(_PREFIX, why), partial(app.notify, f"Cannot switch reviewer: {why}"))]
        choices: list[tuple[str, Text, Callable[[], None]]] = []
        for index, identity in enumerate(session.identities):
            if index == session.active_index:
                continue
            text = f"{_PREFIX}: {session.name(identity)}"
            detail = f"{identity.key.path} · {identity.fingerprint} · from {identity.source}"
            choices.append((text, _prompt(text, detail), partial(app.switch_reviewer, index)))
        return choices

    async def discover(self) -> Hits:
        for text, prompt, command in self._choices():
            yield DiscoveryHit(prompt, command, text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, prompt, command in self._choices():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, prompt, command, text=text)


def _prompt(text: str, detail: str) -> Text:
    """The hit as the palette shows it: the command, and on a second line which key it means (all inert)."""
    out = Text()
    out.append_text(safe_text(text))
    out.append("\n")
    out.append_text(safe_text(detail, "dim"))
    return out
