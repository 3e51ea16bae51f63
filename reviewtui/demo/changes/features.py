"""Ordinary feature and bug-fix changes of various sizes, agent-written and human."""

from __future__ import annotations

from reviewtui.demo.operations import Edit, Write
from reviewtui.demo.people import PRIYA, SAM, TOMAS
from reviewtui.demo.provenance import codex, copilot_assisted, devin, human
from reviewtui.demo.recipes import ChangeRecipe

CHECKOUT = "services/checkout"
INVENTORY = "services/inventory"

GIFT_CARDS_MODULE = r'''"""Gift cards: balances that pay for all or part of an order.

Codes are 16 digits with a Luhn check digit, so a mistyped code is rejected before any lookup and
guessing valid codes through the redemption form is ten times slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CODE_LENGTH = 16


class GiftCardError(Exception):
    """The card cannot be used; the message is safe to show to the customer."""


def normalise(code: str) -> str:
    return code.replace(" ", "").replace("-", "")


def luhn_valid(code: str) -> bool:
    if len(code) != CODE_LENGTH or not code.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(code)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


@dataclass
class GiftCard:
    code: str
    balance: Decimal
    frozen: bool = False


class GiftCardLedger:
    """Balances by code. Redemption takes what it can and reports it, so a card can part-pay."""

    def __init__(self, cards: list[GiftCard]) -> None:
        self._cards = {card.code: card for card in cards}

    def lookup(self, code: str) -> GiftCard:
        code = normalise(code)
        if not luhn_valid(code):
            raise GiftCardError("That gift card number is not valid.")
        card = self._cards.get(code)
        if card is None:
            raise GiftCardError("We could not find that gift card.")
        if card.frozen:
            raise GiftCardError("This gift card is frozen; please contact support.")
        return card

    def redeem(self, code: str, amount: Decimal) -> Decimal:
        """Take up to `amount` from the card and return what was taken."""
        card = self.lookup(code)
        taken = min(card.balance, amount)
        card.balance -= taken
        return taken

    def restore(self, code: str, amount: Decimal) -> None:
        """Give back a redemption whose order failed; frozen cards get their balance back too."""
        self._cards[normalise(code)].balance += amount
'''

GIFT_CARDS_TESTS = r"""from decimal import Decimal

import pytest
from giftcards import GiftCard, GiftCardError, GiftCardLedger, luhn_valid

VALID = "6035710042190835"


def ledger(balance="25.00", frozen=False):
    return GiftCardLedger([GiftCard(VALID, Decimal(balance), frozen)])


def test_luhn_rejects_a_single_wrong_digit():
    assert luhn_valid(VALID)
    assert not luhn_valid(VALID[:-1] + "6")


def test_codes_may_be_typed_with_spaces():
    assert ledger().lookup("6035 7100 4219 0835").balance == Decimal("25.00")


def test_redeem_takes_at_most_the_balance():
    cards = ledger("25.00")
    assert cards.redeem(VALID, Decimal("40.00")) == Decimal("25.00")
    assert cards.lookup(VALID).balance == Decimal("0.00")


def test_frozen_cards_are_refused():
    with pytest.raises(GiftCardError, match="frozen"):
        ledger(frozen=True).redeem(VALID, Decimal("5.00"))


def test_restore_gives_the_balance_back():
    cards = ledger("25.00")
    cards.redeem(VALID, Decimal("10.00"))
    cards.restore(VALID, Decimal("10.00"))
    assert cards.lookup(VALID).balance == Decimal("25.00")
"""

ORDERS = f"{CHECKOUT}/orders.py"

GIFT_CARD_TABLES = """CREATE TABLE gift_cards (
    code        char(16) PRIMARY KEY,
    balance     numeric(10, 2) NOT NULL CHECK (balance >= 0),
    frozen      boolean NOT NULL DEFAULT false,
    issued_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gift_card_redemptions (
    code        char(16) NOT NULL REFERENCES gift_cards (code),
    order_id    text NOT NULL REFERENCES orders (order_id),
    amount      numeric(10, 2) NOT NULL CHECK (amount > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, order_id)
);
"""

