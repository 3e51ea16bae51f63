"""Harmless pending changes: the routine bulk of a real queue, which a reviewer should clear quickly."""

from __future__ import annotations

from reviewtui.demo.operations import Chmod, Edit
from reviewtui.demo.people import ELENA, MARCUS, PRIYA, TOMAS
from reviewtui.demo.provenance import claude_code, copilot, cursor, human
from reviewtui.demo.recipes import ChangeRecipe

DEPLOY_DOC = "docs/deploy.md"
REFUNDS = "services/payments/refunds.py"

DOCS_TYPOS = ChangeRecipe(
    "pr/109",
    "Harmless: typo fixes in docs/deploy.md",
    (
        copilot(
            "Fix typos in the deploy guide\n\nseperate -> separate, enviroment -> environment, recieve -> receive.",
            TOMAS,
            Edit(DEPLOY_DOC, "seperate release", "separate release"),
            Edit(DEPLOY_DOC, "one enviroment at a time", "one environment at a time"),
            Edit(DEPLOY_DOC, "You will recieve", "You will receive"),
        ),
    ),
)

README_WORDING = ChangeRecipe(
    "pr/113",
    "Harmless: README wording and setup instructions",
    (
        claude_code(
            "Clarify local setup steps in the README\n\n"
            "New joiners tripped over the Python version and did not know the storefront has its own\n"
            "tests. The intro now says what the repository is for in plain words.",
            PRIYA,
            Edit(
                "README.md",
                "The monorepo behind shop.example: the services that take an order from basket to doorstep, the\n"
                "storefront, and the infrastructure they run on.\n",
                "This repository holds everything behind shop.example: the services that take an order from the\n"
                "basket to the customer's door, the storefront, and the infrastructure they run on.\n",
            ),
            Edit(
                "README.md",
                "## Running the tests\n\n    python -m venv .venv",
                "## Running the tests\n\n"
                "You need Python 3.12. From the repository root:\n\n    python3.12 -m venv .venv",
            ),
            Edit(
                "README.md",
                "    pytest\n",
                "    pytest\n\nThe storefront has its own tests: `cd web && npm install && npm test`.\n",
            ),
        ),
    ),
)

PYTHON_DEPENDENCY_BUMP = ChangeRecipe(
    "pr/106",
    "Human-only: dependency bump in requirements.txt (no AI signal)",
    (
        human(
            "Bump requests to 2.32.4 and pytest to 8.3.5\n\n"
            "requests 2.32.4 carries the upstream fix for .netrc credential handling; pytest is a patch\n"
            "release. No code changes needed.",
            MARCUS,
            Edit("requirements.txt", "requests==2.32.3", "requests==2.32.4"),
            Edit("requirements.txt", "pytest==8.3.2", "pytest==8.3.5"),
        ),
    ),
)

WEB_DEPENDENCY_BUMP = ChangeRecipe(
    "copilot/bump-web-deps",
    "Harmless: devDependency bump in web/package.json on a copilot/ branch",
    (
        copilot(
            "Bump eslint, typescript and vitest to their latest patch releases\n\n"
            "Patch releases only; the lockfile is regenerated in CI. No source changes were needed.",
            TOMAS,
            Edit("web/package.json", '"eslint": "9.11.1"', '"eslint": "9.14.0"'),
            Edit("web/package.json", '"typescript": "5.6.2"', '"typescript": "5.6.3"'),
            Edit("web/package.json", '"vitest": "2.1.1"', '"vitest": "2.1.4"'),
        ),
    ),
)

REFUND_DOCSTRINGS = ChangeRecipe(
    "pr/112",
    "Harmless: docstrings added to the refund helpers",
    (
        cursor(
            "Document the refund helpers\n\n"
            "Adds docstrings saying what the refund error and result mean for callers, and why refunds\n"
            "take the amount already refunded.",
            MARCUS,
            Edit(
                REFUNDS,
                "class RefundError(Exception):\n    pass\n",
                "class RefundError(Exception):\n"
                '    """The refund was refused before reaching the gateway; nothing was refunded."""\n',
            ),
            Edit(
                REFUNDS,
                "class RefundResult:\n",
                "class RefundResult:\n"
                '    """What a refund did; `remaining` is what can still be refunded on the capture."""\n\n',
            ),
            Edit(
                REFUNDS,
                ") -> RefundResult:\n",
                ") -> RefundResult:\n"
                '    """Refund `amount` of a capture of `captured`, of which `already_refunded` is gone.\n\n'
                "    The caller passes what has already been refunded because the payments table, not the\n"
                "    gateway, is the source of truth for partial refunds.\n"
                '    """\n',
            ),
        ),
    ),
)

CI_MIGRATION_LINT = ChangeRecipe(
    "ai/ci-migration-lint",
    "CI workflow tweak plus a mode change (chmod +x scripts/check-migrations.sh); ai/ branch prefix only",
    (
        human(
            "Run the migration lint in CI\n\n"
            "The lint added with migration 0005 never ran anywhere. It now runs on every pull request,\n"
            "and the script is made executable so the workflow can call it directly.",
            ELENA,
            Edit(
                ".github/workflows/ci.yml",
                "      - run: npm test\n",
                "      - run: npm test\n\n"
                "  migrations:\n"
                "    runs-on: ubuntu-latest\n"
                "    steps:\n"
                "      - uses: actions/checkout@v4\n"
                "      - run: ./scripts/check-migrations.sh\n",
            ),
            Chmod("scripts/check-migrations.sh", executable=True),
        ),
    ),
)

CHORES = (
    DOCS_TYPOS,
    README_WORDING,
    PYTHON_DEPENDENCY_BUMP,
    WEB_DEPENDENCY_BUMP,
    REFUND_DOCSTRINGS,
    CI_MIGRATION_LINT,
)
