"""The delivery-estimates service: promised delivery dates by carrier and region."""

from __future__ import annotations

REGIONS = r'''"""Carrier transit times by region, in working days, as agreed in the carrier contracts."""

from __future__ import annotations

TRANSIT_DAYS: dict[str, dict[str, int]] = {
    "parcelco": {"london": 1, "south": 2, "north": 2, "scotland": 3, "islands": 5},
    "swiftpost": {"london": 1, "south": 1, "north": 2, "scotland": 2, "islands": 4},
}


class UnknownRoute(LookupError):
    """No contract covers this carrier and region, so we must not promise a date."""


def transit_days(carrier: str, region: str) -> int:
    try:
        return TRANSIT_DAYS[carrier][region]
    except KeyError:
        raise UnknownRoute(f"no transit time for {carrier} to {region}") from None
'''

ESTIMATES_V1 = r'''"""Promised delivery dates shown at checkout."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from regions import transit_days

DISPATCH_CUTOFF_HOUR = 14  # orders after 14:00 leave the warehouse the next day
HANDLING_DAYS = 1


def estimate_delivery(ordered_at: datetime, carrier: str, region: str) -> date:
    """Date the parcel arrives if the order is placed at `ordered_at` (warehouse local time)."""
    dispatch = ordered_at.date()
    if ordered_at.hour >= DISPATCH_CUTOFF_HOUR:
        dispatch += timedelta(days=1)
    return dispatch + timedelta(days=HANDLING_DAYS + transit_days(carrier, region))
'''

ESTIMATES_TESTS_V1 = r"""from datetime import date, datetime

import pytest
from estimates import estimate_delivery
from regions import UnknownRoute


def test_morning_order_to_london():
    # Tuesday 10:00: one day handling plus one day transit.
    assert estimate_delivery(datetime(2026, 9, 15, 10, 0), "parcelco", "london") == date(2026, 9, 17)


def test_order_after_cutoff_dispatches_the_next_day():
    assert estimate_delivery(datetime(2026, 9, 15, 15, 0), "parcelco", "london") == date(2026, 9, 18)


def test_unknown_route_is_refused():
    with pytest.raises(UnknownRoute):
        estimate_delivery(datetime(2026, 9, 15, 10, 0), "parcelco", "moon")
"""

ESTIMATES_V2 = r'''"""Promised delivery dates shown at checkout.

The promise is a contract with the customer: it must never be earlier than the carrier can deliver, so
when in doubt it errs late.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from regions import transit_days

DISPATCH_CUTOFF_HOUR = 14  # orders after 14:00 leave the warehouse the next working day
HANDLING_DAYS = 1


def add_working_days(start: date, days: int) -> date:
    """Carriers neither collect nor deliver at weekends, so weekends never count toward a promise."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def estimate_delivery(ordered_at: datetime, carrier: str, region: str) -> date:
    """Date the parcel arrives if the order is placed at `ordered_at` (warehouse local time)."""
    dispatch = ordered_at.date()
    if ordered_at.hour >= DISPATCH_CUTOFF_HOUR or dispatch.weekday() >= 5:
        dispatch = add_working_days(dispatch, 1)
    return add_working_days(dispatch, HANDLING_DAYS + transit_days(carrier, region))
'''

ESTIMATES_TESTS_V2 = r"""from datetime import date, datetime

import pytest
from estimates import add_working_days, estimate_delivery
from regions import UnknownRoute


def test_morning_order_to_london():
    # Tuesday 10:00: one day handling plus one day transit.
    assert estimate_delivery(datetime(2026, 9, 15, 10, 0), "parcelco", "london") == date(2026, 9, 17)


def test_order_after_cutoff_dispatches_the_next_day():
    assert estimate_delivery(datetime(2026, 9, 15, 15, 0), "parcelco", "london") == date(2026, 9, 18)


def test_weekend_does_not_count_toward_transit():
    # Thursday 11:00 to Scotland: 1 handling + 3 transit working days lands on Wednesday.
    assert estimate_delivery(datetime(2026, 9, 17, 11, 0), "parcelco", "scotland") == date(2026, 9, 23)


def test_saturday_order_waits_for_monday_dispatch():
    assert estimate_delivery(datetime(2026, 9, 19, 9, 0), "swiftpost", "london") == date(2026, 9, 23)


def test_add_working_days_skips_the_weekend():
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 21)


def test_unknown_route_is_refused():
    with pytest.raises(UnknownRoute):
        estimate_delivery(datetime(2026, 9, 15, 10, 0), "parcelco", "moon")
"""

# "Add next-day carrier to delivery estimates"
NEXTDAY_OLD = """    "swiftpost": {"london": 1, "south": 1, "north": 2, "scotland": 2, "islands": 4},
"""
NEXTDAY_NEW = """    "swiftpost": {"london": 1, "south": 1, "north": 2, "scotland": 2, "islands": 4},
    # Next-day does not serve the islands; checkout hides it there rather than promising a date.
    "nextday": {"london": 0, "south": 0, "north": 0, "scotland": 0},
"""
NEXTDAY_TESTS = r"""

def test_nextday_arrives_the_working_day_after_dispatch():
    # Friday 09:00: handling takes Friday into Monday, next-day transit adds nothing.
    assert estimate_delivery(datetime(2026, 10, 16, 9, 0), "nextday", "north") == date(2026, 10, 19)


def test_nextday_does_not_serve_the_islands():
    with pytest.raises(UnknownRoute):
        estimate_delivery(datetime(2026, 10, 16, 9, 0), "nextday", "islands")
"""