GIFT_CARDS = ChangeRecipe(
    "kiro/gift-cards",
    "Feature (3 commits, ~140 lines): gift cards in checkout, orders and a migration; kiro/ prefix only",
    (
        human(
            "Add gift card redemption to checkout\n\n"
            "Gift cards go on sale for the holidays. This adds the ledger: Luhn-checked 16-digit codes,\n"
            "partial redemption, freezing for fraud, and restoring a balance when an order fails.",
            PRIYA,
            Write(f"{CHECKOUT}/giftcards.py", GIFT_CARDS_MODULE),
            Write(f"{CHECKOUT}/tests/test_giftcards.py", GIFT_CARDS_TESTS),
        ),
        human(
            "Let gift cards pay for orders\n\n"
            "place_order() redeems the gift card before capturing the card payment and only captures the\n"
            "remainder; an order fully covered by a gift card skips the capture. If stock or payment\n"
            "fails afterwards the redemption is restored.",
            PRIYA,
            Edit(ORDERS, "from cart import Cart\n", "from cart import Cart\nfrom giftcards import GiftCardLedger\n"),
            Edit(
                ORDERS,
                '    tax_rate: Decimal = Decimal("0"),\n) -> Order:\n',
                '    tax_rate: Decimal = Decimal("0"),\n'
                "    gift_cards: GiftCardLedger | None = None,\n"
                "    gift_card_code: str | None = None,\n"
                ") -> Order:\n",
            ),
            Edit(
                ORDERS,
                "    total = cart.total(tax_rate)\n"
                "    if not payments.capture(order_id, total, card_token):\n"
                "        inventory.release(order_id)\n",
                "    total = cart.total(tax_rate)\n"
                '    from_gift_card = Decimal("0.00")\n'
                "    if gift_cards is not None and gift_card_code:\n"
                "        from_gift_card = gift_cards.redeem(gift_card_code, total)\n"
                "    due = total - from_gift_card\n"
                "    if due > 0 and not payments.capture(order_id, due, card_token):\n"
                "        inventory.release(order_id)\n"
                "        if from_gift_card and gift_cards is not None and gift_card_code:\n"
                "            gift_cards.restore(gift_card_code, from_gift_card)\n",
            ),
            Edit(
                f"{CHECKOUT}/tests/test_orders.py",
                "from cart import Cart\n",
                "from cart import Cart\nfrom giftcards import GiftCard, GiftCardLedger\n",
            ),
            Edit(
                f"{CHECKOUT}/tests/test_orders.py",
                "def test_empty_cart_is_refused():\n",
                "def test_gift_card_pays_first_and_card_pays_the_rest():\n"
                '    cards = GiftCardLedger([GiftCard("6035710042190835", Decimal("10.00"))])\n'
                "    payments = FakePayments()\n"
                "    place_order(\n"
                '        cart_with("MUG-001"), "cust-1", "tok", FakeInventory({"MUG-001": 1}), payments,\n'
                '        gift_cards=cards, gift_card_code="6035710042190835",\n'
                "    )\n"
                '    assert payments.captured == [Decimal("4.95")]\n\n\n'
                "def test_empty_cart_is_refused():\n",
            ),
        ),
        human(
            "Add gift card tables\n\n"
            "Redemptions are keyed by card and order so a retried placement cannot redeem twice.",
            PRIYA,
            Write("db/migrations/0007_gift_cards.sql", GIFT_CARD_TABLES),
        ),
    ),
)

ORDER_HISTORY_MODULE = r'''"""Customers' past orders, newest first, for the account page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from permissions import User, can_view_order


@dataclass(frozen=True)
class OrderSummary:
    order_id: str
    customer_id: str
    total: Decimal
    status: str
    placed_at: datetime


def order_history(
    viewer: User, customer_id: str, orders: Iterable[OrderSummary], limit: int = 20
) -> list[OrderSummary]:
    """The customer's orders, newest first; the permission check is here so no endpoint can skip it."""
    if not can_view_order(viewer, customer_id):
        raise PermissionError(f"{viewer.user_id} may not see the orders of {customer_id}")
    own = [order for order in orders if order.customer_id == customer_id]
    return sorted(own, key=lambda order: order.placed_at, reverse=True)[:limit]
'''

ORDER_HISTORY_TESTS = r"""from datetime import datetime
from decimal import Decimal

import pytest
from order_history import OrderSummary, order_history
from permissions import User

ORDERS = [
    OrderSummary("o1", "cust-a", Decimal("10.00"), "placed", datetime(2026, 10, 1)),
    OrderSummary("o2", "cust-b", Decimal("20.00"), "placed", datetime(2026, 10, 2)),
    OrderSummary("o3", "cust-a", Decimal("30.00"), "shipped", datetime(2026, 10, 3)),
]


def test_history_is_newest_first_and_only_the_customers_own():
    history = order_history(User("cust-a", "customer"), "cust-a", ORDERS)
    assert [order.order_id for order in history] == ["o3", "o1"]


def test_customers_cannot_read_someone_elses_history():
    with pytest.raises(PermissionError):
        order_history(User("cust-b", "customer"), "cust-a", ORDERS)
"""

