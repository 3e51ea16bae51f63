"""The checkout service: cart arithmetic, order placement and order permissions."""

from __future__ import annotations

CART_V1 = r'''"""Cart arithmetic for the checkout service."""

from __future__ import annotations

from dataclasses import dataclass, field

FREE_SHIPPING_THRESHOLD = 50.00
FLAT_SHIPPING = 4.95


@dataclass(frozen=True)
class LineItem:
    """One SKU in the cart; quantity is always positive."""

    sku: str
    unit_price: float
    quantity: int

    @property
    def subtotal(self) -> float:
        return self.unit_price * self.quantity


@dataclass
class Cart:
    """A customer's cart before an order is placed."""

    items: list[LineItem] = field(default_factory=list)

    def add(self, sku: str, unit_price: float, quantity: int = 1) -> None:
        for index, item in enumerate(self.items):
            if item.sku == sku:
                self.items[index] = LineItem(sku, unit_price, item.quantity + quantity)
                return
        self.items.append(LineItem(sku, unit_price, quantity))

    def remove(self, sku: str) -> None:
        self.items = [item for item in self.items if item.sku != sku]

    def subtotal(self) -> float:
        return sum(item.subtotal for item in self.items)

    def shipping(self) -> float:
        if not self.items or self.subtotal() >= FREE_SHIPPING_THRESHOLD:
            return 0.0
        return FLAT_SHIPPING

    def total(self, tax_rate: float = 0.0) -> float:
        """Subtotal plus tax plus shipping, rounded to cents."""
        subtotal = self.subtotal()
        return round(subtotal + subtotal * tax_rate + self.shipping(), 2)
'''

CART_TESTS_V1 = r"""from cart import FLAT_SHIPPING, Cart


def test_empty_cart_costs_nothing():
    assert Cart().total() == 0


def test_adding_the_same_sku_merges_lines():
    cart = Cart()
    cart.add("MUG-001", 12.50)
    cart.add("MUG-001", 12.50, quantity=2)
    assert len(cart.items) == 1
    assert cart.items[0].quantity == 3


def test_small_orders_pay_flat_shipping():
    cart = Cart()
    cart.add("SOCK-RED", 9.00)
    assert cart.shipping() == FLAT_SHIPPING
    assert cart.total() == 13.95


def test_free_shipping_over_threshold():
    cart = Cart()
    cart.add("KETTLE-01", 64.00)
    assert cart.shipping() == 0
    assert cart.total() == 64.00
"""

CART_V2 = r'''"""Cart arithmetic for the checkout service.

Money is Decimal end to end: with floats, round() turned 18.075 into 18.07 while the payment gateway
computed 18.08, and the gateway rejects captures that differ from the authorised amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FREE_SHIPPING_THRESHOLD = Decimal("50.00")
FLAT_SHIPPING = Decimal("4.95")


def to_cents(amount: Decimal) -> Decimal:
    """Round half-up like the gateway does; Decimal's default is banker's rounding."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineItem:
    """One SKU in the cart; quantity is always positive."""

    sku: str
    unit_price: Decimal
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class Cart:
    """A customer's cart before an order is placed."""

    items: list[LineItem] = field(default_factory=list)

    def add(self, sku: str, unit_price: Decimal, quantity: int = 1) -> None:
        for index, item in enumerate(self.items):
            if item.sku == sku:
                self.items[index] = LineItem(sku, unit_price, item.quantity + quantity)
                return
        self.items.append(LineItem(sku, unit_price, quantity))

    def remove(self, sku: str) -> None:
        self.items = [item for item in self.items if item.sku != sku]

    def subtotal(self) -> Decimal:
        return sum((item.subtotal for item in self.items), Decimal("0.00"))

    def shipping(self) -> Decimal:
        if not self.items or self.subtotal() >= FREE_SHIPPING_THRESHOLD:
            return Decimal("0.00")
        return FLAT_SHIPPING

    def total(self, tax_rate: Decimal = Decimal("0")) -> Decimal:
        """Subtotal plus tax plus shipping; shipping is not taxed."""
        subtotal = self.subtotal()
        return to_cents(subtotal + to_cents(subtotal * tax_rate) + self.shipping())
'''

CART_TESTS_V2 = r"""from decimal import Decimal

from cart import FLAT_SHIPPING, Cart


def test_empty_cart_costs_nothing():
    assert Cart().total() == Decimal("0.00")


def test_adding_the_same_sku_merges_lines():
    cart = Cart()
    cart.add("MUG-001", Decimal("12.50"))
    cart.add("MUG-001", Decimal("12.50"), quantity=2)
    assert len(cart.items) == 1
    assert cart.items[0].quantity == 3


def test_small_orders_pay_flat_shipping():
    cart = Cart()
    cart.add("SOCK-RED", Decimal("9.00"))
    assert cart.shipping() == FLAT_SHIPPING
    assert cart.total() == Decimal("13.95")


def test_free_shipping_over_threshold():
    cart = Cart()
    cart.add("KETTLE-01", Decimal("64.00"))
    assert cart.shipping() == Decimal("0.00")
    assert cart.total() == Decimal("64.00")


def test_total_rounds_half_up_like_the_gateway():
    # 12.50 + 0.625 tax + 4.95 shipping = 18.075; the float version produced 18.07.
    cart = Cart()
    cart.add("MUG-001", Decimal("12.50"))
    assert cart.total(tax_rate=Decimal("0.05")) == Decimal("18.08")
"""

