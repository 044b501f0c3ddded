"""calendar_elapsed / calendar_remaining contracts (SPEC §3.1)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deadlines.selectors import calendar_add, calendar_elapsed, calendar_remaining

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("calendars")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_elapsed_skips_nights_weekends_and_holidays():
    # Wed 09-30 16:00 → Thu 10-08 10:30: 1.5 h on 09-30, National Day off, 2 h on 10-08.
    assert calendar_elapsed("CAL-WORKDAY", at(2026, 9, 30, 16), at(2026, 10, 8, 10, 30)) == timedelta(hours=3.5)


def test_elapsed_counts_make_up_day():
    assert calendar_elapsed("CAL-WORKDAY", at(2026, 2, 14, 0), at(2026, 2, 15, 0)) == timedelta(hours=7)


def test_elapsed_of_a_closed_span_is_zero():
    assert calendar_elapsed("CAL-WORKDAY", at(2026, 11, 21, 9), at(2026, 11, 22, 18)) == timedelta(0)
    assert calendar_elapsed("CAL-SERVICE", at(2026, 11, 21, 12), at(2026, 11, 21, 14, 30)) == timedelta(0)


def test_elapsed_is_antisymmetric():
    a, b = at(2026, 11, 20, 16), at(2026, 11, 23, 10, 30)
    assert calendar_elapsed("CAL-WORKDAY", b, a) == -calendar_elapsed("CAL-WORKDAY", a, b) == -timedelta(hours=3.5)
    assert calendar_elapsed("CAL-WORKDAY", a, a) == timedelta(0)


def test_elapsed_24x7_is_wall_clock():
    assert calendar_elapsed("CAL-24x7", at(2026, 12, 31, 23), at(2027, 1, 1, 1)) == timedelta(hours=2)


def test_elapsed_across_many_years_including_years_without_holiday_data():
    # 2030-01-07 and 2031-01-06 are both Mondays; 2030 has no holiday rows: 52 weeks × 5 days × 7 h.
    assert calendar_elapsed("CAL-WORKDAY", at(2030, 1, 7), at(2031, 1, 6)) == timedelta(hours=52 * 5 * 7)


def test_remaining_before_at_and_after_due():
    due = calendar_add("CAL-WORKDAY", at(2026, 11, 20, 16), timedelta(hours=3.5))  # Mon 10:30
    assert calendar_remaining("CAL-WORKDAY", at(2026, 11, 21, 12), due) == timedelta(hours=2)  # weekend
    assert calendar_remaining("CAL-WORKDAY", due, due) == timedelta(0)
    assert calendar_remaining("CAL-WORKDAY", at(2026, 11, 23, 15), due) == -timedelta(hours=2, minutes=30)


def test_remaining_is_zero_when_only_closed_time_is_left():
    # Due at 12:00, it is 13:00: overdue in wall time, but no open time has passed since.
    assert calendar_remaining("CAL-WORKDAY", at(2026, 11, 23, 13), at(2026, 11, 23, 12)) == timedelta(0)
