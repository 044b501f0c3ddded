"""延期 (R-FL-7): request and decision. Only the handling deadline moves; both are on the timeline. And the one
other way the handling deadline moves: a rule of a capability above sets it (`work_order_handling_due_move`)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import OrderEvent, order_event
from ..models import ExtensionRequest, OrderState, WorkOrder
from ..permissions import can_reply_department, order_visible_to
from .base import order_lock, require
from .errors import TransitionRefused
from .timeline import timeline_append

HANDLING_STATES = {OrderState.DISPATCHED, OrderState.PROCESSING}


@transaction.atomic
def extension_request(
    *, order_id: int, actor, progress: str, reason: str, requested_due_at: datetime | None
) -> ExtensionRequest:
    """The handler asks for more time. 409 when the order is not being handled or a request is pending."""
    order = order_lock(order_id=order_id, actor=actor)
    if order.state not in HANDLING_STATES:
        raise TransitionRefused(order, "extension", _("Only an order being handled can be extended."))
    if not can_reply_department(order, actor):
        raise PermissionDenied(_("Only the handler of this order can ask for an extension."))
    current = order.handling_due_at
    require(
        {
            "progress": [] if progress.strip() else [_("Describe the progress so far.")],
            "reason": [] if reason.strip() else [_("Say why the deadline cannot be met.")],
            "requested_due_at": (
                [_("Give the new due time.")]
                if requested_due_at is None
                else [_("The new due time must be later than the current one.")]
                if current and requested_due_at <= current
                else []
            ),
        }
    )
    try:
        with transaction.atomic():
            request = ExtensionRequest.objects.create(
                order=order, cycle=order.cycle, requested_by=actor, progress=progress, reason=reason,
                current_due_at=current, requested_due_at=requested_due_at,
            )  # fmt: skip
    except IntegrityError:
        raise TransitionRefused(order, "extension", _("An extension request is already waiting.")) from None
    timeline_append(
        order=order, actor=actor, kind="extension_requested", note=reason,
        data={"extension_id": request.id, "requested_due_at": requested_due_at.isoformat()},
    )  # fmt: skip
    return request


@transaction.atomic
def extension_decide(
    *, extension_id: int, actor, approve: bool, note: str = "", due_at: datetime | None = None
) -> ExtensionRequest:
    """The dispatcher approves (the handling clock moves to `due_at`, default the requested time) or
    rejects (a note is required). Locks the order first, then the request (lock order: order → request)."""
    order_id = ExtensionRequest.objects.values_list("order_id", flat=True).get(pk=extension_id)
    order = order_lock(order_id=order_id, actor=actor)
    request = ExtensionRequest.objects.select_for_update().get(pk=extension_id)
    if not (actor.has_perm("tickets.decide_extension") and order_visible_to(order, actor)):
        raise PermissionDenied(_("You may not decide extension requests."))
    if request.status != ExtensionRequest.Status.PENDING:
        raise TransitionRefused(order, "extension_decide", _("This request has already been decided."))
    if order.state not in HANDLING_STATES or request.cycle != order.cycle:
        raise TransitionRefused(order, "extension_decide", _("The order is no longer being handled."))
    now = timezone.now()
    new_due = due_at or request.requested_due_at
    if approve:
        require({"due_at": [] if new_due > now else [_("The new due time must be in the future.")]})
    else:
        require({"note": [] if note.strip() else [_("Say why the extension is rejected.")]})
    request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.decision_note = actor, now, note
    request.approved_due_at = new_due if approve else None
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "approved_due_at"])
    before_due = order.handling_due_at
    if approve:
        order.handling_due_at = new_due
        order.save(update_fields=["handling_due_at"])
        order_event.send(
            sender=WorkOrder, order=order, event=OrderEvent.HANDLING_EXTENDED, at=now, actor=actor, due_at=new_due
        )
    timeline_append(
        order=order, actor=actor, kind="extension_approved" if approve else "extension_rejected", note=note, at=now,
        data={"extension_id": request.id, "before": before_due.isoformat() if before_due else None,
              "after": order.handling_due_at.isoformat() if order.handling_due_at else None},
    )  # fmt: skip
    return request


def work_order_handling_due_move(*, order: WorkOrder, due_at: datetime, actor, at: datetime) -> None:
    """A rule of a capability above sets the order's handling deadline (an escalated complaint's, R-SP-3): the
    order keeps it and its live handling clock moves to it, by the path of an approved extension (R-FL-7: a breach
    already recorded stays; HANDLING_DUE_MOVED). The caller holds the order's row lock (lock order: order → clocks)
    and writes the timeline entry that says why, in its own words."""
    if order.handling_due_at != due_at:
        order.handling_due_at = due_at
        order.save(update_fields=["handling_due_at"])
    order_event.send(
        sender=WorkOrder, order=order, event=OrderEvent.HANDLING_DUE_MOVED, at=at, actor=actor, due_at=due_at
    )
