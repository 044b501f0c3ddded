"""Writes: seeding the default calendars (SPEC §3.1) and the holiday table from `chinese_calendar`.

Both seeds are idempotent and never overwrite what an administrator changed: calendars are data
(§3.1, "defaults that an administrator can change"). `load_reference_data` calls them.
"""

from dataclasses import dataclass
from datetime import time

import chinese_calendar
from django.db import transaction
from django.utils import timezone

from deadlines.models import BusinessCalendar, HolidayDate, WeeklyPeriod
from deadlines.selectors import calendar_cache_clear

# (code, name, is_24x7, uses_workdays, [(weekday or None = every (working) day, opens, closes)])
DEFAULT_CALENDARS = [
    ("CAL-24x7", "全天候 24×7", True, False, []),
    # Reply limits exclude night 20:00–08:00 and lunch 12:00–14:30 [002 ㈠⒋].
    (
        "CAL-SERVICE",
        "服务时段 Service hours",
        False,
        False,
        [(None, time(8), time(12)), (None, time(14, 30), time(20))],
    ),
    # 7 h per working day (Decision); half a working day = 3 h 30 min.
    (
        "CAL-WORKDAY",
        "工作日 Working days",
        False,
        True,
        [(None, time(8, 30), time(12)), (None, time(14), time(17, 30))],
    ),
]


@transaction.atomic
def calendar_seed_defaults() -> list[BusinessCalendar]:
    """Create CAL-24x7, CAL-SERVICE and CAL-WORKDAY with their §3.1 periods if they are missing.

    Idempotent. An existing calendar is left as it is (an administrator may have edited it); default
    periods are added only to a calendar that has none (a 24×7 calendar needs none).
    """
    calendars = []
    for code, name, is_24x7, uses_workdays, periods in DEFAULT_CALENDARS:
        calendar, _created = BusinessCalendar.objects.get_or_create(
            code=code, defaults={"name": name, "is_24x7": is_24x7, "uses_workdays": uses_workdays}
        )
        if periods and not calendar.periods.exists():
            for weekday, opens, closes in periods:
                WeeklyPeriod.objects.create(calendar=calendar, weekday=weekday, start_time=opens, end_time=closes)
        calendars.append(calendar)
    return calendars


@dataclass(frozen=True)
class HolidaySeedResult:
    created: int
    updated: int
    unchanged: int
    kept_manual: int  # dates the package knows but an administrator owns


@transaction.atomic
def holiday_seed_from_chinese_calendar() -> HolidaySeedResult:
    """Load every statutory holiday and make-up working day that `chinese_calendar` knows.

    `chinese_calendar.holidays` holds the days off of each statutory holiday block (weekend days
    inside a block included, ordinary weekends not); `chinese_calendar.workdays` holds the make-up
    working days (调休上班, mostly Saturdays/Sundays). Idempotent: missing dates are created, rows
    that came from the package are updated, rows with source "manual" are never touched.
    Writes in bulk (no post_save signals), so it drops the compiled-calendar cache itself.
    """
    wanted = {
        day: (HolidayDate.Kind.STATUTORY_HOLIDAY, _holiday_name(name))
        for day, name in chinese_calendar.holidays.items()
    }
    wanted |= {
        day: (HolidayDate.Kind.MAKEUP_WORKDAY, _holiday_name(name)) for day, name in chinese_calendar.workdays.items()
    }
    now = timezone.now()
    existing = HolidayDate.objects.select_for_update().in_bulk(list(wanted), field_name="date")
    to_create, to_update, kept_manual = [], [], 0
    for day, (kind, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(
                HolidayDate(date=day, kind=kind, name=name, source=HolidayDate.Source.PACKAGE, updated_at=now)
            )
        elif row.source == HolidayDate.Source.MANUAL:
            kept_manual += 1
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name, row.updated_at = kind, name, now  # bulk_update skips auto_now
            to_update.append(row)
    HolidayDate.objects.bulk_create(to_create, batch_size=500)
    HolidayDate.objects.bulk_update(to_update, ["kind", "name", "updated_at"], batch_size=500)
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)
    unchanged = len(wanted) - len(to_create) - len(to_update) - kept_manual
    return HolidaySeedResult(len(to_create), len(to_update), unchanged, kept_manual)


def _holiday_name(english: str) -> str:
    """'Spring Festival' → 'Spring Festival (春节)' using the package's own names."""
    try:
        return f"{english} ({chinese_calendar.Holiday(english).chinese})"
    except ValueError:
        return english
