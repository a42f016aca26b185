"""Business-hours delays, checked by hand against the calendar (weekends, midnight, DST)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from postmortem.analysis import analyse
from postmortem.analysis.business import parse_business_hours, parse_weekdays
from postmortem.analysis.results import AnalysisOptions
from postmortem.errors import UsageError
from tests.conftest import make_thread

LONDON = ZoneInfo("Europe/London")


def hours(spec: str = "09:00-17:00", days: str = "mon-fri"):
    return parse_business_hours(spec, days, LONDON, "Europe/London")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def test_friday_evening_to_monday_morning() -> None:
    # Fri 16:00 -> Mon 10:00: one hour on Friday, one on Monday.
    assert hours().seconds_between(local(2024, 3, 8, 16), local(2024, 3, 11, 10)) == 7200


def test_weekend_only_delay_is_zero() -> None:
    assert hours().seconds_between(local(2024, 3, 9, 10), local(2024, 3, 10, 15)) == 0


def test_overnight_hours_cross_midnight() -> None:
    night = hours("22:00-02:00", "all")
    assert night.seconds_between(local(2024, 3, 5, 23), local(2024, 3, 6, 1)) == 7200
    assert night.seconds_between(local(2024, 3, 6, 2), local(2024, 3, 6, 21)) == 0


def test_dst_spring_forward_day_has_23_hours() -> None:
    # Europe/London moved from GMT to BST at 01:00 on Sunday 31 March 2024.
    always = hours("00:00-24:00", "all")
    assert always.seconds_between(local(2024, 3, 30, 12), local(2024, 3, 31, 12)) == 23 * 3600
    office = hours()
    # Mon 1 Apr 08:00 BST (07:00 UTC) -> 10:00 BST: one business hour.
    start = datetime(2024, 4, 1, 7, tzinfo=timezone.utc)
    assert office.seconds_between(start, datetime(2024, 4, 1, 9, tzinfo=timezone.utc)) == 3600


@pytest.mark.parametrize(
    ("text", "days"), [("mon-fri", {0, 1, 2, 3, 4}), ("sat-sun", {5, 6}), ("fri-mon", {4, 5, 6, 0}), ("mon,wed", {0, 2})]
)
def test_weekdays(text: str, days: set[int]) -> None:
    assert parse_weekdays(text) == days


@pytest.mark.parametrize(("spec", "days"), [("9-5", "mon-fri"), ("09:00-09:00", "mon-fri"), ("09:00-17:00", "funday")])
def test_bad_business_hours(spec: str, days: str) -> None:
    with pytest.raises(UsageError):
        parse_business_hours(spec, days, LONDON, "Europe/London")


def test_business_figures_beside_calendar_ones() -> None:
    # 2024-03-01 is a Friday. T0 = 09:00 UTC = 09:00 London (GMT).
    # Post 1 Fri 16:30 answered Mon 09:30: calendar 65 h, business 30 min + 30 min = 1 h.
    # Post 3 Mon 10:00 answered 10:20: 20 min both ways.
    thread = make_thread(
        [
            ("1", None, "cust", 7 * 60 + 30, "@shop my order is lost"),
            ("2", "1", "shop", 3 * 24 * 60 + 30, "@cust sorry, checking now"),
            ("3", None, "other", 3 * 24 * 60 + 60, "@shop refund please"),
            ("4", "3", "shop", 3 * 24 * 60 + 80, "@other done"),
        ],
        company=("shop",),
    )
    options = AnalysisOptions(target_s=3600, tz="Europe/London", business_hours="09:00-17:00")
    r = analyse(thread, options).response
    assert r.first_response_s == 65 * 3600
    assert r.business_first_response_s == 3600
    assert r.business_median_response_s == pytest.approx((3600 + 1200) / 2)
    assert r.business_max_response_s == 3600
    assert (r.breaches, r.business_breaches) == (1, 0)
    assert r.business_hours == "09:00-17:00 mon-fri (Europe/London)"
    assert [c.business_s for c in r.per_complainant] == [3600, 1200]
