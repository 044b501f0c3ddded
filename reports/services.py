"""Writes of the reports app: counting finished days into the daily tallies (R-RP-1), the export audit and the
monthly mail's claim. The mail itself is composed in `reports.mail`."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tickets.models import WorkOrder

from . import sources
from .models import (
    CallbackDayTally,
    ClockDayTally,
    LatenessDayTally,
    MonthlyReportMail,
    OrderDayTally,
    ReportExport,
    Span,
    TallyDay,
    TallyMonth,
    UrgeDayTally,
)

# A day is counted this long after its midnight: a transaction that stopped a clock at 23:59:59 has committed.
COUNT_LAG = timedelta(minutes=30)
# Counted days whose orders changed since (dispatched, flagged major, closed) are counted again this far back.
REFRESH_DAYS = 62
MODELS = {
    "orders": OrderDayTally,
    "clocks": ClockDayTally,
    "lateness": LatenessDayTally,
    "callbacks": CallbackDayTally,
    "urges": UrgeDayTally,
}


def last_countable_day(now: datetime | None = None) -> date:
    """The last day that may be counted now (yesterday, once COUNT_LAG has passed after midnight)."""
    return sources.local_today((now or timezone.now()) - COUNT_LAG) - timedelta(days=1)


def daily_tally_count(*, day: date, now: datetime | None = None) -> bool:
    """Count one finished day into the tallies, every source at once.

    Idempotent: a day already counted is left as it is (returns False). Safe in parallel: the day's `TallyDay`
    row is inserted first, so a second counter waits on its key, fails and rolls back. Raises ValueError for a
    day that may not be counted yet (today, or before COUNT_LAG has passed)."""
    if day > last_countable_day(now):
        raise ValueError(f"{day} has not finished {COUNT_LAG} ago yet; only finished days are counted.")
    if TallyDay.objects.filter(day=day).exists():
        return False
    start, end = sources.day_bounds(day)
    try:
        with transaction.atomic():
            marker = TallyDay.objects.create(day=day, counted_at=timezone.now())
            totals = {}
            for source, model in MODELS.items():
                rows = sources.RAW[source](start=start, end=end, q=None)
                model.objects.bulk_create(
                    [model(day=day, **{_column(key): value for key, value in row.items()}) for row in rows],
                    batch_size=2000,
                )
                totals[source] = rows
            marker.orders = sum(row["n"] for row in totals["orders"] if row["dim"] == "type")
            marker.clocks = sum(row["met"] + row["breached"] for row in totals["clocks"])
            marker.save(update_fields=["orders", "clocks"])
            month_rollup(month=day.replace(day=1))
    except IntegrityError:  # another counter got there first
        return False
    return True


def month_rollup(*, month: date) -> bool:
    """Sum a month's day rows into its span=month rows, if every day of it is counted (else drop any stale ones).
    Runs inside the transaction that counted one of its days; returns whether the month has rows now. Two days
    of one month counted at once may both see the month incomplete: beat's refresh builds what is missing."""
    days = sources.month_days(month)
    TallyMonth.objects.filter(month=month).delete()
    for model in MODELS.values():
        model.objects.filter(span=Span.MONTH, day=month).delete()
    if TallyDay.objects.filter(day__gte=days[0], day__lte=days[-1]).count() < len(days):
        return False
    for source, model in MODELS.items():
        _tally_model, dims, sums = sources.TALLIES[source]
        rows = model.objects.filter(span=Span.DAY, day__gte=days[0], day__lte=days[-1]).values(*dims).annotate(**sums)
        model.objects.bulk_create(
            [model(day=month, span=Span.MONTH, **{_column(k): v for k, v in row.items()}) for row in rows.order_by()],
            batch_size=2000,
        )
    TallyMonth.objects.create(month=month, counted_at=timezone.now())
    return True


def _column(key: str) -> str:
    return f"{key}_id" if key in ("accepting_unit", "handling_unit", "category") else key


