"""Property tests: the compiled engine against a deliberately naive minute-stepping reference.

The reference knows the §3.1 rules directly (periods written out here, working days from the
HolidayDate rows) and walks one minute at a time, so it shares no code with deadlines.engine.
Inputs for the comparison are minute-aligned; the algebraic properties use arbitrary microseconds.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deadlines.models import HolidayDate
from deadlines.selectors import calendar_add, calendar_elapsed

SH = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)
PERIODS = {
    "CAL-WORKDAY": [(time(8, 30), time(12)), (time(14), time(17, 30))],
    "CAL-SERVICE": [(time(8), time(12)), (time(14, 30), time(20))],
}

pytestmark = pytest.mark.usefixtures("calendars")
examples = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class NaiveCalendar:
    """Minute [t, t+1) is open when t's day is open and t lies in a period."""

    def __init__(self, code: str):
        self.periods = PERIODS[code]
        self.uses_workdays = code == "CAL-WORKDAY"
        rows = dict(HolidayDate.objects.values_list("date", "kind"))
        self.makeup = {d for d, kind in rows.items() if kind == HolidayDate.Kind.MAKEUP_WORKDAY}
        self.rest = {d for d, kind in rows.items() if kind != HolidayDate.Kind.MAKEUP_WORKDAY}

    def day_open(self, day: date) -> bool:
        if not self.uses_workdays:
            return True
        return day in self.makeup or (day.weekday() < 5 and day not in self.rest)

    def minute_open(self, t: datetime) -> bool:
        return self.day_open(t.date()) and any(a <= t.time() < b for a, b in self.periods)

    def add(self, start: datetime, minutes: int) -> datetime:
        t = start
        while minutes:
            if self.minute_open(t):
                minutes -= 1
            t += MINUTE
        return t

    def elapsed_minutes(self, start: datetime, end: datetime) -> int:
        count, t = 0, start
        while t < end:
            count += self.minute_open(t)
            t += MINUTE
        return count


def naive_local(moment: datetime) -> datetime:
    return moment.astimezone(SH).replace(tzinfo=None)


calendar_codes = st.sampled_from(["CAL-WORKDAY", "CAL-SERVICE"])
# Minute-aligned starts 2024-2026, weighted towards the interesting edges (opening/closing times).
edge_minutes = st.sampled_from([time(0), time(8), time(8, 30), time(11, 59), time(12), time(14), time(14, 30),
                                time(17, 29), time(17, 30), time(19, 59), time(20), time(23, 59)])  # fmt: skip
minute_starts = st.builds(
    lambda day, tod: datetime.combine(day, tod, SH),
    st.dates(date(2024, 1, 1), date(2026, 12, 31)),
    st.one_of(edge_minutes, st.times().map(lambda t: t.replace(second=0, microsecond=0))),
)
limit_minutes = st.one_of(st.integers(0, 70 * 60), st.sampled_from([30, 120, 210, 420, 4200]))
any_starts = st.datetimes(datetime(2023, 12, 1), datetime(2027, 1, 31), timezones=st.just(SH))
any_limits = st.timedeltas(timedelta(microseconds=1), timedelta(hours=70))


@examples
@given(code=calendar_codes, start=minute_starts, minutes=limit_minutes)
def test_add_matches_naive_minute_stepping(code, start, minutes):
    expected = NaiveCalendar(code).add(naive_local(start), minutes)
    due = calendar_add(code, start, timedelta(minutes=minutes))
    assert naive_local(due) == expected
    assert due.tzinfo is not None


@examples
@given(code=calendar_codes, start=minute_starts, span=st.integers(0, 14 * 24 * 60), backwards=st.booleans())
def test_elapsed_matches_naive_minute_count(code, start, span, backwards):
    end = start + timedelta(minutes=span)
    expected = timedelta(minutes=NaiveCalendar(code).elapsed_minutes(naive_local(start), naive_local(end)))
    if backwards:
        assert calendar_elapsed(code, end, start) == -expected
    else:
        assert calendar_elapsed(code, start, end) == expected


@examples
@given(code=calendar_codes, start=any_starts, limit=any_limits)
def test_elapsed_inverts_add_and_due_is_earliest(code, start, limit):
    due = calendar_add(code, start, limit)
    assert due > start
    assert calendar_elapsed(code, start, due) == limit
    # Earliest: one microsecond earlier the limit is not yet consumed.
    assert calendar_elapsed(code, start, due - timedelta(microseconds=1)) < limit


@examples
@given(code=calendar_codes, start=any_starts, end=any_starts)
def test_add_of_elapsed_lands_at_or_before_end_with_no_open_time_between(code, start, end):
    if end < start:
        start, end = end, start
    spent = calendar_elapsed(code, start, end)
    back = calendar_add(code, start, spent)
    assert back <= end
    assert calendar_elapsed(code, back, end) == timedelta(0)


@examples
@given(code=calendar_codes, a=any_starts, b=any_starts, c=any_starts)
def test_elapsed_is_additive(code, a, b, c):
    assert calendar_elapsed(code, a, b) + calendar_elapsed(code, b, c) == calendar_elapsed(code, a, c)