ORDER_HISTORY = ChangeRecipe(
    "pr/107",
    "Human-only feature (2 commits): customer order history with pagination (no AI signal)",
    (
        human(
            "Add order history lookup for customers\n\n"
            "The account page needs past orders. order_history() does the permission check itself so no\n"
            "endpoint can forget it, and returns the newest orders first.",
            PRIYA,
            Write(f"{CHECKOUT}/order_history.py", ORDER_HISTORY_MODULE),
            Write(f"{CHECKOUT}/tests/test_order_history.py", ORDER_HISTORY_TESTS),
        ),
        human(
            "Paginate order history with a cursor\n\n"
            "Offsets skip or repeat orders when one is placed while the customer pages; a placed_at\n"
            "cursor does not.",
            PRIYA,
            Edit(
                f"{CHECKOUT}/order_history.py",
                "    viewer: User, customer_id: str, orders: Iterable[OrderSummary], limit: int = 20\n",
                "    viewer: User,\n"
                "    customer_id: str,\n"
                "    orders: Iterable[OrderSummary],\n"
                "    limit: int = 20,\n"
                "    before: datetime | None = None,\n",
            ),
            Edit(
                f"{CHECKOUT}/order_history.py",
                "    own = [order for order in orders if order.customer_id == customer_id]\n",
                "    own = [\n"
                "        order\n"
                "        for order in orders\n"
                "        if order.customer_id == customer_id and (before is None or order.placed_at < before)\n"
                "    ]\n",
            ),
            Edit(
                f"{CHECKOUT}/tests/test_order_history.py",
                "def test_customers_cannot_read",
                "def test_cursor_returns_the_next_page():\n"
                '    history = order_history(User("cust-a", "customer"), "cust-a", ORDERS, '
                "before=datetime(2026, 10, 3))\n"
                '    assert [order.order_id for order in history] == ["o1"]\n\n\n'
                "def test_customers_cannot_read",
            ),
        ),
    ),
)

STEPPER = """const MAX_QUANTITY = 20; // mirrors MAX_QUANTITY_PER_SKU in services/checkout/cart.py

function stepper(root: HTMLElement, sku: string, quantity: number): HTMLElement {
  const group = document.createElement("span");
  group.className = "stepper";
  const change = (delta: number) => async () => renderCart(root, await setQuantity(sku, quantity + delta));
  const fewer = document.createElement("button");
  fewer.textContent = "−";
  fewer.disabled = quantity <= 1;
  fewer.setAttribute("aria-label", `One fewer ${sku}`);
  fewer.addEventListener("click", change(-1));
  const more = document.createElement("button");
  more.textContent = "+";
  more.disabled = quantity >= MAX_QUANTITY;
  more.setAttribute("aria-label", `One more ${sku}`);
  more.addEventListener("click", change(1));
  group.append(fewer, more);
  return group;
}

"""

QUANTITY_STEPPER = ChangeRecipe(
    "pr/108",
    "Feature on the cart page (web/cart, tier 1 via checkout) with an 'Assisted-by: GitHub Copilot' trailer",
    (
        copilot_assisted(
            "Add quantity stepper to the cart page\n\n"
            "Changing a quantity meant removing the line and adding it again from the product page. Each\n"
            "line now has − and + buttons; they disable at 1 and at the checkout cap of 20.",
            TOMAS,
            Edit(
                "web/src/api.ts",
                "export const removeLine = ",
                "export const setQuantity = (sku: string, quantity: number): Promise<CartView> =>\n"
                "  request<CartView>(`/cart/lines/${encodeURIComponent(sku)}`, {\n"
                '    method: "PATCH",\n'
                "    body: JSON.stringify({ quantity }),\n"
                "  });\n\n"
                "export const removeLine = ",
            ),
            Edit("web/cart/cart.ts", "removeLine, type CartView", "removeLine, setQuantity, type CartView"),
            Edit("web/cart/cart.ts", "function updateBadge(", STEPPER + "function updateBadge("),
            Edit(
                "web/cart/cart.ts",
                '    const remove = document.createElement("button");\n',
                "    row.append(stepper(root, line.sku, line.quantity));\n"
                '    const remove = document.createElement("button");\n',
            ),
            Edit(
                "web/cart/cart.test.ts",
                '    expect(root.querySelector(".cart-total")?.textContent).toBe("Total £29.95");\n  });\n',
                '    expect(root.querySelector(".cart-total")?.textContent).toBe("Total £29.95");\n  });\n\n'
                '  it("disables the minus button at quantity 1", () => {\n'
                '    const root = document.createElement("ul");\n'
                "    renderCart(root, { ...cart, lines: [{ ...cart.lines[0], quantity: 1 }] });\n"
                '    const fewer = root.querySelector<HTMLButtonElement>(".stepper button");\n'
                "    expect(fewer?.disabled).toBe(true);\n"
                "  });\n",
            ),
        ),
    ),
)

