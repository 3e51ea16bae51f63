"""Command palette providers (ctrl+p): every action of the current screen, jumping to a file, switching reviewer.

Textual's palette reads a hit's `help` and a plain `str` prompt as markup, so every hit here is built as Rich
`Text` (file names and reviewer names are attacker-controlled), and fuzzy highlighting is never applied to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Protocol, runtime_checkable

from rich.text import Text
from textual.binding import ActiveBinding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from reviewtui.ui.safe import safe_text
from reviewtui.ui.session import Session

_SKIPPED_ACTIONS = frozenset({"command_palette", "app.command_palette"})


Choice = tuple[str, Text, Callable[[], object]]
"""What a provider offers: the text matched against, the prompt shown (inert `Text`), the command run."""


class ChoiceProvider(Provider):
    """A provider that lists its choices once and lets Textual's matcher rank them: each subclass only says what
    its choices are, and every hit is built from `Text`, never from a markup string."""

    def _choices(self) -> Iterable[Choice]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, prompt, command in self._choices():
            yield DiscoveryHit(prompt, command, text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, prompt, command in self._choices():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, prompt, command, text=text)


class ScreenActions(ChoiceProvider):
    """Every binding active on the screen the palette was opened from, by its description, with its key and id:
    the palette is the one place where an action can be found without knowing its key."""

    def _choices(self) -> Iterator[Choice]:
        for keys, active in active_actions(self.screen.active_bindings):
            if not active.enabled or active.binding.action in _SKIPPED_ACTIONS:
                continue
            binding = active.binding
            shown = " / ".join(self.app.get_key_display(binding.with_key(key)) for key in keys)
            prompt = Text(binding.description)
            prompt.append(f"  {shown}", "bold")
            if binding.id:
                prompt.append(f"  {binding.id}", "dim")
            yield binding.description, prompt, partial(self._run, active.node, binding.action)

    async def _run(self, node: DOMNode, action: str) -> None:
        await self.app.run_action(action, node)


def active_actions(active: dict[str, ActiveBinding]) -> list[tuple[list[str], ActiveBinding]]:
    """Active bindings grouped per (node, action): `j` and `down` on the same action are one entry with two keys.
    Only bindings with a description count (Textual's own cursor keys have one; anonymous ones do nothing useful
    to list)."""
    grouped: dict[tuple[int, str], tuple[list[str], ActiveBinding]] = {}
    for key, binding in active.items():
        if not binding.binding.description:
            continue
        slot = (id(binding.node), binding.binding.action)
        if slot not in grouped:
            grouped[slot] = ([key], binding)
            continue
        keys, shown = grouped[slot]
        keys.append(key)
        if binding.binding.id and not shown.binding.id:  # ours (configurable) over Textual's anonymous twin
            grouped[slot] = (keys, binding)
    return list(grouped.values())


@runtime_checkable
class FileIndex(Protocol):
    """What a screen offers to be jumped around in by file (the review screen)."""

    def file_paths(self) -> list[str]: ...

    def jump_to_file(self, index: int) -> None: ...


class FileJumps(ChoiceProvider):
    """`Jump to file: <path>` for every file of the change on screen (nothing on screens without files)."""

    def _choices(self) -> list[Choice]:
        screen = self.screen
        if not isinstance(screen, FileIndex):
            return []
        choices: list[Choice] = []
        for index, path in enumerate(screen.file_paths()):
            prompt = Text("Jump to file: ")
            prompt.append_text(safe_text(path, "bold"))
            choices.append((f"Jump to file: {path}", prompt, partial(screen.jump_to_file, index)))
        return choices


_PREFIX = "Switch reviewer"


@runtime_checkable
class Filterable(Protocol):
    """What a screen offers to be narrowed by filter terms (the queue)."""

    def filter_suggestions(self) -> list[str]: ...

    def apply_filter(self, query: str) -> None: ...


class FilterCommands(ChoiceProvider):
    """`Filter queue: system:payments`, `severity:high`, `status:awaiting`… for the values in the queue on screen."""

    def _choices(self) -> list[Choice]:
        screen = self.screen
        if not isinstance(screen, Filterable):
            return []
        choices: list[Choice] = []
        for term in screen.filter_suggestions():
            prompt = Text("Filter queue: ")
            prompt.append_text(safe_text(term, "bold"))
            choices.append((f"Filter queue: {term}", prompt, partial(screen.apply_filter, term)))
        return choices


@runtime_checkable
class ReviewerDesk(Protocol):
    """What the provider needs from the app (kept structural so this module does not import the app)."""

    session: Session
    pair: bool

    def switch_reviewer(self, index: int) -> None: ...


class ReviewerCommands(ChoiceProvider):
    """`Switch reviewer: <who>` for every other available signing key, so pair reviewers can take turns.

    Names come from allowed_signers or key comments, so hits are built as Rich `Text` (never palette markup).
    """

    def _choices(self) -> list[Choice]:
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
        choices: list[Choice] = []
        for index, identity in enumerate(session.identities):
            if index == session.active_index:
                continue
            text = f"{_PREFIX}: {session.name(identity)}"
            detail = f"{identity.key.path} · {identity.fingerprint} · from {identity.source}"
            choices.append((text, _prompt(text, detail), partial(app.switch_reviewer, index)))
        return choices


def _prompt(text: str, detail: str) -> Text:
    """The hit as the palette shows it: the command, and on a second line which key it means (all inert)."""
    out = Text()
    out.append_text(safe_text(text))
    out.append("\n")
    out.append_text(safe_text(detail, "dim"))
    return out
