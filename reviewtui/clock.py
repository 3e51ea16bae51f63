"""Human-sized ages ("3d", "5h"), shared by the CLI table and the TUI so both say the same thing."""

from __future__ import annotations

from datetime import UTC, datetime


def age_label(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return "-"
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
