"""Texts of the demo shop's files, one module per system.

Each module holds the files as they first appear plus the snippets later commits edit, so the history
and the pending changes can be read next to the code they touch.
"""
