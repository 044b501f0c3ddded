"""Escalated complaints (R-SP-3, R-SP-4) and media (R-SP-6).

- An escalated order (transferred from outside or filed over our head; tickets flags it) gets a dedicated
  tracker and a handling deadline set by the dispatcher (`escalated_case_set`). That deadline is the order's
  handling deadline, enforced by the handling clock (R-CLK-HANDLE: warned, breached and notified by the sweep):
  applied at once to a dispatched order, at its dispatch to one not dispatched yet; later moves of the
  handling deadline by tickets' own rules (an approved extension, a reset, a redispatch) are followed.
- Its final reply is the escalated-reply form (用户申诉处理反馈单, `escalated_reply_record`): every part of
  R-SP-4 present, or 400 naming each missing one.
- The customer reply of an escalated order is refused until that form is written (`escalated_on_order_event`).
- A complaint with media present tells the media liaison unit (综合部, data) at once (`media_on_order_event`)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import OrgUnit
from tickets.events import OrderEvent
from tickets.models import OrderState, WorkOrder
from tickets.permissions import order_visible_to
from tickets.services import TransitionRefused, work_order_handling_due_move
from tickets.services.timeline import timeline_append

from ..models import ESCALATED_REPLY_IF_LIABLE, ESCALATED_REPLY_REQUIRED, EscalatedCase, EscalatedReply, EscalationRules
from .common import _blank, _notify_on_commit, require

MEDIA_LIAISON_DEFAULT_CODE = "dept-general"  # 综合管理部 of the reference data, until an administrator sets one


def _order_for(order_id: int, actor) -> WorkOrder:
    order = WorkOrder.objects.select_for_update(no_key=True, of=("self",)).get(pk=order_id)
    if not order_visible_to(order, actor):
        raise WorkOrder.DoesNotExist
    return order


@transaction.atomic
def escalated_case_set(*, order_id: int, actor, tracker_id: int | None, due_at: datetime | None) -> EscalatedCase:
    """R-SP-3: the dispatcher names the dedicated tracker (someone who may see the order) and sets the handling
    deadline of an escalated complaint. Setting it again replaces both (on the timeline)."""
    order = _order_for(order_id, actor)
    if not actor.has_perm("tickets.dispatch_workorder"):
        raise PermissionDenied(_("Only the dispatcher sets the tracker and deadline of an escalated complaint."))
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "escalated_case", _("The order is closed."))
    tracker = get_user_model().objects.filter(pk=tracker_id, is_active=True).first() if tracker_id else None
    if tracker is not None and not order_visible_to(order, tracker):
        tracker = None  # someone who may not see the order cannot track it: refused like an unknown id
    now = timezone.now()
    require(
        {
            "order": [] if order.is_escalated else [_("The order is not flagged escalated.")],
            "tracker_id": [] if tracker else [_("Name the dedicated tracker: an active user who may see this order.")],
            "due_at": [_("Set a handling deadline in the future.")] if due_at is None or due_at <= now else [],
        }
    )
    case, _created = EscalatedCase.objects.update_or_create(
        order=order, defaults={"tracker": tracker, "due_at": due_at, "set_by": actor, "set_at": now}
    )
    applied = _handling_deadline_apply(order=order, due_at=due_at, actor=actor, at=now)
    timeline_append(
        order=order, actor=actor, kind="escalated_tracker", at=now,
        note=_("Tracker %(who)s, deadline %(due)s") % {
            "who": tracker.get_full_name() or tracker.username, "due": f"{timezone.localtime(due_at):%Y-%m-%d %H:%M}"
        },
        data={"tracker_id": tracker.id, "due_at": due_at.isoformat(), "handling_due_applied": applied},
    )  # fmt: skip
    _notify_on_commit(
        recipients=[tracker], key=f"escalated-{order.id}-tracker-{now:%Y%m%d%H%M%S}", order=order,
        subject=_("You track the escalated complaint %(number)s") % {"number": order.number},
    )  # fmt: skip
    return case


def _handling_deadline_apply(*, order: WorkOrder, due_at: datetime, actor, at: datetime) -> bool:
    """R-SP-3 → R-CLK-HANDLE: the escalated complaint's deadline becomes the order's handling deadline and moves
    its live handling clock, by the path of an approved extension (tickets' `work_order_handling_due_move`, R-FL-7:
    a breach already recorded stays). The caller holds the order's lock (lock order: order → clocks).

    An order not dispatched yet has no handling clock, and its dispatch sets the handling deadline (the
    dispatcher's or the policy default) for the clock it starts. Refusing the tracker until dispatch would keep
    an escalated complaint untracked in its first hours, so the deadline is kept on the case and applied when
    the order is dispatched (`escalated_on_order_event`, DISPATCHED): the deadline chosen for this complaint wins
    over the dispatch's. Returns whether it was applied now."""
    if order.dispatched_at is None:
        return False
    work_order_handling_due_move(order=order, due_at=due_at, actor=actor, at=at)
    return True


# The order's own moves of its handling deadline (tickets.events: each carries `due_at`): the case follows, so the
# deadline shown on the escalated panel and in the API is the one the handling clock enforces.
ORDER_MOVES_OF_HANDLING_DUE = (OrderEvent.HANDLING_EXTENDED, OrderEvent.HANDLING_DUE_RESET, OrderEvent.REDISPATCHED)


def _escalated_deadline_on_order_event(*, order, event, at, actor, details) -> None:
    if event not in (OrderEvent.DISPATCHED, *ORDER_MOVES_OF_HANDLING_DUE):
        return
    case = EscalatedCase.objects.select_for_update(of=("self",)).filter(order_id=order.id).first()
    if case is None:
        return
    if event in ORDER_MOVES_OF_HANDLING_DUE:
        due = details.get("due_at") or order.handling_due_at
        if due and due != case.due_at:
            case.due_at = due
            case.save(update_fields=["due_at"])
        return
    # DISPATCHED: the handling clock has just started (deadlines' receiver, connected by tickets, runs first; if it
    # did not, the clock starts from the handling_due_at written here): it counts to the escalated deadline.
    if order.handling_due_at == case.due_at:
        return
    before = order.handling_due_at
    _handling_deadline_apply(order=order, due_at=case.due_at, actor=actor, at=at)
    timeline_append(
        order=order, actor=actor, kind="escalated_deadline", at=at,
        note=_("Handling deadline %(due)s, the escalated complaint's") % {
            "due": f"{timezone.localtime(case.due_at):%Y-%m-%d %H:%M}"
        },
        data={"before": before.isoformat() if before else None, "due_at": case.due_at.isoformat()},
    )  # fmt: skip


def escalated_reply_errors(parts: dict) -> dict[str, list[str]]:
    """What the escalated-reply form lacks (R-SP-4), by part."""
    needed = _("This part of the escalated-reply form is required.")
    errors = {name: [needed] for name in ESCALATED_REPLY_REQUIRED if parts.get(name) in (None, "") or (
        isinstance(parts.get(name), str) and _blank(parts[name]))}  # fmt: skip
    for flag in ("liable", "complained_to_body_before"):
        if parts.get(flag) is None:
            errors[flag] = [_("Answer yes or no.")]
    if parts.get("liable"):
        for name in ESCALATED_REPLY_IF_LIABLE:
            if _blank(parts.get(name)):
                errors[name] = [_("Required when the company is liable.")]
    if parts.get("complained_to_body_before") and _blank(parts.get("earlier_complaint_proof")):
        errors["earlier_complaint_proof"] = [_("Give the proof of the earlier complaint.")]
    return errors


@transaction.atomic
def escalated_reply_record(*, order_id: int, actor, **parts) -> EscalatedReply:
    """R-SP-4: write the escalated-reply form (a new version each time; the latest is the one sent), by the
    tracker or someone who replies to customers on this order. 400 names every missing part."""
    order = _order_for(order_id, actor)
    case = EscalatedCase.objects.filter(order=order).first()
    is_tracker = case is not None and case.tracker_id == actor.id
    if not (is_tracker or actor.has_perm("tickets.reply_customer")):
        raise PermissionDenied(_("You may not write this order's escalated-reply form."))
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "escalated_reply", _("The order is closed."))
    unknown = set(parts) - {f.name for f in EscalatedReply._meta.fields}
    errors = {name: [_("Unknown field.")] for name in sorted(unknown)}
    errors.update(escalated_reply_errors(parts))
    if not order.is_escalated:
        errors["order"] = [_("The order is not flagged escalated.")]
    require(errors)
    now = timezone.now()
    text = {k: (v.strip() if isinstance(v, str) else v) for k, v in parts.items()}
    reply = EscalatedReply.objects.create(order=order, author=actor, created_at=now, **text)
    timeline_append(
        order=order, actor=actor, kind="escalated_reply", note=reply.result, at=now, data={"reply_id": reply.id}
    )
    return reply


