"""R-HD-1: an order dispatched to a covered group on a duty day lands in the duty hall's queue, in the
dispatch's own transaction (tickets sends `order_event` inside it), once per order and dispatch cycle."""

import logging
from datetime import datetime

from django.utils.translation import gettext as _

from deadlines.models import BusinessCalendar
from tickets.events import OrderEvent

from ..models import DutyOrder, LogKind
from ..selectors import covered_group_for, duty_day_is, shifts_at
from .common import local_day, log_append, notify_on_commit

LANDING_EVENTS = (OrderEvent.DISPATCHED, OrderEvent.REDISPATCHED)
logger = logging.getLogger(__name__)


def duty_staff_at(*, hall, at: datetime) -> tuple[object | None, bool]:
    """(person, is_fallback): who on duty takes an order landing now — the person on shift (the earliest
    started), else the hall's fallback person (R-HD-6: an order is never left with nobody)."""
    shift = shifts_at(hall=hall, at=at).order_by("starts_at", "id").first()
    if shift is not None:
        return shift.person, False
    return hall.fallback_person, True


def duty_order_on_order_event(sender, *, order, event, at, actor=None, **details) -> None:
    """`tickets.events.order_event` receiver. Idempotent: the (order, cycle) pair is unique. An event sent for many
    orders at once (`bulk`, a batch dispatched) was handled by `duty_orders_on_orders_event`."""
    if event not in LANDING_EVENTS or details.get("bulk"):
        return
    _land(order=order, group=covered_group_for(unit_id=order.handling_unit_id), at=at, actor=actor)


def duty_orders_on_orders_event(sender, *, orders, event, at, actor=None, **details) -> None:
    """`tickets.events.orders_event` receiver (a batch's children dispatched together): the covered group looked up
    once per handling unit, not once per order; on a duty day each order lands as it would alone."""
    if event not in LANDING_EVENTS:
        return
    groups: dict = {}
    for order in orders:
        if order.handling_unit_id not in groups:
            groups[order.handling_unit_id] = covered_group_for(unit_id=order.handling_unit_id)
        _land(order=order, group=groups[order.handling_unit_id], at=at, actor=actor)


def _land(*, order, group, at: datetime, actor) -> None:
    if group is None:
        return
    hall = group.hall
    day = local_day(at)
    try:
        is_duty_day = duty_day_is(day=day, hall=hall)
    except BusinessCalendar.DoesNotExist:
        # Reference data not loaded: a missing calendar never stops a dispatch (as in notifications.quiet_hours).
        logger.warning("Calendar CAL-WORKDAY is missing (load reference data): %s not routed to duty.", order.number)
        return
    if not is_duty_day:
        return
    owner, fallback = duty_staff_at(hall=hall, at=at)
    duty_order, created = DutyOrder.objects.get_or_create(
        order=order, cycle=order.cycle,
        defaults=dict(hall=hall, group=group, duty_day=day, landed_at=at, owner=owner, owner_is_fallback=fallback),
    )  # fmt: skip
    if not created:
        return
    text = _("%(number)s dispatched to %(group)s on a duty day: in the duty queue.") % {
        "number": order.number, "group": group.unit.name,
    }  # fmt: skip
    if fallback:
        text += " " + _("Nobody on shift: taken by the fallback person %(person)s.") % {
            "person": owner.get_full_name() if owner else _("(none named)"),
        }  # fmt: skip
    log_append(hall=hall, key=f"landed-{duty_order.id}", kind=LogKind.LANDED, text=text, at=at, actor=actor,
               duty_order=duty_order)  # fmt: skip
    items = []
    if owner is not None:
        items.append(dict(channel="in_app", key=f"hd-{duty_order.id}-landed-{owner.id}", recipient_id=owner.id,
                          order=order, subject=text))  # fmt: skip
    if fallback and hall.shift_leader_id:
        items.append(dict(channel="in_app", key=f"hd-{duty_order.id}-gap-{hall.shift_leader_id}",
                          recipient_id=hall.shift_leader_id, order=order, subject=text))  # fmt: skip
    notify_on_commit(items=items)
