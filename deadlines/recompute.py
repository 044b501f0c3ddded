"""Recompute running working-day clocks when a holiday year is confirmed or its rows change (SPEC §3.1 R-CAL-YEAR,
as R-CLK-RECALC does for flags).

A clock's due time is computed once, at its start, on the holiday table of that moment: a clock started on
2026-12-31 with its due time in January 2027 was computed on the Monday–Friday rule while 2027 had no schedule
(provisional). When 2027 is imported, changed or confirmed, every running clock on a calendar that uses working
days and whose counting touches 2027 (start before the year's end, due time after its start) is recomputed from
its original start on the new table (`clocks.clock_rebaseline`).

Idempotent: a clock already right is left as it is, so a task that runs twice (or a rerun from the admin or
`manage.py holiday_recompute`) changes nothing the second time. Each clock is locked and recomputed in its own
short transaction (lock order: its order's row, then the clock), so it never waits behind, or holds up, an order's
transaction for long; a clock stopped meanwhile is skipped."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .clock_models import Clock, ClockState, LimitSource
from .clocks import clock_rebaseline
from .models import BusinessCalendar
from .selectors import calendar_cache_clear


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def clocks_touching_years(*, years: Iterable[int]) -> QuerySet[Clock]:
    """Running clocks on working-day calendars whose counting overlaps any of `years`, and whose due time is
    calendar arithmetic (not a handling deadline or an appointment)."""
    codes = list(BusinessCalendar.objects.filter(uses_workdays=True, is_24x7=False).values_list("code", flat=True))
    overlap = Q(pk__in=[])
    for year in sorted(set(years)):
        begin, end = _year_bounds(year)
        overlap |= Q(started_at__lt=end, due_at__gte=begin)
    return (
        Clock.objects.filter(overlap, state=ClockState.RUNNING, calendar_code__in=codes, limit__isnull=False)
        .exclude(policy__limit_source__in=[LimitSource.HANDLING_DUE, LimitSource.APPOINTED_AT])
        .order_by("id")
    )


def clocks_recompute_for_years(*, years: Iterable[int], now: datetime | None = None) -> int:
    """Recompute every running clock that touches `years` (see module docstring). Returns how many moved."""
    years = sorted(set(years))
    if not years:
        return 0
    now = now or timezone.now()
    calendar_cache_clear()  # read the table as committed now, not a compiled copy from before the change
    note = f"recomputed {timezone.localtime(now):%Y-%m-%d %H:%M}: holiday year {', '.join(map(str, years))}"
    moved = 0
    order_model = Clock._meta.get_field("order").related_model  # the FK's target, not an import of the layer above
    for clock_id, order_id in list(clocks_touching_years(years=years).values_list("id", "order_id")):
        with transaction.atomic():
            # The order row first, then the clock: the order transitions lock them in. A moved due time changes
            # the order's `next_due_at` (a database trigger), so the reverse order could deadlock with one.
            list(order_model._base_manager.filter(pk=order_id).select_for_update(no_key=True).values_list("pk"))
            clock = (
                Clock.objects.select_related("policy")
                .select_for_update(of=("self",))
                .filter(pk=clock_id, state=ClockState.RUNNING)
                .first()
            )
            if clock is not None and clock_rebaseline(clock=clock, note=note):
                moved += 1
    return moved
