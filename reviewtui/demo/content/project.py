"""Repository-wide files: README, tooling, CI, ownership, docs and reviewtui's own configuration."""

from __future__ import annotations

README = """# Shop

The monorepo behind shop.example: the services that take an order from basket to doorstep, the
storefront, and the infrastructure they run on.

## Layout

| Path | What lives there |
| --- | --- |
| `services/checkout/` | Cart arithmetic and order placement |

## Running the tests

    python -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt
    pytest
"""

GITIGNORE = """__pycache__/
*.pyc
.venv/
.pytest_cache/
node_modules/
web/dist/
.terraform/
*.tfstate*
.env
"""

REQUIREMENTS = """psycopg[binary]==3.2.1
pydantic==2.8.2
requests==2.32.3
pytest==8.3.2
"""

PYPROJECT = """[tool.pytest.ini_options]
testpaths = ["services"]
# Services are deployed separately and import their modules top-level, as they run in their images.
pythonpath = [
    "services/checkout",
]
"""

GITATTRIBUTES = """*.png binary
*.generated.json linguist-generated=true
"""

CI_WORKFLOW = """name: ci

on:
  pull_request:
  push:
    branches: [main]

jobs:
  python:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements.txt
      - run: pytest

  web:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: web
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm install
      - run: npm run lint
      - run: npm test
"""

CODEOWNERS = """# Later lines win. Every path has an owning team; platform is the fallback.
*                              @shop/platform
/services/checkout/            @shop/checkout
/services/payments/            @shop/payments
/services/inventory/           @shop/inventory
/services/delivery-estimates/  @shop/fulfilment
/web/                          @shop/storefront
/web/cart/                     @shop/checkout @shop/storefront
/infra/                        @shop/platform @shop/sre
/db/                           @shop/platform @shop/dba
/.github/                      @shop/platform
/docs/                         @shop/docs
"""

REVIEWTUI_CONFIG = """[queue]
base = "main"
"""

SYSTEMS = """# Tier 1 systems take money, promise delivery or hold customer data: two reviewers, one an owner.
# Tier 2 systems are customer-visible but recoverable; tier 3 changes cannot hurt a customer.

[[system]]
name = "checkout"
tier = 1
paths = ["services/checkout/**", "web/cart/**"]
owners = ["@shop/checkout"]

[[system]]
name = "payments"
tier = 1
paths = ["services/payments/**"]
owners = ["@shop/payments"]

[[system]]
name = "inventory"
tier = 1
paths = ["services/inventory/**"]
owners = ["@shop/inventory"]

[[system]]
name = "delivery-estimates"
tier = 1
paths = ["services/delivery-estimates/**"]
owners = ["@shop/fulfilment"]

[[system]]
name = "storefront"
tier = 2
paths = ["web/**"]
owners = ["@shop/storefront"]

[[system]]
name = "infra"
tier = 1
paths = ["infra/**"]
owners = ["@shop/platform", "@shop/sre"]

[[system]]
name = "database"
tier = 1
paths = ["db/**"]
owners = ["@shop/platform", "@shop/dba"]

[[system]]
name = "ci"
tier = 2
paths = [".github/**"]
owners = ["@shop/platform"]

[[system]]
name = "docs"
tier = 3
paths = ["docs/**", "README.md"]
owners = ["@shop/docs"]
"""

ARCHITECTURE = """# Architecture

An order flows through four services, each owning its own tables:

1. **checkout** prices the cart (Decimal, half-up rounding to match the gateway) and places the order.
2. **inventory** holds a 15-minute reservation per line so two customers cannot buy the last unit.
3. **payments** captures the card with an idempotency key; declines are results, never exceptions.
4. **delivery-estimates** promises a date in working days from the carrier contracts.

If capture fails, checkout releases the reservations; nothing is shipped without a capture reference.
"""

# The typos are deliberate: a pending change fixes them.
DEPLOY = """# Deploying

Every merge to `main` builds images tagged with the commit sha and deploys them to staging. Production
deploys are manual: run the `deploy` workflow with the sha that has been on staging for at least an hour.

## Database migrations

Migrations run before the new tasks start, so every migration must work with the previous release
as well as the new one. Never drop a column in the same release that stops writing to it; do it in a
seperate release once nothing reads it, and take a snapshot first.

## Terraform

`terraform plan` runs on every pull request that touches `infra/`. Apply from the `infra` workflow,
one enviroment at a time, staging first. A plan that destroys a database or a cluster must be
reviewed by two people from @shop/sre before it is applied; the `prevent_destroy` lifecycle rules
exist to make such a plan fail loudly.

## Rolling back

Redeploy the previous sha from the `deploy` workflow. You will recieve a Slack message in #deploys
when the rollback finishes.
"""

PAYMENTS_RUNBOOK = """# Payments on-call runbook

## Capture failures spike

1. Check the gateway status page. Their deploys cause short bursts of 502/503; our retries absorb
   two in a row, so a sustained spike is real.
2. Look at `capture failed for order` in the checkout logs. Declines are logged at INFO and are not
   an incident.
3. If the gateway is down for more than ten minutes, switch the storefront to "orders paused" from
   the admin console. Do not turn off capture: an order placed without a capture is not paid.

## Double refunds

Refunds carry an idempotency key derived from the payment and the amount already refunded. If a
customer reports two refunds, compare the keys in `payment_events` before contacting the gateway.
"""
