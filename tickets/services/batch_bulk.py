"""The per-order services' work for every child of a batch at once (R-SP-2): a bounded number of statements
whatever the number of children.

Each function does for a list of children, already locked by the caller in id order (parent first), what the
per-order service does for one — the same checks, the same rows — but in bulk:

1. every child is checked first, in Python, as the per-order service checks it (`can_proceed`, then
   `has_transition_perm` for the actor; the flags' permission; the parts of a reply): the first refusal names its
   complaint and nothing has been written;
2. the transition is run on each instance (django-fsm-2 moves the protected state and stamps the move's fields),
   and one UPDATE per distinct set of values (one, for children moved alike), filtered by the state every child
   left, writes them all; the row count must be the number
   of children (the ConcurrentTransitionMixin's guard, for all of them at once) or everything is undone;
3. the records (department replies, final replies, the review's decision) and the timeline entries (R-AUD-1,
   append-only: inserts) are one statement each;
4. the life-cycle event is sent once for all (`orders_event`: the clocks of every child in a few statements,
   deadlines.bulk), then per order with `bulk=True` for the receivers that work order by order.

The per-order notices (the first-contact owner's, the handling unit's) are not queued: the batch sends one notice
per person per move instead (tickets.services.batch_notices)."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from deadlines.bulk import grouped_update

from ..events import OrderEvent, order_event, orders_event
from ..models import DepartmentReply, FinalReply, OrderState, TimelineEntry
from ..models import WorkOrder as Order
from ..permissions import can_flag
from .base import require
from .closing import final_reply_five_elements_check
from .dispatching import dept_reply_errors, dispatch_target_check, handling_due_default
from .errors import TransitionRefused
from .records import FLAG_FIELDS


def child_refused(child: Order, transition: str) -> TransitionRefused:
    detail = _("complaint %(number)s is “%(state)s”; nothing in the batch was changed.") % {
        "number": child.number, "state": child.get_state_display(),
    }  # fmt: skip
    return TransitionRefused(child, transition, detail)


def orders_event_send(*, orders: list[Order], event: OrderEvent, at: datetime, actor, details=None, **shared):
    """One life-cycle event for many orders (tickets.events.orders_event), then `order_event` per order with
    `bulk=True` (receivers that handled it in bulk return at once; the others run as for one order)."""
    details = details or {}
    orders_event.send(sender=Order, orders=orders, event=event, at=at, actor=actor, details=details, **shared)
    for order in orders:
        own = {**shared, **details.get(order.id, {})}
        order_event.send(sender=Order, order=order, event=event, at=at, actor=actor, bulk=True, **own)


def _moves_check(children: list[Order], name: str, actor) -> None:
    """State first (409), then role and unit (403), for every child, before anything is written."""
    for child in children:
        if not can_proceed(getattr(child, name)):
            raise child_refused(child, name)
    for child in children:
        if not has_transition_perm(getattr(child, name), actor):
            raise PermissionDenied(
                f"{child.number}: " + _("You may not perform “%(transition)s” on this order.") % {"transition": name}
            )


def _children_save(children: list[Order], *, before: str, fields: list[str], transition: str, at: datetime) -> None:
    """One UPDATE for the moved children, guarded by the state they all left (`before`): a count short of the
    children means one moved meanwhile — refused, and the transaction undoes the rest."""
    for child in children:
        child.priority = child.compute_priority()
        child.updated_at = at
    written = grouped_update(Order.objects.filter(state=before), children, ["state", *fields, "priority", "updated_at"])
    if written != len(children):
        # the rows this UPDATE wrote carry its `updated_at`; the one that had moved on does not
        moved = Order.objects.filter(pk__in=[c.id for c in children]).exclude(updated_at=at).first()
        raise child_refused(moved or children[0], transition)
    for child in children:
        child._update_initial_state()


def _timeline(children: list[Order], *, actor, kind: str, before: str, at: datetime, note, data) -> None:
    """One entry per child (R-AUD-1): `note` and `data` are values or functions of the child."""
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                order=child,
                actor=actor,
                kind=kind,
                state_before=before,
                state_after=child.state,
                note=note(child) if callable(note) else note,
                data=(data(child) if callable(data) else data) or {},
                at=at,
            )  # fmt: skip
            for child in children
        ],
        batch_size=500,
    )


def _move(children, *, name: str, actor, event: OrderEvent, at: datetime, kind=None, fields=(), note="", data=None,
          details=None, **kwargs) -> None:  # fmt: skip
    """The children, checked by the caller, moved by `name`: saved, on their timelines, the event sent."""
    if not children:
        return
    (before,) = {child.state for child in children}
    for child in children:
        getattr(child, name)(**kwargs)
    _children_save(children, before=before, fields=list(fields), transition=name, at=at)
    _timeline(children, actor=actor, kind=kind or name, before=before, at=at, note=note, data=data)
    orders_event_send(orders=children, event=event, at=at, actor=actor, details=details)


# --- the moves ----------------------------------------------------------------------------------------------


def children_flags_set(*, children: list[Order], actor, note: str, **flags: bool) -> list[Order]:
    """`work_order_flags_update` for every child: flags changed, on the timeline, R-CLK-RECALC re-baselines the
    running clocks (FLAGS_CHANGED). Returns the children that changed."""
    require({name: [_("Unknown flag.")] for name in flags if name not in FLAG_FIELDS})
    for child in children:
        if not can_flag(child, actor, flags):
            raise PermissionDenied(f"{child.number}: " + _("You may not change this order's flags."))
        if child.state == OrderState.CLOSED:
            raise TransitionRefused(child, "flags", _("A closed order's flags cannot change."))
    at, changed_by_id, changed = timezone.now(), {}, []
    for child in children:
        before = {name: getattr(child, name) for name in flags}
        delta = {name: value for name, value in flags.items() if before[name] != value}
        if delta:
            for name, value in delta.items():
                setattr(child, name, value)
            changed_by_id[child.id] = (before, delta)
            changed.append(child)
    if not changed:
        return []
    for child in changed:
        child.priority, child.updated_at = child.compute_priority(), at
    grouped_update(Order.objects.all(), changed, [*flags, "priority", "updated_at"])
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                order=child,
                actor=actor,
                kind="flags",
                note=note,
                at=at,
                data={
                    "before": {k: changed_by_id[child.id][0][k] for k in changed_by_id[child.id][1]},
                    "after": changed_by_id[child.id][1],
                },
            )  # fmt: skip
            for child in changed
        ],
        batch_size=500,
    )
    orders_event_send(
        orders=changed, event=OrderEvent.FLAGS_CHANGED, at=at, actor=actor,
        details={child.id: {"changed": changed_by_id[child.id][1]} for child in changed},
    )  # fmt: skip
    return changed


def children_dispatch_assign(
    *, children: list[Order], actor, unit_id: int, handler, batch, due_at: datetime | None, note: str
) -> None:
    """`work_order_dispatch` for every child to one unit, then the claim by the batch's dedicated handler on the
    dispatcher's hand (dispatched → processing, role and unit checked for the handler), as `batch._assign` did."""
    now = timezone.now()
    _moves_check(children, "dispatch", actor)
    unit = dispatch_target_check(unit_id=unit_id, due_at=due_at, now=now)
    # R-CLK-HANDLE's default reads the policy table, not the order: the same for every child.
    default_due = due_at or handling_due_default(order=children[0], at=now)
    before = {child.id: child.state for child in children}
    for child in children:  # in memory only, to check the claim for the handler before anything is written
        child.dispatch(unit=unit, by=actor, at=now, due_at=default_due)
    for child in children:
        if not can_proceed(child.claim):
            raise child_refused(child, "claim")
        if not has_transition_perm(child.claim, handler):
            require({"handler": [_("This handler may not take orders of the chosen unit.")]})
    (state_before,) = set(before.values())
    _children_save(
        children, before=state_before, transition="dispatch", at=now,
        fields=["handling_unit", "assignee", "dispatched_by", "dispatched_at", "handling_due_at", "cycle"],
    )  # fmt: skip
    _timeline(
        children, actor=actor, kind="dispatch", before=state_before, at=now, note=note,
        data=lambda child: {"unit": unit.name, "due_at": child.handling_due_at.isoformat()},
    )  # fmt: skip
    orders_event_send(
        orders=children, event=OrderEvent.DISPATCHED, at=now, actor=actor,
        details={child.id: {"due_at": child.handling_due_at} for child in children},
    )  # fmt: skip
    label = handler.get_full_name() or handler.username
    _move(
        children, name="claim", actor=actor, event=OrderEvent.CLAIMED, at=timezone.now(), kind="batch_assign",
        fields=["assignee"], by=handler, data={"batch_id": batch.id, "handler_id": handler.id},
        note=_("Given to %(handler)s, the dedicated handler of batch %(batch)s.") % {
            "handler": label, "batch": batch.label},
    )  # fmt: skip


