"""The pure engine (no database): lazy window growth, threads, degenerate calendars."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.engine import CalendarError, CompiledCalendar

SH = ZoneInfo("Asia/Shanghai")
H = 3_600_000_000  # one hour in microseconds
WORKDAY_PERIODS = [(8 * H + H // 2, 12 * H), (14 * H, 17 * H + H // 2)]
REST = [date(2026, 10, day) for day in range(1, 8)] + [date(1998, 10, 1), date(2035, 5, 1)]
MAKEUP = [date(2026, 10, 10), date(2035, 4, 28)]


def workday(years: tuple[int, int] | None) -> CompiledCalendar:
    return CompiledCalendar(
        code="W",
        tz=SH,
        is_24x7=False,
        uses_workdays=True,
        weekly={wd: WORKDAY_PERIODS for wd in range(7)},
        rest_days=REST,
        makeup_days=MAKEUP,
        years=years,
    )


WIDE = workday((1990, 2045))
instants = st.datetimes(datetime(1991, 1, 1), datetime(2044, 1, 1), timezones=st.just(SH))
limits = st.timedeltas(timedelta(0), timedelta(hours=70))


@settings(max_examples=150, deadline=None, database=None)
@given(start=instants, limit=limits, other=instants)
def test_a_window_grown_on_demand_agrees_with_a_wide_one(start, limit, other):
    narrow = workday((2026, 2026))  # every query outside 2026 grows it, forwards or backwards
    assert narrow.add(start, limit) == WIDE.add(start, limit)
    assert narrow.elapsed(start, other) == WIDE.elapsed(start, other)


def test_growth_keeps_earlier_positions_valid():
    calendar = workday((2026, 2026))
    before = calendar.elapsed(datetime(2026, 3, 2, tzinfo=SH), datetime(2026, 3, 3, tzinfo=SH))
    calendar.elapsed(datetime(1995, 1, 1, tzinfo=SH), datetime(2040, 1, 1, tzinfo=SH))  # grow both ways
    assert calendar.elapsed(datetime(2026, 3, 2, tzinfo=SH), datetime(2026, 3, 3, tzinfo=SH)) == before
    assert before == timedelta(hours=7)


def test_concurrent_growth_from_many_threads():
    calendar = workday((2026, 2026))
    starts = [datetime(year, 3, 2, 9, tzinfo=SH) for year in range(2000, 2041)]
    expected = [WIDE.add(start, timedelta(hours=70)) for start in starts]
    results: dict[int, list[datetime]] = {}

    def work(worker: int) -> None:
        order = starts[worker % 2 :: 2] + starts[1 - worker % 2 :: 2]
        results[worker] = sorted(calendar.add(start, timedelta(hours=70)) for start in order)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(result == sorted(expected) for result in results.values())


def test_working_day_rule():
    assert WIDE.is_working_day(date(2026, 10, 10))  # Saturday, make-up day
    assert not WIDE.is_working_day(date(2026, 10, 7))  # holiday Wednesday
    assert not WIDE.is_working_day(date(2026, 10, 11))  # Sunday
    assert WIDE.is_working_day(date(2026, 10, 8))


def test_is_open_treats_closing_instant_as_closed():
    assert WIDE.is_open(datetime(2026, 10, 8, 11, 59, 59, tzinfo=SH))
    assert not WIDE.is_open(datetime(2026, 10, 8, 12, tzinfo=SH))
    assert WIDE.is_open(datetime(2026, 10, 8, 14, tzinfo=SH))


def test_calendar_that_never_opens_raises_instead_of_looping():
    never = CompiledCalendar(code="N", tz=SH, is_24x7=False, uses_workdays=True, weekly={6: [(0, H)]})
    with pytest.raises(CalendarError):
        never.add(datetime(2026, 1, 1, tzinfo=SH), timedelta(hours=1))
    assert never.elapsed(datetime(2026, 1, 1, tzinfo=SH), datetime(2027, 1, 1, tzinfo=SH)) == timedelta(0)


def test_overlapping_periods_are_merged_not_double_counted():
    calendar = CompiledCalendar(
        code="O",
        tz=SH,
        is_24x7=False,
        uses_workdays=False,
        weekly={wd: [(8 * H, 12 * H), (10 * H, 13 * H)] for wd in range(7)},
    )
    assert calendar.elapsed(datetime(2026, 1, 1, tzinfo=SH), datetime(2026, 1, 2, tzinfo=SH)) == timedelta(hours=5)


def test_24x7_counts_absolute_time():
    calendar = CompiledCalendar(code="A", tz=SH, is_24x7=True, uses_workdays=False, weekly={})
    start = datetime(2026, 3, 8, 1, tzinfo=ZoneInfo("America/New_York"))  # US DST starts that night
    due = calendar.add(start, timedelta(hours=2))
    assert due - start == timedelta(hours=2)
    assert calendar.elapsed(start, due) == timedelta(hours=2)
