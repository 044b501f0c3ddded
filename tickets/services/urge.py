"""The customer urges (催办) an open order instead of complaining anew (R-SP-1 (a))."""

from django.db import transaction
from django.utils.translation import gettext as _

from complaints.numbers import normalize_number
from notifications.services import notification_enqueue

from ..models import Channel, OrderState, TimelineEntry, WorkOrder
from ..permissions import order_visible_to
from .base import require
from .errors import TransitionRefused
from .timeline import timeline_append

URGE_NOTE_MAX = 2000


@transaction.atomic
def work_order_urge(
    *, order_id: int, actor, note: str, channel: str = Channel.PHONE, accepted_number: str = ""
) -> TimelineEntry:
    """Log an urge on an open order and tell the people working on it, after commit.

    One rule for the browser and the API (R-SP-1 (a), R-SEC-1): whoever sees the order may urge it; whoever
    accepts orders may also urge an order of another hall (the customer stands at their counter), but only
    with the customer's accepted number, which must be the order's — what the intake card of that number
    lists (open orders). An id alone, a wrong number, or another hall's closed order is answered like an
    order that does not exist. Locks the order like a transition. Raises WorkOrder.DoesNotExist (404) first,
    then TransitionRefused (409) on a closed order, then ValidationError naming `note`/`channel`."""
    order = WorkOrder.objects.select_for_update(no_key=True).get(pk=order_id)
    if not urge_allowed(order=order, actor=actor, accepted_number=accepted_number):
        raise WorkOrder.DoesNotExist
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "urge", _("The order is closed: accept a new one (a repeat complaint)."))
    note, channel = note or "", channel or ""
    require(
        {
            "note": _note_errors(note),
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


def urge_allowed(*, order: WorkOrder, actor, accepted_number: str = "") -> bool:
    """May `actor` urge `order`? Visible orders always (a closed one is then refused as a transition, 409);
    another hall's only when the intake card of that number lists it: open, and the number its accepted one.
    A closed order of another hall is not on the card, so it answers 404 like one that does not exist, not a
    409 that would show its number and state."""
    if order_visible_to(order, actor):
        return True
    if not (actor.has_perm("tickets.add_workorder") and accepted_number):
        return False
    return order.state != OrderState.CLOSED and normalize_number(accepted_number) == order.accepted_number


def _note_errors(note: str) -> list[str]:
    if "\x00" in note:
        return [_("Null characters are not allowed.")]
    if not note.strip():
        return [_("Record what the customer said.")]
    if len(note) > URGE_NOTE_MAX:
        return [_("Keep it under %(max)d characters.") % {"max": URGE_NOTE_MAX}]
    return []


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
