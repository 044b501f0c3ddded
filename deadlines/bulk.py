"""The clocks of many orders at once: one life-cycle event for every child of a batch (R-SP-2), in a bounded number
of statements whatever the number of orders.

The rules are those of `deadlines.clocks` — the same policy table, the same start, stop, cancel, restart and
re-baselining decisions, the same due-time arithmetic (`clock_times`, `calendar_add` in Python) — taken for all the
orders in one pass: the live clocks of every order are locked by one statement (in id order), changed in memory,
and written back by one UPDATE per distinct set of values (`grouped_update`: the clocks a move stops alike are one
statement; re-baselined clocks, each with its own due time, one `UPDATE … FROM (VALUES …)`); the new clocks are
one INSERT; breaches no sweep will see are notified once for all. Plain UPDATE and INSERT statements, so a database
trigger on the clocks table sees every row it would see from the per-order path. The caller holds the orders' rows
(lock order: orders → their clocks)."""

from collections import defaultdict
from datetime import datetime

from django.db import connection
from django.db.models import F
from django.utils import timezone

from .clock_models import Clock, ClockKind, ClockState
from .clocks import (
    HANDLING_DUE_EVENTS,
    RECALC_FIELDS,
    _clock_stopped,
    clock_due_move,
    clock_handling_move,
    clock_rebaselined,
    event_plan,
    policies_active,
)
from .notices import clock_notices_record

STOP_FIELDS = ["state", "breached_at", "stopped_at", "next_check_at"]


def grouped_update(queryset, objs: list, fields: list[str], expressions=None) -> int:
    """Write `fields` of `objs` (already set in memory) with one plain UPDATE per distinct set of values — a batch
    move gives its children the same values, so one or a few statements — instead of `bulk_update`'s one CASE per
    field and row, which costs Django and PostgreSQL time quadratic in the rows. `expressions` maps a field to a
    function (obj → value or expression) for values that differ by row but follow one rule (a breach recorded at
    the clock's own due time: `F("due_at")`). Returns the rows written; `queryset` may carry a guard (a state)."""
    groups: dict[tuple, list] = defaultdict(list)
    attnames = [queryset.model._meta.get_field(name).attname for name in fields]
    for obj in objs:
        key = tuple(
            (expressions or {}).get(name, lambda o, a=attname: getattr(o, a))(obj)
            for name, attname in zip(fields, attnames, strict=True)
        )
        groups[key].append(obj.pk)
    written = 0
    for key, pks in groups.items():
        written += queryset.filter(pk__in=pks).update(**dict(zip(attnames, key, strict=True)))
    return written


def values_update(model, objs: list, fields: list[str]) -> int:
    """Write `fields` of `objs`, each row its own values, in one `UPDATE … FROM (VALUES …)` on PostgreSQL (linear in
    the rows, where `bulk_update`'s CASE per field and row is quadratic); `bulk_update` elsewhere."""
    if connection.vendor != "postgresql" or not objs:
        return model.objects.bulk_update(objs, fields, batch_size=500) if objs else 0
    meta, pk = model._meta, model._meta.pk
    columns = [pk, *(meta.get_field(name) for name in fields)]
    row = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    table = connection.ops.quote_name(meta.db_table)
    sets = ", ".join(
        f"{connection.ops.quote_name(f.column)} = v.{connection.ops.quote_name(f.column)}" for f in columns[1:]
    )
    written = 0
    for start in range(0, len(objs), 500):
        chunk = objs[start : start + 500]
        params = [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in chunk for field in columns]
        sql = (
            f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) "
            f"WHERE {table}.{connection.ops.quote_name(pk.column)} = v.{connection.ops.quote_name(pk.column)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def _breached_at(clock: Clock):
    """A clock stopped late is breached at its own due time (R-CLK-BREACH): one expression for all such clocks."""
    return F("due_at") if clock.breached_at is not None and clock.breached_at == clock.due_at else clock.breached_at


