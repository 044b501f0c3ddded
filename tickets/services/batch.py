"""Batch complaints (批量投诉, R-SP-2): detection, candidates, and every move of a batch.

Each move is ONE service call and one transaction. Lock order: the parent first (the candidate or the batch
row), then its children in id order (one `SELECT … FOR NO KEY UPDATE … ORDER BY id`), then their clocks and
records. Two moves of one batch queue on the parent; a batch and an order's own service meet on the order row in
the same order, so they never deadlock.

The per-child work is done for all children at once (tickets.services.batch_bulk: the per-order services' checks
and rows, in bulk): a move costs the same number of statements for 3 children as for 200.

All-or-nothing: every child is checked before anything is written, and a child that refuses (TransitionRefused →
409, PermissionDenied → 403, a field error → 400) names its complaint; nothing of the batch, nor of any child, has
changed.

Notices: one per person per move, not one per child (tickets/services/batch_notices.py)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from org.models import OrgUnit
from org.selectors import user_scope_unit_ids

from ..batch_selectors import batch_candidate_orders, batch_detection_count, batch_rules, batch_visible_list
from ..events import OrderEvent
from ..models import Batch, BatchCandidate, BatchMembership, DepartmentReply, OrderState, OrderType
from ..models import WorkOrder as Order
from ..models.choices import FinalReplyMethod, Satisfaction
from ..permissions import order_visible_to
from ..selectors import HANDLING_UNIT_KINDS
from .base import require
from .batch_bulk import (
    children_dept_reply,
    children_dispatch_assign,
    children_flags_set,
    children_reply_customer,
    children_review,
)
from .batch_notices import batch_log_append, batch_notify_on_commit, batch_owners_notify
from .errors import TransitionRefused
from .records import work_order_flags_update

Candidate = BatchCandidate
S = Batch.State

# The timeline's label of the one entry kind this module adds to a child's timeline (tickets.apps adds it).
BATCH_TIMELINE_LABELS = {"batch_assign": gettext_lazy("Given to the batch's handler")}


class BatchRefused(TransitionRefused):
    """A batch or candidate not in a state that allows the move (→ 409 like any refused transition)."""

    def __init__(self, obj, action: str, detail: str):
        self.order, self.transition = obj, action
        self.detail = _("%(action)s: %(reason)s") % {"action": action, "reason": detail}
        Exception.__init__(self, self.detail)


# --- detection (R-SP-2) ----------------------------------------------------------------------------------


def batch_on_order_event(sender, *, order, event, at, **details) -> None:
    """`order_event` receiver: a complaint's creation may offer a batch candidate (inside its transaction)."""
    if event == OrderEvent.CREATED:
        batch_detect(order=order)


def batch_detect(*, order: Order) -> BatchCandidate | None:
    """Offer a candidate when this complaint makes ≥ N of its leaf category and city within M minutes (the
    thresholds row). One query (`batch_detection_count`); one INSERT more only when an offer is made. Two
    creations crossing the threshold at once offer it once (unique offered candidate per scope)."""
    if order.order_type != OrderType.COMPLAINT or not order.category_id or order.closes_at_creation():
        return None
    rules = batch_rules()
    if not rules.is_active:
        return None
    at = order.accepted_at
    found = batch_detection_count(
        category_id=order.category_id, skill_group_id=order.skill_group_id, start=at - rules.window, end=at
    )
    if found["count"] < rules.min_complaints:
        return None
    try:
        with transaction.atomic():
            return BatchCandidate.objects.create(
                category_id=order.category_id, skill_group_id=order.skill_group_id, since=found["first"],
                offered_at=at, count_at_offer=found["count"],
            )  # fmt: skip
    except IntegrityError:
        return None  # offered meanwhile by a concurrent creation


# --- forming a batch ---------------------------------------------------------------------------------------


def _require_dispatcher(actor) -> None:
    if not actor.has_perm("tickets.dispatch_workorder"):
        raise PermissionDenied(_("Only dispatchers form and dispatch batches."))


