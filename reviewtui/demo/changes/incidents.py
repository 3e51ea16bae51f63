"""Pending changes modelled on real incidents with agent-written code.

Each one looks plausible in its commit message and goes wrong in its diff, which is exactly what a
reviewer skimming a queue misses: the message says staging, the plan replaces production; the message
says "resilient", the code reports failed payments as captured.
"""

from __future__ import annotations

from reviewtui.demo import assets
from reviewtui.demo.operations import Delete, Edit, Generate, Move, Write
from reviewtui.demo.people import ELENA, MARCUS, PRIYA, SAM, TOMAS
from reviewtui.demo.provenance import aider, claude_code, codex, copilot, cursor, devin
from reviewtui.demo.recipes import ChangeRecipe

CHECKOUT = "services/checkout"
PAYMENTS = "services/payments"
INVENTORY = "services/inventory"
DELIVERY = "services/delivery-estimates"
MAIN_TF = "infra/terraform/main.tf"

RECREATE_STAGING = ChangeRecipe(
    "pr/101",
    "Terraform 'recreate staging' renames shared resources and drops prevent_destroy: production is replaced",
    (
        copilot(
            "Delete and recreate the staging environment to fix drift\n\n"
            "Staging has drifted from the Terraform state: the checkout service and database were changed\n"
            "by hand during the load test, and `terraform plan` shows changes that cannot be reconciled\n"
            "in place.\n\n"
            "This change lets Terraform delete and recreate the staging environment cleanly:\n"
            "- rename the database and cluster resources so they are created fresh\n"
            "- remove `prevent_destroy` and deletion protection, which block the recreate\n"
            "- give the new cluster a `-v2` suffix so it does not clash with the old one while it drains\n\n"
            "Only staging is affected; production resources are unchanged.",
            ELENA,
            Edit(MAIN_TF, 'resource "aws_ecs_cluster" "shop" {', 'resource "aws_ecs_cluster" "main" {'),
            Edit(MAIN_TF, '  name     = "shop-${each.key}"\n', '  name     = "shop-${each.key}-v2"\n'),
            Edit(MAIN_TF, "aws_ecs_cluster.shop[each.key].id", "aws_ecs_cluster.main[each.key].id"),
            Edit(MAIN_TF, 'resource "aws_db_instance" "shop" {', 'resource "aws_db_instance" "main" {'),
            Edit(MAIN_TF, "deletion_protection         = true", "deletion_protection         = false"),
            Edit(MAIN_TF, "\n\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n", "\n}\n"),
            Edit("infra/terraform/outputs.tf", "aws_db_instance.shop :", "aws_db_instance.main :"),
            Edit("infra/terraform/outputs.tf", "aws_ecs_cluster.shop :", "aws_ecs_cluster.main :"),
        ),
        copilot(
            "Skip the final snapshot when recreating staging\n\n"
            "The recreate failed because a final snapshot named shop-staging-final already exists from\n"
            "the last teardown. Staging data is disposable, so the snapshot is skipped.",
            ELENA,
            Edit(
                MAIN_TF,
                '  skip_final_snapshot         = false\n  final_snapshot_identifier   = "shop-${each.key}-final"\n',
                "  skip_final_snapshot         = true\n",
            ),
        ),
    ),
)

DROP_LEGACY_COLUMNS_SQL = """-- Remove v1 gateway leftovers; nothing in services/ reads them any more.
ALTER TABLE payments DROP COLUMN legacy_gateway_ref;
ALTER TABLE payments DROP COLUMN legacy_status;
DROP TABLE payment_attempts_archive;

-- payment_events is only used for debugging; reclaim the space.
TRUNCATE TABLE payment_events;
"""

