"""The rows every report figure is summed from, in one shape whether they come from the daily tallies or live
from the raw rows (orders, clocks, callbacks, urges). Reads only.

A `Scope` is the set of orders a report counts: all (branch level), the orders of a unit subtree (accepted at
or handled by one of its units, SPEC §1), and for a user's own report also the orders that user accepted or
handles outside their units (the person half of the visibility rule, which the tallies do not keep: those
orders are few and counted live from the raw rows)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from complaints.models import ComplaintCategory
from deadlines.clock_models import Clock, ClockState
from tickets.models import Callback, HandlingMethod, TimelineEntry, WorkOrder

from .models import (
    CallbackDayTally,
    ClockDayTally,
    LatenessDayTally,
    OrderDayTally,
    Span,
    TallyDay,
    TallyMonth,
    UrgeDayTally,
)

UNITS = ("accepting_unit", "handling_unit")
FLAGS = ("is_major", "is_repeat", "is_batch", "is_escalated", "is_collective", "is_media")
# What one raw query groups orders by; each group is then split into one row per dimension (`order_marginals`).
ORDER_GROUP = (*UNITS, "order_type", "category", "channel", "city", "urgency", "on_spot", *FLAGS)
ORDER_DIMS = (*UNITS, "dim", "value")
CLOCK_DIMS = ("kind", *UNITS)
LATENESS_DIMS = ("kind", *UNITS, "seconds")
CALLBACK_DIMS = (*UNITS, "category", "outcome")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """00:00 of the day and of the next, in Asia/Shanghai (the settings' zone: no DST, so always 24 h)."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now()).date()


@dataclass(frozen=True)
class Scope:
    """unit_ids None: every order. person: also the orders this user accepted or handles (their own report)."""

    unit_ids: frozenset[int] | None = None
    person_id: int | None = None
    label: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def units_q(self, prefix: str = "") -> Q | None:
        if self.unit_ids is None:
            return None
        ids = sorted(self.unit_ids)
        return Q(**{f"{prefix}accepting_unit_id__in": ids}) | Q(**{f"{prefix}handling_unit_id__in": ids})

    def person_q(self, prefix: str = "") -> Q | None:
        if self.person_id is None or self.unit_ids is None:
            return None
        mine = Q(**{f"{prefix}accepted_by_id": self.person_id}) | Q(**{f"{prefix}assignee_id": self.person_id})
        return mine & ~self.units_q(prefix)

    def raw_q(self, prefix: str = "") -> Q | None:
        """Every order of the scope, for counting raw rows."""
        units, person = self.units_q(prefix), self.person_q(prefix)
        if units is None:
            return None
        return units if person is None else units | person


def _filtered(queryset: QuerySet, q: Q | None) -> QuerySet:
    return queryset if q is None else queryset.filter(q)


# --- raw rows, one day range [start, end) --------------------------------------------------------------------
def category_levels() -> dict[int, tuple[int, int]]:
    """Each category's level-1 and level-2 ancestor (a level-1 or level-2 node is its own), from one query."""
    parents = dict(ComplaintCategory.objects.values_list("id", "parent_id"))
    levels = {}
    for cid in parents:
        path, node, depth = [], cid, 0
        while node is not None and depth < 20:
            path.append(node)
            node, depth = parents.get(node), depth + 1
        path.reverse()
        levels[cid] = (path[0], path[1] if len(path) > 1 else path[0])
    return levels


def order_marginals(groups: list[dict], levels: dict[int, tuple[int, int]]) -> list[dict]:
    """Orders grouped by every dimension at once → one row per (units, dimension, value), summed."""
    totals: dict[tuple, int] = {}

    def add(group, dim, value):
        key = (group["accepting_unit"], group["handling_unit"], dim, "" if value is None else str(value))
        totals[key] = totals.get(key, 0) + group["n"]

    for group in groups:
        add(group, "type", group["order_type"])
        if group["on_spot"]:
            add(group, "spot", group["order_type"])
        if group["category"] is not None:
            l1, l2 = levels.get(group["category"], (group["category"], group["category"]))
            add(group, "l1", l1)
            add(group, "l2", l2)
        add(group, "channel", group["channel"])
        add(group, "city", group["city"] or "")
        add(group, "urgency", group["urgency"])
        for flag in FLAGS:
            if group[flag]:
                add(group, "flag", flag)
        if group["order_type"] == "complaint" and group["is_repeat"]:
            add(group, "crep", "is_repeat")
    return [dict(zip(ORDER_DIMS, key, strict=True), n=n) for key, n in totals.items()]


def raw_order_rows(*, start: datetime, end: datetime, q: Q | None) -> list[dict]:
    groups = (
        _filtered(WorkOrder.objects.filter(accepted_at__gte=start, accepted_at__lt=end), q)
        .annotate(
            city=F("customer__home_city"),
            on_spot=Case(
                When(handling_method__in=sorted(HandlingMethod.closing_at_creation()), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values(*ORDER_GROUP)
        .annotate(n=Count("id"))
        .order_by()
    )
    return order_marginals(list(groups), category_levels())


def raw_clock_rows(*, start: datetime, end: datetime, q: Q | None) -> list[dict]:
    rows = (
        _filtered(
            Clock.objects.filter(
                stopped_at__gte=start, stopped_at__lt=end, state__in=(ClockState.MET, ClockState.BREACHED)
            ),
            q,
        )
        .annotate(accepting_unit=F("order__accepting_unit"), handling_unit=F("order__handling_unit"))
        .values(*CLOCK_DIMS)
        .annotate(
            met=Count("kind", filter=Q(state=ClockState.MET)),
            breached=Count("kind", filter=Q(state=ClockState.BREACHED)),
        )
        .order_by()
    )
    return list(rows)


def lateness_seconds(*, stopped_at: datetime, due_at: datetime) -> int:
    """How late a breached clock stopped, in whole seconds (cut, not rounded: 59.9 s late is 59 s)."""
    return max(int((stopped_at - due_at).total_seconds()), 0)


def raw_lateness_rows(*, start: datetime, end: datetime, q: Q | None) -> list[dict]:
    """One row per (kind, units, lateness in seconds), counted in Python: a day's breaches are few."""
    clocks = _filtered(
        Clock.objects.filter(stopped_at__gte=start, stopped_at__lt=end, state=ClockState.BREACHED), q
    ).values_list("kind", "order__accepting_unit", "order__handling_unit", "stopped_at", "due_at")
    counts: dict[tuple, int] = {}
    for kind, accepting, handling, stopped_at, due_at in clocks.iterator(chunk_size=2000):
        key = (kind, accepting, handling, lateness_seconds(stopped_at=stopped_at, due_at=due_at))
        counts[key] = counts.get(key, 0) + 1
    return [dict(zip(LATENESS_DIMS, key, strict=True), n=n) for key, n in counts.items()]


def raw_callback_rows(*, start: datetime, end: datetime, q: Q | None) -> list[dict]:
    rows = (
        _filtered(Callback.objects.filter(at__gte=start, at__lt=end), q)
        .annotate(
            accepting_unit=F("order__accepting_unit"),
            handling_unit=F("order__handling_unit"),
            category=F("order__category"),
        )
        .values(*CALLBACK_DIMS)
        .annotate(n=Count("id"))
        .order_by()
    )
    return list(rows)


def raw_urge_rows(*, start: datetime, end: datetime, q: Q | None) -> list[dict]:
    rows = (
        _filtered(TimelineEntry.objects.filter(kind="urge", at__gte=start, at__lt=end), q)
        .annotate(accepting_unit=F("order__accepting_unit"), handling_unit=F("order__handling_unit"))
        .values(*UNITS)
        .annotate(n=Count("id"))
        .order_by()
    )
    return list(rows)


RAW = {
    "orders": raw_order_rows,
    "clocks": raw_clock_rows,
    "lateness": raw_lateness_rows,
    "callbacks": raw_callback_rows,
    "urges": raw_urge_rows,
}
PREFIX = {"orders": "", "clocks": "order__", "lateness": "order__", "callbacks": "order__", "urges": "order__"}


# --- tallied rows, a set of counted days -----------------------------------------------------------------------
TALLIES = {
    "orders": (OrderDayTally, ORDER_DIMS, {"n": Sum("n")}),
    "clocks": (ClockDayTally, CLOCK_DIMS, {"met": Sum("met"), "breached": Sum("breached")}),
    "lateness": (LatenessDayTally, LATENESS_DIMS, {"n": Sum("n")}),
    "callbacks": (CallbackDayTally, CALLBACK_DIMS, {"n": Sum("n")}),
    "urges": (UrgeDayTally, UNITS, {"n": Sum("n")}),
}


def tally_rows(*, source: str, days: list[tuple[date, date]], months: list[date], q: Q | None) -> list[dict]:
    """The tallied rows of whole counted months (span=month) and of runs of counted days (span=day), summed by
    their dimensions in one query."""
    model, dims, sums = TALLIES[source]
    when = Q(span=Span.MONTH, day__in=months) if months else Q(pk__in=[])
    for first, last in days:
        when |= Q(span=Span.DAY, day__gte=first, day__lte=last)
    rows = _filtered(model.objects.filter(when), q).values(*dims).annotate(**sums)
    return list(rows.order_by())


def counted_days(*, first: date, last: date) -> set[date]:
    return set(TallyDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))


def month_days(month: date) -> list[date]:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [month + timedelta(days=n) for n in range((following - month).days)]


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: one condition per run instead of one per day."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def period_rows(*, source: str, first: date, last: date, scope: Scope, live_only: bool = False) -> list[dict]:
    """Every row of `source` for the days first..last (inclusive) in the scope: month rows for the whole counted
    months inside, day rows for the other counted days, raw rows for the rest (today, a day nobody counted
    yet), and raw rows for the scope's person half on every day."""
    prefix = PREFIX[source]
    counted = set() if live_only else counted_days(first=first, last=last)
    every_day = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    months = []
    if counted:
        inside = {d.replace(day=1) for d in counted if d.day == 1 and last >= month_days(d)[-1]}
        months = sorted(TallyMonth.objects.filter(month__in=inside).values_list("month", flat=True))
    by_month = {d for m in months for d in month_days(m)}
    rows: list[dict] = []
    if counted:
        rows += tally_rows(source=source, days=day_runs(counted - by_month), months=months, q=scope.units_q())
    for run_first, run_last in day_runs(every_day - counted):
        start, end = day_bounds(run_first)[0], day_bounds(run_last)[1]
        rows += RAW[source](start=start, end=end, q=scope.raw_q(prefix))
    person = scope.person_q(prefix)
    if person is not None:
        for run_first, run_last in day_runs(counted):
            start, end = day_bounds(run_first)[0], day_bounds(run_last)[1]
            rows += RAW[source](start=start, end=end, q=person)
    return rows