STOCK = f"{INVENTORY}/stock.py"

INVENTORY_WORKER = r'''"""Periodic housekeeping for the inventory service."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from stock import StockLedger

logger = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 60


def sweep_once(ledger: StockLedger, cancel_order: Callable[[str], None]) -> int:
    """Release expired holds and cancel their orders; returns how many orders were cancelled."""
    expired = ledger.release_expired()
    for order_id in expired:
        cancel_order(order_id)
    if expired:
        logger.info("released reservations of %d abandoned orders", len(expired))
    return len(expired)


def run_forever(
    ledger: StockLedger, cancel_order: Callable[[str], None], sleep: Callable[[float], None] = time.sleep
) -> None:
    while True:
        sweep_once(ledger, cancel_order)
        sleep(SWEEP_INTERVAL_SECONDS)
'''

EXPIRE_RESERVATIONS = ChangeRecipe(
    "pr/111",
    "Feature (2 commits): expire stale stock reservations, plus a new worker module; Devin bot author",
    (
        devin(
            "Release expired stock reservations\n\n"
            "Reservations carry an expiry but nothing ever released them, so abandoned checkouts kept\n"
            "units off sale until the next deploy restarted the service. release_expired() drops holds\n"
            "whose time is up and returns their order ids so checkout can cancel those orders.",
            SAM,
            Edit(
                STOCK,
                "    def release(self, order_id: str) -> None:\n",
                "    def release_expired(self, now: datetime | None = None) -> list[str]:\n"
                '        """Drop holds whose time is up; returns their order ids so the orders can be cancelled."""\n'
                "        now = now or datetime.now(timezone.utc)\n"
                "        expired = sorted({r.order_id for r in self._reservations if r.expires_at <= now})\n"
                "        self._reservations = [r for r in self._reservations if r.expires_at > now]\n"
                "        return expired\n\n"
                "    def release(self, order_id: str) -> None:\n",
            ),
            Edit(
                f"{INVENTORY}/tests/test_stock.py",
                "from stock import StockLedger\n",
                "from datetime import datetime, timedelta, timezone\n\nfrom stock import HOLD, StockLedger\n",
            ),
            Edit(
                f"{INVENTORY}/tests/test_stock.py",
                "def test_commit_removes_units_from_on_hand():\n",
                "def test_expired_reservations_are_released():\n"
                "    start = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)\n"
                '    ledger = StockLedger({"MUG-001": 2})\n'
                '    ledger.reserve("MUG-001", 1, "ord-old", now=start)\n'
                '    ledger.reserve("MUG-001", 1, "ord-new", now=start + timedelta(minutes=10))\n'
                '    assert ledger.release_expired(now=start + HOLD) == ["ord-old"]\n'
                '    assert ledger.available("MUG-001") == 1\n\n\n'
                "def test_commit_removes_units_from_on_hand():\n",
            ),
        ),
        devin(
            "Run reservation expiry from the inventory worker\n\n"
            "Adds a sweep that runs every minute and cancels the orders whose holds expired.",
            SAM,
            Write(f"{INVENTORY}/worker.py", INVENTORY_WORKER),
        ),
    ),
)

FREE_SHIPPING_FIX = ChangeRecipe(
    "codex/free-shipping-after-discount",
    "Small bug fix in cart shipping with a regression test; Codex trailer on a codex/ branch",
    (
        codex(
            "Apply the free-shipping threshold after discounts\n\n"
            'Free shipping is advertised as "on orders over £50", which finance reads as the amount paid\n'
            "for goods. shipping() compared the pre-discount subtotal, so a £52 basket with WELCOME10\n"
            "(£46.80 after the discount) shipped free. The threshold now applies to the discounted\n"
            "subtotal.",
            PRIYA,
            Edit(
                f"{CHECKOUT}/cart.py",
                "        if not self.items or self.subtotal() >= FREE_SHIPPING_THRESHOLD:\n",
                "        if not self.items or self.subtotal() - self.discount() >= FREE_SHIPPING_THRESHOLD:\n",
            ),
            Edit(
                f"{CHECKOUT}/tests/test_cart.py",
                "def test_unknown_discount_code_is_ignored():\n",
                "def test_free_shipping_threshold_applies_after_discount():\n"
                '    cart = Cart(discount_code="WELCOME10")\n'
                '    cart.add("KETTLE-01", Decimal("52.00"))\n'
                "    assert cart.shipping() == FLAT_SHIPPING\n\n\n"
                "def test_unknown_discount_code_is_ignored():\n",
            ),
        ),
    ),
)

FEATURES = (GIFT_CARDS, ORDER_HISTORY, QUANTITY_STEPPER, EXPIRE_RESERVATIONS, FREE_SHIPPING_FIX)