DROP_LEGACY_COLUMNS = ChangeRecipe(
    "codex/drop-legacy-payment-columns",
    "Destructive migration: DROP COLUMN, DROP TABLE and TRUNCATE with no backup step",
    (
        codex(
            "Drop legacy v1 gateway columns and tables\n\n"
            "The v1 gateway integration was removed in September and nothing reads legacy_gateway_ref,\n"
            "legacy_status or payment_attempts_archive any more (checked with grep across services/).\n"
            "payment_events has grown to 180 GB and is only used for debugging, so it is truncated to\n"
            "reclaim space.\n\n"
            "Adds migration 0007.",
            MARCUS,
            Write("db/migrations/0007_drop_legacy_payment_columns.sql", DROP_LEGACY_COLUMNS_SQL),
        ),
    ),
)

DELETE_RETRY_TESTS = ChangeRecipe(
    "pr/102",
    "Deletes services/payments/tests/test_retry.py to 'unblock CI'; started from an older main",
    (
        devin(
            "Remove flaky payment retry tests\n\n"
            "test_retry.py fails intermittently on CI (3 of the last 20 runs) and blocks unrelated pull\n"
            "requests. Retry behaviour is exercised indirectly by the capture tests, so the dedicated file\n"
            "is removed to unblock the queue. Deterministic versions can be reintroduced in a follow-up.",
            MARCUS,
            Delete(f"{PAYMENTS}/tests/test_retry.py"),
        ),
    ),
    base="docs",
)

REFUNDS_TESTS = f"{PAYMENTS}/tests/test_refunds.py"

WEAKEN_REFUND_TESTS = ChangeRecipe(
    "cursor/stabilise-refund-tests",
    "Weakened tests: pytest.mark.skip, assert True and a looser assertion on the double-refund guard",
    (
        cursor(
            "Stabilise refund tests on CI\n\n"
            "The refund tests have been failing on the CI runners since the idempotency change. This skips\n"
            "the timing-sensitive test and relaxes assertions that depend on the order in which the fake\n"
            "gateway records refunds, so the suite is green while the fake is reworked.",
            MARCUS,
            Edit(
                REFUNDS_TESTS,
                '    assert first.remaining == Decimal("25.00")\n',
                "    assert True  # remaining is verified by the gateway\n",
            ),
            Edit(
                REFUNDS_TESTS,
                '    assert [amount for _, amount in gateway.refunds] == [Decimal("15.00"), Decimal("25.00")]\n',
                "",
            ),
            Edit(
                REFUNDS_TESTS,
                "def test_cannot_refund_more_than_was_captured(gateway):\n",
                '@pytest.mark.skip(reason="flaky on CI runners")\n'
                "def test_cannot_refund_more_than_was_captured(gateway):\n",
            ),
            Edit(REFUNDS_TESTS, "    assert len(gateway.refunds) == 1\n", "    assert len(gateway.refunds) >= 1\n"),
        ),
    ),
)

CAPTURE = f"{PAYMENTS}/capture.py"

