"""Infrastructure rules (50-infra.toml): CI, images and IaC edits, Terraform destroys and removed safeguards,
destructive commands, CI supply chain and migrations; plus the demo repository end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewtui.analysis import Analysis
from reviewtui.rules.finding import Finding, Side
from reviewtui.rules.rule import Severity
from reviewtui.rules.ruleset import builtin_rules
from tests.rules.ruletest import rule_hits, scan_files

Where = tuple[str, int | None, Side | None, tuple[int, int] | None]
NEW, OLD = Side.NEW, Side.OLD


def where(findings: list[Finding]) -> list[Where]:
    return [(f.path or "", f.line, f.side, f.span) for f in findings]


def of(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def test_ci_container_and_iac_file_edits(tmp_path: Path) -> None:
    before = {
        ".github/workflows/ci.yml": "on: push\n",
        ".github/dependabot.yml": "version: 2\n",
        "Dockerfile": "FROM python:3.12\n",
        "infra/main.tf": 'variable "x" {}\n',
        "deploy/README.md": "How to deploy\n",
        "docs/deploy.md": "Deploying\n",
    }
    after = {
        ".github/workflows/ci.yml": "on: [push, pull_request]\n",
        ".github/dependabot.yml": "version: 2\nupdates: []\n",
        ".gitlab-ci.yml": "test:\n  script: make\n",
        "Dockerfile": "FROM python:3.12-slim\n",
        "scripts/docker.sh": "docker build .\n",
        "infra/main.tf": 'variable "x" {\n  type = string\n}\n',
        "k8s/deployment.yaml": "kind: Deployment\n",
        "deploy/README.md": "How to deploy, again\n",
        "docs/deploy.md": "Deploying, again\n",
    }
    findings = scan_files(tmp_path, before, after)
    assert [(f.path, f.message.rsplit("(", 1)[1]) for f in of(findings, "ci-pipeline-changed")] == [
        (".github/workflows/ci.yml", "modified)"),
        (".gitlab-ci.yml", "added)"),
    ]
    assert [f.path for f in of(findings, "container-build-changed")] == ["Dockerfile"]
    assert [f.path for f in of(findings, "infrastructure-as-code-changed")] == ["infra/main.tf", "k8s/deployment.yaml"]
    assert of(findings, "ci-pipeline-changed")[0].line is None  # a file finding, not a line finding


MAIN_TF = """resource "aws_db_instance" "shop" {
  identifier          = "shop"
  deletion_protection = true

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket" "exports" {
  bucket = "shop-exports"
}

resource "aws_security_group_rule" "old" {
  type = "ingress"
}

