"""The payments service: gateway contract, capture, refunds and retries."""

from __future__ import annotations

GATEWAY = r'''"""Client-side contract for the card gateway.

Everything in payments talks to the gateway through this protocol so tests can use a fake, and so the
retry and idempotency rules live in one place instead of in every caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

DEFAULT_TIMEOUT_SECONDS = 15.0


class GatewayError(Exception):
    """The gateway failed or could not be reached; `transient` says whether retrying can help."""

    def __init__(self, message: str, *, transient: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code


class CardDeclined(GatewayError):
    """The issuer said no; retrying only adds another decline to the customer's statement."""


@dataclass(frozen=True)
class GatewayResponse:
    reference: str
    status: str
    amount: Decimal


class Gateway(Protocol):
    def capture(self, card_token: str, amount: Decimal) -> GatewayResponse: ...

    def refund(self, reference: str, amount: Decimal) -> GatewayResponse: ...
'''

CAPTURE = r'''"""Capturing card payments for placed orders.

A capture comes back as captured, declined or failed. Callers must treat anything but "captured" as
unpaid: shipping an order whose capture failed is money we never see.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from gateway import CardDeclined, Gateway, GatewayError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptureResult:
    order_id: str
    status: str
    reference: str | None = None
    decline_code: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "captured"


def capture_payment(gateway: Gateway, order_id: str, amount: Decimal, card_token: str) -> CaptureResult:
    """Capture `amount` for the order; declines and gateway failures are returned, never raised."""
    if amount <= 0:
        raise ValueError(f"capture amount must be positive, got {amount}")
    try:
        response = gateway.capture(card_token, amount)
    except CardDeclined as exc:
        logger.info("capture declined for order %s: %s", order_id, exc.code)
        return CaptureResult(order_id, "declined", decline_code=exc.code)
    except GatewayError:
        logger.exception("capture failed for order %s", order_id)
        return CaptureResult(order_id, "failed")
    return CaptureResult(order_id, "captured", reference=response.reference)
'''

CONFTEST = r'''"""A scripted stand-in for the card gateway, so payment tests never touch the network."""

from __future__ import annotations

from decimal import Decimal

import pytest
from gateway import GatewayError, GatewayResponse


class FakeGateway:
    def __init__(self) -> None:
        self.captures: list[tuple[str, Decimal]] = []
        self.refunds: list[tuple[str, Decimal]] = []
        self._failures: list[GatewayError] = []

    def fail_with(self, *errors: GatewayError) -> None:
        """Queue errors to raise, one per call, before calls succeed again."""
        self._failures.extend(errors)

    def _maybe_fail(self) -> None:
        if self._failures:
            raise self._failures.pop(0)

    def capture(self, card_token: str, amount: Decimal) -> GatewayResponse:
        self._maybe_fail()
        self.captures.append((card_token, amount))
        return GatewayResponse(f"ch_{len(self.captures):04d}", "captured", amount)

    def refund(self, reference: str, amount: Decimal) -> GatewayResponse:
        self._maybe_fail()
        self.refunds.append((reference, amount))
        return GatewayResponse(f"re_{len(self.refunds):04d}", "refunded", amount)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()
'''

CAPTURE_TESTS = r"""from decimal import Decimal

import pytest
from capture import capture_payment
from gateway import CardDeclined, GatewayError


def test_successful_capture_returns_the_reference(gateway):
    result = capture_payment(gateway, "ord-1", Decimal("18.08"), "tok_visa")
    assert result.ok
    assert result.reference == "ch_0001"
    assert gateway.captures == [("tok_visa", Decimal("18.08"))]


def test_decline_is_reported_not_raised(gateway):
    gateway.fail_with(CardDeclined("insufficient funds", code="51"))
    result = capture_payment(gateway, "ord-2", Decimal("5.00"), "tok_visa")
    assert result.status == "declined"
    assert result.decline_code == "51"
    assert not result.ok


def test_gateway_error_is_a_failed_capture(gateway):
    gateway.fail_with(GatewayError("bad gateway"))
    result = capture_payment(gateway, "ord-3", Decimal("5.00"), "tok_visa")
    assert result.status == "failed"
    assert result.reference is None
    assert not result.ok


def test_non_positive_amounts_are_refused(gateway):
    with pytest.raises(ValueError):
        capture_payment(gateway, "ord-4", Decimal("0"), "tok_visa")
    assert gateway.captures == []
"""

REFUNDS = r'''"""Refunding captured payments, fully or in parts.

Support issues partial refunds for damaged items, so one capture can see several refunds; the sum must
never exceed what was captured, whatever order the requests arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gateway import Gateway


class RefundError(Exception):
    pass


@dataclass(frozen=True)
class RefundResult:
    reference: str
    refunded: Decimal
    remaining: Decimal


def refund_payment(
    gateway: Gateway, reference: str, captured: Decimal, already_refunded: Decimal, amount: Decimal
) -> RefundResult:
    if amount <= 0:
        raise RefundError(f"refund amount must be positive, got {amount}")
    remaining = captured - already_refunded
    if amount > remaining:
        raise RefundError(f"cannot refund {amount}: only {remaining} of {captured} is left")
    gateway.refund(reference, amount)
    return RefundResult(reference, amount, remaining - amount)
'''