# "Apply discount codes before tax"
DISCOUNT_CONSTANTS_OLD = """FLAT_SHIPPING = Decimal("4.95")
"""
DISCOUNT_CONSTANTS_NEW = """FLAT_SHIPPING = Decimal("4.95")

# Marketing owns these; rates are fractions of the pre-tax subtotal.
DISCOUNT_CODES: dict[str, Decimal] = {
    "WELCOME10": Decimal("0.10"),
    "AUTUMN15": Decimal("0.15"),
    "STAFF25": Decimal("0.25"),
}
"""
DISCOUNT_FIELD_OLD = """    items: list[LineItem] = field(default_factory=list)
"""
DISCOUNT_FIELD_NEW = """    items: list[LineItem] = field(default_factory=list)
    discount_code: str | None = None
"""
DISCOUNT_TOTAL_OLD = '''    def shipping(self) -> Decimal:
        if not self.items or self.subtotal() >= FREE_SHIPPING_THRESHOLD:
            return Decimal("0.00")
        return FLAT_SHIPPING

    def total(self, tax_rate: Decimal = Decimal("0")) -> Decimal:
        """Subtotal plus tax plus shipping; shipping is not taxed."""
        subtotal = self.subtotal()
        return to_cents(subtotal + to_cents(subtotal * tax_rate) + self.shipping())
'''
DISCOUNT_TOTAL_NEW = '''    def discount(self) -> Decimal:
        """Unknown codes give no discount rather than an error: the code field is free text."""
        rate = DISCOUNT_CODES.get((self.discount_code or "").upper(), Decimal("0"))
        return to_cents(self.subtotal() * rate)

    def shipping(self) -> Decimal:
        if not self.items or self.subtotal() >= FREE_SHIPPING_THRESHOLD:
            return Decimal("0.00")
        return FLAT_SHIPPING

    def total(self, tax_rate: Decimal = Decimal("0")) -> Decimal:
        """Discount first, then tax on the discounted amount, then shipping (never taxed)."""
        taxable = self.subtotal() - self.discount()
        return to_cents(taxable + to_cents(taxable * tax_rate) + self.shipping())
'''
DISCOUNT_TESTS = r"""

def test_discount_applies_before_tax():
    cart = Cart(discount_code="welcome10")
    cart.add("KETTLE-01", Decimal("64.00"))
    # 64.00 - 6.40 = 57.60 taxable; 20% tax 11.52; free shipping.
    assert cart.discount() == Decimal("6.40")
    assert cart.total(tax_rate=Decimal("0.20")) == Decimal("69.12")


def test_unknown_discount_code_is_ignored():
    cart = Cart(discount_code="FREESTUFF")
    cart.add("SOCK-RED", Decimal("9.00"))
    assert cart.discount() == Decimal("0.00")
"""

# "Validate quantities when adding to cart"
QUANTITY_CONSTANT_OLD = """FLAT_SHIPPING = Decimal("4.95")
"""
QUANTITY_CONSTANT_NEW = """FLAT_SHIPPING = Decimal("4.95")
# Resellers emptied the shelves of the autumn mugs in one order; buyers asked for a cap.
MAX_QUANTITY_PER_SKU = 20
"""
QUANTITY_ADD_OLD = """    def add(self, sku: str, unit_price: Decimal, quantity: int = 1) -> None:
        for index, item in enumerate(self.items):
            if item.sku == sku:
                self.items[index] = LineItem(sku, unit_price, item.quantity + quantity)
                return
        self.items.append(LineItem(sku, unit_price, quantity))
"""
QUANTITY_ADD_NEW = """    def add(self, sku: str, unit_price: Decimal, quantity: int = 1) -> None:
        if quantity < 1:
            raise ValueError(f"quantity must be at least 1, got {quantity}")
        for index, item in enumerate(self.items):
            if item.sku == sku:
                self.items[index] = LineItem(sku, unit_price, _capped(sku, item.quantity + quantity))
                return
        self.items.append(LineItem(sku, unit_price, _capped(sku, quantity)))
"""
QUANTITY_HELPER_OLD = """@dataclass(frozen=True)
class LineItem:
"""
QUANTITY_HELPER_NEW = """def _capped(sku: str, quantity: int) -> int:
    if quantity > MAX_QUANTITY_PER_SKU:
        raise ValueError(f"at most {MAX_QUANTITY_PER_SKU} of {sku} per order")
    return quantity


@dataclass(frozen=True)
class LineItem:
"""
QUANTITY_TESTS = r"""

def test_quantity_must_be_positive():
    with pytest.raises(ValueError):
        Cart().add("MUG-001", Decimal("12.50"), quantity=0)


def test_quantity_is_capped_per_sku_across_adds():
    cart = Cart()
    cart.add("MUG-001", Decimal("12.50"), quantity=15)
    with pytest.raises(ValueError, match="at most 20"):
        cart.add("MUG-001", Decimal("12.50"), quantity=6)
    assert cart.items[0].quantity == 15
"""

