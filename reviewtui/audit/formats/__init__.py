"""Renderers of the audit report dictionary: terminal table, CSV, Markdown, self-contained HTML."""
