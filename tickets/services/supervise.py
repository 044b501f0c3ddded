"""Supervisors act where they look (issue 13 §4): remind, reassign (改派) and escalate (上报), for one order or for
many chosen on a queue page. Each call is one service and all-or-nothing: every order is locked in id order (the
lock order of every transition, so two bulk calls never deadlock), each is checked — visible (else 404, like a
missing order), its state (409), the actor's right (403), the input (400) — and only when every one passes is
anything written. A refusal names the order it came from; nothing changed, no notice sent (notices are queued on
commit).

Who must act now (the person a reminder goes to) depends on the step the order is in:
- dispatched: the members of the handling unit (nobody has claimed it);
- processing: its handler (the assignee), else the unit's members;
- department reply waiting for review, callback done: the dispatcher who dispatched it;
- final reply due (reply approved), callback due (customer replied): the first-contact owner (R-WO-9).
Before dispatch and once closed there is nobody to remind: refused (409)."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notification_enqueue
from org.models import OrgUnit
from org.selectors import unit_supervisor_map

from ..events import OrderEvent, order_event
from ..models import OrderState, TimelineEntry, WorkOrder
from ..permissions import can_reassign, can_reassign_unit, can_supervise, order_visible_to
from ..selectors import HANDLING_UNIT_KINDS
from .base import notify_first_owner_on_commit, require
from .errors import TransitionRefused
from .timeline import timeline_append

BULK_MAX = 100  # orders in one call: a queue page holds 25
NOTE_MAX = 2000
KEY_MAX = 64
HANDLING_STATES = (OrderState.DISPATCHED, OrderState.PROCESSING)  # "being handled": reassignable
REVIEW_STEPS = (OrderState.DEPT_REPLIED, OrderState.CALLBACK_DONE)
FIRST_OWNER_STEPS = (OrderState.REPLY_APPROVED, OrderState.CUSTOMER_REPLIED)


@dataclass(frozen=True)
class Reassignment:
    """What a reassign call asks for: another member of the handling unit, or another handling unit."""

    assignee_id: int | None = None
    unit_id: int | None = None
    due_at: datetime | None = None
    note: str = ""


# --- the common part ---------------------------------------------------------------------------------------
def orders_lock(*, order_ids: list[int], actor) -> list[WorkOrder]:
    """Lock every order of the call, in id order. An id the actor may not see is answered like a missing one:
    WorkOrder.DoesNotExist (404) naming the id as given."""
    ids = _ids_check(order_ids)
    rows = WorkOrder.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("id")
    by_id = {order.id: order for order in rows}
    for pk in ids:
        order = by_id.get(pk)
        if order is None or not order_visible_to(order, actor):
            raise WorkOrder.DoesNotExist(_("No order %(id)s.") % {"id": pk})
    return [by_id[pk] for pk in ids]


def _ids_check(order_ids) -> list[int]:
    if not isinstance(order_ids, list | tuple) or not order_ids:
        require({"orders": [_("Choose at least one order.")]})
    if len(order_ids) > BULK_MAX:
        require({"orders": [_("At most %(n)d orders at a time.") % {"n": BULK_MAX}]})
    if not all(isinstance(pk, int) and not isinstance(pk, bool) and pk > 0 for pk in order_ids):
        require({"orders": [_("Order ids are positive whole numbers.")]})
    return sorted(set(order_ids))


def _note_errors(note: str, *, required: bool) -> list[str]:
    if "\x00" in note:
        return [_("Null characters are not allowed.")]
    if required and not note.strip():
        return [_("Say why.")]
    if len(note) > NOTE_MAX:
        return [_("Keep it under %(max)d characters.") % {"max": NOTE_MAX}]
    return []


def _named(order: WorkOrder, message: str) -> str:
    return _("%(number)s: %(reason)s") % {"number": order.number, "reason": message}


def _click(key: str, now: datetime) -> str:
    """The idempotency of a reminder or an escalation: the caller's key (one click), else the minute."""
    key = (key or "").strip()
    if len(key) > KEY_MAX or "\x00" in key:
        require({"key": [_("At most %(n)d characters.") % {"n": KEY_MAX}]})
    return key or f"{timezone.localtime(now):%Y%m%d%H%M}"


def _done_already(order: WorkOrder, *, kind: str, actor, click: str) -> TimelineEntry | None:
    return order.timeline.filter(kind=kind, actor=actor, data__click=click).first()


def _notify_on_commit(*, order: WorkOrder, entry: TimelineEntry, kind: str, recipient_ids: list[int], subject: str):
    """In-app notices (R-NT-1) after commit, one per timeline entry and person (a retry sends nothing twice)."""
    order_id, entry_id, note = order.id, entry.id, entry.note
    recipient_ids = [pk for pk in dict.fromkeys(recipient_ids) if pk and pk != entry.actor_id]

    def send() -> None:
        fresh = WorkOrder.objects.get(pk=order_id)
        for user in get_user_model().objects.filter(pk__in=recipient_ids, is_active=True):
            notification_enqueue(
                channel="in_app", idempotency_key=f"order-{order_id}-timeline-{entry_id}-{kind}-{user.pk}",
                recipient=user, order=fresh, kind=kind, subject=subject, body=note,
            )  # fmt: skip

    transaction.on_commit(send)


