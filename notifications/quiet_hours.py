"""Quiet hours (SPEC R-NT-2): SMS and phone-call tasks that are not urgent go out only inside
CAL-SERVICE (服务时段, every day 08:00–12:00 and 14:30–20:00, SPEC §3.1); outside it they wait in the
outbox until its next open instant. In-app and email are never deferred.

CAL-SERVICE is data owned by `deadlines` (editable in the admin). This layer sits below it, so
`deadlines` registers its business-time arithmetic here when it is ready (`service_calendar_register`):
by its contract, counting starts at the first open instant at or after `start`, so
`calendar_add(cal, at, 1 µs) - 1 µs` is exactly that instant (`at` itself when open). If no calendar is
registered or its row is missing (reference data not loaded yet), the SPEC default windows are used and
a warning is logged, so that a missing seed never stops an order from changing state.
"""

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from notifications.models import NotificationChannel

logger = logging.getLogger(__name__)

SERVICE_CALENDAR = "CAL-SERVICE"
DEFERRED_CHANNELS = frozenset({NotificationChannel.SMS, NotificationChannel.PHONE_TASK})
# SPEC §3.1 CAL-SERVICE, used only when the calendar row is missing. End exclusive, every day.
FALLBACK_SERVICE_WINDOWS = ((time(8, 0), time(12, 0)), (time(14, 30), time(20, 0)))
ONE_MICROSECOND = timedelta(microseconds=1)

CalendarAdd = Callable[[str, datetime, timedelta], datetime]
_calendar_add: list[CalendarAdd] = []


def service_calendar_register(calendar_add: CalendarAdd) -> None:
    """`deadlines` hands over `calendar_add(code, start, limit)` at start-up (the layer above this one)."""
    _calendar_add[:] = [calendar_add]


def release_at(*, channel: str, urgent: bool, at: datetime) -> datetime:
    """When a notification created (or retried) at `at` may go out: deferred channels wait for
    service time unless urgent; everything else goes at once."""
    if urgent or channel not in DEFERRED_CHANNELS:
        return at
    return service_resume_at(at)


def service_resume_at(at: datetime) -> datetime:
    """`at` itself if CAL-SERVICE is open then, else the instant it next opens. `at` must be aware."""
    try:
        if not _calendar_add:
            raise ObjectDoesNotExist("no calendar arithmetic registered")
        return _calendar_add[0](SERVICE_CALENDAR, at, ONE_MICROSECOND) - ONE_MICROSECOND
    except ObjectDoesNotExist:
        logger.warning("Calendar %s is missing (load reference data); using the SPEC default.", SERVICE_CALENDAR)
        return _fallback_resume_at(at)


def _fallback_resume_at(at: datetime) -> datetime:
    local = timezone.localtime(at)
    for day in (local.date(), local.date() + timedelta(days=1)):
        for opens, closes in FALLBACK_SERVICE_WINDOWS:
            if local < timezone.make_aware(datetime.combine(day, closes)):
                return max(local, timezone.make_aware(datetime.combine(day, opens)))
    raise AssertionError("unreachable: every day has a service window")
