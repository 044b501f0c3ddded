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
from deadlines.models import BusinessCalendar, Festival, HolidayDate, HolidayYear, WeeklyPeriod

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
    with _years.lock:
        _years.confirmed = None
        _years.checked_at = -math.inf


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
    """A message for administrators while a year that matters is not confirmed, else None (§3.1, R-CAL-YEAR).

    The current year must always be confirmed: until it is, working-day deadlines in it are provisional (plain
    Monday–Friday where nothing is entered). From 1 December on, the coming year must be confirmed too (the State
    Council publishes its schedule in November/December). One entered row is not enough: confirmation needs the
    seven festivals' rest days and the make-up days (or an explicit "none"), and an administrator's word.
    Costs no query while the years are confirmed and the cache is fresh.
    """
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    missing = [year for year in years if not calendar_year_confirmed(year)]
    if not missing:
        return None
    year = missing[0]
    problems = holiday_year_problems(year=year)
    if problems:
        detail = gettext("Missing: %(problems)s.") % {"problems": "; ".join(problems)}
    else:
        detail = gettext("Every festival and the make-up days are entered: an administrator must confirm the year.")
    if year == today.year:
        head = gettext(
            "The holiday schedule for %(year)s is not confirmed: working-day deadlines in %(year)s are provisional "
            "(days with no entry count as plain Monday–Friday)."
        ) % {"year": year}
    else:
        head = gettext(
            "The holiday schedule for %(year)s is not confirmed yet. Enter next year's holidays and make-up days "
            "(published by the State Council) and confirm the year in the admin before 1 January."
        ) % {"year": year}
    return f"{head} {detail}"


# --- holiday years (R-CAL-YEAR) ----------------------------------------------------------------------------------
class _YearsCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.confirmed: frozenset[int] | None = None
        self.checked_at = -math.inf


_years = _YearsCache()


def holiday_years_confirmed() -> frozenset[int]:
    """The years whose schedule is confirmed: one query, then kept in process memory like the compiled calendars
    (dropped by `calendar_cache_clear`, re-read by every process after CACHE_TTL_SECONDS)."""
    confirmed = _years.confirmed
    if confirmed is not None and time.monotonic() - _years.checked_at < CACHE_TTL_SECONDS:
        return confirmed
    with _years.lock:
        confirmed = frozenset(
            HolidayYear.objects.filter(state=HolidayYear.State.CONFIRMED).values_list("year", flat=True)
        )
        _years.confirmed, _years.checked_at = confirmed, time.monotonic()
        return confirmed


def calendar_year_confirmed(year: int) -> bool:
    """Whether `year`'s holidays and make-up days are confirmed (R-CAL-YEAR). A year with no data at all is simply
    not confirmed: the arithmetic answers on the Monday–Friday rule there and never raises."""
    return year in holiday_years_confirmed()


def calendar_span_provisional(calendar: CalendarRef, start: datetime, end: datetime) -> bool:
    """Whether business time from `start` to `end` on this calendar rests on an unconfirmed year (R-CAL-YEAR):
    only calendars that use working days depend on the holiday table."""
    if not calendar_compiled(calendar).uses_workdays:
        return False
    first, last = sorted((timezone.localtime(start).year, timezone.localtime(end).year))
    confirmed = holiday_years_confirmed()
    return any(year not in confirmed for year in range(first, last + 1))


def clock_provisional(clock: Clock) -> bool:
    """R-CAL-YEAR: a live clock whose due time was computed over a year that is not confirmed (it is recomputed
    when the year is). Stopped clocks keep their verdict: False."""
    if clock.state not in ClockState.live():
        return False
    return calendar_span_provisional(clock.calendar_code, clock.started_at, clock.due_at)


def holiday_year_problems(*, year: int, makeup_days_none: bool | None = None) -> list[str]:
    """What keeps `year` from being confirmed, one message per missing festival (R-CAL-YEAR); [] when complete.
    `makeup_days_none` overrides the stored flag (the form being saved)."""
    if makeup_days_none is None:
        makeup_days_none = HolidayYear.objects.filter(year=year, makeup_days_none=True).exists()
    rows = HolidayDate.objects.filter(date__year=year)
    festivals = set(rows.filter(kind=HolidayDate.Kind.STATUTORY_HOLIDAY).values_list("festival", flat=True).distinct())
    makeup = rows.filter(kind=HolidayDate.Kind.MAKEUP_WORKDAY).count()
    return holiday_schedule_problems(rest_festivals=festivals, makeup=makeup, makeup_days_none=makeup_days_none)


def holiday_schedule_problems(*, rest_festivals: set[str], makeup: int, makeup_days_none: bool) -> list[str]:
    """The rule of R-CAL-YEAR on a schedule in hand (the table, or a file about to be imported)."""
    problems = [
        gettext("no rest day for %(festival)s") % {"festival": festival.label}
        for festival in Festival.statutory()
        if festival not in rest_festivals
    ]
    if not makeup and not makeup_days_none:
        problems.append(gettext('no make-up working days entered (tick "no make-up days this year" if there are none)'))
    if makeup and makeup_days_none:
        problems.append(
            gettext('%(count)s make-up working days are entered but "no make-up days this year" is ticked')
            % {"count": makeup}
        )
    return problems


def holiday_year_summary(*, year: int) -> dict:
    """Counts for the admin: rest days, make-up days, closures of `year`."""
    counts = dict(
        HolidayDate.objects.filter(date__year=year).values("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    return {
        "rest": counts.get(HolidayDate.Kind.STATUTORY_HOLIDAY, 0),
        "makeup": counts.get(HolidayDate.Kind.MAKEUP_WORKDAY, 0),
        "closure": counts.get(HolidayDate.Kind.CLOSURE, 0),
    }


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
