"""reviewtui: review the queue of AI-generated changes from the terminal.

The package root stays import-light on purpose: the CLI, CI jobs and audits import the core without paying for
(or depending on) the Textual UI.
"""

__version__ = "0.1.0"