def escalated_on_order_event(sender, *, order, event, at, actor=None, **details) -> None:
    """R-SP-3, R-SP-4: the final reply of an escalated complaint follows the escalated-reply form. Receiver of
    tickets' life-cycle event, inside the customer reply's transaction: without a form written for the order
    the reply is refused (400 naming `escalated_reply`) and rolls back whole (one order or a batch). R-SP-3: the
    dispatcher's deadline is applied at dispatch and follows the order's own moves of its handling deadline."""
    if not order.is_escalated:
        return
    _escalated_deadline_on_order_event(order=order, event=event, at=at, actor=actor, details=details)
    if event != OrderEvent.CUSTOMER_REPLIED:
        return
    if EscalatedReply.objects.filter(order_id=order.id).exists():
        return
    raise ValidationError(
        {
            "escalated_reply": [
                _("%(number)s is an escalated complaint: write its escalated-reply form (用户申诉处理反馈单) first.")
                % {"number": order.number}
            ]
        }
    )


def media_liaison_unit() -> OrgUnit | None:
    rules = EscalationRules.objects.select_related("media_liaison_unit").first()
    if rules and rules.media_liaison_unit_id:
        return rules.media_liaison_unit
    return OrgUnit.objects.filter(code=MEDIA_LIAISON_DEFAULT_CODE, is_active=True).first()


def media_on_order_event(sender, *, order, event, at, actor=None, **details) -> None:
    """R-SP-6: a complaint with media present (at intake or flagged later) tells the media liaison at once:
    its members and supervisor, urgent (outside quiet hours too). Once per order (idempotency key)."""
    if event == "created":
        if not order.is_media:
            return
    elif event != "flags_changed" or not details.get("changed", {}).get("is_media"):
        return
    unit = media_liaison_unit()
    if unit is None:
        return
    journalist = order.journalist or {}
    subject = _("Media on %(number)s: %(name)s, %(outlet)s, %(phone)s") % {
        "number": order.number, "name": journalist.get("name", "—"), "outlet": journalist.get("outlet", "—"),
        "phone": journalist.get("phone", "—"),
    }  # fmt: skip
    recipients = [*unit.members.filter(is_active=True), unit.supervisor]
    _notify_on_commit(recipients=recipients, key=f"media-{order.id}-liaison", order=order, subject=subject, urgent=True)
