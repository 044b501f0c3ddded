"""Helpers shared by the escalation services: field errors, notifications on commit, clock events."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from deadlines.clocks import clocks_on_event
from notifications.services import notification_enqueue
from tickets.models import WorkOrder
from tickets.permissions import order_visible_to

from ..models import (
    Criterion,
    DeclarationState,
)

D = DeclarationState


class MajorEvent:
    """Events this app sends to the clocks (deadlines' policy table refers to them by name)."""

    REPORTED = "maj_reported"  # R-CLK-MAJ-OPINION starts
    OPINION_GIVEN = "maj_opinion_given"  # … and stops
    CLASSIFIED = "maj_classified"  # R-CLK-MAJ-DECLARE starts
    DECLARED = "maj_declared"  # … and stops (first submission)
    ACCEPTED = "maj_accepted"  # R-CLK-MAJ-REPLY starts (at the order's accepted_at)
    REPLIED = "maj_replied"  # … and stops (or the order's customer_replied)


def require(errors: dict[str, list[str]]) -> None:
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def _blank(value) -> bool:
    return not (value or "").strip()


def _notify_on_commit(*, recipients, key: str, order: WorkOrder, subject: str, body: str = "", urgent=False) -> None:
    """R-MAJ-5: level-by-level reporting goes out at once (urgent, outside quiet hours too, R-NT-2)."""
    ids = sorted({user.id for user in recipients if user is not None})
    order_id = order.id

    def send() -> None:
        User = get_user_model()
        fresh = WorkOrder.objects.get(pk=order_id)
        for user in User.objects.filter(pk__in=ids, is_active=True):
            for channel in ("in_app", "sms") if urgent else ("in_app",):
                notification_enqueue(
                    channel=channel, idempotency_key=f"{key}-{user.id}-{channel}", recipient=user, order=fresh,
                    kind="major_complaint", subject=subject, body=body or subject, urgent=urgent,
                )  # fmt: skip

    transaction.on_commit(send)


def _clock_event(*, order: WorkOrder, event: str, at: datetime) -> None:
    clocks_on_event(order=order, event=event, at=at)


def _criteria(criterion_ids) -> tuple[list[Criterion], list[str]]:
    ids = [int(i) for i in criterion_ids or []]
    found = list(Criterion.objects.filter(pk__in=ids, is_active=True))
    if not ids:
        return [], [_("Tick at least one major-complaint criterion.")]
    if len(found) != len(set(ids)):
        return found, [_("Unknown or retired criterion.")]
    return found, []


def _user_or_error(user_id, field_errors: list[str], *, order: WorkOrder):
    """A person named in a body for this order: an active user who may see the order. Anyone else answers like
    an id that does not exist, so a body cannot hand an order's case to someone outside its visibility rule."""
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not order_visible_to(order, user):
        field_errors.append(_("No such active user who may see this order."))
        return None
    return user
