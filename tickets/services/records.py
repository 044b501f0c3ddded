"""Contacts (R-FL-1), attachments (R-FL-8), audited unmasking (R-SEC-2) and flag changes (R-CLK-RECALC)."""

from datetime import datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import OrderEvent, order_event
from ..models import Attachment, Contact, NumberUnmaskAudit, OrderState, WorkOrder
from ..models.choices import ContactChannel, ContactDirection
from ..permissions import can_flag, can_log_contact, can_unmask, order_visible_to
from ..selectors import work_order_rules
from .attachment_content import attachment_content_matches
from .base import order_lock, require
from .errors import TransitionRefused
from .timeline import timeline_append


@transaction.atomic
def contact_log(
    *, order_id: int, actor, direction: str, channel: str, reached: bool, summary: str,
    occurred_at: datetime | None = None,
) -> Contact:  # fmt: skip
    """Log one communication with the customer (R-FL-1). A contact in which the customer was reached
    restarts the 48 h feedback clock; a failed one starts the retry reminder (event CONTACT_LOGGED), counted
    from the attempt's time after the one R-FL-5 spacing of the work-order rules (`retry_after`, R-CLK-RETRY)."""
    now = timezone.now()
    occurred_at = occurred_at or now
    order = order_lock(order_id=order_id, actor=actor)
    if not can_log_contact(order, actor):
        raise PermissionDenied(_("You may not log contacts on this order."))
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "contact", _("The order is closed; open a new one or a repeat complaint."))
    require(
        {
            "direction": [] if direction in ContactDirection.values else [_("Choose the direction.")],
            "channel": [] if channel in ContactChannel.values else [_("Choose the channel.")],
            "summary": [] if (summary or "").strip() else [_("Summarise what was said.")],
            "occurred_at": [_("A contact cannot be in the future.")]
            if occurred_at > now + timedelta(minutes=5)
            else [],
        }
    )
    contact = Contact.objects.create(
        order=order, direction=direction, channel=channel, reached=reached, summary=summary.strip(),
        occurred_at=occurred_at, recorded_at=now, recorded_by=actor,
    )  # fmt: skip
    timeline_append(
        order=order, actor=actor, kind="contact", note=contact.summary, at=now,
        data={"contact_id": contact.id, "reached": reached, "direction": direction, "channel": channel},
    )  # fmt: skip
    order_event.send(
        sender=WorkOrder, order=order, event=OrderEvent.CONTACT_LOGGED, at=now, actor=actor, contact=contact,
        retry_after=work_order_rules().unreachable_spacing,
    )  # fmt: skip
    return contact


@transaction.atomic
def attachment_add(*, order_id: int, actor, uploaded_file, kind: str = Attachment.Kind.OTHER) -> Attachment:
    """Attach evidence (R-FL-8) within the size and type limits of the settings; on the timeline."""
    order = order_lock(order_id=order_id, actor=actor)
    if not can_log_contact(order, actor):
        raise PermissionDenied(_("You may not add attachments to this order."))
    name = PurePosixPath(uploaded_file.name or "").name
    require(
        {
            "file": attachment_file_errors(uploaded_file=uploaded_file),
            "kind": [] if kind in Attachment.Kind.values else [_("Unknown attachment kind.")],
        }
    )
    attachment = Attachment.objects.create(
        order=order, kind=kind, **Attachment.values_of(uploaded_file, name=name, actor=actor)
    )
    timeline_append(
        order=order, actor=actor, kind="attachment", note=name,
        data={"attachment_id": attachment.id, "size": attachment.size, "kind": kind},
    )  # fmt: skip
    return attachment


@transaction.atomic
def attachment_delete(*, attachment_id: int, actor) -> None:
    """Remove a piece of evidence (R-FL-8): a superuser only, else PermissionDenied. Locks the order, then the
    attachment; the removal is on the order's timeline (name, size, kind, who). The stored file is deleted
    after commit, so a rolled-back removal keeps it."""
    if not (actor and actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only a superuser may delete attachments."))
    order_id = Attachment.objects.values_list("order_id", flat=True).get(pk=attachment_id)
    order = WorkOrder.objects.select_for_update(no_key=True).get(pk=order_id)  # lock order: order → records
    attachment = Attachment.objects.select_for_update().get(pk=attachment_id, order=order)
    timeline_append(
        order=order, actor=actor, kind="attachment_deleted", note=attachment.original_name,
        data={"attachment_id": attachment.id, "size": attachment.size, "kind": attachment.kind},
    )  # fmt: skip
    storage, stored_name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))


