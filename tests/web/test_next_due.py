"""WorkOrder.next_due_at (issue 13 §3, tickets 0016): the column the clock triggers keep equals what the queues
computed before — the first due time of the order's running and overdue clocks — over a varied set of orders after
every kind of clock write: life-cycle events (start, stop, cancel), a failed and a reached contact (retry reminder,
feedback restart), an approved extension (a moved due time), a flag change (R-CLK-RECALC), the sweep (breaches,
next rounds, reminders ending), bulk UPDATE and DELETE statements, a clock moved to another order, a save() of a
stale copy and a direct write of the column. The queues' order is then the one the subquery gave. Runs on SQLite
and PostgreSQL (each has its own triggers)."""

from datetime import timedelta

import pytest
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from deadlines.clock_models import Clock, ClockState
from deadlines.sweep import clocks_sweep
from tests.factories import fresh, work_order_at
from tickets import services
from tickets.models import OrderState, WorkOrder
from tickets.queues import QUEUES, queue_order_ids, queue_ordering, queues_for_user

pytestmark = pytest.mark.django_db


def computed_next_due() -> dict[int, object]:
    live = Clock.objects.filter(order=OuterRef("pk"), state__in=ClockState.live()).order_by("due_at")
    return dict(WorkOrder.objects.annotate(due=Subquery(live.values("due_at")[:1])).values_list("id", "due"))


def assert_column_is_computed() -> None:
    stored = dict(WorkOrder.objects.values_list("id", "next_due_at"))
    assert stored == computed_next_due()


def queue_ids_by_subquery(queue, user) -> list[int]:
    """The queue's order as it was computed before the column: the subquery per candidate row."""
    live = Clock.objects.filter(order=OuterRef("pk"), state__in=ClockState.live()).order_by("due_at")
    qs = queue.orders(user).annotate(next_due=Subquery(live.values("due_at")[:1]))
    return list(qs.order_by(*queue_ordering(queue=queue)).values_list("id", flat=True))


@pytest.fixture
def orders(world, clocks):
    """One order in each open state, a closed one, a major one and a second processing one."""
    made = {state: work_order_at(state, world=world, accepted_number=f"1390000{i:04d}") for i, state in enumerate(
        [OrderState.ACCEPTED, OrderState.DISPATCHED, OrderState.PROCESSING, OrderState.DEPT_REPLIED,
         OrderState.REPLY_APPROVED, OrderState.CUSTOMER_REPLIED, OrderState.CALLBACK_DONE, OrderState.CLOSED]
    )}  # fmt: skip
    made["major"] = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900009001", is_major=True)
    made["second"] = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900009002")
    return made


def test_the_column_follows_every_clock_write(world, orders):
    assert_column_is_computed()
    assert WorkOrder.objects.filter(next_due_at__isnull=False).exists()
    assert fresh(orders[OrderState.CLOSED]).next_due_at is None

    processing = orders[OrderState.PROCESSING]
    services.contact_log(
        order_id=processing.id, actor=world.handler, direction="outbound", channel="phone", reached=False,
        summary="未接通。",
    )  # fmt: skip
    assert_column_is_computed()
    services.contact_log(
        order_id=processing.id, actor=world.handler, direction="outbound", channel="phone", reached=True,
        summary="已联系客户。",
    )  # fmt: skip
    assert_column_is_computed()

    second = orders["second"]
    request = services.extension_request(
        order_id=second.id, actor=world.handler, progress="核查中", reason="需要分销商配合",
        requested_due_at=timezone.now() + timedelta(days=6),
    )  # fmt: skip
    services.extension_decide(extension_id=request.id, actor=world.dispatcher, approve=True)
    assert_column_is_computed()

    services.work_order_flags_update(order_id=orders[OrderState.ACCEPTED].id, actor=world.dispatcher, is_repeat=True)
    assert_column_is_computed()
    services.work_order_return_reply(order_id=orders[OrderState.DEPT_REPLIED].id, actor=world.dispatcher,
                                     reason="原因写得不清楚")  # fmt: skip
    assert_column_is_computed()

    # The sweep three days on: breaches (running → overdue), the feedback clock's next rounds, reminders ended.
    result = clocks_sweep(now=timezone.now() + timedelta(days=3))
    assert result.breached and Clock.objects.filter(state=ClockState.OVERDUE).exists()
    assert_column_is_computed()
    # Stopping an overdue clock (breached) and the next life-cycle steps after the breach.
    services.work_order_dept_reply(
        order_id=processing.id, actor=world.handler, cause="密码泄露。", process="已冻结。", result="已恢复。",
        customer_attitude="理解。", service_restored=True,
    )  # fmt: skip
    services.work_order_approve_reply(order_id=processing.id, actor=world.dispatcher)
    assert_column_is_computed()


def test_bulk_statements_moves_stale_saves_and_direct_writes(world, orders):
    live = Clock.objects.filter(state__in=ClockState.live())
    live.filter(kind="feedback").update(due_at=F("due_at") - timedelta(days=4))  # one UPDATE, many orders
    assert_column_is_computed()
    live.filter(kind="handle").update(state=ClockState.CANCELLED)
    assert_column_is_computed()
    Clock.objects.filter(order=orders["major"], state__in=ClockState.live()).delete()
    assert_column_is_computed()
    clock = Clock.objects.filter(order=orders["second"], state__in=ClockState.live()).first()
    Clock.objects.filter(pk=clock.pk).update(order=orders[OrderState.CLOSED])  # a clock moved to another order
    assert_column_is_computed()
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.MET)
    assert_column_is_computed()

    stale = fresh(orders[OrderState.DISPATCHED])  # read before its clocks change …
    Clock.objects.filter(order=stale, state__in=ClockState.live()).update(due_at=F("due_at") - timedelta(days=5))
    assert fresh(stale).next_due_at != stale.next_due_at
    stale.content = "客户补充：同一张卡。"
    stale.save()  # … and saved whole: the column is not the copy's
    assert fresh(stale).content == "客户补充：同一张卡。"
    assert_column_is_computed()
    WorkOrder.objects.filter(pk=stale.pk).update(next_due_at=timezone.now() - timedelta(days=30))
    WorkOrder.objects.filter(pk=orders[OrderState.CLOSED].pk).update(next_due_at=None)
    assert_column_is_computed()


def test_the_queues_keep_the_order_the_subquery_gave(world, orders):
    now = timezone.now()
    clocks = Clock.objects.filter(state__in=ClockState.live())
    # A varied spread: some overdue by different amounts, some with time left, one order without live clocks.
    for i, clock in enumerate(clocks.order_by("id")):
        Clock.objects.filter(pk=clock.pk).update(due_at=now + timedelta(hours=(i * 7) % 23 - 11, minutes=i))
    Clock.objects.filter(order=orders["second"]).update(state=ClockState.CANCELLED)
    clocks_sweep(now=now)
    assert_column_is_computed()
    checked = 0
    for user in (world.clerk, world.handler, world.dispatcher, world.store_manager):
        for queue in queues_for_user(user=user):
            if not queue.is_orders or queue.count is not None:
                continue
            ids = list(queue_order_ids(queue=queue, user=user))
            assert ids == queue_ids_by_subquery(queue, user), (user.username, queue.name)
            checked += bool(ids)
    assert checked >= 5
    assert "callback" in QUEUES  # the callback queue keeps its own clock (tickets/queues.py)