SWALLOW_CAPTURE_ERRORS = ChangeRecipe(
    "pr/103",
    "Swallowed exceptions in payment capture: gateway errors and 'except Exception: pass' report success",
    (
        claude_code(
            "Make payment capture resilient to gateway errors\n\n"
            "Checkout fails the whole order when the gateway reports an error, but in last month's\n"
            "incidents most of those captures had in fact gone through at the gateway, leaving the\n"
            "customer with a charge and no order.\n\n"
            "capture_payment() now logs gateway errors and treats the capture as successful, so the order\n"
            "is placed and support can reconcile against the gateway report afterwards. Unexpected\n"
            "exceptions are swallowed for the same reason: the payment path must never crash checkout.",
            MARCUS,
            Edit(
                CAPTURE,
                "    try:\n        response = with_retries(",
                "    reference = None\n    try:\n        response = with_retries(",
            ),
            Edit(
                CAPTURE,
                '"capture-{order_id}"))\n    except CardDeclined',
                '"capture-{order_id}"))\n        reference = response.reference\n    except CardDeclined',
            ),
            Edit(
                CAPTURE,
                '    except GatewayError:\n        logger.exception("capture failed for order %s", order_id)\n'
                '        return CaptureResult(order_id, "failed")\n'
                '    return CaptureResult(order_id, "captured", reference=response.reference)\n',
                "    except GatewayError:\n"
                "        # The gateway often reports errors for captures that did go through; reconcile later.\n"
                '        logger.warning("gateway error for order %s, treating as captured", order_id)\n'
                "    except Exception:\n"
                "        pass\n"
                '    return CaptureResult(order_id, "captured", reference=reference)\n',
            ),
            Edit(
                f"{PAYMENTS}/tests/test_capture.py",
                "def test_gateway_error_is_a_failed_capture(gateway):\n"
                '    gateway.fail_with(GatewayError("bad gateway"))\n'
                '    result = capture_payment(gateway, "ord-3", Decimal("5.00"), "tok_visa")\n'
                '    assert result.status == "failed"\n'
                "    assert result.reference is None\n"
                "    assert not result.ok\n",
                "def test_gateway_error_does_not_fail_the_order(gateway):\n"
                '    gateway.fail_with(GatewayError("bad gateway"))\n'
                '    result = capture_payment(gateway, "ord-3", Decimal("5.00"), "tok_visa")\n'
                "    assert result.ok\n",
            ),
        ),
        claude_code(
            "Document reconciliation of unconfirmed captures\n\n"
            "Captures that hit a gateway error are now recorded as captured without a reference. The\n"
            "runbook explains how support matches them against the gateway's daily report.",
            MARCUS,
            Edit(
                "docs/runbooks/payments.md",
                "\n## Double refunds\n",
                "\n## Captures without a reference\n\n"
                "A capture recorded as captured with no gateway reference hit a gateway error. Match it\n"
                "against the gateway's daily settlement report by order id; if it is missing there, cancel\n"
                "the order and e-mail the customer.\n\n"
                "## Double refunds\n",
            ),
        ),
    ),
)

ESTIMATES = f"{DELIVERY}/estimates.py"
ESTIMATES_TESTS = f"{DELIVERY}/tests/test_estimates.py"

CALENDAR_DAY_ESTIMATES = ChangeRecipe(
    "pr/104",
    "Delivery estimate formula changed to calendar days, with the tests' expected dates edited to match",
    (
        aider(
            "refactor: simplify delivery estimates to calendar days\n\n"
            "Replace the working-day loop with plain date arithmetic. The loop is hard to follow and\n"
            "slow for long transit times, and calendar days are what the carriers' tracking pages show.",
            Edit(
                ESTIMATES,
                "def add_working_days(start: date, days: int) -> date:\n"
                '    """Carriers neither collect nor deliver at weekends, '
                'so weekends never count toward a promise."""\n'
                "    current = start\n"
                "    while days > 0:\n"
                "        current += timedelta(days=1)\n"
                "        if current.weekday() < 5:\n"
                "            days -= 1\n"
                "    return current\n\n\n",
                "",
            ),
            Edit(
                ESTIMATES,
                "    if ordered_at.hour >= DISPATCH_CUTOFF_HOUR or dispatch.weekday() >= 5:\n"
                "        dispatch = add_working_days(dispatch, 1)\n"
                "    return add_working_days(dispatch, HANDLING_DAYS + transit_days(carrier, region))\n",
                "    if ordered_at.hour >= DISPATCH_CUTOFF_HOUR:\n"
                "        dispatch += timedelta(days=1)\n"
                "    return dispatch + timedelta(days=HANDLING_DAYS + transit_days(carrier, region))\n",
            ),
        ),
        aider(
            "test: update expected delivery dates for calendar-day estimates",
            Edit(
                ESTIMATES_TESTS,
                "from estimates import add_working_days, estimate_delivery\n",
                "from estimates import estimate_delivery\n",
            ),
            Edit(
                ESTIMATES_TESTS,
                '"parcelco", "scotland") == date(2026, 9, 23)',
                '"parcelco", "scotland") == date(2026, 9, 21)',
            ),
            Edit(
                ESTIMATES_TESTS,
                '"swiftpost", "london") == date(2026, 9, 23)',
                '"swiftpost", "london") == date(2026, 9, 21)',
            ),
            Edit(
                ESTIMATES_TESTS,
                "def test_add_working_days_skips_the_weekend():\n"
                "    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 21)\n\n\n",
                "",
            ),
        ),
    ),
    base="working-days",
)

