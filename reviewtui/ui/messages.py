"""Messages the app sends to every screen in its stack."""

from __future__ import annotations

from textual.message import Message


class ReviewerChanged(Message):
    """The active reviewer changed, or the reviewers' keys were found; handled by `on_reviewer_changed`.

    Screens follow the reviewer rather than own it: the review screen moves the clock, coverage and
    acknowledgements over to the new reviewer, the queue screen shows who is at the keyboard.
    """
