"""Allows `python -m reviewtui`, for environments where the console script is not on PATH."""

from reviewtui.cli import main

if __name__ == "__main__":  # not when a worker process imports it
    raise SystemExit(main())