def _unit_member_ids(unit_id: int | None) -> list[int]:
    if unit_id is None:
        return []
    users = get_user_model().objects.filter(org_units=unit_id, is_active=True)
    return list(users.values_list("id", flat=True).distinct())


def who_acts_now(order: WorkOrder) -> list[int]:
    """The people who must act on the order in its current step (see the module docstring)."""
    if order.state == OrderState.PROCESSING and order.assignee_id:
        return [order.assignee_id]
    if order.state in HANDLING_STATES:
        return _unit_member_ids(order.handling_unit_id)
    if order.state in REVIEW_STEPS:
        return [order.dispatched_by_id] if order.dispatched_by_id else []
    if order.state in FIRST_OWNER_STEPS:
        return [order.accepted_by_id]
    return []


def _supervisor_check(order: WorkOrder, actor) -> None:
    if not can_supervise(order, actor):
        raise PermissionDenied(_named(order, _("Only a supervisor may do this.")))


# --- remind ------------------------------------------------------------------------------------------------
@transaction.atomic
def orders_remind(*, order_ids: list[int], actor, note: str = "", key: str = "") -> list[TimelineEntry]:
    """催办 by a supervisor: a notice to whoever must act now on each order, and a timeline entry. Idempotent per
    actor, order and click (`key`, else the minute): a repeated call returns the first entries and sends nothing."""
    now = timezone.now()
    note = note or ""
    require({"note": _note_errors(note, required=False)})
    click = _click(key, now)
    orders = orders_lock(order_ids=order_ids, actor=actor)
    plans = []
    for order in orders:
        _supervisor_check(order, actor)
        people = who_acts_now(order)
        if not people:
            raise TransitionRefused(order, "remind", _named(order, _("nobody has a step to take on it now.")))
        plans.append((order, people))
    entries = []
    for order, people in plans:
        entry = _done_already(order, kind="remind", actor=actor, click=click)
        if entry is None:
            entry = timeline_append(
                order=order, actor=actor, kind="remind", after=order.state, note=note.strip(), at=now,
                data={"click": click, "reminded": people},
            )  # fmt: skip
            subject = _("%(number)s: a supervisor asks you to act on it now (%(state)s)") % {
                "number": order.number, "state": order.get_state_display(),
            }  # fmt: skip
            _notify_on_commit(order=order, entry=entry, kind="remind", recipient_ids=people, subject=subject)
        entries.append(entry)
    return entries


# --- escalate ----------------------------------------------------------------------------------------------
def escalation_target(order: WorkOrder, *, actor, supervisors: dict[int, int | None]) -> int | None:
    """上报: the supervisor of the unit the order is at (handling unit, else the accepting unit); if that is the
    actor, the next supervisor above (the parent unit's)."""
    unit_id = order.handling_unit_id or order.accepting_unit_id
    target = supervisors.get(unit_id)
    if target == actor.id:
        parent_id = OrgUnit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
        target = supervisors.get(parent_id) if parent_id else None
        target = None if target == actor.id else target
    return target


@transaction.atomic
def orders_escalate(*, order_ids: list[int], actor, note: str, key: str = "") -> list[TimelineEntry]:
    """上报 an open order to its unit's supervisor (org.selectors.unit_supervisor_map): a notice and a timeline
    entry. Refused (409) for a closed order or one with nobody above to escalate to. Idempotent like a reminder."""
    now = timezone.now()
    note = note or ""
    require({"note": _note_errors(note, required=True)})
    click = _click(key, now)
    orders = orders_lock(order_ids=order_ids, actor=actor)
    supervisors = unit_supervisor_map()
    plans = []
    for order in orders:
        _supervisor_check(order, actor)
        if order.state == OrderState.CLOSED:
            raise TransitionRefused(order, "escalate", _named(order, _("the order is closed.")))
        target = escalation_target(order, actor=actor, supervisors=supervisors)
        if target is None:
            raise TransitionRefused(order, "escalate", _named(order, _("no supervisor above its unit.")))
        plans.append((order, target))
    entries = []
    for order, target in plans:
        entry = _done_already(order, kind="escalate", actor=actor, click=click)
        if entry is None:
            entry = timeline_append(
                order=order, actor=actor, kind="escalate", after=order.state, note=note.strip(), at=now,
                data={"click": click, "to": target},
            )  # fmt: skip
            subject = _("%(number)s escalated to you by %(actor)s") % {
                "number": order.number, "actor": actor.get_full_name() or actor.get_username(),
            }  # fmt: skip
            _notify_on_commit(order=order, entry=entry, kind="escalate", recipient_ids=[target], subject=subject)
        entries.append(entry)
    return entries