REFUNDS_TESTS = r"""from decimal import Decimal

import pytest
from refunds import RefundError, refund_payment


def test_partial_refunds_track_the_remainder(gateway):
    first = refund_payment(gateway, "ch_0001", Decimal("40.00"), Decimal("0"), Decimal("15.00"))
    assert first.remaining == Decimal("25.00")
    second = refund_payment(gateway, "ch_0001", Decimal("40.00"), Decimal("15.00"), Decimal("25.00"))
    assert second.remaining == Decimal("0.00")
    assert [amount for _, amount in gateway.refunds] == [Decimal("15.00"), Decimal("25.00")]


def test_cannot_refund_more_than_was_captured(gateway):
    with pytest.raises(RefundError, match="only 5.00"):
        refund_payment(gateway, "ch_0001", Decimal("40.00"), Decimal("35.00"), Decimal("10.00"))
    assert gateway.refunds == []


def test_zero_refund_is_refused(gateway):
    with pytest.raises(RefundError):
        refund_payment(gateway, "ch_0001", Decimal("40.00"), Decimal("0"), Decimal("0"))
"""

RETRY = r'''"""Retrying transient gateway failures.

The gateway answers 502/503 during its own deploys a few times a week; two quick retries absorb that
without the customer seeing an error. Only transient errors are retried: a retried decline is a second
decline on the customer's statement.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from gateway import GatewayError

T = TypeVar("T")


def with_retries(
    operation: Callable[[], T],
    *,
    attempts: int = 3,
    base_delay: float = 0.2,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except GatewayError as exc:
            if not exc.transient or attempt == attempts:
                raise
            sleep(base_delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable: the last attempt either returns or raises")
'''

RETRY_TESTS = r"""from decimal import Decimal

import pytest
from gateway import CardDeclined, GatewayError
from retry import with_retries


def test_transient_errors_are_retried_with_backoff(gateway):
    gateway.fail_with(GatewayError("503", transient=True), GatewayError("502", transient=True))
    delays = []
    response = with_retries(lambda: gateway.capture("tok", Decimal("5.00")), sleep=delays.append)
    assert response.status == "captured"
    assert delays == [0.2, 0.4]


def test_gives_up_after_the_last_attempt(gateway):
    gateway.fail_with(*[GatewayError("503", transient=True)] * 3)
    with pytest.raises(GatewayError):
        with_retries(lambda: gateway.capture("tok", Decimal("5.00")), sleep=lambda _: None)
    assert gateway.captures == []


def test_declines_are_never_retried(gateway):
    gateway.fail_with(CardDeclined("do not honour", code="05"))
    delays = []
    with pytest.raises(CardDeclined):
        with_retries(lambda: gateway.capture("tok", Decimal("5.00")), sleep=delays.append)
    assert delays == []
"""

# "Retry transient gateway errors with backoff"
CAPTURE_IMPORT_OLD = """from gateway import CardDeclined, Gateway, GatewayError
"""
CAPTURE_IMPORT_RETRY = """from gateway import CardDeclined, Gateway, GatewayError
from retry import with_retries
"""
CAPTURE_CALL_OLD = """        response = gateway.capture(card_token, amount)
"""
CAPTURE_CALL_RETRY = """        response = with_retries(lambda: gateway.capture(card_token, amount))
"""
REFUND_IMPORT_OLD = """from gateway import Gateway
"""
REFUND_IMPORT_RETRY = """from gateway import Gateway
from retry import with_retries
"""
REFUND_CALL_OLD = """    gateway.refund(reference, amount)
"""
REFUND_CALL_RETRY = """    with_retries(lambda: gateway.refund(reference, amount))
"""

