"""Reads: business-time arithmetic on the calendars in the database, and holiday-table coverage.

`calendar` arguments accept a `BusinessCalendar`, its code ("CAL-WORKDAY") or a `CompiledCalendar`.

Caching (why the arithmetic does not query the database per call). A calendar is compiled from its
rows once and kept in process memory. It is dropped
  * in this process at once, by the post_save/post_delete signals of the three models, and
  * in every process, at the first call after CACHE_TTL_SECONDS when a fingerprint of the tables
    (row count, max id, max updated_at per table) differs from the one taken before compiling.
So an edit made in the admin reaches Celery workers within CACHE_TTL_SECONDS. Writes that bypass
`save()` (QuerySet.update, raw SQL) must call `calendar_cache_clear()` and set `updated_at`.
"""

import math
import threading
import time
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from deadlines.clock_models import Clock, ClockState
from deadlines.engine import DAY_US, CompiledCalendar
from deadlines.models import BusinessCalendar, HolidayDate, WeeklyPeriod

CACHE_TTL_SECONDS = 10.0

CalendarRef = BusinessCalendar | str | CompiledCalendar


class _CompiledCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, CompiledCalendar] = {}
        self.fingerprint: tuple | None = None
        self.checked_at = -math.inf


_cache = _CompiledCache()


def calendar_cache_clear() -> None:
    """Forget every compiled calendar in this process (the next call recompiles)."""
    with _cache.lock:
        _cache.entries = {}
        _cache.fingerprint = None
        _cache.checked_at = -math.inf


def calendar_compiled(calendar: CalendarRef) -> CompiledCalendar:
    """The compiled form of a calendar, from the cache when it is fresh (see module docstring).
    Raises BusinessCalendar.DoesNotExist for an unknown code."""
    if isinstance(calendar, CompiledCalendar):
        return calendar
    code = calendar if isinstance(calendar, str) else calendar.code
    if time.monotonic() - _cache.checked_at < CACHE_TTL_SECONDS:
        compiled = _cache.entries.get(code)
        if compiled is not None:
            return compiled
    with _cache.lock:
        if time.monotonic() - _cache.checked_at >= CACHE_TTL_SECONDS:
            fingerprint = _tables_fingerprint()  # taken before compiling: a later change is seen next time
            if fingerprint != _cache.fingerprint:
                _cache.entries = {}
                _cache.fingerprint = fingerprint
            _cache.checked_at = time.monotonic()
        compiled = _cache.entries.get(code)
        if compiled is None:
            compiled = _cache.entries[code] = _calendar_compile(code)
        return compiled


def calendar_add(calendar: CalendarRef, start: datetime, duration: timedelta) -> datetime:
    """Due time: the instant when `duration` of open time, counted from the first open instant at
    or after `start`, has been consumed (§3.1). Never in a closed period: a duration used up at
    12:00 is due at 12:00. A zero duration is due at `start`; a negative one raises ValueError.
    `start` must be aware; the result is aware in Asia/Shanghai. Exact to the microsecond."""
    return calendar_compiled(calendar).add(start, duration)


def calendar_elapsed(calendar: CalendarRef, start: datetime, end: datetime) -> timedelta:
    """Open time between two aware instants; negative when `end` is before `start`
    (elapsed(a, b) == -elapsed(b, a)). Inverse of calendar_add: elapsed(s, add(s, d)) == d."""
    return calendar_compiled(calendar).elapsed(start, end)


def calendar_remaining(calendar: CalendarRef, now: datetime, due: datetime) -> timedelta:
    """Open time left before `due`: positive before it, zero at it (or when only closed time is
    left), negative after it (the open time by which the clock is overdue)."""
    return calendar_compiled(calendar).elapsed(now, due)


def holiday_coverage_warning(today: date) -> str | None:
    """A message for administrators when the holiday table is missing a year, else None (§3.1).

    From 1 December on, the coming year must have at least one HolidayDate row (the State Council
    publishes its schedule in November/December). The current year must always have one: without
    it the working-day calendars silently treat the year as plain Monday–Friday.
    """
    if not HolidayDate.objects.filter(date__year=today.year).exists():
        return gettext(
            "The holiday calendar has no entries for %(year)s: working-day deadlines treat every "
            "Monday–Friday as a working day. Enter the holidays and make-up days in the admin."
        ) % {"year": today.year}
    if today.month == 12 and not HolidayDate.objects.filter(date__year=today.year + 1).exists():
        return gettext(
            "The holiday calendar has no entries for %(year)s yet. Enter next year's holidays and "
            "make-up days (published by the State Council) in the admin before 1 January."
        ) % {"year": today.year + 1}
    return None


def _tables_fingerprint() -> tuple:
    return tuple(
        tuple(model.objects.aggregate(n=Count("pk"), top=Max("pk"), last=Max("updated_at")).values())
        for model in (BusinessCalendar, WeeklyPeriod, HolidayDate)
    )


def _calendar_compile(code: str) -> CompiledCalendar:
    row = BusinessCalendar.objects.get(code=code)
    weekly: dict[int, list[tuple[int, int]]] = {weekday: [] for weekday in range(7)}
    for period in row.periods.all():
        # An end time of 00:00 is midnight at the end of the day (WeeklyPeriod docstring).
        interval = (_time_us(period.start_time), _time_us(period.end_time) or DAY_US)
        for weekday in range(7) if period.weekday is None else (period.weekday,):
            weekly[weekday].append(interval)
    rest_days, makeup_days = [], []
    for day, kind in HolidayDate.objects.values_list("date", "kind"):
        (makeup_days if kind == HolidayDate.Kind.MAKEUP_WORKDAY else rest_days).append(day)
    return CompiledCalendar(
        code=row.code,
        tz=timezone.get_default_timezone(),
        is_24x7=row.is_24x7,
        uses_workdays=row.uses_workdays,
        weekly=weekly,
        rest_days=rest_days,
        makeup_days=makeup_days,
    )


def _time_us(moment) -> int:
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def clock_overdue_exists():
    """A subquery expression for querysets of orders: does the order have an overdue clock? (R-CLK-BREACH)"""
    return Exists(Clock.objects.filter(order=OuterRef("pk"), state=ClockState.OVERDUE))


def clock_at_risk_exists():
    return Exists(Clock.objects.filter(order=OuterRef("pk"), state=ClockState.RUNNING, warned_at__isnull=False))
