"""Errors a user can act on. The CLI prints them as one line and exits 2; anything else is a bug."""

from __future__ import annotations


class ReviewtuiError(Exception):
    """A problem with the user's input or environment, phrased so the message alone says what and where."""

    exit_code = 2


class GitError(ReviewtuiError):
    """git refused or failed; the message carries git's own first line of complaint."""


class ConfigError(ReviewtuiError):
    """A configuration file is unreadable or invalid; the message names the file and the key."""


class PatchError(ReviewtuiError):
    """A patch file cannot be read or parsed; the message names the file."""


class UnrelatedHistoryError(ReviewtuiError):
    """A ref has no common ancestor with the base: it is reported and skipped, not fatal to the queue."""
