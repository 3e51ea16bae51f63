"""The cast of the demo shop: its developers and the bot identities that agents commit as.

Identities are fixed so every build yields the same commit shas, and the bot identities use the exact
name and e-mail shapes the real tools write, because the core's provenance detection keys off them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class Person:
    """A git identity plus the UTC offset its commits are stamped with."""

    name: str
    email: str
    utc_offset_minutes: int = 0

    @property
    def ident(self) -> str:
        return f"{self.name} <{self.email}>"

    def timestamp(self, moment: datetime) -> str:
        """Render `moment` in this person's zone, since real histories mix offsets and parsers must cope."""
        zone = timezone(timedelta(minutes=self.utc_offset_minutes))
        return moment.astimezone(zone).isoformat()


PRIYA = Person("Priya Raman", "priya@shop.example", 0)
MARCUS = Person("Marcus Webb", "marcus@shop.example", -300)
SAM = Person("Sam Lee", "sam@shop.example", 60)
ELENA = Person("Elena Petrova", "elena@shop.example", 120)
TOMAS = Person("Tomás Ortega", "tomas@shop.example", 60)

COPILOT = Person("Copilot", "198982749+Copilot@users.noreply.github.com")
DEVIN = Person("devin-ai-integration[bot]", "158243242+devin-ai-integration[bot]@users.noreply.github.com")
SAM_VIA_AIDER = Person("Sam Lee (aider)", "sam@shop.example", 60)
