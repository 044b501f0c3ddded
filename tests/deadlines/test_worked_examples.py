"""SPEC §3.1/§3.2 worked examples and boundary cases, on the seeded calendars."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deadlines.selectors import calendar_add

SH = ZoneInfo("Asia/Shanghai")
HALF_WORKING_DAY = timedelta(hours=3, minutes=30)  # §3.1 Decision


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


pytestmark = pytest.mark.usefixtures("calendars")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 11, 20, 16), at(2026, 11, 23, 10, 30)),  # Fri → Mon
        (at(2026, 11, 21, 10), at(2026, 11, 23, 12)),  # Sat → Mon, due exactly at a closing time
        (at(2026, 9, 30, 16), at(2026, 10, 8, 10, 30)),  # National Day 10-01…10-07
        (at(2026, 2, 13, 16), at(2026, 2, 14, 10, 30)),  # Sat 02-14 is a make-up working day
    ],
)
def test_workday_half_day_spec_examples(received, due):
    assert calendar_add("CAL-WORKDAY", received, HALF_WORKING_DAY) == due


@pytest.mark.parametrize(
    ("approved", "due"),
    [
        (at(2026, 11, 20, 19, 30), at(2026, 11, 21, 9, 30)),  # night 20:00–08:00 excluded
        (at(2026, 11, 20, 11), at(2026, 11, 20, 15, 30)),  # lunch 12:00–14:30 excluded
    ],
)
def test_service_two_hours_spec_examples(approved, due):
    assert calendar_add("CAL-SERVICE", approved, timedelta(hours=2)) == due


def test_service_calendar_ignores_holidays():
    # CAL-SERVICE is "every day": National Day counts like any other day.
    assert calendar_add("CAL-SERVICE", at(2026, 10, 1, 8), timedelta(hours=2)) == at(2026, 10, 1, 10)


def test_due_exactly_at_closing_time_stays_there():
    # §3.1: consuming the last minute exactly at 12:00 gives 12:00, not 14:00.
    assert calendar_add("CAL-WORKDAY", at(2026, 11, 23, 11), timedelta(hours=1)) == at(2026, 11, 23, 12)
    assert calendar_add("CAL-WORKDAY", at(2026, 11, 23, 17), timedelta(minutes=30)) == at(2026, 11, 23, 17, 30)


def test_start_at_closing_time_counts_from_next_opening():
    assert calendar_add("CAL-WORKDAY", at(2026, 11, 23, 12), timedelta(seconds=1)) == at(2026, 11, 23, 14, 0, 1)


def test_start_inside_lunch_counts_from_afternoon_opening():
    assert calendar_add("CAL-WORKDAY", at(2026, 11, 23, 13, 15), timedelta(minutes=5)) == at(2026, 11, 23, 14, 5)


def test_exact_to_the_second_and_microsecond():
    start = at(2026, 11, 23, 11, 59, 30, 250_000)
    assert calendar_add("CAL-WORKDAY", start, timedelta(seconds=45)) == at(2026, 11, 23, 14, 0, 15, 250_000)


def test_zero_duration_is_due_at_start_even_when_closed():
    start = at(2026, 11, 21, 3)  # Saturday night
    assert calendar_add("CAL-WORKDAY", start, timedelta(0)) == start


def test_negative_duration_is_refused():
    with pytest.raises(ValueError, match="negative"):
        calendar_add("CAL-WORKDAY", at(2026, 11, 23, 9), timedelta(seconds=-1))


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="aware"):
        calendar_add("CAL-WORKDAY", datetime(2026, 11, 23, 9), timedelta(hours=1))


def test_year_end_crossing_over_new_year_holiday():
    # 2025-12-31 (Wed) 16:00: 1.5 h left that day; 2026-01-01…03 New Year holiday; Sun 01-04 is a
    # make-up working day, so the remaining 2 h end there at 10:30.
    assert calendar_add("CAL-WORKDAY", at(2025, 12, 31, 16), HALF_WORKING_DAY) == at(2026, 1, 4, 10, 30)


def test_year_end_crossing_into_a_year_without_holiday_data():
    # 2026-12-31 is a Thursday; 2027 is not in the holiday table yet: plain Monday–Friday, so
    # New Year's Day 2027 (Friday) counts as a working day until an administrator enters it.
    assert calendar_add("CAL-WORKDAY", at(2026, 12, 31, 16), HALF_WORKING_DAY) == at(2027, 1, 1, 10, 30)


def test_ten_working_days_across_spring_festival():
    # 2026-02-13 (Fri) 08:30 + 70 h: 02-13, 02-14 (make-up), then holiday 02-15…02-23, then
    # 02-24…02-27, 02-28 (make-up), 03-02, 03-03, 03-04 → the tenth working day ends 03-04 17:30.
    assert calendar_add("CAL-WORKDAY", at(2026, 2, 13, 8, 30), timedelta(hours=70)) == at(2026, 3, 4, 17, 30)


def test_far_years_outside_the_holiday_table_are_plain_weekdays():
    assert calendar_add("CAL-WORKDAY", at(2040, 6, 1, 16), HALF_WORKING_DAY) == at(2040, 6, 4, 10, 30)  # Fri
    assert calendar_add("CAL-WORKDAY", at(1999, 12, 31, 16), HALF_WORKING_DAY) == at(2000, 1, 3, 10, 30)


def test_24x7_is_wall_clock():
    assert calendar_add("CAL-24x7", at(2026, 12, 31, 23, 30), timedelta(hours=2)) == at(2027, 1, 1, 1, 30)
    assert calendar_add("CAL-24x7", at(2026, 10, 1, 3), timedelta(minutes=30)) == at(2026, 10, 1, 3, 30)


def test_result_is_in_shanghai_whatever_the_input_zone():
    start_utc = datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("UTC"))  # = 16:00 Shanghai
    due = calendar_add("CAL-WORKDAY", start_utc, HALF_WORKING_DAY)
    assert due == at(2026, 11, 23, 10, 30)
    assert due.utcoffset() == timedelta(hours=8)