# PR #88 "Add idempotency keys to payment capture"
PROTOCOL_CAPTURE_OLD = """    def capture(self, card_token: str, amount: Decimal) -> GatewayResponse: ...
"""
PROTOCOL_CAPTURE_KEYED = (
    "    def capture(self, card_token: str, amount: Decimal, idempotency_key: str) -> GatewayResponse: ...\n"
)
PROTOCOL_DOC_OLD = """class Gateway(Protocol):
"""
PROTOCOL_DOC_KEYED = '''class Gateway(Protocol):
    """The gateway treats a repeated idempotency key as the same request and returns the first result."""

'''
CAPTURE_CALL_KEYED = (
    '        response = with_retries(lambda: gateway.capture(card_token, amount, f"capture-{order_id}"))\n'
)
FAKE_INIT_OLD = """        self._failures: list[GatewayError] = []
"""
FAKE_INIT_KEYED = """        self._failures: list[GatewayError] = []
        self._responses: dict[str, GatewayResponse] = {}
"""
FAKE_CAPTURE_OLD = """    def capture(self, card_token: str, amount: Decimal) -> GatewayResponse:
        self._maybe_fail()
        self.captures.append((card_token, amount))
        return GatewayResponse(f"ch_{len(self.captures):04d}", "captured", amount)
"""
FAKE_CAPTURE_KEYED = """\
    def capture(self, card_token: str, amount: Decimal, idempotency_key: str) -> GatewayResponse:
        if idempotency_key in self._responses:
            return self._responses[idempotency_key]
        self._maybe_fail()
        self.captures.append((card_token, amount))
        response = GatewayResponse(f"ch_{len(self.captures):04d}", "captured", amount)
        self._responses[idempotency_key] = response
        return response
"""
CAPTURE_TEST_KEYED = r"""

def test_repeated_capture_of_an_order_charges_once(gateway):
    first = capture_payment(gateway, "ord-5", Decimal("12.00"), "tok_visa")
    second = capture_payment(gateway, "ord-5", Decimal("12.00"), "tok_visa")
    assert first.reference == second.reference
    assert len(gateway.captures) == 1
"""
RETRY_TEST_CALL_OLD = 'gateway.capture("tok", Decimal("5.00"))'
RETRY_TEST_CALL_KEYED = 'gateway.capture("tok", Decimal("5.00"), "capture-ord-9")'

PROTOCOL_REFUND_OLD = """    def refund(self, reference: str, amount: Decimal) -> GatewayResponse: ...
"""
PROTOCOL_REFUND_KEYED = (
    "    def refund(self, reference: str, amount: Decimal, idempotency_key: str) -> GatewayResponse: ...\n"
)
FAKE_REFUND_OLD = """    def refund(self, reference: str, amount: Decimal) -> GatewayResponse:
        self._maybe_fail()
"""
FAKE_REFUND_KEYED = """    def refund(self, reference: str, amount: Decimal, idempotency_key: str) -> GatewayResponse:
        if idempotency_key in self._responses:
            return self._responses[idempotency_key]
        self._maybe_fail()
"""
FAKE_REFUND_RETURN_OLD = """        return GatewayResponse(f"re_{len(self.refunds):04d}", "refunded", amount)
"""
FAKE_REFUND_RETURN_KEYED = """        response = GatewayResponse(f"re_{len(self.refunds):04d}", "refunded", amount)
        self._responses[idempotency_key] = response
        return response
"""
REFUND_IMPORTS_UUID_OLD = """from dataclasses import dataclass
"""
REFUND_IMPORTS_UUID = """import uuid
from dataclasses import dataclass
"""
REFUND_CALL_UUID = """    key = f"refund-{uuid.uuid4().hex}"
    with_retries(lambda: gateway.refund(reference, amount, key))
"""

# "Fix double refund when the gateway times out"
REFUND_CALL_STABLE = """\
    # The key must survive a retry by the caller, not only ours: a random key let a support
    # agent's second click after a timeout refund the same damaged item twice (INC-311).
    key = f"refund-{reference}-{already_refunded}-{amount}"
    with_retries(lambda: gateway.refund(reference, amount, key))
"""
REFUND_TEST_STABLE = r"""

def test_repeating_a_refund_after_a_timeout_refunds_once(gateway):
    for _ in range(2):
        refund_payment(gateway, "ch_0001", Decimal("40.00"), Decimal("0"), Decimal("15.00"))
    assert len(gateway.refunds) == 1
"""

# "Lower gateway timeout to 5 seconds" (reverted)
TIMEOUT_OLD = "DEFAULT_TIMEOUT_SECONDS = 15.0\n"
TIMEOUT_NEW = "DEFAULT_TIMEOUT_SECONDS = 5.0\n"

# "Show customers why their card was declined"
DECLINE_MESSAGES_OLD = """logger = logging.getLogger(__name__)
"""
DECLINE_MESSAGES_NEW = """logger = logging.getLogger(__name__)

# Issuer response codes we can explain without leaking fraud signals; everything else is generic.
DECLINE_MESSAGES = {
    "51": "Your card has insufficient funds.",
    "54": "Your card has expired.",
    "14": "The card number is not valid.",
}
GENERIC_DECLINE = "Your bank declined the payment. Please try another card."
"""
DECLINE_PROPERTY_OLD = """    @property
    def ok(self) -> bool:
        return self.status == "captured"
"""
DECLINE_PROPERTY_NEW = """    @property
    def ok(self) -> bool:
        return self.status == "captured"

    @property
    def customer_message(self) -> str | None:
        if self.status != "declined":
            return None
        return DECLINE_MESSAGES.get(self.decline_code or "", GENERIC_DECLINE)
"""
DECLINE_TESTS = r"""

def test_declines_explain_known_codes_only(gateway):
    gateway.fail_with(CardDeclined("expired", code="54"), CardDeclined("fraud suspected", code="59"))
    expired = capture_payment(gateway, "ord-6", Decimal("5.00"), "tok_visa")
    suspicious = capture_payment(gateway, "ord-7", Decimal("5.00"), "tok_visa")
    assert expired.customer_message == "Your card has expired."
    assert "another card" in (suspicious.customer_message or "")
"""
