"""The inventory service: stock levels and reservations."""

from __future__ import annotations

STOCK = r'''"""Stock levels and short-lived reservations.

A reservation holds units between "place order" and "payment captured"; without it two customers can
both buy the last unit and one of them gets an apology e-mail instead of a parcel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

HOLD = timedelta(minutes=15)


@dataclass(frozen=True)
class Reservation:
    order_id: str
    sku: str
    quantity: int
    expires_at: datetime


class StockLedger:
    """On-hand counts per SKU plus the reservations held against them."""

    def __init__(self, on_hand: dict[str, int]) -> None:
        self._on_hand = dict(on_hand)
        self._reservations: list[Reservation] = []

    def available(self, sku: str) -> int:
        held = sum(r.quantity for r in self._reservations if r.sku == sku)
        return self._on_hand.get(sku, 0) - held

    def reserve(self, sku: str, quantity: int, order_id: str, now: datetime | None = None) -> bool:
        """Hold units for the order; returns False, holding nothing, if there are not enough."""
        if quantity > self.available(sku):
            return False
        now = now or datetime.now(timezone.utc)
        self._reservations.append(Reservation(order_id, sku, quantity, now + HOLD))
        return True

    def release(self, order_id: str) -> None:
        self._reservations = [r for r in self._reservations if r.order_id != order_id]

    def commit(self, order_id: str) -> None:
        """Payment went through: the held units leave the shelf for good."""
        for reservation in [r for r in self._reservations if r.order_id == order_id]:
            self._on_hand[reservation.sku] -= reservation.quantity
        self.release(order_id)
'''

STOCK_TESTS = r"""from stock import StockLedger


def test_reservations_reduce_availability():
    ledger = StockLedger({"MUG-001": 3})
    assert ledger.reserve("MUG-001", 2, "ord-1")
    assert ledger.available("MUG-001") == 1


def test_cannot_reserve_more_than_available():
    ledger = StockLedger({"MUG-001": 1})
    assert ledger.reserve("MUG-001", 1, "ord-1")
    assert not ledger.reserve("MUG-001", 1, "ord-2")


def test_release_returns_units_to_sale():
    ledger = StockLedger({"MUG-001": 1})
    ledger.reserve("MUG-001", 1, "ord-1")
    ledger.release("ord-1")
    assert ledger.available("MUG-001") == 1


def test_commit_removes_units_from_on_hand():
    ledger = StockLedger({"MUG-001": 5})
    ledger.reserve("MUG-001", 2, "ord-1")
    ledger.commit("ord-1")
    assert ledger.available("MUG-001") == 3
"""

# cursor/low-stock-alerts (merged)
LOW_STOCK_OLD = """    def commit(self, order_id: str) -> None:
"""
LOW_STOCK_NEW = '''    def low_stock(self, threshold: int = 5) -> list[str]:
        """SKUs at or below `threshold` available units, for the buyers' morning report."""
        return sorted(sku for sku in self._on_hand if self.available(sku) <= threshold)

    def commit(self, order_id: str) -> None:
'''
LOW_STOCK_TESTS = r"""

def test_low_stock_counts_reserved_units_as_gone():
    ledger = StockLedger({"MUG-001": 6, "TEAPOT-02": 40, "SOCK-RED": 0})
    ledger.reserve("MUG-001", 2, "ord-1")
    assert ledger.low_stock() == ["MUG-001", "SOCK-RED"]
"""