# --- reassign ----------------------------------------------------------------------------------------------
def _reassign_input(request: Reassignment, now: datetime):
    errors: dict[str, list[str]] = {"note": _note_errors(request.note or "", required=True)}
    if bool(request.assignee_id) == bool(request.unit_id):
        errors["non_field_errors"] = [_("Choose either another handler or another unit.")]
    unit = assignee = None
    if request.unit_id:
        unit = OrgUnit.objects.filter(pk=request.unit_id, is_active=True).first()
        if unit is None or unit.kind not in HANDLING_UNIT_KINDS:
            errors["unit"] = [_("Choose a handling unit.")]
    if request.assignee_id:
        assignee = get_user_model().objects.filter(pk=request.assignee_id, is_active=True).first()
        if assignee is None or not assignee.has_perm("tickets.claim_workorder"):
            errors["assignee"] = [_("Choose a handler (someone who may claim orders).")]
    if request.due_at is not None and request.due_at <= now:
        errors["due_at"] = [_("The handling deadline must be in the future.")]
    require(errors)
    return unit, assignee


def _reassign_check(order: WorkOrder, actor, *, unit, assignee) -> None:
    if order.state not in HANDLING_STATES:
        raise TransitionRefused(order, "reassign", _named(order, _("only an order being handled can be reassigned.")))
    if unit is not None:
        if not can_reassign_unit(order, actor):
            raise PermissionDenied(_named(order, _("only a dispatcher may give it to another unit.")))
        if unit.id == order.handling_unit_id:
            raise ValidationError({"unit": [_named(order, _("it is with this unit already."))]})
        return
    if not can_reassign(order, actor):
        raise PermissionDenied(_named(order, _("only a dispatcher or its unit's supervisor may reassign it.")))
    if order.handling_unit_id not in set(assignee.org_units.values_list("id", flat=True)):
        raise ValidationError({"assignee": [_named(order, _("this person is not a member of its handling unit."))]})
    if assignee.id == order.assignee_id:
        raise ValidationError({"assignee": [_named(order, _("this person is its handler already."))]})


@transaction.atomic
def orders_reassign(*, order_ids: list[int], actor, request: Reassignment) -> list[WorkOrder]:
    """改派 orders being handled (dispatched or processing) to another member of their handling unit (the assignee
    changes; a dispatched order is taken for them) or to another handling unit (back to dispatched for it, in the
    same cycle). Dispatchers may do both for any order they see; a unit's supervisor only the first, within the
    unit. The handling deadline is kept unless a new one is given: then the handling clock follows it
    (HANDLING_DUE_RESET, R-CLK-HANDLE). The new handler, or the new unit's members, are told after commit."""
    now = timezone.now()
    unit, assignee = _reassign_input(request, now)
    orders = orders_lock(order_ids=order_ids, actor=actor)
    for order in orders:
        _reassign_check(order, actor, unit=unit, assignee=assignee)
    note = request.note.strip()
    for order in orders:
        before, previous_unit, previous_assignee = order.state, order.handling_unit_id, order.assignee_id
        if unit is not None:
            order.reassign_unit(unit=unit)
            kind, event, recipients = "reassign_unit", OrderEvent.UNIT_REASSIGNED, _unit_member_ids(unit.id)
        else:
            order.reassign(to=assignee)
            kind, event, recipients = "reassign", OrderEvent.REASSIGNED, [assignee.id]
        fields = ["state", "handling_unit", "assignee"]
        if request.due_at is not None:
            order.handling_due_at = request.due_at
            fields.append("handling_due_at")
        order.save(update_fields=fields)
        data = {
            "unit": order.handling_unit.name, "assignee": assignee.get_full_name() if assignee else "",
            "previous_unit_id": previous_unit, "previous_assignee_id": previous_assignee,
            "due_at": order.handling_due_at.isoformat() if order.handling_due_at else None,
            "due_changed": request.due_at is not None,
        }  # fmt: skip
        entry = timeline_append(
            order=order, actor=actor, kind=kind, before=before, after=order.state, note=note, data=data, at=now
        )
        details = {"due_at": order.handling_due_at, "previous_unit_id": previous_unit}
        details["previous_assignee_id"] = previous_assignee
        order_event.send(sender=WorkOrder, order=order, event=event, at=now, actor=actor, **details)
        if request.due_at is not None:
            order_event.send(
                sender=WorkOrder, order=order, event=OrderEvent.HANDLING_DUE_RESET, at=now, actor=actor,
                due_at=order.handling_due_at,
            )  # fmt: skip
        due = timezone.localtime(order.handling_due_at) if order.handling_due_at else None
        subject = _("%(number)s reassigned to you: handle by %(due)s") % {
            "number": order.number, "due": f"{due:%Y-%m-%d %H:%M}" if due else "—",
        }  # fmt: skip
        _notify_on_commit(order=order, entry=entry, kind="reassigned", recipient_ids=recipients, subject=subject)
        if before != order.state:
            notify_first_owner_on_commit(order=order, entry=entry)  # R-WO-9: a state change
    return orders
