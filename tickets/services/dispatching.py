"""Dispatch, claim, department reply, review and return: SPEC §2.1 from `accepted` to `reply_approved`."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deadlines.policies import handling_limit_default
from notifications.services import notification_enqueue
from org.models import OrgUnit

from ..events import OrderEvent
from ..models import DepartmentReply, WorkOrder
from ..selectors import HANDLING_UNIT_KINDS
from .base import order_lock, require, transition_check, transition_finish


def handling_due_default(*, order: WorkOrder, at: datetime) -> datetime:
    """R-CLK-HANDLE: the handling limit when the dispatcher sets none, from the clock policy table."""
    return at + handling_limit_default(order=order)


def dispatch_target_check(*, unit_id: int | None, due_at: datetime | None, now: datetime) -> OrgUnit:
    errors: dict[str, list[str]] = {}
    unit = OrgUnit.objects.filter(pk=unit_id, is_active=True).first() if unit_id else None
    if unit is None:
        errors["unit"] = [_("Choose the unit that will handle the order.")]
    elif unit.kind not in HANDLING_UNIT_KINDS:
        errors["unit"] = [_("Orders are dispatched to a handling unit, not to a branch or region.")]
    if due_at is not None and due_at <= now:
        errors["due_at"] = [_("The handling deadline must be in the future.")]
    require(errors)
    return unit


def notify_handling_unit_on_commit(*, order: WorkOrder, actor, note: str = "") -> None:
    """The handling unit's members hear that an order was dispatched (or dispatched again) to them, in the
    inbox (R-NT-1), after the dispatch is committed; one notice per order, cycle and person (idempotency key),
    so a retried request sends nothing twice. The unit's queue (`my_unit`) holds the order from the commit."""
    order_id, cycle, unit_id, actor_id = order.id, order.cycle, order.handling_unit_id, actor.pk

    def send() -> None:
        fresh = WorkOrder.objects.select_related("handling_unit").get(pk=order_id)
        if fresh.handling_unit_id != unit_id or fresh.cycle != cycle:
            return  # moved on already; the later dispatch tells its own unit
        members = get_user_model().objects.filter(org_units=unit_id, is_active=True).exclude(pk=actor_id)
        due = timezone.localtime(fresh.handling_due_at)
        subject = _("%(number)s dispatched to %(unit)s: handle by %(due)s") % {
            "number": fresh.number, "unit": fresh.handling_unit.name, "due": f"{due:%Y-%m-%d %H:%M}",
        }  # fmt: skip
        for member in members.distinct():
            notification_enqueue(
                channel="in_app", idempotency_key=f"order-{order_id}-cycle-{cycle}-dispatched-{member.pk}",
                recipient=member, order=fresh, kind="dispatched", subject=subject, body=note,
            )  # fmt: skip

    transaction.on_commit(send)


@transaction.atomic
def work_order_dispatch(*, order_id: int, actor, unit_id: int, due_at: datetime | None = None, note: str = ""):
    """派单 (R-WO-5 转派/外派). Locks the order; 409 if not `accepted`, 403 without dispatch role/scope.
    The handling deadline is the dispatcher's, else the policy default (R-CLK-HANDLE)."""
    now = timezone.now()
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="dispatch", actor=actor)
    unit = dispatch_target_check(unit_id=unit_id, due_at=due_at, now=now)
    before = order.state
    move(unit=unit, by=actor, at=now, due_at=due_at or handling_due_default(order=order, at=now))
    transition_finish(
        order=order, actor=actor, kind="dispatch", before=before, event=OrderEvent.DISPATCHED, at=now,
        update_fields=["handling_unit", "assignee", "dispatched_by", "dispatched_at", "handling_due_at", "cycle"],
        note=note, data={"unit": unit.name, "due_at": order.handling_due_at.isoformat()},
        due_at=order.handling_due_at,
    )  # fmt: skip
    notify_handling_unit_on_commit(order=order, actor=actor, note=note)
    return order


@transaction.atomic
def work_order_claim(*, order_id: int, actor):
    """A member of the handling unit takes the order (dispatched → processing)."""
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="claim", actor=actor)
    before = order.state
    move(by=actor)
    transition_finish(
        order=order,
        actor=actor,
        kind="claim",
        before=before,
        event=OrderEvent.CLAIMED,
        update_fields=["assignee"],
    )
    return order


REPLY_PARTS = ("cause", "process", "result", "customer_attitude")


def dept_reply_errors(
    *, cause: str, cause_unknown: bool, process: str, result: str, customer_attitude: str,
    service_restored: bool | None, measures: str, expected_recovery_at: datetime | None,
    coordinating_unit_id: int | None, collective: bool,
) -> dict[str, list[str]]:  # fmt: skip
    """What is missing or wrong in a department reply (R-FL-2), by field; a collective problem's order (集中性问题)
    also needs the measures, the expected recovery and the coordinating unit. One copy for the order's service and
    the batch's (tickets.services.batch_bulk)."""
    missing = _("This part of the department reply is required (R-FL-2).")
    errors = {
        "cause": [_("State the cause, or mark it explicitly as unknown.")]
        if not (cause.strip() or cause_unknown)
        else [],
        "process": [] if process.strip() else [missing],
        "result": [] if result.strip() else [missing],
        "customer_attitude": [] if customer_attitude.strip() else [missing],
        "service_restored": [] if service_restored is not None else [_("Say whether service is restored.")],
    }
    # A coordinating unit, when one is named, must exist and be active (else the row fails at commit: a 500).
    unit_known = bool(coordinating_unit_id) and OrgUnit.objects.filter(pk=coordinating_unit_id, is_active=True).exists()
    if coordinating_unit_id and not unit_known:
        errors["coordinating_unit"] = [_("No such unit.")]
    if collective:
        # A collective problem (集中性问题) also needs measures, expected recovery and the coordinator.
        errors["measures"] = [] if measures.strip() else [missing]
        errors["expected_recovery_at"] = [] if expected_recovery_at else [missing]
        if not coordinating_unit_id:
            errors["coordinating_unit"] = [missing]
    return errors