@transaction.atomic
def batch_candidate_confirm(*, candidate_id: int, actor, title: str = "", note: str = "") -> Batch:
    """The dispatcher confirms an offered candidate: its waiting complaints (those the dispatcher sees) become
    one batch. Locks the candidate, then the complaints by id; a second confirmation of the same candidate
    waits for the first and is refused (409), so there is exactly one batch."""
    _require_dispatcher(actor)
    candidate = BatchCandidate.objects.select_for_update().get(pk=candidate_id)
    if candidate.status != Candidate.Status.OFFERED:
        if (
            candidate.status == Candidate.Status.CONFIRMED
            and not batch_visible_list(user=actor).filter(candidate=candidate).exists()
        ):
            raise BatchCandidate.DoesNotExist
        raise BatchRefused(candidate, _("Confirm the batch"), _("this candidate was already %(status)s.") % {
            "status": candidate.get_status_display()})  # fmt: skip
    ids = list(batch_candidate_orders(candidate=candidate, user=actor).values_list("id", flat=True))
    if not ids:
        raise BatchCandidate.DoesNotExist  # nothing of it is the dispatcher's to see
    now = timezone.now()
    title = title.strip() or f"{candidate.skill_group.city} · {candidate.category.name}"
    batch = _batch_form(actor=actor, order_ids=ids, title=title, note=note, candidate=candidate, strict=False, at=now)
    candidate.status, candidate.closed_at, candidate.closed_by, candidate.close_note = (
        Candidate.Status.CONFIRMED, now, actor, note,
    )  # fmt: skip
    candidate.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    return batch


@transaction.atomic
def batch_candidate_dismiss(*, candidate_id: int, actor, note: str = "") -> BatchCandidate:
    """Not a batch (different faults that look alike): the offer is withdrawn and not made again for these
    complaints; later ones may make a new offer."""
    _require_dispatcher(actor)
    candidate = BatchCandidate.objects.select_for_update().get(pk=candidate_id)
    if not batch_candidate_orders(candidate=candidate, user=actor).exists() and candidate.closed_by_id != actor.id:
        raise BatchCandidate.DoesNotExist
    if candidate.status != Candidate.Status.OFFERED:
        raise BatchRefused(candidate, _("Dismiss the candidate"), _("this candidate was already %(status)s.") % {
            "status": candidate.get_status_display()})  # fmt: skip
    candidate.status, candidate.closed_at, candidate.closed_by, candidate.close_note = (
        Candidate.Status.DISMISSED, timezone.now(), actor, note,
    )  # fmt: skip
    candidate.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    return candidate


@transaction.atomic
def batch_create(*, order_ids: list[int], actor, title: str, note: str = "") -> Batch:
    """A batch by hand (R-SP-2 "staff can also create a batch"): the dispatcher selects the complaints. Every id
    is checked against what the dispatcher may see; an unknown or invisible one is refused alike (400)."""
    _require_dispatcher(actor)
    require({"title": [] if title.strip() else [_("Name the batch (e.g. the fault).")]})
    return _batch_form(
        actor=actor, order_ids=order_ids, title=title.strip(), note=note, candidate=None, strict=True,
        at=timezone.now(),
    )  # fmt: skip