@transaction.atomic
def daily_tally_recount(*, day: date, now: datetime | None = None) -> int:
    """Drop one day's tallies and count it again (after a correction, or when its orders changed); returns the
    orders counted. Locks the day's marker row, so two recounts of one day run one after the other."""
    TallyDay.objects.select_for_update().filter(day=day).first()
    for model in MODELS.values():
        model.objects.filter(span=Span.DAY, day=day).delete()
    TallyDay.objects.filter(day=day).delete()
    month_rollup(month=day.replace(day=1))  # the month is incomplete now: its rows go until the day is back
    daily_tally_count(day=day, now=now)
    return TallyDay.objects.get(day=day).orders


def daily_tally_recount_range(*, first: date, last: date, now: datetime | None = None) -> int:
    """Recount every finished day first..last (the admin's date-range recount); returns the days counted."""
    last = min(last, last_countable_day(now))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for day in days:
        daily_tally_recount(day=day, now=now)
    return len(days)


def daily_tallies_ensure(*, first: date, last: date, now: datetime | None = None, limit: int | None = None) -> int:
    """Count the finished days first..last not counted yet (days before the first order need none); returns how
    many were counted now. `limit`: count at most that many (the latest), leaving the rest to be read raw."""
    last = min(last, last_countable_day(now))
    oldest = WorkOrder.objects.order_by("accepted_at").values_list("accepted_at", flat=True).first()
    if oldest is None:
        return 0
    first = max(first, sources.local_today(oldest).replace(day=1))  # from its month's 1st: months complete
    if first > last:
        return 0
    done = sources.counted_days(first=first, last=last)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    missing = [day for day in days if day not in done]
    if limit is not None:
        missing = missing[-limit:]
    return sum(daily_tally_count(day=day, now=now) for day in missing)


def daily_tallies_refresh(*, now: datetime | None = None, since: date | None = None) -> tuple[int, int]:
    """Beat: count the finished days of the last REFRESH_DAYS not counted yet, and count again the counted days
    whose orders changed after they were counted (an order counts as it stands, not as it was accepted).
    Returns (days counted, days recounted)."""
    last = last_countable_day(now)
    first = since or last - timedelta(days=REFRESH_DAYS)
    counted = daily_tallies_ensure(first=first, last=last, now=now)
    months = {first.replace(day=1) + timedelta(days=32 * n) for n in range((last - first).days // 28 + 2)}
    for month in sorted({m.replace(day=1) for m in months if m <= last}):
        if not TallyMonth.objects.filter(month=month).exists():
            with transaction.atomic():
                month_rollup(month=month)
    recounted = 0
    for marker in TallyDay.objects.filter(day__gte=first, day__lte=last):
        start, end = sources.day_bounds(marker.day)
        changed = WorkOrder.objects.filter(
            accepted_at__gte=start, accepted_at__lt=end, updated_at__gt=marker.counted_at
        ).exists()
        if changed:
            daily_tally_recount(day=marker.day, now=now)
            recounted += 1
    return counted, recounted


def report_export_record(
    *, user, kind: str, file_format: str, parameters: dict, unmasked: bool = False
) -> ReportExport:
    """The append-only audit row of one export (R-AUD-1), written before the file leaves."""
    return ReportExport.objects.create(
        at=timezone.now(), user=user, kind=kind, file_format=file_format, parameters=parameters,
        numbers_unmasked=unmasked,
    )  # fmt: skip


def monthly_mail_claim(*, unit_id: int, month: date, recipients: list[str]) -> MonthlyReportMail | None:
    """Claim the monthly report of one unit: the unique (unit, month) row is inserted before anything is sent.
    Returns None if it was claimed already (a second beat run, a second worker)."""
    try:
        with transaction.atomic():
            return MonthlyReportMail.objects.create(
                unit_id=unit_id, month=month, claimed_at=timezone.now(), recipients=recipients
            )
    except IntegrityError:
        return None


def monthly_mail_sent(*, mail_id: int) -> None:
    MonthlyReportMail.objects.filter(pk=mail_id, sent_at__isnull=True).update(sent_at=timezone.now())