def children_dept_reply(*, children: list[Order], actor, parts: dict) -> None:
    """`work_order_dept_reply` for every child: each gets its own department reply with the same parts."""
    _moves_check(children, "dept_reply", actor)
    require(dept_reply_errors(**parts_for_errors(parts), collective=any(c.is_collective for c in children)))
    at = timezone.now()
    replies = DepartmentReply.objects.bulk_create(
        [DepartmentReply(order=child, cycle=child.cycle, author=actor, submitted_at=at, **parts) for child in children],
        batch_size=500,
    )
    reply_of = {reply.order_id: reply.id for reply in replies}
    _move(
        children, name="dept_reply", actor=actor, event=OrderEvent.DEPT_REPLIED, at=at, note=parts["result"],
        data=lambda child: {"reply_id": reply_of[child.id]},
    )  # fmt: skip


def parts_for_errors(parts: dict) -> dict:
    keys = ("cause", "cause_unknown", "process", "result", "customer_attitude", "service_restored", "measures",
            "expected_recovery_at", "coordinating_unit_id")  # fmt: skip
    return {key: parts[key] for key in keys}


def children_review(*, children: list[Order], actor, name: str, status: str, event: OrderEvent, note: str) -> None:
    """`work_order_approve_reply` / `work_order_return_reply` for every child: each one's pending department reply
    gets the review (its one decision, R-AUD-1), then the order moves."""
    _moves_check(children, name, actor)
    if status == DepartmentReply.Status.RETURNED:
        require({"reason": [] if note.strip() else [_("Say why the reply is returned.")]})
    pending = {}
    for reply_id, order_id in (
        DepartmentReply.objects.filter(order__in=children, status=DepartmentReply.Status.SUBMITTED)
        .order_by("order_id", "submitted_at", "id")
        .values_list("id", "order_id")
    ):
        pending[order_id] = reply_id  # the latest submitted per order, as `_pending_reply`
    for child in children:
        if child.id not in pending:
            raise child_refused(child, name)
    at = timezone.now()
    decided = DepartmentReply.objects.filter(pk__in=pending.values(), status=DepartmentReply.Status.SUBMITTED).update(
        status=status, reviewed_by=actor, reviewed_at=at, review_note=note
    )
    if decided != len(children):
        raise child_refused(children[0], name)
    _move(
        children, name=name, actor=actor, event=event, at=at, note=note,
        data=lambda child: {"reply_id": pending[child.id]},
    )  # fmt: skip