def _children_lock_by_ids(*, order_ids, actor, field: str = "order_ids") -> list[Order]:
    """Lock these orders in id order; the ones the actor may not see are reported like missing ones (400)."""
    ids = sorted({int(pk) for pk in order_ids})
    rows = list(Order.objects.select_for_update(no_key=True, of=("self",)).filter(pk__in=ids).order_by("id"))
    visible = [order for order in rows if order_visible_to(order, actor)]
    missing = sorted(set(ids) - {order.id for order in visible})
    if missing:
        require({field: [_("No such order: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]})
    return visible


def _joinable_errors(*, order: Order, in_batch: bool | None = None) -> list[str]:
    if order.order_type != OrderType.COMPLAINT:
        return [_("%(number)s is not a complaint.") % {"number": order.number}]
    if order.state != OrderState.ACCEPTED:
        return [_("%(number)s is no longer waiting for dispatch.") % {"number": order.number}]
    if in_batch is None:
        in_batch = BatchMembership.objects.filter(order=order, detached_at=None).exists()
    if in_batch:
        return [_("%(number)s is in another batch already.") % {"number": order.number}]
    return []


def _batch_form(*, actor, order_ids, title: str, note: str, candidate, strict: bool, at: datetime) -> Batch:
    require({"order_ids": [] if order_ids else [_("Select the complaints of the batch.")]})
    children = _children_lock_by_ids(order_ids=order_ids, actor=actor)
    batched = set(
        BatchMembership.objects.filter(order__in=children, detached_at=None).values_list("order_id", flat=True)
    )  # one query for all, not one per child
    problems = {order.id: _joinable_errors(order=order, in_batch=order.id in batched) for order in children}
    if strict:
        require({"order_ids": [message for messages in problems.values() for message in messages]})
    children = [order for order in children if not problems[order.id]]  # a confirmation skips what moved on
    if len(children) < 2:
        require({"order_ids": [_("A batch needs at least two complaints waiting for dispatch.")]})
    categories = {order.category_id for order in children}
    cities = {order.skill_group_id for order in children}
    batch = Batch.objects.create(
        title=title[:120], candidate=candidate, created_by=actor, created_at=at,
        category_id=categories.pop() if len(categories) == 1 else None,
        skill_group_id=cities.pop() if len(cities) == 1 else None,
    )  # fmt: skip
    BatchMembership.objects.bulk_create(
        [BatchMembership(batch=batch, order=order, attached_at=at, attached_by=actor) for order in children]
    )
    _join_flags(children=children, batch=batch, actor=actor)
    batch_log_append(
        batch=batch, actor=actor, kind="formed", before="", note=note, data={"orders": [o.id for o in children]}
    )
    return batch


def _join_flags(*, children: list[Order], batch: Batch, actor) -> None:
    """Flag the children batch (30-min dispatch re-baselined from acceptance, R-CLK-RECALC) and collective (R-FL-2:
    their department reply carries the measures, the expected recovery and the coordinating unit)."""
    children_flags_set(
        children=children, actor=actor, is_batch=True, is_collective=True,
        note=_("Joined batch %(batch)s “%(title)s”.") % {"batch": batch.label, "title": batch.title},
    )  # fmt: skip


# --- the batch's moves -------------------------------------------------------------------------------------


def _batch_lock(*, batch_id: int, actor) -> Batch:
    """Lock the parent; Batch.DoesNotExist for a batch the actor may not see (→ 404)."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if not batch_visible_list(user=actor).filter(pk=batch.pk).exists():
        raise Batch.DoesNotExist
    return batch


def _batch_check(*, batch: Batch, name: str, label: str) -> None:
    if not can_proceed(getattr(batch, name)):
        raise BatchRefused(batch, label, _("not allowed while the batch is “%(state)s”.") % {
            "state": batch.get_state_display()})  # fmt: skip


def _children_lock(*, batch: Batch) -> list[Order]:
    """The current children, locked after the parent, in id order."""
    return list(
        Order.objects.select_for_update(no_key=True, of=("self",))
        .filter(batch_memberships__batch=batch, batch_memberships__detached_at=None)
        .order_by("id")
    )


@transaction.atomic
def batch_dispatch(
    *, batch_id: int, actor, unit_id: int, handler_id: int, due_at: datetime | None = None, note: str = ""
) -> Batch:
    """Dispatch every child to one unit and give them all to ONE dedicated handler (R-SP-2): the dispatch
    service per child (clocks, timeline), then each child assigned to the handler (the claim transition, done
    by the dispatcher on the handler's behalf), in one transaction."""
    _require_dispatcher(actor)
    now = timezone.now()
    batch = _batch_lock(batch_id=batch_id, actor=actor)
    _batch_check(batch=batch, name="dispatch", label=_("Dispatch the batch"))
    unit_ok = (
        bool(unit_id) and OrgUnit.objects.filter(pk=unit_id, is_active=True, kind__in=HANDLING_UNIT_KINDS).exists()
    )
    handler = get_user_model().objects.filter(pk=handler_id, is_active=True).first() if handler_id else None
    fit = handler is not None and unit_ok and unit_id in user_scope_unit_ids(user=handler)
    require({
        "unit": [] if unit_ok else [_("Choose the handling unit (not a branch or region).")],
        "handler": [] if fit and handler.has_perm("tickets.claim_workorder")
        and handler.has_perm("tickets.reply_department")
        else [_("Choose a handler of the chosen unit who may claim orders and write replies.")],
    })  # fmt: skip
    children = _children_lock(batch=batch)
    children_dispatch_assign(
        children=children, actor=actor, unit_id=unit_id, handler=handler, batch=batch, due_at=due_at, note=note
    )
    before = batch.state
    batch.dispatch(unit_id=unit_id, handler=handler, at=now)
    batch.save(update_fields=["state", "handling_unit", "handler", "dispatched_at", "updated_at"])
    entry = batch_log_append(batch=batch, actor=actor, kind="dispatch", before=before, note=note,
                 data={"unit_id": unit_id, "handler_id": handler.id})  # fmt: skip
    due = min(child.handling_due_at for child in children)
    subject = _("Batch %(batch)s (%(n)d complaints) is yours: handle by %(due)s") % {
        "batch": batch.label, "n": len(children), "due": f"{timezone.localtime(due):%Y-%m-%d %H:%M}",
    }  # fmt: skip
    batch_notify_on_commit(batch=batch, entry=entry, recipients={handler.id}, subject=subject, body=note)
    batch_owners_notify(batch=batch, entry=entry, children=children, actor=actor, what=_("dispatched"))
    return batch


COLLECTIVE_PARTS = ("measures", "expected_recovery_at", "coordinating_unit_id")


@transaction.atomic
def batch_dept_reply(
    *, batch_id: int, actor, process: str, result: str, customer_attitude: str, cause: str = "",
    cause_unknown: bool = False, is_final: bool = True, service_restored: bool | None = None, measures: str = "",
    expected_recovery_at: datetime | None = None, coordinating_unit_id: int | None = None, note: str = "",
) -> Batch:  # fmt: skip
    """回单 written once on the parent by the dedicated handler, with the collective-problem parts required
    (R-FL-2: measures, expected recovery time, coordinating unit); every child gets it as its own department
    reply (the per-order service checks the other parts, named in the 400)."""
    batch = _batch_lock(batch_id=batch_id, actor=actor)
    _batch_check(batch=batch, name="dept_reply", label=_("Department reply for the batch"))
    if batch.handler_id != actor.id:
        raise PermissionDenied(_("Only the batch's dedicated handler writes its department reply."))
    missing = _("This part of the department reply is required (R-FL-2).")
    require({
        "measures": [] if measures.strip() else [missing],
        "expected_recovery_at": [] if expected_recovery_at else [missing],
        "coordinating_unit": [] if coordinating_unit_id else [missing],
    })  # fmt: skip
    parts = {
        "cause": cause, "cause_unknown": cause_unknown, "process": process, "result": result, "is_final": is_final,
        "customer_attitude": customer_attitude, "service_restored": service_restored, "measures": measures,
        "expected_recovery_at": expected_recovery_at, "coordinating_unit_id": coordinating_unit_id,
    }  # fmt: skip
    children = _children_lock(batch=batch)
    children_dept_reply(children=children, actor=actor, parts=parts)
    before = batch.state
    batch.dept_reply()
    batch.save(update_fields=["state", "updated_at"])
    logged = {**parts, "expected_recovery_at": expected_recovery_at.isoformat()}
    entry = batch_log_append(batch=batch, actor=actor, kind="dept_reply", before=before, note=result, data=logged)
    batch_owners_notify(batch=batch, entry=entry, children=children, actor=actor, what=_("department replied"))
    return batch


def _review(*, batch_id: int, actor, name: str, label: str, status: str, event: OrderEvent, log_note: str) -> Batch:
    batch = _batch_lock(batch_id=batch_id, actor=actor)
    _batch_check(batch=batch, name=name, label=label)
    if not actor.has_perm("tickets.review_reply"):
        raise PermissionDenied(_("You may not review department replies."))
    children = _children_lock(batch=batch)
    children_review(children=children, actor=actor, name=name, status=status, event=event, note=log_note)
    before = batch.state
    getattr(batch, name)()
    batch.save(update_fields=["state", "updated_at"])
    batch_log_append(batch=batch, actor=actor, kind=name, before=before, note=log_note)
    return batch


@transaction.atomic
def batch_approve_reply(*, batch_id: int, actor, note: str = "") -> Batch:
    """The dispatcher accepts the batch's department reply for every child (R-FL-3; stops their handling clocks)."""
    batch = _review(batch_id=batch_id, actor=actor, name="approve_reply", label=_("Approve the batch's reply"),
                    status=DepartmentReply.Status.APPROVED, event=OrderEvent.REPLY_APPROVED, log_note=note)  # fmt: skip
    return batch


@transaction.atomic
def batch_return_reply(*, batch_id: int, actor, reason: str) -> Batch:
    """退单 of the batch's reply (R-FL-3): back to the dedicated handler for every child; deadlines kept."""
    require({"reason": [] if reason.strip() else [_("Say why the reply is returned.")]})
    batch = _review(batch_id=batch_id, actor=actor, name="return_reply", label=_("Return the batch's reply"),
                    status=DepartmentReply.Status.RETURNED, event=OrderEvent.REPLY_RETURNED,
                    log_note=reason)  # fmt: skip
    entry = batch.log.order_by("-id").first()
    batch_notify_on_commit(batch=batch, entry=entry, recipients={batch.handler_id}, body=reason,
            subject=_("Batch %(batch)s: the department reply was returned") % {"batch": batch.label})  # fmt: skip
    return batch


@transaction.atomic
def batch_reply_customers(
    *, batch_id: int, actor, method: str, process: str, content: str, satisfaction: str = "",
    satisfactions: dict | None = None, replied_at: datetime | None = None, note: str = "",
) -> Batch:  # fmt: skip
    """ONE final reply sent to all children (R-SP-2, R-FL-4): each child gets its own final-reply record, timeline
    entry and callback clock (the per-order service). `satisfaction` is the customers' answer, `satisfactions`
    a child's own where it differs ({order id: answer}). Written or email replies are approved per order, and
    "unreachable" is a customer's own attempts: a child with either is detached and replied to alone."""
    batch = _batch_lock(batch_id=batch_id, actor=actor)
    _batch_check(batch=batch, name="reply_customers", label=_("Final reply to the batch's customers"))
    if not actor.has_perm("tickets.reply_customer"):
        raise PermissionDenied(_("You may not give final replies."))
    if method in FinalReplyMethod.needing_approval() or method == FinalReplyMethod.UNREACHABLE:
        require({"method": [_("A batch is answered by phone, SMS or in person; detach the others.")]})
    children = _children_lock(batch=batch)
    own = {str(key): value for key, value in (satisfactions or {}).items()}
    ids = {str(child.id) for child in children}
    require({
        "satisfactions": [_("Not a child of this batch: %(ids)s.") % {"ids": ", ".join(sorted(set(own) - ids))}]
        if set(own) - ids else [_("Unknown answer.")] if set(own.values()) - set(Satisfaction.values) else [],
    })  # fmt: skip

    children_reply_customer(
        children=children, actor=actor, method=method, process=process, content=content, replied_at=replied_at,
        satisfaction_of=lambda child: own.get(str(child.id), satisfaction),
    )  # fmt: skip
    now, before = timezone.now(), batch.state
    batch.reply_customers(at=now)
    batch.save(update_fields=["state", "replied_at", "updated_at"])
    entry = batch_log_append(batch=batch, actor=actor, kind="reply_customers", before=before, note=content,
                 data={"method": method, "process": process, "satisfaction": satisfaction, "own": own})  # fmt: skip
    batch_owners_notify(batch=batch, entry=entry, children=children, actor=actor, what=_("replied to the customers"))
    return batch


# --- joining and leaving -------------------------------------------------------------------------------------


@transaction.atomic
def batch_attach(*, batch_id: int, order_id: int, actor, note: str = "") -> Batch:
    """A complaint that arrived later joins an open batch (the intake hint, the dispatcher's "attach"). Locks the
    batch, then the complaint. Joining a batch already with its handler dispatches the complaint to the same unit
    and handler, with the batch's handling deadline (the earliest of its children's)."""
    _require_dispatcher(actor)
    batch = _batch_lock(batch_id=batch_id, actor=actor)
    if batch.state not in S.attachable():
        raise BatchRefused(batch, _("Attach to the batch"), _(
            "complaints join a batch until its department reply is written; it is “%(state)s”.") % {
            "state": batch.get_state_display()})  # fmt: skip
    require({"order_id": [] if order_id else [_("Choose the complaint.")]})
    (order,) = _children_lock_by_ids(order_ids=[order_id], actor=actor, field="order_id")
    require({"order_id": _joinable_errors(order=order)})
    now = timezone.now()
    BatchMembership.objects.create(batch=batch, order=order, attached_at=now, attached_by=actor)
    _join_flags(children=[order], batch=batch, actor=actor)
    if batch.state == S.DISPATCHED:
        dues = batch_children_due(batch=batch, exclude=order.id)
        due = min(dues) if dues and min(dues) > now else None  # else the policy's default (R-CLK-HANDLE)
        children_dispatch_assign(
            children=[order], actor=actor, unit_id=batch.handling_unit_id, handler=batch.handler, batch=batch,
            due_at=due, note=note,
        )  # fmt: skip
    entry = batch_log_append(batch=batch, actor=actor, kind="attach", before=batch.state, note=note,
                 data={"order_id": order.id, "number": order.number})  # fmt: skip
    if batch.state == S.DISPATCHED:
        batch_notify_on_commit(batch=batch, entry=entry, recipients={batch.handler_id}, body=note, subject=_(
            "Batch %(batch)s: %(number)s joined it") % {"batch": batch.label, "number": order.number})  # fmt: skip
    batch_owners_notify(batch=batch, entry=entry, children=[order], actor=actor, what=_("joined"))
    return batch


def batch_children_due(*, batch: Batch, exclude: int) -> list[datetime]:
    return [
        due
        for due in Order.objects.filter(batch_memberships__batch=batch, batch_memberships__detached_at=None)
        .exclude(pk=exclude)
        .values_list("handling_due_at", flat=True)
        if due
    ]


@transaction.atomic
def batch_detach(*, batch_id: int, order_id: int, actor, reason: str) -> Batch:
    """A child leaves the batch to be handled alone: it keeps its state, handler, records and clocks; the batch
    flag goes (R-CLK-RECALC re-baselines a dispatch clock still running). The last child leaving dissolves the
    batch. Locks the batch, then the child."""
    _require_dispatcher(actor)
    batch = _batch_lock(batch_id=batch_id, actor=actor)
    if batch.state not in S.open_states():
        raise BatchRefused(batch, _("Detach from the batch"), _("the batch is “%(state)s”.") % {
            "state": batch.get_state_display()})  # fmt: skip
    require({"reason": [] if reason.strip() else [_("Say why this complaint is handled alone.")]})
    require({"order_id": [] if order_id else [_("Choose the complaint.")]})
    (order,) = _children_lock_by_ids(order_ids=[order_id], actor=actor, field="order_id")
    membership = BatchMembership.objects.filter(batch=batch, order=order, detached_at=None).first()
    require({"order_id": [] if membership else [_("%(number)s is not in this batch.") % {"number": order.number}]})
    membership.detached_at, membership.detached_by, membership.detach_reason = timezone.now(), actor, reason.strip()
    membership.save(update_fields=["detached_at", "detached_by", "detach_reason"])
    work_order_flags_update(
        order_id=order.id, actor=actor, is_batch=False,
        note=_("Left batch %(batch)s: %(reason)s") % {"batch": batch.label, "reason": reason.strip()},
    )  # fmt: skip
    before = batch.state
    if not batch.memberships.filter(detached_at=None).exists():
        batch.dissolve()
        batch.save(update_fields=["state", "updated_at"])
    batch_log_append(batch=batch, actor=actor, kind="detach", before=before, note=reason.strip(),
         data={"order_id": order.id, "number": order.number})  # fmt: skip
    return batch
