"""The rows every report figure is summed from, in one shape whether they come from the daily tallies or live
from the raw rows (orders, clocks, callbacks, urges). Reads only.

A `Scope` is the set of orders a report counts: all (branch level), the orders of a unit subtree (accepted at
or handled by one of its units, SPEC §1), and for a user's own report also the orders that user accepted or
handles outside their units (the person half of the visibility rule, which the tallies do not keep: those
orders are few and counted live from the raw rows)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import BigIntegerField, BooleanField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
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
from .tables import median

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


@dataclass(frozen=True)
class Plan:
    """Where the rows of the days first..last come from: month rows for the whole counted months inside, day rows
    for the other counted days, raw rows for the rest (today, a day nobody counted yet), and raw rows for the
    scope's person half on every counted day. Worked out once per period, read by every source.

    Sums may also take a month only partly inside, whose month rows exist, as its month rows less the day rows of
    its days outside the period (`sum_*`, `less_days`) when those are fewer than its days inside: a year from
    the 2nd of a month reads that month's rows and one day's instead of thirty days' rows. Exact for every sum
    grouped by columns of the rows (the lateness counts per second too); the SQL median, which reads the rows
    ungrouped, takes `months` and `tallied_days` instead."""

    months: tuple[date, ...]
    tallied_days: tuple[tuple[date, date], ...]
    raw_days: tuple[tuple[date, date], ...]
    counted_runs: tuple[tuple[date, date], ...]
    sum_months: tuple[date, ...] = ()
    sum_days: tuple[tuple[date, date], ...] = ()
    less_days: tuple[tuple[date, date], ...] = ()

    @property
    def tallied(self) -> bool:
        return bool(self.months or self.tallied_days)


def period_plan(*, first: date, last: date, live_only: bool = False) -> Plan:
    counted = set() if live_only else counted_days(first=first, last=last)
    every_day = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    months, trimmed, less = [], [], set()
    if counted:
        touched = {d.replace(day=1) for d in counted}
        rolled = set(TallyMonth.objects.filter(month__in=touched).values_list("month", flat=True))
        for month in sorted(rolled):
            days = set(month_days(month))
            inside = days & every_day
            if inside == days:
                months.append(month)
            elif len(days - inside) < len(inside) and inside <= counted:
                trimmed.append(month)
                less |= days - inside
    by_month = {d for m in months for d in month_days(m)}
    by_trimmed = {d for m in trimmed for d in month_days(m)}
    return Plan(
        tuple(months), tuple(day_runs(counted - by_month)), tuple(day_runs(every_day - counted)),
        tuple(day_runs(counted)), tuple(sorted(months + trimmed)), tuple(day_runs(counted - by_month - by_trimmed)),
        tuple(day_runs(less)),
    )  # fmt: skip


def _tally_q(months, runs) -> Q:
    when = Q(span=Span.MONTH, day__in=months) if months else Q(pk__in=[])
    for first, last in runs:
        when |= Q(span=Span.DAY, day__gte=first, day__lte=last)
    return when


# A group column that is no tally column: the unit a clock, callback or urge is put down to, the handling unit
# once dispatched, else the accepting (the reports' unit tables say so under each).
RESPONSIBLE = "unit"


def _tallied(
    *, source: str, plan: Plan, scope: Scope, group: tuple[str, ...], only: dict | None, summed: bool = True
) -> QuerySet | None:
    """The tally rows of the plan's counted months and days in the scope, summed by `group` in the database
    (`summed=False`: the rows as they are, with `group` and the counts as columns; no month is trimmed then)."""
    if not plan.tallied:
        return None
    model, _dims, sums = TALLIES[source]
    less = _tally_q((), plan.less_days) if summed and plan.less_days else None
    if less is None:
        rows = model.objects.filter(_tally_q(plan.months, plan.tallied_days))
    else:
        rows = model.objects.filter(_tally_q(plan.sum_months, plan.sum_days) | less)
        # the days outside the period count negatively; a group whose sums come to nothing is no group at all
        sums = {
            name: Sum(Case(When(less, then=-F(name)), default=F(name), output_field=BigIntegerField())) for name in sums
        }
    rows = _filtered(rows, scope.units_q())
    if only:
        rows = rows.filter(**{f"{column}__in": sorted(values) for column, values in only.items()})
    if RESPONSIBLE in group:
        rows = rows.annotate(
            **{RESPONSIBLE: Coalesce("handling_unit_id", "accepting_unit_id", output_field=BigIntegerField())}
        )
    if not summed:
        return rows.values(*group, *sums).order_by()
    rows = rows.values(*group).annotate(**sums).order_by()
    return rows if less is None else rows.exclude(**dict.fromkeys(sums, 0))


def _raw(
    *, source: str, plan: Plan, scope: Scope, group: tuple[str, ...], only: dict | None, cache: dict | None = None
) -> list[dict]:
    """The raw rows of the plan's uncounted days and of the person half, summed by `group` (they are few). `cache`:
    a dict the caller keeps for one report, so sums of one source by several groups read its raw rows once."""
    key = (source, plan, scope)
    rows = cache.get(key) if cache is not None else None
    if rows is None:
        rows = _raw_rows(source=source, plan=plan, scope=scope)
        if cache is not None:
            cache[key] = rows
    if only:
        rows = [row for row in rows if all(row[column] in values for column, values in only.items())]
    return _summed(rows, source=source, group=group)


def _raw_rows(*, source: str, plan: Plan, scope: Scope) -> list[dict]:
    prefix = PREFIX[source]
    rows: list[dict] = []
    for run_first, run_last in plan.raw_days:
        rows += RAW[source](start=day_bounds(run_first)[0], end=day_bounds(run_last)[1], q=scope.raw_q(prefix))
    person = scope.person_q(prefix)
    if person is not None:
        for run_first, run_last in plan.counted_runs:
            rows += RAW[source](start=day_bounds(run_first)[0], end=day_bounds(run_last)[1], q=person)
    return rows


def _responsible(row: dict):
    """A raw row's responsible unit (an already summed row carries it)."""
    return row[RESPONSIBLE] if RESPONSIBLE in row else row["handling_unit"] or row["accepting_unit"]


