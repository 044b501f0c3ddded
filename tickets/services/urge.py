"""The customer urges (催办) an open order instead of complaining anew (R-SP-1 (a))."""

from django.db import transaction
from django.utils.translation import gettext as _

from notifications.services import notification_enqueue

from ..models import Channel, OrderState, TimelineEntry, WorkOrder
from ..permissions import order_visible_to
from .base import require
from .errors import TransitionRefused
from .timeline import timeline_append


@transaction.atomic
def work_order_urge(*, order_id: int, actor, note: str, channel: str = Channel.PHONE) -> TimelineEntry:
    """Log an urge on an open order and tell the people working on it, after commit.

    Anyone who accepts orders may urge any open order (the customer calls or walks in anywhere and is
    shown its progress); others only orders they see. Locks the order like a transition. Raises
    ValidationError naming `note`/`channel`, TransitionRefused (409) on a closed order, and
    WorkOrder.DoesNotExist (404) for an order the actor may neither urge nor see."""
    order = WorkOrder.objects.select_for_update(no_key=True).get(pk=order_id)
    if not (actor.has_perm("tickets.add_workorder") or order_visible_to(order, actor)):
        raise WorkOrder.DoesNotExist
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "urge", _("The order is closed: accept a new one (a repeat complaint)."))
    require(
        {
            "note": [] if note.strip() else [_("Record what the customer said.")],
            "channel": [] if channel in Channel.values else [_("Choose how the customer contacted us.")],
        }
    )
    count = order.timeline.filter(kind="urge").count() + 1
    entry = timeline_append(
        order=order, actor=actor, kind="urge", after=order.state, note=note.strip(),
        data={"channel": channel, "urge_count": count},
    )  # fmt: skip
    transaction.on_commit(lambda: _notify(order_id=order.id, entry_id=entry.id))
    return entry


def _notify(*, order_id: int, entry_id: int) -> None:
    """Its dispatcher and handler hear of the urge (R-SP-1); before dispatch, the first-contact owner does."""
    order = WorkOrder.objects.select_related("dispatched_by", "assignee", "accepted_by").get(pk=order_id)
    entry = TimelineEntry.objects.get(pk=entry_id)
    people = [user for user in (order.dispatched_by, order.assignee) if user is not None] or [order.accepted_by]
    subject = _("%(number)s: the customer urged it (%(n)d×)") % {
        "number": order.number, "n": entry.data["urge_count"]
    }  # fmt: skip
    for user in {user.pk: user for user in people if user.pk != entry.actor_id}.values():
        notification_enqueue(
            channel="in_app", idempotency_key=f"order-{order_id}-timeline-{entry_id}-urge-{user.pk}", recipient=user,
            order=order, kind="urge", subject=subject, body=entry.note,
        )  # fmt: skip
