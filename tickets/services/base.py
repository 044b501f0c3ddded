"""The common spine of every transition service: lock → check state → check role and unit → change →
timeline → event → on-commit side effects (STYLE.md)."""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from notifications.services import notification_enqueue

from ..events import OrderEvent, order_event
from ..models import TimelineEntry, WorkOrder
from ..permissions import order_visible_to
from .errors import TransitionRefused
from .timeline import timeline_append


def order_lock(*, order_id: int, actor) -> WorkOrder:
    """Lock the order row until the end of the transaction. Raises WorkOrder.DoesNotExist for an order
    the actor may not see, so that its existence is not disclosed (→ 404).

    FOR NO KEY UPDATE, not FOR UPDATE: rows that merely reference the order (a notification or timeline
    row inserted by the clock sweep takes a KEY SHARE lock on it) must not wait for us, or the sweep
    (holding clock rows) and a transition (holding the order, wanting its clocks) deadlock.
    Lock order everywhere: order → its clocks / records."""
    order = WorkOrder.objects.select_for_update(no_key=True).get(pk=order_id)
    if not order_visible_to(order, actor):
        raise WorkOrder.DoesNotExist
    return order


def transition_check(*, order: WorkOrder, name: str, actor) -> Callable:
    """The bound transition method if this actor may run it now. State first (409), then role/unit (403)."""
    method = getattr(order, name)
    if not can_proceed(method):
        raise TransitionRefused(order, name)
    if not has_transition_perm(method, actor):
        raise PermissionDenied(_("You may not perform “%(transition)s” on this order.") % {"transition": name})
    return method


def transition_finish(
    *, order: WorkOrder, actor, kind: str, before: str, event: OrderEvent, update_fields: list[str],
    note: str = "", data: dict | None = None, at: datetime | None = None, **event_details,
) -> TimelineEntry:  # fmt: skip
    """Save the moved order, write its timeline entry, send the life-cycle event and queue the
    first-contact owner's notification (R-WO-9) for after commit."""
    at = at or timezone.now()
    order.save(update_fields=["state", *update_fields])
    entry = timeline_append(
        order=order, actor=actor, kind=kind, before=before, after=order.state, note=note, data=data, at=at
    )
    order_event.send(sender=WorkOrder, order=order, event=event, at=at, actor=actor, **event_details)
    notify_first_owner_on_commit(order=order, entry=entry)
    return entry


def notify_first_owner_on_commit(*, order: WorkOrder, entry: TimelineEntry) -> None:
    """R-WO-9: the first-contact owner hears of every state change, after the change is committed."""
    if order.accepted_by_id == entry.actor_id:
        return
    order_id, entry_id = order.id, entry.id

    def send() -> None:
        fresh = WorkOrder.objects.select_related("accepted_by").get(pk=order_id)
        notification_enqueue(
            channel="in_app",
            idempotency_key=f"order-{order_id}-timeline-{entry_id}-first-owner",
            recipient=fresh.accepted_by,
            order=fresh,
            kind="state_change",
            subject=_("%(number)s is now “%(state)s”") % {"number": fresh.number, "state": fresh.get_state_display()},
            body=entry.note,
        )

    transaction.on_commit(send)


def require(errors: dict[str, list[str]]) -> None:
    """Raise one ValidationError naming every bad field, or nothing."""
    errors = {field: messages for field, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)
