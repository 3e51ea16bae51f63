"""What landed on main in the days after the shop adopted two-person review: the material of `reviewtui audit`.

Each landing is a change opened from main as it stood before the policy commit (so its commits, like every pending
change's, have the same shas in every build), reviewed with decisions signed by the demo's reviewers through the
real clerk and `ssh-keygen`, then landed. Between them they show every verdict the audit gives: a Tier-1 change
properly approved by two people, one merged with a single approval made on the command line (which records no
review time or hunks), one re-pushed after approval and merged on the stale approval, one whose merge commit
slipped in an edit nobody approved, one whose blocking finding both reviewers waived with a reason, a squash merge
whose two approvals were signed seconds apart, and a direct push.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reviewtui.demo.operations import Edit, Write
from reviewtui.demo.people import ELENA, MARCUS, PRIYA, SAM, TOMAS
from reviewtui.demo.provenance import claude_code, copilot, cursor, devin, human
from reviewtui.demo.recipes import ChangeRecipe, DirectPush, LandedEntry, Landing, ReviewRecipe

PAYMENTS = "services/payments"
DELIVERY = "services/delivery-estimates"
OPENED_FROM = "indexes"
"""The mark of main's last commit before the policy: every landed change starts there."""


def moment(month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A fixed instant in the demo's autumn (UTC, London's winter time), never the clock."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


GATEWAY_ERRORS_OLD = '''class CardDeclined(GatewayError):
    """The issuer said no; retrying only adds another decline to the customer's statement."""
'''
GATEWAY_ERRORS_NEW = '''class CardDeclined(GatewayError):
    """The issuer said no; retrying only adds another decline to the customer's statement."""


TRANSIENT_STATUSES = frozenset({502, 503, 504})
"""What the gateway answers while it deploys or sheds load: worth a retry, unlike every other failure."""


def error_for_status(status: int, body: str) -> GatewayError:
    """The error for a non-2xx answer. 504 joins 502 and 503: the gateway's load balancer also times out during
    its deploys, and every such capture support traced in INC-317 succeeded when retried."""
    return GatewayError(
        f"gateway answered {status}: {body[:200]}", transient=status in TRANSIENT_STATUSES, code=str(status)
    )
'''
GATEWAY_ERROR_TESTS = """import pytest
from gateway import error_for_status


@pytest.mark.parametrize("status", [502, 503, 504])
def test_load_balancer_answers_are_transient(status):
    error = error_for_status(status, "Bad Gateway")
    assert error.transient
    assert error.code == str(status)


@pytest.mark.parametrize("status", [400, 402, 500])
def test_other_failures_are_not_retried(status):
    assert not error_for_status(status, "no").transient


def test_long_bodies_are_cut_short():
    assert len(str(error_for_status(502, "x" * 5000))) < 250
"""

TRANSIENT_504 = ChangeRecipe(
    "pr/94",
    "Landed: Tier-1 payments change approved by two reviewers who saw every hunk (audit: approved)",
    (
        claude_code(
            "Treat the gateway's 504 answers as transient\n\n"
            "During the gateway's deploys its load balancer answers 504 as well as 502/503. We treated 504 as\n"
            "final, so those captures failed at checkout although a retry succeeds (INC-317: 41 orders).\n"
            "error_for_status() is the one place that decides what is retried.",
            MARCUS,
            Edit(f"{PAYMENTS}/gateway.py", GATEWAY_ERRORS_OLD, GATEWAY_ERRORS_NEW),
            Write(f"{PAYMENTS}/tests/test_gateway_errors.py", GATEWAY_ERROR_TESTS),
        ),
    ),
    base=OPENED_FROM,
)

PRICE_FORMAT_OLD = """const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });

/** Money arrives as decimal strings; only display code may turn them into numbers. */
export function formatPrice(amount: string): string {
  return pounds.format(Number(amount));
}
"""
PRICE_FORMAT_NEW = """const formats = new Map<string, Intl.NumberFormat>();

/** Money arrives as decimal strings; only display code may turn them into numbers. */
export function formatPrice(amount: string, currency = "GBP"): string {
  let format = formats.get(currency);
  if (format === undefined) {
    format = new Intl.NumberFormat("en-GB", { style: "currency", currency });
    formats.set(currency, format);
  }
  return format.format(Number(amount));
}
"""

BASKET_CURRENCY = ChangeRecipe(
    "copilot/basket-currency",
    "Landed: storefront change merged with one CLI approval of the two the policy asks (audit: insufficient)",
    (
        copilot(
            "Format prices in the basket's currency\n\n"
            "The Irish storefront sends EUR baskets; formatPrice() printed every amount in pounds.",
            TOMAS,
            Edit("web/src/format.ts", PRICE_FORMAT_OLD, PRICE_FORMAT_NEW),
        ),
    ),
    base=OPENED_FROM,
)

