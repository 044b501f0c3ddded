"""The dashboard's numbers (R-RP-1, first slice): aggregate queries only, over what the user may see (SPEC §1).

Each function returns rows of (key, label, value) ready for a bar chart; no row is read one by one."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from deadlines.clock_models import Clock, ClockKind, ClockState

from .models import Channel, ClockHourTally, OrderState, OrderType
from .selectors import order_visibility_q, work_order_visible_base
from .services.tallies import COUNTED_STATES, clock_tallies_ensure, counted_until, hour_floor


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: float
    note: str = ""  # shown beside the number, e.g. "12 / 14"


def _visible_orders(user):
    return work_order_visible_base(user=user)


def _visible_clocks(user):
    """Clocks of the orders this user sees, filtered through the join to their order: the aggregate starts
    from the (few) clocks asked for, not from every visible order. Branch level needs no join at all.
    The aggregates count `kind` (never null), not `id`: kind and order are in clock_overdue_idx and, with state,
    in clock_stopped_idx, and the visibility columns in order_visibility_idx, so neither reads a table row."""
    rule = order_visibility_q(user=user, prefix="order__")
    return Clock.objects.all() if rule is None else Clock.objects.filter(rule)


def _bars(counts: dict[str, int], choices) -> list[Bar]:
    return [Bar(key=value, label=str(label), value=counts.get(value, 0)) for value, label in choices]


def day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def week_start(now: datetime) -> datetime:
    start = day_start(now)
    return start - timedelta(days=start.weekday())


def intake_today_by_type(*, user, now: datetime) -> list[Bar]:
    rows = (
        _visible_orders(user)
        .filter(accepted_at__gte=day_start(now))
        .values("order_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _bars({row["order_type"]: row["n"] for row in rows}, OrderType.choices)


def intake_today_by_channel(*, user, now: datetime) -> list[Bar]:
    rows = (
        _visible_orders(user)
        .filter(accepted_at__gte=day_start(now))
        .values("channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _bars({row["channel"]: row["n"] for row in rows}, Channel.choices)


def open_by_state(*, user) -> list[Bar]:
    open_states = OrderState.open_states()
    # Count("state"), not "id": for branch level an index-only scan of order_queue_idx (state first).
    rows = _visible_orders(user).filter(state__in=open_states).values("state").annotate(n=Count("state")).order_by()
    counts = {row["state"]: row["n"] for row in rows}
    return [bar for bar in _bars(counts, OrderState.choices) if bar.key in open_states]


def overdue_by_clock_kind(*, user) -> list[Bar]:
    """Clocks past their due time now (R-CLK-BREACH), by kind; kinds with none are left out."""
    rows = _visible_clocks(user).filter(state=ClockState.OVERDUE).values("kind").annotate(n=Count("kind"))
    counts = {row["kind"]: row["n"] for row in rows.order_by()}
    return [bar for bar in _bars(counts, ClockKind.choices) if bar.value]


def timeliness_this_week(*, user, now: datetime) -> list[Bar]:
    """及时率 per clock kind: met / (met + breached) of the clocks stopped since Monday 00:00 (R-RP-1).

    Finished hours come from the hourly tallies (counted once, `tickets.services.tallies`; an hour not yet
    counted is counted here), the rest from the clocks themselves: the cost follows an hour's volume, not
    the week's. Both are filtered by the same visibility rule."""
    monday = week_start(now)
    clock_tallies_ensure(since=monday)
    split = max(monday, min(counted_until(), hour_floor(now)))  # tallies before, clocks from here on
    rule = order_visibility_q(user=user)
    tallies = ClockHourTally.objects.filter(hour__gte=monday, hour__lt=split)
    past = (
        (tallies if rule is None else tallies.filter(rule)).values("kind").annotate(met=Sum("met"), total=Sum("total"))
    )
    latest = (
        _visible_clocks(user)
        .filter(stopped_at__gte=split, state__in=COUNTED_STATES)
        .values("kind")
        .annotate(met=Count("kind", filter=Q(state=ClockState.MET)), total=Count("kind"))
    )
    by_kind: dict[str, tuple[int, int]] = {}
    for row in [*past.order_by(), *latest.order_by()]:
        met, total = by_kind.get(row["kind"], (0, 0))
        by_kind[row["kind"]] = (met + row["met"], total + row["total"])
    bars = []
    for value, label in ClockKind.choices:
        met, total = by_kind.get(value, (0, 0))
        if total:
            bars.append(Bar(key=value, label=str(label), value=round(100 * met / total, 1), note=f"{met} / {total}"))
    return bars