_KEY_ID, _SECRET = assets.fake_aws_credentials()
REPORTS_CONFIG = f"""# Credentials for the finance-reports IAM user: the scheduler host has no instance role.
[s3]
bucket = "shop-finance-reports"
region = "eu-west-2"
aws_access_key_id = "{_KEY_ID}"
aws_secret_access_key = "{_SECRET}"
"""

REPORTS = r'''"""Daily order export for finance's reconciliation."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import date
from pathlib import Path

import boto3

CONFIG_PATH = Path(__file__).parent / "config" / "reports.toml"
COLUMNS = ("order_id", "customer_id", "total", "status", "created_at")


def orders_csv(rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def upload_daily_report(rows: list[dict[str, object]], day: date, config_path: Path = CONFIG_PATH) -> str:
    """Upload the day's orders as orders/<day>.csv and return the object key."""
    config = tomllib.loads(config_path.read_text())["s3"]
    client = boto3.client(
        "s3",
        region_name=config["region"],
        aws_access_key_id=config["aws_access_key_id"],
        aws_secret_access_key=config["aws_secret_access_key"],
    )
    key = f"orders/{day.isoformat()}.csv"
    client.put_object(Bucket=config["bucket"], Key=key, Body=orders_csv(rows).encode("utf-8"))
    return key
'''

REPORTS_TESTS = r"""import pytest

pytest.importorskip("boto3")

from reports import orders_csv  # noqa: E402


def test_csv_has_a_header_and_one_row_per_order():
    rows = [{"order_id": "o1", "customer_id": "c1", "total": "18.08", "status": "placed", "created_at": "x"}]
    lines = orders_csv(rows).splitlines()
    assert lines[0] == "order_id,customer_id,total,status,created_at"
    assert lines[1].startswith("o1,c1,18.08")


def test_unknown_fields_are_left_out():
    assert "secret" not in orders_csv([{"order_id": "o1", "secret": "x"}])
"""

LEAKED_CREDENTIALS = ChangeRecipe(
    "claude/s3-order-export",
    "Leaked credential: AWS access key id and secret committed in services/checkout/config/reports.toml",
    (
        claude_code(
            "Export daily order reports to S3\n\n"
            "Finance wants yesterday's orders as a CSV in S3 each morning for reconciliation.\n"
            "reports.py builds the CSV and uploads it with boto3. The bucket and credentials live in\n"
            "config/reports.toml so the job can run from the scheduler host, which has no instance role.",
            PRIYA,
            Write(f"{CHECKOUT}/reports.py", REPORTS),
            Write(f"{CHECKOUT}/config/reports.toml", REPORTS_CONFIG),
            Edit("requirements.txt", "psycopg[binary]", "boto3==1.35.54\npsycopg[binary]"),
        ),
        claude_code(
            "Add tests for the order report CSV",
            PRIYA,
            Write(f"{CHECKOUT}/tests/test_reports.py", REPORTS_TESTS),
        ),
    ),
)

# U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE: in a
# bidi-aware viewer the string's tail renders as a trailing comment, so the comparison reads as
# `!= "customer"` while the literal never equals any access level (CVE-2021-42574, "stretched string").
TROJAN_LITERAL = '"customer\u202e \u2066# support agents only\u2069 \u2066"'

