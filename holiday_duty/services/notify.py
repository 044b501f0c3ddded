"""R-HD-2 and R-HD-3: duty staff confirm the handler; the system tells them through the outbox by the covered
group's kind (managers: SMS and a phone-call task for duty staff; distributors: SMS and email to the holiday
contact) and starts the 4-hour feedback clock (R-CLK-HOLIDAY); the feedback stops it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deadlines.clock_models import ClockKind
from deadlines.clocks import clocks_on_event

from ..models import (
    CallOutcome,
    CallTask,
    DistributorContact,
    DutyOrder,
    DutyPhone,
    DutyState,
    EscalationState,
    FeedbackChannel,
    GroupKind,
    LogKind,
)
from ..selectors import duty_order_visible_list, feedback_giver, group_manager
from .common import (
    DutyRefused,
    duty_order_lock,
    is_duty_staff,
    log_append,
    notify_on_commit,
    require,
    require_duty_staff,
)


class HolidayEvent:
    """Events this app sends to the clocks (the `holiday-feedback` policy refers to them by name)."""

    NOTIFIED = "hd_notified"  # R-CLK-HOLIDAY starts: duty staff notified the handler
    FEEDBACK = "hd_feedback"  # … and stops: the handler's feedback is logged


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


@transaction.atomic
def duty_order_handler_confirm(
    *, duty_order_id: int, actor, handler_id: int | None = None, contact_id: int | None = None, phone: str = ""
) -> DutyOrder:
    """Confirm who handles the order and tell them at once (R-HD-2, R-NT-2). Locks order → duty order →
    clocks. 409 unless queued; 403 unless duty staff of the hall; 400 names a missing handler / contact /
    phone. Notices are queued after commit with keys per duty order and channel (a retry sends nothing twice)."""
    now = timezone.now()
    duty_order = duty_order_lock(duty_order_id=duty_order_id, actor=actor)
    if duty_order.state != DutyState.QUEUED:
        raise DutyRefused(duty_order, "confirm_handler")
    require_duty_staff(actor, duty_order.hall)
    order, kind = duty_order.order, duty_order.group.kind
    phone = (phone or "").strip()
    errors: dict[str, list[str]] = {}
    handler = contact = None
    if kind == GroupKind.MANAGER:
        # R-HD-2: one of the covered group's own managers (as the duty screen offers them), no one else.
        handler = group_manager(group=duty_order.group, user_id=handler_id)
        if handler is None:
            errors["handler_id"] = [_("Choose the manager who handles the order.")]
        elif not phone:
            phone = DutyPhone.objects.filter(user=handler).values_list("phone", flat=True).first() or ""
        if handler is not None and not phone:
            errors["phone"] = [_("No duty phone is on file for this manager: give the number to call.")]
    else:
        contact = (
            DistributorContact.objects.filter(pk=contact_id, group=duty_order.group, is_active=True).first()
            if contact_id
            else None
        )
        if contact is None:
            errors["contact_id"] = [_("Choose the distributor's holiday contact.")]
        phone = contact.phone if contact else phone
    if len(phone) > 20:
        errors["phone"] = [_("At most 20 characters.")]
    require(errors)

    duty_order.notify()
    duty_order.handler, duty_order.contact, duty_order.handler_phone = handler, contact, phone
    duty_order.confirmed_by, duty_order.notified_at = actor, now
    if duty_order.owner_id is None or duty_order.owner_is_fallback:
        # The staff member who takes the order up follows it (the fallback only held it for a gap).
        duty_order.owner, duty_order.owner_is_fallback = actor, False
    started = clocks_on_event(order=order, event=HolidayEvent.NOTIFIED, at=now)
    clock = next((c for c in started if c.kind == ClockKind.HOLIDAY), None)
    duty_order.feedback_due_at = clock.due_at if clock else None
    duty_order.save(update_fields=[
        "state", "handler", "contact", "handler_phone", "confirmed_by", "notified_at", "owner", "owner_is_fallback",
        "feedback_due_at",
    ])  # fmt: skip

    due = timezone.localtime(duty_order.feedback_due_at) if duty_order.feedback_due_at else None
    subject = _("【节假日值班】%(number)s needs you: contact the customer and feed back by %(due)s") % {
        "number": order.number, "due": f"{due:%Y-%m-%d %H:%M}" if due else "—",
    }  # fmt: skip
    body = subject + "\n" + (order.content or "")[:500]
    key = f"hd-{duty_order.id}-notify"
    if kind == GroupKind.MANAGER:
        items = [
            dict(channel="sms", key=f"{key}-sms", recipient_id=handler.id, address=phone, order=order,
                 subject=subject, body=body),
            dict(channel="in_app", key=f"{key}-in_app", recipient_id=handler.id, order=order, subject=subject,
                 body=body),
        ]  # fmt: skip
        task = CallTask.objects.create(
            duty_order=duty_order, number=phone, callee=handler, callee_name=_who(handler), assigned_to=actor,
            created_at=now, level=0,
        )  # fmt: skip
        items.append(dict(
            channel="phone_task", key=f"hd-call-{task.id}", recipient_id=actor.id, order=order,
            subject=_("Call %(name)s on %(number)s about %(order)s") % {
                "name": task.callee_name, "number": phone, "order": order.number},
        ))  # fmt: skip
        what = _("SMS to %(name)s (%(phone)s) and a phone call to make") % {"name": _who(handler), "phone": phone}
    else:
        items = [
            dict(channel="sms", key=f"{key}-sms", address=contact.phone, order=order, subject=subject, body=body),
            dict(channel="email", key=f"{key}-email", address=contact.email, order=order, subject=subject, body=body),
        ]  # fmt: skip
        what = _("SMS and email to %(distributor)s's holiday contact %(name)s (%(phone)s, %(email)s)") % {
            "distributor": contact.distributor, "name": contact.name, "phone": contact.phone, "email": contact.email,
        }  # fmt: skip
    log_append(
        hall=duty_order.hall, key=f"notified-{duty_order.id}", kind=LogKind.NOTIFICATION, at=now, actor=actor,
        duty_order=duty_order, text=_("%(number)s: handler told — %(what)s.") % {"number": order.number, "what": what},
    )  # fmt: skip
    notify_on_commit(items=items)
    return duty_order


@transaction.atomic
def call_task_outcome_record(*, call_task_id: int, actor, outcome: str, note: str = "") -> CallTask:
    """The outcome of a phone call (reached / not reached / wrong number). 409 if already recorded; 403 unless
    duty staff. A call not reached or to a wrong number does not escalate by itself: duty staff decide
    ("escalate now"), and the 4-hour clock escalates anyway when it runs out (R-HD-4)."""
    now = timezone.now()
    row = CallTask.objects.filter(pk=call_task_id, duty_order__in=duty_order_visible_list(user=actor).values("id"))
    task = row.values_list("duty_order_id", flat=True).first()
    if task is None:
        raise CallTask.DoesNotExist
    duty_order = duty_order_lock(duty_order_id=task, actor=actor)
    task = CallTask.objects.select_for_update().get(pk=call_task_id)
    require_duty_staff(actor, duty_order.hall)
    if task.outcome:
        raise DutyRefused(duty_order, "call_outcome", _("the outcome of this call is already recorded."))
    require({
        "outcome": [] if outcome in CallOutcome.values else [_("Choose reached, not reached or wrong number.")],
        "note": [_("At most 500 characters.")] if len(note or "") > 500 else [],
    })  # fmt: skip
    task.outcome, task.outcome_at, task.outcome_by, task.note = outcome, now, actor, (note or "").strip()
    task.save(update_fields=["outcome", "outcome_at", "outcome_by", "note"])
    log_append(
        hall=duty_order.hall, key=f"call-{task.id}", kind=LogKind.CALL, at=now, actor=actor, duty_order=duty_order,
        text=_("%(order)s: called %(name)s on %(number)s — %(outcome)s. %(note)s") % {
            "order": duty_order.order.number, "name": task.callee_name, "number": task.number,
            "outcome": task.get_outcome_display(), "note": task.note},
    )  # fmt: skip
    return task


@transaction.atomic
def duty_order_feedback_record(
    *, duty_order_id: int, actor, channel: str, note: str, from_user_id: int | None = None, from_name: str = ""
) -> DutyOrder:
    """R-HD-3: the handler's feedback on the customer contact, with who and how; stops the 4-hour clock and any
    escalation. Duty staff record what came by SMS / email / phone; the handler (or a person the ladder
    reached) may record their own by logging in. 409 unless queued or notified; 403 otherwise."""
    now = timezone.now()
    duty_order = duty_order_lock(duty_order_id=duty_order_id, actor=actor)
    if duty_order.state not in (DutyState.QUEUED, DutyState.NOTIFIED):
        raise DutyRefused(duty_order, "feedback")
    staff = is_duty_staff(actor, duty_order.hall)
    if not staff:
        channel, from_user_id = FeedbackChannel.LOGGED_IN, actor.id  # feeding back oneself, by logging in
    note = (note or "").strip()
    from_user = feedback_giver(duty_order=duty_order, user_id=from_user_id)
    require({
        "channel": [] if channel in FeedbackChannel.values else [_("Say how the feedback came.")],
        "note": [] if note else [_("Write what the handler reported about the customer contact.")],
        "from_user_id": [_("No such active user.")] if from_user_id and from_user is None else [],  # R-HD-3
        "from_name": [_("At most 100 characters.")] if len(from_name or "") > 100 else [],
    })  # fmt: skip
    if from_user is None and not (from_name or "").strip():
        from_user = duty_order.handler
    duty_order.receive_feedback()
    duty_order.feedback_at, duty_order.feedback_by, duty_order.feedback_channel = now, from_user, channel
    duty_order.feedback_from_name = (
        (from_name or "").strip() or _who(from_user) or (duty_order.contact.name if duty_order.contact else "")
    )
    duty_order.feedback_note, duty_order.recorded_by = note, actor
    duty_order.save(update_fields=[
        "state", "feedback_at", "feedback_by", "feedback_channel", "feedback_from_name", "feedback_note",
        "recorded_by",
    ])  # fmt: skip
    clocks_on_event(order=duty_order.order, event=HolidayEvent.FEEDBACK, at=now)
    escalation = getattr(duty_order, "escalation", None)
    if escalation is not None and escalation.state == EscalationState.ACTIVE:
        escalation.state, escalation.next_check_at, escalation.ended_at = EscalationState.RESOLVED, None, now
        escalation.save(update_fields=["state", "next_check_at", "ended_at"])
    log_append(
        hall=duty_order.hall, key=f"feedback-{duty_order.id}", kind=LogKind.FEEDBACK, at=now, actor=actor,
        duty_order=duty_order,
        text=_("%(order)s: feedback from %(name)s by %(channel)s — %(note)s") % {
            "order": duty_order.order.number, "name": duty_order.feedback_from_name,
            "channel": duty_order.get_feedback_channel_display(), "note": note},
    )  # fmt: skip
    return duty_order


@transaction.atomic
def duty_order_archive(*, duty_order_id: int, actor, note: str = "") -> DutyOrder:
    """归档: the duty hall is done with the order (seed 000 一(三)): one it handled itself, or one whose feedback is
    in. 409 while the handler is still chased or when archived already; 403 unless duty staff."""
    now = timezone.now()
    duty_order = duty_order_lock(duty_order_id=duty_order_id, actor=actor)
    require_duty_staff(actor, duty_order.hall)
    if duty_order.state not in (DutyState.QUEUED, DutyState.FEEDBACK):
        raise DutyRefused(duty_order, "archive")
    require({"note": [_("At most 500 characters.")] if len(note or "") > 500 else []})
    duty_order.archive()
    duty_order.archived_at = now
    duty_order.save(update_fields=["state", "archived_at"])
    log_append(
        hall=duty_order.hall, key=f"archive-{duty_order.id}", kind=LogKind.ARCHIVE, at=now, actor=actor,
        duty_order=duty_order, text=_("%(order)s archived. %(note)s") % {"order": duty_order.order.number,
                                                                         "note": (note or "").strip()},
    )  # fmt: skip
    return duty_order