resource "aws_ecs_cluster" "shop" {
  name = "shop"
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
"""

MAIN_TF_AFTER = """resource "aws_db_instance" "main" {
  identifier          = "shop"
  deletion_protection = false
}

resource "aws_ecs_cluster" "primary" {
  name = "shop"
}

moved {
  from = aws_ecs_cluster.shop
  to   = aws_ecs_cluster.primary
}

resource "aws_ecr_repository" "images" {
  name          = "shop-images"
  force_destroy = true
}
"""

QUEUE_TF = """resource "aws_sqs_queue" "jobs" {
  name = "jobs"

  lifecycle { prevent_destroy = true }
}
"""


def test_terraform_destroys_and_removed_safeguards(tmp_path: Path) -> None:
    after = {
        "infra/main.tf": MAIN_TF_AFTER,
        # aws_sqs_queue.jobs moves to its own file (near-miss for both checks); its prevent_destroy moves along.
        "infra/queue.tf": QUEUE_TF,
        "infra/db.tf": 'resource "aws_db_instance" "replica" {\n  skip_final_snapshot = true\n'
        "  deletion_protection = true\n}\n",
        "infra/staging.tfvars": "skip_final_snapshot = false\nforce_destroy = false\n",
    }
    findings = scan_files(tmp_path, {"infra/main.tf": MAIN_TF}, after)
    destroyed = of(findings, "terraform-resource-destroyed")
    # the db rename and the removed bucket fire; the moved cluster, the moved queue and the removed
    # security-group rule (not stateful) do not.
    assert where(destroyed) == [("infra/main.tf", 1, OLD, (0, 33)), ("infra/main.tf", 10, OLD, (0, 34))]
    assert destroyed[0].message.endswith(
        "(aws_db_instance.shop becomes aws_db_instance.main: Terraform destroys it and creates aws_db_instance.main)"
    )
    assert "aws_s3_bucket.exports is removed" in destroyed[1].message
    assert all(f.severity is Severity.CRITICAL for f in destroyed)
    protection = of(findings, "terraform-destroy-protection-removed")
    # deletion_protection set false on line 3 (the removed `true` on old line 3 is the same edit, reported once);
    # the db's prevent_destroy removed; the queue's prevent_destroy moved to queue.tf (near-miss).
    assert where(protection) == [("infra/main.tf", 3, NEW, (2, 29)), ("infra/main.tf", 6, OLD, (4, 26))]
    assert [f.message.rsplit("(", 1)[1] for f in protection] == [
        "deletion_protection set to false)",
        "prevent_destroy removed)",
    ]
    assert where(of(findings, "terraform-force-destroy")) == [("infra/main.tf", 17, NEW, (0, 22))]
    assert where(of(findings, "terraform-skip-final-snapshot")) == [("infra/db.tf", 2, NEW, (0, 28))]


TEARDOWN = """#!/usr/bin/env bash
set -euo pipefail
terraform -chdir=infra plan -out=tfplan
terraform -chdir=infra apply tfplan
terraform -chdir=infra apply -input=false -auto-approve
terraform destroy -auto-approve
kubectl apply -f k8s/
kubectl --context prod delete namespace shop
helm upgrade --install shop charts/shop
helm uninstall shop
rm -rf /var/lib/apt/lists/*
rm -rf "${BUILD_DIR:?}/out"
rm -rf "$BUILD_DIR/"*
rm -rf "$tmpdir"
"""


def test_destructive_commands_in_scripts_and_pipelines(tmp_path: Path) -> None:
    after = {
        "scripts/teardown.sh": TEARDOWN,
        ".github/workflows/nightly.yml": "jobs:\n  t:\n    steps:\n      - run: terraform destroy -auto-approve\n",
        "tests/e2e/cleanup.sh": "kubectl delete namespace e2e\n",
        "docs/runbook.md": "terraform destroy\n",
        "Dockerfile": "FROM debian:12\nRUN rm -rf /\n",
    }
    findings = scan_files(tmp_path, {}, after)
    assert where(of(findings, "terraform-destroy-command")) == [
        (".github/workflows/nightly.yml", 4, NEW, (13, 30)),
        ("scripts/teardown.sh", 6, NEW, (0, 17)),
    ]
    assert where(of(findings, "terraform-auto-approve")) == [("scripts/teardown.sh", 5, NEW, (0, 55))]
    assert where(of(findings, "kubernetes-delete-command")) == [
        ("scripts/teardown.sh", 8, NEW, (0, 29)),
        ("scripts/teardown.sh", 10, NEW, (0, 14)),
    ]
    assert where(of(findings, "recursive-delete-of-variable-path")) == [
        ("Dockerfile", 2, NEW, (4, 12)),
        ("scripts/teardown.sh", 13, NEW, (0, 19)),
    ]


def test_github_actions_supply_chain(tmp_path: Path) -> None:
    workflow = """on:
  pull_request:
  pull_request_target:
jobs:
  t:
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v45
      - uses: tj-actions/verify-changed-files@0123456789abcdef0123456789abcdef01234567
      - uses: ./.github/actions/setup
"""
    findings = scan_files(tmp_path, {}, {".github/workflows/pr.yml": workflow, "docs/ci.md": "pull_request_target\n"})
    assert where(of(findings, "github-actions-pull-request-target")) == [(".github/workflows/pr.yml", 3, NEW, (2, 21))]
    assert where(of(findings, "github-actions-unpinned-action")) == [(".github/workflows/pr.yml", 8, NEW, (14, 42))]


UP_SQL = """-- drop the v1 leftovers; DROP TABLE in a comment is not reported
ALTER TABLE payments DROP COLUMN legacy_ref;
DROP TABLE payment_attempts_archive;
TRUNCATE TABLE payment_events;
DELETE FROM sessions;
DELETE FROM carts
WHERE updated_at < now() - interval '90 days';
DELETE FROM audit_log
;
DROP INDEX payments_legacy_idx;
CREATE TABLE tmp_backfill (id bigint);
DROP TABLE IF EXISTS tmp_backfill;
"""

ALEMBIC = '''"""drop legacy"""
from alembic import op


def upgrade() -> None:
    op.drop_column("payments", "legacy_status")


def downgrade() -> None:
    op.drop_table("payments_v2")
'''

DJANGO = """from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RemoveField(model_name="order", name="legacy_code"),
        migrations.AddField(model_name="order", name="note", field=None),
    ]
"""

RAILS = """class DropLegacy < ActiveRecord::Migration[7.1]
  def up
    remove_column :orders, :legacy_code
  end

  def down
    drop_table :orders_v2
  end
end
"""


def test_destructive_migrations(tmp_path: Path) -> None:
    after = {
        "db/migrations/0007_drop_legacy.sql": UP_SQL,
        "db/migrations/0007_create_users.down.sql": "DROP TABLE users;\n",
        "alembic/versions/abc123_drop_legacy.py": ALEMBIC,
        "shop/orders/migrations/0009_remove_legacy.py": DJANGO,
        "db/migrate/20250101000000_drop_legacy.rb": RAILS,
        "scripts/check-migrations.sh": "grep -Ei 'DROP (TABLE|COLUMN)' db/migrations/*.sql\n",
        "tests/fixtures/schema.sql": "DROP TABLE x;\n",
    }
    findings = rule_hits(tmp_path, "destructive-migration", {}, after)
    assert [(f.path, f.line, f.span, f.message.rsplit("(", 1)[1]) for f in findings] == [
        ("alembic/versions/abc123_drop_legacy.py", 6, (4, 19), "op.drop_column)"),
        ("db/migrate/20250101000000_drop_legacy.rb", 3, (0, 17), "remove_column)"),
        ("db/migrations/0007_drop_legacy.sql", 2, (21, 32), "DROP COLUMN)"),
        ("db/migrations/0007_drop_legacy.sql", 3, (0, 35), "DROP TABLE)"),
        ("db/migrations/0007_drop_legacy.sql", 4, (0, 16), "TRUNCATE)"),
        ("db/migrations/0007_drop_legacy.sql", 5, (0, 20), "DELETE without WHERE)"),
        ("db/migrations/0007_drop_legacy.sql", 8, (0, 21), "DELETE without WHERE)"),
        ("shop/orders/migrations/0009_remove_legacy.py", 6, (8, 31), "migrations.RemoveField)"),
    ]
    assert all(f.side is NEW and f.severity is Severity.CRITICAL for f in findings)


def test_down_migrations_are_reported_when_asked(tmp_path: Path) -> None:
    pack = """
[[rule]]
id = "strict-destructive-migration"
title = "Destructive migration, down included"
severity = "high"
scope = "added"
check = "destructive-migration"
paths = ["**/*.sql"]
message = "Destructive"
[rule.options]
include_down = true
"""
    findings = rule_hits(
        tmp_path,
        "strict-destructive-migration",
        {".reviewtui/rules/strict.toml": pack},
        {"db/0001_users.down.sql": "DROP TABLE users;\n", "db/0002_goose.sql": "-- +goose Down\nDROP TABLE x;\n"},
    )
    assert where(findings) == [("db/0001_users.down.sql", 1, NEW, (0, 16)), ("db/0002_goose.sql", 2, NEW, (0, 12))]


NOT_NULL_SQL = """ALTER TABLE orders ADD COLUMN region text NOT NULL;
ALTER TABLE orders ADD COLUMN channel text NOT NULL DEFAULT 'web';
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE orders ADD CONSTRAINT region_present CHECK (region IS NOT NULL) NOT VALID;
CREATE TABLE gift_cards (code text PRIMARY KEY);
ALTER TABLE gift_cards
    ADD COLUMN balance numeric NOT NULL;
"""

ALEMBIC_NOT_NULL = """from alembic import op
import sqlalchemy as sa


def upgrade() -> None:
    op.add_column("orders", sa.Column("tier", sa.Text(), nullable=False))
    op.add_column("orders", sa.Column("source", sa.Text(), nullable=False, server_default="web"))
"""


def test_not_null_without_default_on_existing_tables(tmp_path: Path) -> None:
    after = {"db/migrations/0008_regions.sql": NOT_NULL_SQL, "alembic/versions/def456_tier.py": ALEMBIC_NOT_NULL}
    findings = rule_hits(tmp_path, "migration-not-null-without-default", {}, after)
    assert [(f.path, f.line, f.span, f.message.rsplit("(", 1)[1]) for f in findings] == [
        ("alembic/versions/def456_tier.py", 6, (4, 71), "NOT NULL on an existing table)"),
        ("db/migrations/0008_regions.sql", 1, (19, 50), "ADD COLUMN ... NOT NULL without DEFAULT)"),
        ("db/migrations/0008_regions.sql", 3, (19, 56), "SET NOT NULL)"),
    ]
    assert all(f.side is NEW and f.severity is Severity.HIGH for f in findings)


def test_migration_added_and_applied_migration_edited(tmp_path: Path) -> None:
    before = {
        "db/migrations/0001_orders.sql": "CREATE TABLE orders (id bigint);\n",
        "db/migrations/0002_payments.sql": "CREATE TABLE payments (id bigint);\n",
        "db/migrations/README.md": "Migrations\n",
        "alembic/versions/__init__.py": "",
    }
    after = {
        "db/migrations/0001_orders.sql": "CREATE TABLE orders (id bigint, note text);\n",
        "db/migrations/0002_payments.sql": None,
        "db/migrations/0003_refunds.sql": "CREATE TABLE refunds (id bigint);\n",
        "db/migrations/README.md": "Migrations, forward only\n",
        "alembic/versions/__init__.py": "# package\n",
        "services/payments/migrations.md": "notes\n",
    }
    findings = scan_files(tmp_path, before, after)
    assert [(f.path, f.message.rsplit("(", 1)[1]) for f in of(findings, "database-migration-added")] == [
        ("db/migrations/0003_refunds.sql", "added)")
    ]
    assert [(f.path, f.message.rsplit("(", 1)[1]) for f in of(findings, "applied-migration-edited")] == [
        ("db/migrations/0001_orders.sql", "modified)"),
        ("db/migrations/0002_payments.sql", "deleted)"),
    ]


# --------------------------------------------------------------------------------------------------------------------
# The demo repository, end to end

MY_RULES = frozenset(r.id for r in builtin_rules() if r.origin in ("builtin:40-supply.toml", "builtin:50-infra.toml"))


@pytest.fixture(scope="module")
def demo_findings(demo_analyses: dict[str, Analysis]) -> dict[str, list[Finding]]:
    return {change_id: [f for f in a.findings if f.rule in MY_RULES] for change_id, a in demo_analyses.items()}


def summary(findings: list[Finding]) -> list[tuple[str, str | None, int | None, Side | None]]:
    return [(f.rule, f.path, f.line, f.side) for f in findings]


def test_the_demo_queue(demo_findings: dict[str, list[Finding]]) -> None:
    assert len(MY_RULES) >= 20
    main_tf = "infra/terraform/main.tf"
    assert summary(demo_findings["pr/101"]) == [
        ("infrastructure-as-code-changed", main_tf, None, None),
        ("terraform-resource-destroyed", main_tf, 40, OLD),  # aws_ecs_cluster.shop -> main
        ("terraform-resource-destroyed", main_tf, 75, OLD),  # aws_db_instance.shop -> main
        ("terraform-destroy-protection-removed", main_tf, 85, NEW),  # deletion_protection = false
        ("terraform-skip-final-snapshot", main_tf, 86, NEW),
        ("terraform-destroy-protection-removed", main_tf, 90, OLD),  # prevent_destroy removed
        ("infrastructure-as-code-changed", "infra/terraform/outputs.tf", None, None),
    ]
    drop = "db/migrations/0007_drop_legacy_payment_columns.sql"
    assert summary(demo_findings["codex/drop-legacy-payment-columns"]) == [
        ("database-migration-added", drop, None, None),
        ("destructive-migration", drop, 2, NEW),
        ("destructive-migration", drop, 3, NEW),
        ("destructive-migration", drop, 4, NEW),
        ("destructive-migration", drop, 7, NEW),
    ]
    # A migration that only creates tables is a new migration, not a destructive one.
    assert summary(demo_findings["kiro/gift-cards"]) == [
        ("database-migration-added", "db/migrations/0007_gift_cards.sql", None, None)
    ]
    assert summary(demo_findings["ai/ci-migration-lint"]) == [
        ("ci-pipeline-changed", ".github/workflows/ci.yml", None, None)
    ]
    # boto3 really is new to the repository (and pinned, and not a look-alike).
    assert summary(demo_findings["claude/s3-order-export"]) == [("new-dependency", "requirements.txt", 1, NEW)]
    # Version bumps are not new dependencies; docs-only changes trigger nothing here.
    for change_id in ("pr/106", "copilot/bump-web-deps", "pr/109", "pr/112", "pr/113"):
        assert demo_findings[change_id] == [], change_id
    # Nothing in the demo imports a module that does not exist.
    assert not any(f.rule == "import-of-unknown-module" for fs in demo_findings.values() for f in fs)
