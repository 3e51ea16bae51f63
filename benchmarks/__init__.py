"""Benchmarks of reviewtui against git itself (`python -m benchmarks`); not part of the test suite."""
