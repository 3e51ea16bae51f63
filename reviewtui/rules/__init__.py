"""Deterministic reliability rules: packs of rules, the checks behind them, and the engine that applies them.

Pipeline: `pack` reads TOML packs (built-in, central, repo-local at the change's base) into `Rule`s; `ruleset`
compiles them once and computes their digest; `engine` scans a change and yields `Finding`s anchored to diff
lines; `sarif` imports findings from other scanners and exports ours.
"""
