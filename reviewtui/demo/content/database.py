"""SQL migrations for the shop's Postgres database, plus the lint that guards them."""

from __future__ import annotations

CREATE_ORDERS = """-- Orders as placed by checkout. Totals are stored, not recomputed, because prices change.
CREATE TABLE orders (
    order_id     text PRIMARY KEY,
    customer_id  text        NOT NULL,
    total        numeric(10, 2) NOT NULL CHECK (total >= 0),
    status       text        NOT NULL DEFAULT 'placed',
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_lines (
    order_id    text    NOT NULL REFERENCES orders (order_id),
    sku         text    NOT NULL,
    quantity    integer NOT NULL CHECK (quantity > 0),
    unit_price  numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, sku)
);
"""

CREATE_PAYMENTS = """-- Captures and refunds. legacy_* columns carry data migrated from the v1 gateway.
CREATE TABLE payments (
    payment_id          bigserial PRIMARY KEY,
    order_id            text NOT NULL REFERENCES orders (order_id),
    gateway_reference   text,
    amount              numeric(10, 2) NOT NULL,
    refunded            numeric(10, 2) NOT NULL DEFAULT 0,
    status              text NOT NULL,
    legacy_gateway_ref  text,
    legacy_status       text,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payment_events (
    event_id    bigserial PRIMARY KEY,
    payment_id  bigint NOT NULL REFERENCES payments (payment_id),
    kind        text   NOT NULL,
    payload     jsonb  NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Kept for chargeback disputes: card networks allow 540 days to dispute a v1 payment.
CREATE TABLE payment_attempts_archive (
    attempt_id  bigint PRIMARY KEY,
    order_id    text NOT NULL,
    payload     jsonb NOT NULL,
    archived_at timestamptz NOT NULL
);
"""

CREATE_INVENTORY = """CREATE TABLE stock (
    sku       text PRIMARY KEY,
    on_hand   integer NOT NULL CHECK (on_hand >= 0)
);

CREATE TABLE reservations (
    order_id    text        NOT NULL,
    sku         text        NOT NULL REFERENCES stock (sku),
    quantity    integer     NOT NULL CHECK (quantity > 0),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (order_id, sku)
);
"""

PAYMENT_IDEMPOTENCY = """-- Stored so a replayed capture finds its payment; the gateway dedupes on the same key.
ALTER TABLE payments ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX payments_idempotency_key ON payments (idempotency_key);
"""

DELIVERY_REGIONS = """CREATE TABLE delivery_regions (
    postcode_prefix  text PRIMARY KEY,
    region           text NOT NULL
);

INSERT INTO delivery_regions (postcode_prefix, region) VALUES
    ('E', 'london'), ('EC', 'london'), ('N', 'london'), ('SE', 'london'), ('SW', 'london'),
    ('BN', 'south'), ('SO', 'south'), ('M', 'north'), ('LS', 'north'), ('NE', 'north'),
    ('EH', 'scotland'), ('G', 'scotland'), ('HS', 'islands'), ('KW', 'islands'), ('ZE', 'islands');
"""

ORDER_INDEXES = """-- Order history pages filter by customer and sort by date; this was a sequential scan.
CREATE INDEX CONCURRENTLY orders_customer_created ON orders (customer_id, created_at DESC);
"""

CHECK_MIGRATIONS = r"""#!/usr/bin/env bash
# Refuse migrations that cannot be applied twice or that destroy data without a reviewed backup step.
set -euo pipefail

status=0
for file in db/migrations/*.sql; do
  name=$(basename "$file")
  if ! [[ $name =~ ^[0-9]{4}_[a-z0-9_]+\.sql$ ]]; then
    echo "$name: migrations are named NNNN_description.sql" >&2
    status=1
  fi
  if grep -Eiq '\b(DROP (TABLE|COLUMN)|TRUNCATE)\b' "$file" && ! grep -q 'backup:' "$file"; then
    echo "$name: destructive statement without a '-- backup:' note" >&2
    status=1
  fi
done
exit $status
"""
