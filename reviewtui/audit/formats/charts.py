"""Inline SVG bar charts: no script, no network, readable in any browser and in a saved e-mail."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def bars(title: str, items: Sequence[tuple[str, float]], *, unit: str = "") -> str:
    """Horizontal bars, one per (label, value); labels are escaped here."""
    if not items:
        return f'<figure class="chart"><figcaption>{escape(title)}</figcaption><p>No data.</p></figure>'
    top = max(value for _, value in items) or 1.0
    row, label_w, bar_w = 22, 190, 360
    parts = [f'<svg role="img" aria-label="{escape(title)}" width="{label_w + bar_w + 70}" '
             f'height="{row * len(items) + 8}" xmlns="http://www.w3.org/2000/svg">']
    for n, (label, value) in enumerate(items):
        y = n * row + 4
        width = max(1.0, bar_w * value / top) if value else 0.0
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label[:32])}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{width:.1f}" height="{row - 6}" class="bar"/>'
                     f'<text x="{label_w + width + 4:.1f}" y="{y + 14}">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return f'<figure class="chart"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>'