def children_reply_customer(
    *, children: list[Order], actor, method: str, process: str, content: str, satisfaction_of, replied_at
) -> None:
    """`work_order_reply_customer` (phone, SMS, in person: no draft, no approvals) for every child: each gets its
    own final-reply record with the five elements (R-FL-4) and its own satisfaction (`satisfaction_of(child)`)."""
    _moves_check(children, "reply_customer", actor)
    now = timezone.now()
    for child in children:
        final_reply_five_elements_check(
            method=method, process=process, content=content, satisfaction=satisfaction_of(child),
            replied_at=replied_at, now=now,
        )  # fmt: skip
    replies = FinalReply.objects.bulk_create(
        [
            FinalReply(
                order=child,
                cycle=child.cycle,
                method=method,
                process=process,
                content=content,
                satisfaction=satisfaction_of(child),
                replier=actor,
                replied_at=replied_at or now,
                sent_at=now,
                created_at=now,
            )  # fmt: skip
            for child in children
        ],
        batch_size=500,
    )
    reply_of = {reply.order_id: reply.id for reply in replies}
    _move(
        children, name="reply_customer", actor=actor, event=OrderEvent.CUSTOMER_REPLIED, at=now, note=content,
        data=lambda child: {"reply_id": reply_of[child.id], "method": method},
    )  # fmt: skip
