"""Who hears of a clock's warning or breach, written in bulk (R-CLK-WARN, R-CLK-BREACH, R-NT-1, R-NT-2).

A warning goes to the person responsible for the clock; a breach to that person and the supervisor of
their unit (逐级上报). Each notice is an in-app notification (shown at once) and an email; keys are
unique per clock, event and recipient, so a repeated sweep inserts nothing new."""

import contextlib
from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from notifications.bulk import notification_bulk_enqueue
from notifications.tasks import notifications_sweep
from org.selectors import unit_supervisor_map

from .clock_models import Clock, ClockKind

OrderFacts = Callable[..., dict[int, dict]]
_order_facts: list[OrderFacts] = []


def order_facts_register(provider: OrderFacts) -> None:
    """The layer that owns orders (tickets) supplies the few order fields a notice needs, by id: `number`,
    `urgency`, `is_major`, `accepted_by_id`, `assignee_id`, `dispatched_by_id`, `handling_unit_id`,
    `accepting_unit_id`. This layer knows clocks, not orders, so it asks through this hook."""
    _order_facts[:] = [provider]


def clock_order_facts(*, order_ids: Iterable[int]) -> dict[int, dict]:
    if not _order_facts:
        raise ImproperlyConfigured("No order facts provider registered (tickets registers one when it is ready).")
    return _order_facts[0](order_ids=order_ids)


def responsible_for(clock_kind: str, facts: dict) -> tuple[int | None, int | None]:
    """(person, unit) answerable for a clock kind on an order."""
    if clock_kind == ClockKind.HANDLE:
        return facts["assignee_id"], facts["handling_unit_id"] or facts["accepting_unit_id"]
    if clock_kind == ClockKind.CALLBACK:
        return facts["dispatched_by_id"] or facts["accepted_by_id"], facts["accepting_unit_id"]
    # Entry, dispatch, feedback, reply, retry, appointment: the first-contact owner chases them (R-WO-9).
    return facts["accepted_by_id"], facts["accepting_unit_id"]


def clock_notices_record(*, warned_ids: list[int], breached_ids: list[int], now: datetime) -> int:
    if not warned_ids and not breached_ids:
        return 0
    clocks = list(Clock.objects.filter(id__in=[*warned_ids, *breached_ids]).values("id", "order_id", "kind", "due_at"))
    facts = clock_order_facts(order_ids={c["order_id"] for c in clocks})
    supervisors = unit_supervisor_map() if breached_ids else {}
    breached = set(breached_ids)
    items = []
    for clock in clocks:
        order = facts[clock["order_id"]]
        person, unit_id = responsible_for(clock["kind"], order)
        is_breach = clock["id"] in breached
        recipients = {person} if person else set()
        if is_breach and unit_id and supervisors.get(unit_id):
            recipients.add(supervisors[unit_id])
        label = ClockKind(clock["kind"]).label
        due = timezone.localtime(clock["due_at"])
        subject = (
            f"【超时】{order['number']} {label} 已于 {due:%m-%d %H:%M} 超时"
            if is_breach
            else f"【预警】{order['number']} {label} 将于 {due:%m-%d %H:%M} 到期"
        )
        event = "breach" if is_breach else "warn"
        # R-NT-2: breaches of 特急 or major orders go out at once, even in quiet hours.
        urgent = is_breach and (order["urgency"] == "extra_urgent" or order["is_major"])
        for user_id in recipients:
            for channel in ("in_app", "email"):
                items.append(
                    {
                        "channel": channel, "recipient_id": user_id, "order_id": clock["order_id"],
                        "kind": f"clock_{event}", "subject": subject, "body": subject, "urgent": urgent,
                        "idempotency_key": f"clock-{clock['id']}-{event}-{user_id}-{channel}",
                    }
                )  # fmt: skip
    created = notification_bulk_enqueue(items=items, now=now)
    transaction.on_commit(_kick_delivery)
    return created


def _kick_delivery() -> None:
    # The periodic sweep delivers them anyway; a broker hiccup must not fail the clock sweep.
    with contextlib.suppress(Exception):
        notifications_sweep.delay()