@transaction.atomic
def work_order_dept_reply(
    *, order_id: int, actor, process: str, result: str, customer_attitude: str, cause: str = "",
    cause_unknown: bool = False, is_final: bool = True, service_restored: bool | None = None,
    measures: str = "", expected_recovery_at: datetime | None = None, coordinating_unit_id: int | None = None,
) -> DepartmentReply:  # fmt: skip
    """回单 with every part of R-FL-2; each missing part is named in the 400."""
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="dept_reply", actor=actor)
    require(
        dept_reply_errors(
            cause=cause, cause_unknown=cause_unknown, process=process, result=result,
            customer_attitude=customer_attitude, service_restored=service_restored, measures=measures,
            expected_recovery_at=expected_recovery_at, coordinating_unit_id=coordinating_unit_id,
            collective=order.is_collective,
        )
    )  # fmt: skip
    reply = DepartmentReply.objects.create(
        order=order, cycle=order.cycle, author=actor, cause=cause, cause_unknown=cause_unknown, process=process,
        is_final=is_final, result=result, service_restored=service_restored, measures=measures,
        expected_recovery_at=expected_recovery_at, coordinating_unit_id=coordinating_unit_id,
        customer_attitude=customer_attitude,
    )  # fmt: skip
    before = order.state
    move()
    transition_finish(
        order=order, actor=actor, kind="dept_reply", before=before, event=OrderEvent.DEPT_REPLIED,
        update_fields=[], data={"reply_id": reply.id}, note=result,
    )  # fmt: skip
    return reply


def _pending_reply(order: WorkOrder) -> DepartmentReply:
    return order.department_replies.filter(status=DepartmentReply.Status.SUBMITTED).latest("submitted_at", "id")


def _review_reply(*, order_id: int, actor, name: str, status: str, event: OrderEvent, note: str) -> DepartmentReply:
    """Return or approve the pending department reply (R-FL-3): record the review, then move the order."""
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name=name, actor=actor)
    if status == DepartmentReply.Status.RETURNED:
        require({"reason": [] if note.strip() else [_("Say why the reply is returned.")]})
    reply = _pending_reply(order)
    reply.status, reply.reviewed_by, reply.reviewed_at, reply.review_note = status, actor, timezone.now(), note
    reply.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    before = order.state
    move()
    transition_finish(
        order=order, actor=actor, kind=name, before=before, event=event, update_fields=[], note=note,
        data={"reply_id": reply.id},
    )  # fmt: skip
    return reply


@transaction.atomic
def work_order_return_reply(*, order_id: int, actor, reason: str) -> DepartmentReply:
    """退单 (R-FL-3). The handling deadline is not reset."""
    return _review_reply(
        order_id=order_id, actor=actor, name="return_reply", status=DepartmentReply.Status.RETURNED,
        event=OrderEvent.REPLY_RETURNED, note=reason,
    )  # fmt: skip


@transaction.atomic
def work_order_approve_reply(*, order_id: int, actor, note: str = "") -> DepartmentReply:
    """The dispatcher accepts the department reply; this stops the handling clock (R-CLK-HANDLE)."""
    return _review_reply(
        order_id=order_id, actor=actor, name="approve_reply", status=DepartmentReply.Status.APPROVED,
        event=OrderEvent.REPLY_APPROVED, note=note,
    )  # fmt: skip


@transaction.atomic
def work_order_redispatch(
    *, order_id: int, actor, unit_id: int, reason: str, due_at: datetime | None = None
) -> WorkOrder:
    """二次派单 after an unsatisfied callback (R-FL-6): a new cycle with a new handling deadline."""
    now = timezone.now()
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="redispatch", actor=actor)
    unit = dispatch_target_check(unit_id=unit_id, due_at=due_at, now=now)
    require({"reason": [] if reason.strip() else [_("Say why the order is dispatched again.")]})
    before = order.state
    move(unit=unit, by=actor, at=now, due_at=due_at or handling_due_default(order=order, at=now))
    transition_finish(
        order=order, actor=actor, kind="redispatch", before=before, event=OrderEvent.REDISPATCHED, at=now,
        update_fields=["handling_unit", "assignee", "dispatched_by", "dispatched_at", "handling_due_at", "cycle"],
        note=reason, data={"unit": unit.name, "due_at": order.handling_due_at.isoformat(), "cycle": order.cycle},
        due_at=order.handling_due_at,
    )  # fmt: skip
    notify_handling_unit_on_commit(order=order, actor=actor, note=reason)
    return order