def _live_locked_many(*, order_ids: list[int]) -> dict[int, list[Clock]]:
    """`clocks_live_locked` for many orders: the running and overdue clocks of all of them, locked in id order, read
    twice for the same reason (a sweep may have started a recurring clock's next round meanwhile)."""
    live = ClockState.live()
    rows = Clock.objects.filter(order_id__in=order_ids, state__in=live).select_related("policy")
    first = list(rows.select_for_update(of=("self",)).order_by("id"))
    more = list(rows.exclude(id__in=[c.id for c in first]).select_for_update(of=("self",)).order_by("id"))
    by_order: dict[int, list[Clock]] = defaultdict(list)
    for clock in first + more:
        by_order[clock.order_id].append(clock)
    return by_order


def _clock_cancelled(*, clock: Clock, at: datetime) -> None:
    """`clock_cancel` without the save: an overdue clock that is cancelled keeps its breach."""
    clock.state = ClockState.BREACHED if clock.breached_at else ClockState.CANCELLED
    clock.stopped_at = at
    clock.next_check_at = None


def clocks_recalculate_many(*, orders: list, at: datetime) -> int:
    """`clocks_recalculate` (R-CLK-RECALC) for many orders: the running clocks whose policy the orders' flags no
    longer select take the new one, their due time recomputed from their original start. One SELECT, one UPDATE."""
    by_id = {order.id: order for order in orders}
    policies = policies_active()
    changed = []
    running = Clock.objects.filter(order_id__in=list(by_id), state=ClockState.RUNNING).select_related("policy")
    for clock in running.select_for_update(of=("self",)).order_by("id"):
        if clock_rebaselined(clock=clock, order=by_id[clock.order_id], policies=policies, at=at):
            changed.append(clock)
    if changed:
        values_update(Clock, changed, RECALC_FIELDS)
    return len(changed)


def clocks_on_event_many(*, orders: list, event: str, at: datetime, details: dict[int, dict]) -> list[Clock]:
    """`clocks_on_event` for many orders at once (`details`: each order's own event details by id)."""
    now = timezone.now()
    policies = policies_active()
    ids = [order.id for order in orders]
    live_by_order = {} if event == "created" else _live_locked_many(order_ids=ids)
    touched: list[Clock] = []
    newly_breached: list[int] = []
    new: list[Clock] = []
    started: list[Clock] = []
    for order in orders:
        own = details.get(order.id, {})
        plan = event_plan(
            order=order, live=live_by_order.get(order.id, []), event=event, at=at, details=own, policies=policies,
            stop=_clock_stopped, cancel=_clock_cancelled,
        )  # fmt: skip
        touched += plan[0]
        newly_breached += plan[1]
        new += plan[2]
        started += plan[3]
    if touched:
        grouped_update(Clock.objects.all(), touched, STOP_FIELDS, expressions={"breached_at": _breached_at})
    if new:
        Clock.objects.bulk_create(new, batch_size=500)
        newly_breached += [c.id for c in started if c.kind == ClockKind.ENTRY and c.breached_at]
    if newly_breached:
        clock_notices_record(warned_ids=[], breached_ids=newly_breached, now=now)
    return started


def clocks_follow_orders_event(sender, *, orders, event, at, details=None, **shared) -> list[Clock]:
    """Receiver of the many-orders life-cycle signal (`tickets.events.orders_event`, connected by `tickets.apps`):
    `clocks_follow_order_event` for every order of `orders` at once. `details` holds each order's own event details
    by id (e.g. its handling deadline), `shared` those common to all."""
    shared.pop("signal", None)
    shared.pop("actor", None)
    own = {order.id: {**shared, **(details or {}).get(order.id, {})} for order in orders}
    if event == "flags_changed":
        clocks_recalculate_many(orders=orders, at=at)
    if event in HANDLING_DUE_EVENTS:  # not a batch move today: the per-order rule, order by order
        for order in orders:
            clock_handling_move(order=order, due_at=own[order.id]["due_at"])
    if event == "appointment_moved":
        for order in orders:
            clock_due_move(order=order, kind=ClockKind.APPOINTMENT, due_at=own[order.id]["appointed_at"])
    return clocks_on_event_many(orders=orders, event=event, at=at, details=own)
