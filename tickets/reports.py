"""The dashboard's numbers (R-RP-1, first slice): aggregate queries only, over what the user may see (SPEC §1).

Each function returns rows of (key, label, value) ready for a bar chart; no row is read one by one."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from deadlines.clock_models import Clock, ClockKind, ClockState

from .models import Channel, OrderState, OrderType
from .selectors import order_visibility_q, work_order_visible_base


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
    """及时率 per clock kind: met / (met + breached) of the clocks stopped since Monday 00:00 (R-RP-1)."""
    rows = (
        _visible_clocks(user)
        .filter(stopped_at__gte=week_start(now), state__in=[ClockState.MET, ClockState.BREACHED])
        .values("kind")
        .annotate(met=Count("kind", filter=Q(state=ClockState.MET)), total=Count("kind"))
        .order_by()
    )
    by_kind = {row["kind"]: (row["met"], row["total"]) for row in rows}
    bars = []
    for value, label in ClockKind.choices:
        met, total = by_kind.get(value, (0, 0))
        if total:
            bars.append(Bar(key=value, label=str(label), value=round(100 * met / total, 1), note=f"{met} / {total}"))
    return bars
