"""The pending changes of the demo queue, in the order their commits are dated.

The order interleaves PR refs and agent branches the way they arrive in a real week, so the queue's
default sort by age has something to do.
"""

from __future__ import annotations

from reviewtui.demo.changes import chores, features, incidents, oddities
from reviewtui.demo.recipes import ChangeRecipe

PENDING_CHANGES: tuple[ChangeRecipe, ...] = (
    incidents.RECREATE_STAGING,
    incidents.DROP_LEGACY_COLUMNS,
    incidents.DELETE_RETRY_TESTS,
    features.GIFT_CARDS,
    incidents.SWALLOW_CAPTURE_ERRORS,
    incidents.WEAKEN_REFUND_TESTS,
    incidents.CALENDAR_DAY_ESTIMATES,
    incidents.LEAKED_CREDENTIALS,
    incidents.GENERATED_CATALOG,
    chores.CI_MIGRATION_LINT,
    chores.PYTHON_DEPENDENCY_BUMP,
    incidents.TROJAN_SOURCE,
    features.ORDER_HISTORY,
    chores.WEB_DEPENDENCY_BUMP,
    features.QUANTITY_STEPPER,
    incidents.SPLIT_RESERVATIONS,
    chores.DOCS_TYPOS,
    oddities.WINDOWS_DEV_SETUP,
    incidents.LOGO_REFRESH,
    features.FREE_SHIPPING_FIX,
    features.EXPIRE_RESERVATIONS,
    oddities.LOCAL_DEV_CONFIG,
    chores.REFUND_DOCSTRINGS,
    chores.README_WORDING,
)


# Grouped by kind for readers and tests; PENDING_CHANGES above fixes the dating order.
GROUPS: tuple[tuple[ChangeRecipe, ...], ...] = (
    incidents.INCIDENTS,
    chores.CHORES,
    features.FEATURES,
    oddities.ODDITIES,
)
