"""Allows `python -m reviewtui`, for environments where the console script is not on PATH."""

from reviewtui.cli import main

raise SystemExit(main())
