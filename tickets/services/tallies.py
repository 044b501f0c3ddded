"""Counting finished hours of stopped clocks into `ClockHourTally` (the dashboard's weekly timeliness, R-RP-1).

Beat counts the finished hours every few minutes (`tickets.tasks.clock_tallies_count_task`); an hour nobody
counted yet (a new install, a worker that was down) is counted by the first dashboard that needs it. An
hour is counted only COUNT_LAG after it ends, so that a transaction that stopped a clock at 10:59:59 has
committed before 11:00–11:59 is read; a stopped clock is final, so a counted hour stays true.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from deadlines.clock_models import Clock, ClockState

from ..models import ClockHourTally, ClockTallyHour

HOUR = timedelta(hours=1)
COUNT_LAG = timedelta(minutes=5)
# The timeliness rate is met / (met + breached); cancelled clocks are neither.
COUNTED_STATES = (ClockState.MET, ClockState.BREACHED)


def hour_floor(at: datetime) -> datetime:
    """The start of the hour `at` is in, in local time (Asia/Shanghai: whole-hour offset, no DST)."""
    return timezone.localtime(at).replace(minute=0, second=0, microsecond=0)


def counted_until() -> datetime:
    """The end of the last hour that may be counted now."""
    return hour_floor(timezone.now() - COUNT_LAG)


def clock_tally_count_hour(*, hour: datetime) -> bool:
    """Count the clocks stopped in one finished hour, by kind and the order's visibility columns.

    Idempotent: an hour already counted is left as it is (returns False). Safe in parallel: the hour's
    `ClockTallyHour` row is inserted first, so a second counter waits on its key and then gives up, and
    its transaction (rows included) rolls back. Raises ValueError for an hour that may not be counted yet."""
    if hour != hour_floor(hour):
        raise ValueError(f"{hour} is not the start of an hour.")
    if hour + HOUR > counted_until():
        raise ValueError(f"{hour} has not finished {COUNT_LAG} ago yet; only finished hours are counted.")
    if ClockTallyHour.objects.filter(hour=hour).exists():
        return False
    try:
        with transaction.atomic():
            marker = ClockTallyHour.objects.create(hour=hour)
            rows = (
                Clock.objects.filter(stopped_at__gte=hour, stopped_at__lt=hour + HOUR, state__in=COUNTED_STATES)
                .values(
                    "kind", "order__accepting_unit", "order__handling_unit", "order__accepted_by", "order__assignee"
                )
                .annotate(met=Count("kind", filter=Q(state=ClockState.MET)), total=Count("kind"))
                .order_by()
            )
            tallies = [
                ClockHourTally(
                    hour=hour, kind=row["kind"], met=row["met"], total=row["total"],
                    accepting_unit_id=row["order__accepting_unit"], handling_unit_id=row["order__handling_unit"],
                    accepted_by_id=row["order__accepted_by"], assignee_id=row["order__assignee"],
                )
                for row in rows
            ]  # fmt: skip
            ClockHourTally.objects.bulk_create(tallies, batch_size=1000)
            marker.clocks = sum(tally.total for tally in tallies)
            marker.save(update_fields=["clocks"])
    except IntegrityError:  # another counter got there first
        return False
    return True


def clock_tallies_ensure(*, since: datetime) -> int:
    """Count the finished hours from `since` on that are not counted yet; returns how many were counted now."""
    start, end = hour_floor(since), counted_until()
    if start >= end:
        return 0
    done = set(ClockTallyHour.objects.filter(hour__gte=start, hour__lt=end).values_list("hour", flat=True))
    hours = (start + n * HOUR for n in range(round((end - start) / HOUR)))
    return sum(clock_tally_count_hour(hour=hour) for hour in hours if hour not in done)


@transaction.atomic
def clock_tally_recount_hour(*, hour: datetime) -> int:
    """Drop and count one finished hour again (after a data correction); returns the clocks counted."""
    ClockHourTally.objects.filter(hour=hour).delete()
    ClockTallyHour.objects.filter(hour=hour).delete()
    clock_tally_count_hour(hour=hour)
    return ClockTallyHour.objects.get(hour=hour).clocks