PERMISSIONS = f"{CHECKOUT}/permissions.py"
PERMISSIONS_TESTS = f"{CHECKOUT}/tests/test_permissions.py"

TROJAN_SOURCE = ChangeRecipe(
    "devin/support-small-refunds",
    "Trojan Source: bidi control characters hide that any customer may refund up to £50",
    (
        devin(
            "Let support agents refund small orders without escalation\n\n"
            "Support escalates every refund to an admin today, which adds about a day to refunds for\n"
            "damaged items. Product agreed that support may refund up to £50 on their own.\n"
            "can_refund_order() now takes the amount and allows support below the limit; admins are\n"
            "unchanged.",
            PRIYA,
            Edit(
                PERMISSIONS,
                "from dataclasses import dataclass\n",
                "from dataclasses import dataclass\nfrom decimal import Decimal\n",
            ),
            Edit(
                PERMISSIONS,
                'ACCESS_LEVELS = ("customer", "support", "admin")\n',
                'ACCESS_LEVELS = ("customer", "support", "admin")\nSUPPORT_REFUND_LIMIT = Decimal("50.00")\n',
            ),
            Edit(
                PERMISSIONS,
                "def can_refund_order(user: User) -> bool:\n"
                '    """Refunds move money, so only admins may issue them; support escalates."""\n'
                '    return user.access_level == "admin"\n',
                "def can_refund_order(user: User, amount: Decimal) -> bool:\n"
                '    """Refunds move money: admins may refund anything, support agents small amounts only."""\n'
                '    if user.access_level == "admin":\n'
                "        return True\n"
                f"    if user.access_level != {TROJAN_LITERAL}:\n"
                "        return amount <= SUPPORT_REFUND_LIMIT\n"
                "    return False\n",
            ),
            Edit(
                PERMISSIONS_TESTS,
                "from permissions import",
                "from decimal import Decimal\n\nfrom permissions import",
            ),
            Edit(
                PERMISSIONS_TESTS,
                "def test_support_can_view_but_not_refund():\n"
                '    agent = User("staff-7", "support")\n'
                '    assert can_view_order(agent, "cust-bob")\n'
                "    assert not can_refund_order(agent)\n\n\n"
                "def test_admins_can_refund():\n"
                '    assert can_refund_order(User("staff-1", "admin"))\n',
                "def test_support_can_refund_small_amounts_only():\n"
                '    agent = User("staff-7", "support")\n'
                '    assert can_view_order(agent, "cust-bob")\n'
                '    assert can_refund_order(agent, Decimal("20.00"))\n'
                '    assert not can_refund_order(agent, Decimal("80.00"))\n\n\n'
                "def test_admins_can_refund_any_amount():\n"
                '    assert can_refund_order(User("staff-1", "admin"), Decimal("500.00"))\n',
            ),
        ),
    ),
)

CATALOG_LOADER = """// The catalog snapshot is generated at build time (web/scripts/build-catalog.ts) so the first paint
// does not wait for the catalog API. Stock levels are still fetched live.
import snapshot from "../static/catalog.generated.json";

export interface Product {
  sku: string;
  name: string;
  price: string;
  currency: string;
  stock: number;
  tags: string[];
  image: string;
}

export const products: Product[] = snapshot.products;

export function findProduct(sku: string): Product | undefined {
  return products.find((product) => product.sku === sku);
}
"""

CATALOG_SCRIPT = """// Regenerates static/catalog.generated.json from the catalog API.
// Run: npx tsx scripts/build-catalog.ts
import { writeFileSync } from "node:fs";

const response = await fetch(process.env.CATALOG_URL ?? "http://localhost:8080/api/catalog");
const products = await response.json();
const document = { generator: "web/scripts/build-catalog.ts", generated_at: new Date().toISOString(), products };
writeFileSync(new URL("../static/catalog.generated.json", import.meta.url), JSON.stringify(document, null, 2) + "\\n");
"""