RETENTION_OLD = """variable "service_security_group_ids" {
  type = map(string)
}
"""
RETENTION_NEW = """variable "service_security_group_ids" {
  type = map(string)
}

variable "backup_retention_days" {
  type        = map(number)
  description = "Days of automated Postgres backups kept per environment (RPO review, October)."
  default     = { staging = 3, production = 14 }
}
"""

BACKUP_RETENTION = ChangeRecipe(
    "pr/95",
    "Landed: Tier-1 infra change pushed again after its approval and merged on it (audit: stale approval)",
    (
        devin(
            "Keep fourteen days of production database backups\n\n"
            "The RPO review asked for two weeks of point-in-time recovery in production; staging keeps three\n"
            "days. The retention becomes a variable so the environments can differ.",
            ELENA,
            Edit("infra/terraform/variables.tf", RETENTION_OLD, RETENTION_NEW),
        ),
    ),
    base=OPENED_FROM,
)
RETENTION_CUT = devin(
    "Keep seven days of production backups\n\nHalves the snapshot storage bill; seven days still covers a week of "
    "releases.",
    ELENA,
    Edit("infra/terraform/variables.tf", "{ staging = 3, production = 14 }", "{ staging = 3, production = 7 }"),
)

RETRY_LOG_OLD = """import time
from collections.abc import Callable
from typing import TypeVar

from gateway import GatewayError

T = TypeVar("T")
"""
RETRY_LOG_NEW = """import logging
import time
from collections.abc import Callable
from typing import TypeVar

from gateway import GatewayError

T = TypeVar("T")
log = logging.getLogger(__name__)
"""
RETRY_LOG_CALL_OLD = """            if not exc.transient or attempt == attempts:
                raise
"""
RETRY_LOG_CALL_NEW = """            if not exc.transient or attempt == attempts:
                raise
            log.warning("gateway error %s; retry %d of %d", exc.code or exc, attempt, attempts - 1)
"""
RETRY_LOG_TESTS = """import logging

from gateway import GatewayError
from retry import with_retries


def test_each_retry_is_logged(caplog):
    failures = [GatewayError("bad gateway", transient=True, code="502")]

    def flaky():
        if failures:
            raise failures.pop()
        return "captured"

    with caplog.at_level(logging.WARNING):
        assert with_retries(flaky, sleep=lambda _: None) == "captured"
    assert [r.getMessage() for r in caplog.records] == ["gateway error 502; retry 1 of 2"]
"""

RETRY_LOGGING = ChangeRecipe(
    "pr/96",
    "Landed: Tier-1 payments change whose merge commit also raised the retry count (audit: landed differs)",
    (
        claude_code(
            "Log every gateway retry\n\n"
            "On-call could not tell from the logs whether a slow checkout had been retried. Each retry now\n"
            "logs the gateway's code and the attempt.",
            PRIYA,
            Edit(f"{PAYMENTS}/retry.py", RETRY_LOG_OLD, RETRY_LOG_NEW),
            Edit(f"{PAYMENTS}/retry.py", RETRY_LOG_CALL_OLD, RETRY_LOG_CALL_NEW),
            Write(f"{PAYMENTS}/tests/test_retry_logging.py", RETRY_LOG_TESTS),
        ),
    ),
    base=OPENED_FROM,
)

SCOTLAND_OLD = '"parcelco": {"london": 1, "south": 2, "north": 2, "scotland": 3, "islands": 5},'
SCOTLAND_NEW = '"parcelco": {"london": 1, "south": 2, "north": 2, "scotland": 2, "islands": 5},'
SCOTLAND_TEST_OLD = """    # Thursday 11:00 to Scotland: 1 handling + 3 transit working days lands on Wednesday.
    assert estimate_delivery(datetime(2026, 9, 17, 11, 0), "parcelco", "scotland") == date(2026, 9, 23)
"""
SCOTLAND_TEST_NEW = """    # Thursday 11:00 to Scotland: 1 handling + 2 transit working days lands on Tuesday.
    assert estimate_delivery(datetime(2026, 9, 17, 11, 0), "parcelco", "scotland") == date(2026, 9, 22)
"""
SCOTLAND_WAIVER = (
    "test-expected-value-edited",
    "Contract amendment 4 (signed 26 Oct) cuts parcelco's Scotland transit to 2 working days; the expected date "
    "follows the contract, the code is unchanged",
)

SCOTLAND_TRANSIT = ChangeRecipe(
    "pr/97",
    "Landed: Tier-1 delivery change whose blocking finding both reviewers waived with a reason (audit: approved)",
    (
        human(
            "Parcelco reaches Scotland in two working days\n\n"
            "From 2 November parcelco's amended contract promises two working days to Scotland instead of\n"
            "three. The weekend test's expected date moves with it.",
            SAM,
            Edit(f"{DELIVERY}/regions.py", SCOTLAND_OLD, SCOTLAND_NEW),
            Edit(f"{DELIVERY}/tests/test_estimates.py", SCOTLAND_TEST_OLD, SCOTLAND_TEST_NEW),
        ),
    ),
    base=OPENED_FROM,
)