def attachment_file_errors(*, uploaded_file) -> list[str]:
    """What is wrong with a file as evidence (R-FL-8: type and size limits of the settings); [] if nothing.
    Callers that create several records may check every file first, before writing anything."""
    name = PurePosixPath(uploaded_file.name or "").name
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = settings.ATTACHMENT_MAX_BYTES
    if extension not in settings.ATTACHMENT_ALLOWED_EXTENSIONS:
        return [_("Files of type “.%(ext)s” are not accepted.") % {"ext": extension or "?"}]
    if uploaded_file.size > limit:
        return [_("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}]
    if uploaded_file.size == 0:
        return [_("The file is empty.")]
    if not attachment_content_matches(uploaded_file=uploaded_file, extension=extension):
        return [_("The content of “%(name)s” is not a .%(ext)s file.") % {"name": name, "ext": extension}]
    return []


def unmask_reason_errors(reason: str) -> list[str]:
    """An unmask needs its reason (R-SEC-2), in text the database can store."""
    if "\x00" in (reason or ""):
        return [_("Null characters are not allowed.")]
    if not (reason or "").strip():
        return [_("Say why you need the full number.")]
    if len(reason.strip()) > 200:
        return [_("At most 200 characters.")]
    return []


def _unmask_audit(*, customer, actor, reason: str, ip_address: str | None, order=None) -> None:
    """Record the attempt; a refused one raises PermissionDenied after its row is written (granted=False).
    Callers must not run this inside transaction.atomic(): the refusal is kept, not rolled back with the
    exception. Permission comes first, so every attempt by someone without it is on record."""
    granted = actor.has_perm("tickets.unmask_number") and (order is None or can_unmask(order, actor))
    if granted:
        require({"reason": unmask_reason_errors(reason)})
    NumberUnmaskAudit.objects.create(
        order=order, customer=customer, user=actor, reason=(reason or "").replace("\x00", "").strip()[:200],
        granted=granted, ip_address=ip_address,
    )  # fmt: skip
    if not granted:
        raise PermissionDenied(_("You may not see full customer numbers."))


def number_unmask(*, order_id: int, actor, reason: str, ip_address: str | None = None) -> str:
    """The order's full accepted number, for users allowed to see it, given a reason. Every attempt on an
    order the user may see is audit-logged (R-SEC-2), a refused one too; see `_unmask_audit`."""
    order = WorkOrder.objects.select_related("customer").get(pk=order_id)
    if not order_visible_to(order, actor):
        raise WorkOrder.DoesNotExist
    _unmask_audit(order=order, customer=order.customer, actor=actor, reason=reason, ip_address=ip_address)
    return order.accepted_number


def customer_number_unmask(*, customer, actor, reason: str, ip_address: str | None = None) -> str:
    """A customer's full number for the admin's customer page (R-SEC-2): the same permission, reason and
    audit as on an order, without the order."""
    _unmask_audit(customer=customer, actor=actor, reason=reason, ip_address=ip_address)
    return customer.number


FLAG_FIELDS = ("is_major", "is_repeat", "is_batch", "is_escalated", "escalation_tendency", "is_collective", "is_media")


@transaction.atomic
def work_order_flags_update(*, order_id: int, actor, note: str = "", **flags: bool) -> WorkOrder:
    """Change an open order's flags. A change that alters a clock limit re-baselines the running clocks
    from their original start (R-CLK-RECALC) through the FLAGS_CHANGED event."""
    order = order_lock(order_id=order_id, actor=actor)
    if not can_flag(order, actor, flags):
        raise PermissionDenied(_("You may not change this order's flags."))
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "flags", _("A closed order's flags cannot change."))
    unknown = [name for name in flags if name not in FLAG_FIELDS]
    require({name: [_("Unknown flag.")] for name in unknown})
    before = {name: getattr(order, name) for name in flags}
    changed = {name: value for name, value in flags.items() if before[name] != value}
    if not changed:
        return order
    for name, value in changed.items():
        setattr(order, name, value)
    order.save(update_fields=list(changed))
    now = timezone.now()
    timeline_append(
        order=order, actor=actor, kind="flags", note=note, at=now,
        data={"before": {k: before[k] for k in changed}, "after": changed},
    )  # fmt: skip
    order_event.send(
        sender=WorkOrder, order=order, event=OrderEvent.FLAGS_CHANGED, at=now, actor=actor, changed=changed
    )
    return order


@transaction.atomic
def work_order_appointment_move(*, order_id: int, actor, appointed_at: datetime, note: str = "") -> WorkOrder:
    """The customer and the follow-up agree another time (R-WO-1 appointment): the appointment clock's due time
    moves with it (R-CLK-APPT, event APPOINTMENT_MOVED); a breach already recorded stays. On the timeline."""
    order = order_lock(order_id=order_id, actor=actor)
    if not can_log_contact(order, actor):
        raise PermissionDenied(_("You may not change this order's appointment."))
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "appointment", _("A closed order's appointment cannot move."))
    now = timezone.now()
    errors = []
    if order.appointed_at is None:
        errors = [_("This order has no appointment.")]
    elif appointed_at is None or appointed_at <= now:
        errors = [_("The appointed time must be in the future.")]
    require({"appointed_at": errors})
    before, order.appointed_at = order.appointed_at, appointed_at
    order.save(update_fields=["appointed_at"])
    timeline_append(
        order=order, actor=actor, kind="appointment_moved", note=note, at=now,
        data={"before": before.isoformat(), "after": appointed_at.isoformat()},
    )  # fmt: skip
    order_event.send(
        sender=WorkOrder, order=order, event=OrderEvent.APPOINTMENT_MOVED, at=now, actor=actor,
        appointed_at=appointed_at,
    )  # fmt: skip
    return order