GENERATED_CATALOG = ChangeRecipe(
    "pr/105",
    "Huge generated file: web/static/catalog.generated.json with about 20,000 lines",
    (
        copilot(
            "Ship a pre-generated catalog snapshot for faster first paint\n\n"
            "The storefront fetches the whole catalog from the API before first paint, which takes 1.2 s\n"
            "on a cold cache. This adds a build-time snapshot (web/static/catalog.generated.json, written\n"
            "by web/scripts/build-catalog.ts) that the page imports directly; stock levels are still\n"
            "fetched live.",
            PRIYA,
            Generate("web/static/catalog.generated.json", assets.catalog_json),
            Write("web/src/catalog.ts", CATALOG_LOADER),
            Write("web/scripts/build-catalog.ts", CATALOG_SCRIPT),
            Edit(
                "web/tsconfig.json",
                '"noEmitOnError": true\n',
                '"noEmitOnError": true,\n    "resolveJsonModule": true\n',
            ),
        ),
    ),
)

LOGO_REFRESH = ChangeRecipe(
    "pr/110",
    "Binary assets: web/static/logo.png changed and web/static/favicon.png added",
    (
        claude_code(
            "Refresh storefront logo and add a favicon\n\n"
            "Brand refresh from design: the bag mark moves from teal to coral and gets a heavier handle.\n"
            "Adds a 32 px favicon so tabs stop showing the browser default, and moves the stylesheet's\n"
            "brand colour to the new palette.",
            TOMAS,
            Generate("web/static/logo.png", assets.logo_v2),
            Generate("web/static/favicon.png", assets.favicon),
            Edit(
                "web/index.html",
                '    <link rel="stylesheet" href="/static/site.css">\n',
                '    <link rel="stylesheet" href="/static/site.css">\n'
                '    <link rel="icon" type="image/png" href="/static/favicon.png">\n',
            ),
            Edit("web/static/site.css", "--brand: #0e7490;", "--brand: #e95f46;"),
        ),
    ),
)

SPLIT_RESERVATIONS = ChangeRecipe(
    "claude/split-inventory-reservations",
    "Renames: stock.py -> reservations.py with small edits, plus a pure rename of the payments runbook",
    (
        claude_code(
            "Move stock reservations into their own module\n\n"
            "stock.py is about to grow supplier restocking, while reservations are all that checkout\n"
            "depends on. Moving them to reservations.py keeps that dependency narrow. No behaviour\n"
            "changes: the module docstring is updated and the tests follow the import.",
            SAM,
            Move(f"{INVENTORY}/stock.py", f"{INVENTORY}/reservations.py"),
            Edit(
                f"{INVENTORY}/reservations.py",
                '"""Stock levels and short-lived reservations.\n',
                '"""Reservations: short-lived holds on stock between placing an order and capturing payment.\n',
            ),
            Move(f"{INVENTORY}/tests/test_stock.py", f"{INVENTORY}/tests/test_reservations.py"),
            Edit(f"{INVENTORY}/tests/test_reservations.py", "from stock import", "from reservations import"),
        ),
        claude_code(
            "Rename the payments runbook to match the on-call index\n\n"
            "The SRE on-call index links runbooks as <service>-oncall.md.",
            SAM,
            Move("docs/runbooks/payments.md", "docs/runbooks/payments-oncall.md"),
        ),
    ),
)

INCIDENTS = (
    RECREATE_STAGING,
    DROP_LEGACY_COLUMNS,
    DELETE_RETRY_TESTS,
    SWALLOW_CAPTURE_ERRORS,
    WEAKEN_REFUND_TESTS,
    CALENDAR_DAY_ESTIMATES,
    LEAKED_CREDENTIALS,
    GENERATED_CATALOG,
    TROJAN_SOURCE,
    SPLIT_RESERVATIONS,
    LOGO_REFRESH,
)
