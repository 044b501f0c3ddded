"""Shared by the holiday-duty services: who may act (R-SEC-1), the refusal (409), field errors (400), the duty
log (R-HD-5: every action once) and notices on commit (R-NT-2: everything to the duty roster goes at once)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notification_enqueue
from tickets.models import WorkOrder
from tickets.services import TransitionRefused
from tickets.services.timeline import timeline_append

from ..models import DutyHall, DutyLogEntry, DutyOrder
from ..selectors import duty_order_visible_to

ORDER_TIMELINE_KINDS = ("landed", "notification", "call", "feedback", "archive", "escalation")
WORK = "holiday_duty.work_duty"
LEAD = "holiday_duty.lead_shift"

LABELS = {
    "confirm_handler": gettext_lazy("Confirm the handler and notify"),
    "call_outcome": gettext_lazy("Record the call's outcome"),
    "feedback": gettext_lazy("Record the feedback"),
    "archive": gettext_lazy("Archive"),
    "escalate": gettext_lazy("Escalate now"),
    "handover_sign": gettext_lazy("Sign the handover"),
    "handover_update": gettext_lazy("Correct the handover"),
    "swap_answer": gettext_lazy("Answer the swap request"),
    "shift_change": gettext_lazy("Change the shift"),
}


class DutyRefused(TransitionRefused):
    """409 for holiday-duty rows, in the shape of tickets' (the exception handler reads `.order.state`)."""

    def __init__(self, row, transition: str, detail: str = ""):
        self.order = row
        self.transition = transition
        label = str(LABELS.get(transition, transition))
        state = row.get_state_display() if hasattr(row, "get_state_display") else ""
        reason = detail or _("not allowed while it is “%(state)s”.") % {"state": state}
        self.detail = _("%(transition)s: %(reason)s") % {"transition": label, "reason": reason}
        Exception.__init__(self, self.detail)


def require(errors: dict[str, list[str]]) -> None:
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_hall_member(user, hall: DutyHall) -> bool:
    return _active(user) and user.org_units.filter(pk=hall.unit_id).exists()


def is_duty_staff(user, hall: DutyHall) -> bool:
    """Duty staff of this hall: the duty role (work_duty) and a member of the hall, or its shift leader."""
    return (is_hall_member(user, hall) and user.has_perm(WORK)) or is_shift_leader(user, hall)


def is_shift_leader(user, hall: DutyHall) -> bool:
    if not _active(user):
        return False
    return hall.shift_leader_id == user.id or (user.has_perm(LEAD) and is_hall_member(user, hall))


def require_duty_staff(user, hall: DutyHall) -> None:
    if not is_duty_staff(user, hall):
        raise PermissionDenied(_("Only the duty staff of %(hall)s may do this.") % {"hall": hall})


def duty_order_lock(*, duty_order_id: int, actor) -> DutyOrder:
    """Lock order: the work order (FOR NO KEY UPDATE, like tickets' services) → the duty order → the clocks.
    Raises DutyOrder.DoesNotExist (→ 404) for a duty order the actor may not see."""
    from_db = DutyOrder.objects.filter(pk=duty_order_id).values_list("order_id", flat=True).first()
    if from_db is None:
        raise DutyOrder.DoesNotExist
    # The order row first: the clock services expect the caller to hold it (deadlines.clocks).
    WorkOrder.objects.select_for_update(no_key=True).get(pk=from_db)
    duty_order = (
        DutyOrder.objects.select_for_update(of=("self",)).select_related("hall", "group", "order").get(pk=duty_order_id)
    )
    if not duty_order_visible_to(duty_order=duty_order, user=actor):
        raise DutyOrder.DoesNotExist
    return duty_order


def local_day(at: datetime):
    return timezone.localtime(at).date()


def log_append(
    *, hall: DutyHall, key: str, kind: str, text: str, at: datetime, actor=None, duty_order: DutyOrder | None = None
) -> DutyLogEntry | None:
    """R-HD-5: the action lands in the log of its day, once: a second call with the same key adds nothing
    (a savepoint keeps the caller's transaction usable). Returns the entry, or None when it was there."""
    if DutyLogEntry.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            entry = DutyLogEntry.objects.create(
                hall=hall, day=local_day(at), at=at, kind=kind, actor=actor, duty_order=duty_order, text=text,
                key=key,
            )  # fmt: skip
    except IntegrityError:
        return None
    if duty_order is not None and kind in ORDER_TIMELINE_KINDS:
        # The order's own timeline (R-AUD-1) shows the duty actions too, once, like the log.
        timeline_append(order=duty_order.order, actor=actor, kind=f"holiday_{kind}", note=text[:500], at=at)
    return entry


def notify_on_commit(*, items: list[dict]) -> None:
    """Queue notices after commit. Each item: channel, key, subject, body and a recipient id and/or an address.
    Urgent (R-NT-2): people on holiday duty and the handlers they chase keep their phones on 24 h."""
    if not items:
        return

    def send() -> None:
        User = get_user_model()
        ids = {item["recipient_id"] for item in items if item.get("recipient_id")}
        users = {u.id: u for u in User.objects.filter(pk__in=ids, is_active=True)}
        for item in items:
            recipient = users.get(item.get("recipient_id"))
            if item.get("recipient_id") and recipient is None:
                continue
            notification_enqueue(
                channel=item["channel"], idempotency_key=item["key"], recipient=recipient,
                address=item.get("address", ""), order=item.get("order"), kind=item.get("kind", "holiday_duty"),
                subject=item["subject"][:255], body=item.get("body") or item["subject"], urgent=True,
            )  # fmt: skip

    transaction.on_commit(send)