def _summed(rows: Iterable[dict], *, source: str, group: tuple[str, ...]) -> list[dict]:
    sums = tuple(TALLIES[source][2])
    totals: dict[tuple, list[int]] = {}
    for row in rows:
        key = tuple(_responsible(row) if g == RESPONSIBLE else row[g] for g in group)
        counts = totals.setdefault(key, [0] * len(sums))
        for index, name in enumerate(sums):
            counts[index] += row[name]
    return [
        dict(zip(group, key, strict=True), **dict(zip(sums, counts, strict=True))) for key, counts in totals.items()
    ]


def period_sums(
    *,
    source: str,
    plan: Plan,
    scope: Scope,
    group: tuple[str, ...],
    only: dict | None = None,
    cache: dict | None = None,
) -> list[dict]:
    """The rows of `source` for the plan's days in the scope, summed by `group` (some of the source's columns, or
    RESPONSIBLE): only what a figure reads, the tallies summed by the database, the raw rows by Python. `only`:
    {column: values} keeps the rows with those values (e.g. {"dim": {"type", "spot"}})."""
    tallied = _tallied(source=source, plan=plan, scope=scope, group=group, only=only)
    raw = _raw(source=source, plan=plan, scope=scope, group=group, only=only, cache=cache)
    if tallied is None:
        return raw
    return _summed([*tallied, *raw], source=source, group=group) if raw else list(tallied)


def lateness_medians(
    *, plan: Plan, scope: Scope, in_sql: bool | None = None, cache: dict | None = None
) -> tuple[dict, dict]:
    """The exact median lateness (seconds, to the second) of the breached clocks stopped on the plan's days, by
    clock kind and by responsible unit: ({kind: median}, {unit: median}). On PostgreSQL the database computes
    it (`percentile_cont(0.5)` over the tallied values, each repeated its count, and the few raw ones passed in),
    so a year's hundred thousand values are not read; elsewhere (SQLite) Python walks the sorted counts.
    `in_sql` forces one way (the tests compare both)."""
    group = ("kind", RESPONSIBLE, "seconds")
    if in_sql is None:
        in_sql = connection.vendor == "postgresql"
    tallied = _tallied(source="lateness", plan=plan, scope=scope, group=group, only=None, summed=not in_sql)
    raw = _raw(source="lateness", plan=plan, scope=scope, group=group, only=None, cache=cache)
    if in_sql:
        return _medians_in_sql(tallied, raw)
    by_kind: dict = defaultdict(list)
    by_unit: dict = defaultdict(list)
    for row in [*(tallied if tallied is not None else []), *raw]:
        by_kind[row["kind"]].append((row["seconds"], row["n"]))
        by_unit[row[RESPONSIBLE]].append((row["seconds"], row["n"]))
    return {k: median(v) for k, v in by_kind.items()}, {u: median(v) for u, v in by_unit.items()}


def _medians_in_sql(tallied: QuerySet | None, raw: list[dict]) -> tuple[dict, dict]:
    """Both medians in one statement: the tally rows and the raw ones, each value repeated its count
    (generate_series), grouped by kind and by unit at once (GROUPING SETS)."""
    parts, params = [], []
    if tallied is not None:
        sql, tallied_params = tallied.query.sql_with_params()
        parts.append(f"SELECT kind, {RESPONSIBLE}, seconds, n FROM ({sql}) AS tallied")
        params += list(tallied_params)
    if raw:
        parts.append("SELECT * FROM unnest(%s::varchar[], %s::bigint[], %s::bigint[], %s::bigint[])")
        params += [[row[column] for row in raw] for column in ("kind", RESPONSIBLE, "seconds", "n")]
    if not parts:
        return {}, {}
    union = " UNION ALL ".join(parts)
    query = (
        "SELECT GROUPING(late.kind), late.kind, late.unit, percentile_cont(0.5) WITHIN GROUP (ORDER BY late.seconds) "
        f"FROM ({union}) AS late(kind, unit, seconds, n) CROSS JOIN LATERAL generate_series(1, late.n) "
        "GROUP BY GROUPING SETS ((late.kind), (late.unit))"
    )
    by_kind, by_unit = {}, {}
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner guesses 1,000 rows per generate_series (the counts are mostly 1), so it thinks a year is
        # tens of millions of rows and JIT-compiles the plan: ~280 ms of compiling for a ~120 ms query. And the
        # two sorts of ~140k values fit in memory with a little more than the default 4 MB. Both for this
        # statement only (SET LOCAL, undone at the end of the transaction or savepoint).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(query, params)
        rows = cursor.fetchall()
        cursor.execute("SET LOCAL jit TO DEFAULT")
        cursor.execute("SET LOCAL work_mem TO DEFAULT")
    for unit_level, kind, unit, value in rows:
        if unit_level:
            by_unit[unit] = value
        else:
            by_kind[kind] = value
    return by_kind, by_unit
