"""Batch moves in bulk (R-SP-2, tickets.services.batch_bulk, deadlines.bulk): a batch writes for every child exactly
what the per-order services write for one order; a refusing child changes nothing; the statements of a move do
not grow with the number of children."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from deadlines.clock_models import Clock, ClockKind, ClockState
from notifications.models import Notification, NotificationState
from tests.factories import FINAL_REPLY, fresh
from tests.tickets.test_batch import T0, clocks, complaint, dept_reply_parts, rules_fresh  # noqa: F401 (fixtures)
from tickets import services
from tickets.models import Batch, DepartmentReply, FinalReply, OrderState, TimelineEntry
from tickets.models import WorkOrder as Order
from tickets.services import batch as batch_services
from tickets.services import batch_bulk
from tickets.services.errors import TransitionRefused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clocks")]

MINUTE = timedelta(minutes=1)


def at(minutes: int):
    return time_machine.travel(T0 + minutes * MINUTE, tick=False)


def complaints(world, n, *, start=0):
    return [complaint(world, at=T0 + (start + i) * MINUTE) for i in range(n)]


def batch_through_reply(world, orders, *, start=30):
    """Every move of a batch, each at its own minute (the per-order twin below uses the same minutes)."""
    with at(start):
        batch = batch_services.batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
    with at(start + 1):
        batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id, handler_id=world.handler.id
        )
    with at(start + 2):
        batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    with at(start + 3):
        batch_services.batch_approve_reply(batch_id=batch.id, actor=world.dispatcher, note="同意")
    with at(start + 4):
        batch_services.batch_reply_customers(batch_id=batch.id, actor=world.dispatcher, **FINAL_REPLY)
    return Batch.objects.get(pk=batch.pk)


def per_order_through_reply(world, orders, *, start=30):
    """The same moves through the per-order services, one order at a time."""
    for order in orders:
        with at(start):
            services.work_order_flags_update(
                order_id=order.id, actor=world.dispatcher, is_batch=True, is_collective=True, note="批量"
            )
        with at(start + 1):
            services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id)
            services.work_order_claim(order_id=order.id, actor=world.handler)
        with at(start + 2):
            services.work_order_dept_reply(order_id=order.id, actor=world.handler, **dept_reply_parts(world))
        with at(start + 3):
            services.work_order_approve_reply(order_id=order.id, actor=world.dispatcher, note="同意")
        with at(start + 4):
            services.work_order_reply_customer(order_id=order.id, actor=world.dispatcher, **FINAL_REPLY)


def written(order):
    """What the moves left on one order, relative to its acceptance (the two groups were accepted apart)."""
    order = fresh(order)
    base = order.accepted_at
    clocks_of = [
        (c.kind, c.policy.code, c.state, c.sequence, c.cycle, c.started_at - base, c.due_at - base,
         c.warn_at and c.warn_at - base, c.stopped_at and c.stopped_at - base, c.breached_at and c.breached_at - base)
        for c in Clock.objects.filter(order=order).select_related("policy").order_by("kind", "sequence")
    ]  # fmt: skip
    kinds = {"batch_assign": "claim"}  # the batch's handler is given the order; alone, the handler claims it
    timeline = [
        (kinds.get(e.kind, e.kind), e.state_before, e.state_after, e.at - base)
        for e in TimelineEntry.objects.filter(order=order).exclude(kind="created").order_by("id")
    ]
    (dept,) = DepartmentReply.objects.filter(order=order)
    (final,) = FinalReply.objects.filter(order=order)
    return {
        "order": (order.state, order.is_batch, order.is_collective, order.priority, order.cycle,
                  order.handling_unit_id, order.assignee_id, order.handling_due_at - base,
                  # the queues' next deadline, kept by the clocks table's triggers (tickets 0016)
                  order.next_due_at and order.next_due_at - base),
        "clocks": clocks_of,
        "timeline": timeline,
        "dept": (dept.cycle, dept.author_id, dept.status, dept.reviewed_by_id, dept.review_note, dept.measures,
                 dept.coordinating_unit_id, dept.result),
        "final": (final.cycle, final.method, final.process, final.content, final.satisfaction, final.replier_id,
                  final.replied_at - base, final.sent_at - base),
    }  # fmt: skip


def test_the_bulk_path_writes_what_the_per_order_services_write(world):
    # given four complaints for a batch and four twins, each twin accepted 10 minutes after its sibling
    batched = complaints(world, 4)
    alone = complaints(world, 4, start=10)
    # when the batch goes from forming to the final reply, and its twins the same way one by one, 10 minutes later
    batch = batch_through_reply(world, batched, start=30)
    per_order_through_reply(world, alone, start=40)
    # then every child carries exactly what its twin carries: state, flags, clocks, timeline, both replies
    assert batch.state == Batch.State.REPLIED
    for child, twin in zip(batched, alone, strict=True):
        mine, theirs = written(child), written(twin)
        assert mine == theirs
        assert mine["order"][-1] is not None  # the running callback clock's due time: the trigger saw the INSERT
        assert [c[:3] for c in mine["clocks"] if c[0] == ClockKind.CALLBACK] == [
            (ClockKind.CALLBACK, "callback", ClockState.RUNNING)
        ]
        assert fresh(child).state == OrderState.CUSTOMER_REPLIED


def test_notices_of_a_batch_move_are_one_per_person(world, django_capture_on_commit_callbacks):
    orders = complaints(world, 6)
    with django_capture_on_commit_callbacks(execute=True):
        batch_through_reply(world, orders)
    sent = Notification.objects.exclude(state=NotificationState.CANCELLED)
    # the clerk who accepted all six hears once per move that tells the first-contact owner (dispatch, department
    # reply, final reply), the handler once (the dispatch); nobody gets one per child
    assert sent.filter(recipient=world.clerk, kind="batch").count() == 3
    assert sent.filter(recipient=world.handler, kind="batch").count() == 1
    assert not sent.filter(recipient=world.handler_peer).exists()
    assert not sent.filter(kind__in=["state_change", "dispatched"]).exists()


def snapshot(orders):
    ids = [o.id for o in orders]
    return (
        list(Order.objects.filter(pk__in=ids).order_by("id").values_list("state", "updated_at", "assignee_id")),
        TimelineEntry.objects.filter(order_id__in=ids).count(),
        FinalReply.objects.filter(order_id__in=ids).count(),
        list(Clock.objects.filter(order_id__in=ids).order_by("id").values_list("id", "state", "due_at")),
        Notification.objects.count(),
    )


def test_a_refusing_child_changes_nothing_of_the_final_reply(world):
    # given a batch whose reply is approved, and one child answered alone from its order page
    orders = complaints(world, 4)
    with at(30):
        batch = batch_services.batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
    with at(31):
        batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id, handler_id=world.handler.id
        )
        batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
        batch_services.batch_approve_reply(batch_id=batch.id, actor=world.dispatcher)
        services.work_order_reply_customer(order_id=orders[3].id, actor=world.dispatcher, **FINAL_REPLY)
    before = snapshot(orders)
    # when the batch's one reply is sent
    with at(32), pytest.raises(TransitionRefused) as refused:
        batch_services.batch_reply_customers(batch_id=batch.id, actor=world.dispatcher, **FINAL_REPLY)
    # then the refusal names that child, and nothing changed: no reply, timeline entry, clock or notice
    assert orders[3].number in refused.value.detail
    assert snapshot(orders) == before
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.REPLY_APPROVED


def test_the_state_guard_refuses_all_when_a_child_moved_since_it_was_read(world):
    # given children read in memory, one of which is then dispatched alone (its row moved on)
    orders = complaints(world, 3)
    stale = list(Order.objects.filter(pk__in=[o.id for o in orders]).order_by("id"))
    services.work_order_dispatch(order_id=orders[1].id, actor=world.dispatcher, unit_id=world.dept_network.id)
    before = snapshot(orders)
    batch = Batch.objects.create(title="停电", created_by=world.dispatcher, created_at=T0)
    # when the stale children are dispatched in bulk: the UPDATE guarded by the old state touches two rows of three
    with pytest.raises(TransitionRefused) as refused, transaction.atomic():
        batch_bulk.children_dispatch_assign(
            children=stale, actor=world.dispatcher, unit_id=world.dept_billing.id, handler=world.handler,
            batch=batch, due_at=None, note="",
        )  # fmt: skip
    # then it is refused naming the child that moved, and the transaction undid the rest
    assert orders[1].number in refused.value.detail
    assert snapshot(orders) == before


def move_statements(world, orders, *, start: int) -> list[int]:
    """The SQL statements of each move of a batch of these orders (fresh user objects: no warm caches)."""
    users = get_user_model().objects
    counts = []

    def counted(minute, call):
        with at(minute), CaptureQueriesContext(connection) as queries:
            call()
        counts.append(len(queries))

    dispatcher, handler = users.get(pk=world.dispatcher.pk), users.get(pk=world.handler.pk)
    ids = [o.id for o in orders]
    holder = {}
    counted(
        start, lambda: holder.update(batch=batch_services.batch_create(order_ids=ids, actor=dispatcher, title="停"))
    )
    batch_id = holder["batch"].id
    counted(start + 1, lambda: batch_services.batch_dispatch(
        batch_id=batch_id, actor=dispatcher, unit_id=world.dept_billing.id, handler_id=handler.id))  # fmt: skip
    counted(start + 2, lambda: batch_services.batch_dept_reply(
        batch_id=batch_id, actor=handler, **dept_reply_parts(world)))  # fmt: skip
    counted(start + 3, lambda: batch_services.batch_approve_reply(batch_id=batch_id, actor=dispatcher))
    counted(start + 4, lambda: batch_services.batch_reply_customers(
        batch_id=batch_id, actor=dispatcher, **FINAL_REPLY))  # fmt: skip
    return counts


def test_statements_of_a_move_do_not_grow_with_the_children(world):
    # given a warm-up batch (the per-process caches: clock policies, calendars, batch rules), then 3 and 12 children
    move_statements(world, complaints(world, 2), start=100)
    small = move_statements(world, complaints(world, 3, start=10), start=200)
    large = move_statements(world, complaints(world, 12, start=20), start=300)
    # then confirming, dispatching, the department reply, its approval and the final reply cost the same for both
    assert small == large, (small, large)
    assert max(large) < 40


def test_a_batch_dispatched_to_a_covered_group_on_a_duty_day_lands_every_child(world):
    # given the holiday-duty reference data and a handler of 南区客户经理组, a covered group (R-HD-1)
    from holiday_duty.models import DutyOrder
    from tests.factories import UserFactory
    from tests.holiday_duty.conftest import at as shanghai
    from tests.holiday_duty.conftest import duty_build

    duty = duty_build(world)
    handler = UserFactory(username="am_handler", roles=["handler"], units=[duty.am_south])
    spring = shanghai(2026, 2, 17, 10)  # Spring Festival: a duty day
    orders = [complaint(world, at=spring + i * MINUTE) for i in range(3)]
    with time_machine.travel(spring + 10 * MINUTE, tick=False):
        batch = batch_services.batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
        batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=duty.am_south.id, handler_id=handler.id
        )
    # then each child is in the duty hall's queue once, as an order dispatched alone would be
    landed = DutyOrder.objects.filter(order__in=orders)
    assert sorted(landed.values_list("order_id", flat=True)) == sorted(o.id for o in orders)
    assert {d.hall_id for d in landed} == {duty.hall.id}
