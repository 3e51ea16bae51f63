from tests.approvals.conftest import _no_outside_agent, keys

__all__ = ["_no_outside_agent", "keys"]