ORDERS = r'''"""Order placement: turns a cart into a placed order, a stock reservation and a payment capture.

Placement is all-or-nothing from the customer's point of view: if stock or payment fails, every
reservation made so far is released so the units go back on sale at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from cart import Cart


class OrderError(Exception):
    """The order was not placed; the message is safe to show to the customer."""


class Inventory(Protocol):
    def reserve(self, sku: str, quantity: int, order_id: str) -> bool: ...

    def release(self, order_id: str) -> None: ...


class Payments(Protocol):
    def capture(self, order_id: str, amount: Decimal, card_token: str) -> bool: ...


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    total: Decimal
    status: str


def place_order(
    cart: Cart,
    customer_id: str,
    card_token: str,
    inventory: Inventory,
    payments: Payments,
    tax_rate: Decimal = Decimal("0"),
) -> Order:
    if not cart.items:
        raise OrderError("Your cart is empty.")
    order_id = uuid.uuid4().hex
    for item in cart.items:
        if not inventory.reserve(item.sku, item.quantity, order_id):
            inventory.release(order_id)
            raise OrderError(f"Sorry, {item.sku} just sold out.")
    total = cart.total(tax_rate)
    if not payments.capture(order_id, total, card_token):
        inventory.release(order_id)
        raise OrderError("Your payment was declined; you have not been charged.")
    return Order(order_id, customer_id, total, "placed")
'''

ORDERS_TESTS = r"""from decimal import Decimal

import pytest
from cart import Cart
from orders import OrderError, place_order


class FakeInventory:
    def __init__(self, stock):
        self.stock = dict(stock)
        self.released = []

    def reserve(self, sku, quantity, order_id):
        if self.stock.get(sku, 0) < quantity:
            return False
        self.stock[sku] -= quantity
        return True

    def release(self, order_id):
        self.released.append(order_id)


class FakePayments:
    def __init__(self, approve=True):
        self.approve = approve
        self.captured = []

    def capture(self, order_id, amount, card_token):
        self.captured.append(amount)
        return self.approve


def cart_with(*skus):
    cart = Cart()
    for sku in skus:
        cart.add(sku, Decimal("10.00"))
    return cart


def test_order_is_placed_and_charged_the_cart_total():
    payments = FakePayments()
    order = place_order(cart_with("MUG-001"), "cust-1", "tok", FakeInventory({"MUG-001": 3}), payments)
    assert order.status == "placed"
    assert payments.captured == [Decimal("14.95")]


def test_out_of_stock_releases_reservations_and_charges_nothing():
    inventory = FakeInventory({"MUG-001": 1})
    payments = FakePayments()
    with pytest.raises(OrderError, match="sold out"):
        place_order(cart_with("MUG-001", "TEAPOT-02"), "cust-1", "tok", inventory, payments)
    assert len(inventory.released) == 1
    assert payments.captured == []


def test_declined_payment_releases_stock():
    inventory = FakeInventory({"MUG-001": 1})
    with pytest.raises(OrderError, match="declined"):
        place_order(cart_with("MUG-001"), "cust-1", "tok", inventory, FakePayments(approve=False))
    assert len(inventory.released) == 1


def test_empty_cart_is_refused():
    with pytest.raises(OrderError):
        place_order(Cart(), "cust-1", "tok", FakeInventory({}), FakePayments())
"""

PERMISSIONS = r'''"""Who may see or refund an order. Every order endpoint calls these before touching the order."""

from __future__ import annotations

from dataclasses import dataclass

ACCESS_LEVELS = ("customer", "support", "admin")


@dataclass(frozen=True)
class User:
    user_id: str
    access_level: str


def can_view_order(user: User, order_customer_id: str) -> bool:
    """Customers see their own orders; staff see everyone's, because they answer the phone."""
    if user.access_level in ("support", "admin"):
        return True
    return user.user_id == order_customer_id


def can_refund_order(user: User) -> bool:
    """Refunds move money, so only admins may issue them; support escalates."""
    return user.access_level == "admin"
'''

PERMISSIONS_TESTS = r"""from permissions import User, can_refund_order, can_view_order


def test_customers_see_only_their_own_orders():
    alice = User("cust-alice", "customer")
    assert can_view_order(alice, "cust-alice")
    assert not can_view_order(alice, "cust-bob")


def test_support_can_view_but_not_refund():
    agent = User("staff-7", "support")
    assert can_view_order(agent, "cust-bob")
    assert not can_refund_order(agent)


def test_admins_can_refund():
    assert can_refund_order(User("staff-1", "admin"))
"""