ARCHITECTURE_OLD = (
    "If capture fails, checkout releases the reservations; nothing is shipped without a capture reference.\n"
)
ARCHITECTURE_NEW = (
    ARCHITECTURE_OLD
    + "\n## Idempotency keys\n\n"
    "Every capture carries the key `capture-<order id>`, and the gateway answers a repeated key with the first\n"
    "result, so a capture retried after a timeout can never charge twice. Refund keys are derived from the\n"
    "payment, the amount already refunded and the amount (INC-311): a retry repeats its key, a deliberate second\n"
    "partial refund does not.\n"
)

IDEMPOTENCY_DOC = ChangeRecipe(
    "pr/98",
    "Landed: docs change squash-merged after two approvals signed seconds apart (audit: approved, rubber stamp?)",
    (
        cursor(
            "Explain idempotency keys in the architecture doc\n\n"
            "New joiners keep asking why a retried capture cannot charge twice.",
            PRIYA,
            Edit("docs/architecture.md", ARCHITECTURE_OLD, ARCHITECTURE_NEW),
        ),
    ),
    base=OPENED_FROM,
)

STRIKE_HOTFIX = human(
    "Stop promising next-day delivery to Scotland during the carrier strike\n\n"
    "Nextday's Scottish depots are on strike until further notice (INC-322) and every promise we make\n"
    "there is broken. Pushed straight to main to stop the bleeding; the proper change follows.",
    SAM,
    Edit(
        f"{DELIVERY}/regions.py",
        '"nextday": {"london": 0, "south": 0, "north": 0, "scotland": 0},',
        '"nextday": {"london": 0, "south": 0, "north": 0},',
    ),
)

LANDED: tuple[LandedEntry, ...] = (
    Landing(
        TRANSIENT_504,
        "approved",
        opened=moment(10, 29, 9, 10),
        reviews=(
            ReviewRecipe("alice", moment(10, 29, 10, 32, 41), seconds=412),
            ReviewRecipe("bob", moment(10, 29, 11, 18, 5), seconds=305),
        ),
        merger=MARCUS,
        merged=moment(10, 29, 11, 42),
        message="Merge pull request #94 from shop/claude/transient-504\n\nTreat the gateway's 504 answers as transient",
    ),
    Landing(
        BASKET_CURRENCY,
        "insufficient",
        opened=moment(10, 29, 10, 30),
        # Approved from the command line, which records no review time and no hunks shown: two rubber-stamp flags.
        reviews=(ReviewRecipe("carol", moment(10, 29, 13, 14, 20), seconds=0, shown=0.0),),
        merger=TOMAS,
        merged=moment(10, 29, 13, 41),
        message="Merge branch 'copilot/basket-currency'",
    ),
    Landing(
        BACKUP_RETENTION,
        "stale",
        opened=moment(10, 30, 9, 20),
        reviews=(ReviewRecipe("alice", moment(10, 30, 10, 31, 12), seconds=188),),
        repush=(RETENTION_CUT, moment(10, 30, 11, 48)),
        merger=ELENA,
        merged=moment(10, 30, 12, 9),
        message="Merge pull request #95 from shop/devin/backup-retention\n\nKeep fourteen days of production database "
        "backups",
    ),
    Landing(
        RETRY_LOGGING,
        "differs",
        opened=moment(10, 30, 13, 0),
        reviews=(
            ReviewRecipe("bob", moment(10, 30, 14, 11, 30), seconds=264),
            ReviewRecipe("carol", moment(10, 30, 15, 2, 9), seconds=351),
        ),
        merger=PRIYA,
        merged=moment(10, 30, 16, 27),
        message="Merge pull request #96 from shop/claude/retry-logging\n\nLog every gateway retry",
        slipped=(Edit(f"{PAYMENTS}/retry.py", "    attempts: int = 3,\n", "    attempts: int = 5,\n"),),
    ),
    Landing(
        SCOTLAND_TRANSIT,
        "approved",
        opened=moment(11, 2, 8, 45),
        reviews=(
            ReviewRecipe("alice", moment(11, 2, 9, 33, 3), seconds=236, waive=(SCOTLAND_WAIVER,)),
            ReviewRecipe("bob", moment(11, 2, 10, 12, 44), seconds=198, waive=(SCOTLAND_WAIVER,)),
        ),
        merger=SAM,
        merged=moment(11, 2, 10, 40),
        message="Merge pull request #97 from shop/sam/scotland-transit\n\n"
        "Parcelco reaches Scotland in two working days",
    ),
    Landing(
        IDEMPOTENCY_DOC,
        "approved",
        opened=moment(11, 2, 9, 5),
        reviews=(
            ReviewRecipe("bob", moment(11, 2, 11, 2, 10), seconds=31),
            ReviewRecipe("carol", moment(11, 2, 11, 2, 36), seconds=24),
        ),
        merger=PRIYA,
        merged=moment(11, 2, 11, 30),
        message="Explain idempotency keys in the architecture doc (#98)\n\n"
        "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
        squash=True,
    ),
    DirectPush(STRIKE_HOTFIX, moment(11, 2, 17, 40)),
)
