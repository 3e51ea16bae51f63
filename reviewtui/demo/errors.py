"""The one exception the demo builder raises for its own failures."""

from __future__ import annotations

from reviewtui.errors import ReviewtuiError


class DemoBuildError(ReviewtuiError):
    """The demo could not be built as specified (for example, ssh-keygen is missing or git failed).

    Raised instead of letting a half-built repository through: tests and screenshots compare commit
    shas across builds, so a build that silently differs is worse than one that stops. It is a
    `ReviewtuiError` so the CLI reports it as one line instead of a traceback.
    """
