"""R-SP-3 → R-CLK-HANDLE: the handling deadline the dispatcher sets for an escalated complaint is the order's
handling deadline, enforced by the handling clock (warned, breached and notified by the sweep, R-CLK-BREACH),
with frozen time. Set on a dispatched order it moves the live clock (the approved extension's path); set before
dispatch it is applied when the dispatch starts the clock; the order's own later moves (an approved extension)
are followed by the case."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.sweep import clocks_sweep
from escalation import services
from escalation.models import EscalatedCase
from notifications.models import Notification
from tests.factories import UserFactory, another_number, fresh, work_order_make, work_order_walk
from tickets import services as tickets_services
from tickets.models import OrderState

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a Wednesday, working hours


def handling(order) -> Clock:
    return Clock.objects.filter(order=order, kind=ClockKind.HANDLE).latest("id")


def escalated_order(world):
    return work_order_make(
        actor=world.dispatcher, channel="external", external_source="miit", accepted_number=another_number()
    )


def test_the_tracker_deadline_is_the_handling_clock_and_its_breach_is_swept_and_told(world, clocks):
    # given an escalated complaint dispatched with the policy's handling limit, taken by the handler
    with time_machine.travel(START, tick=False):
        order = work_order_walk(escalated_order(world), to=OrderState.PROCESSING, world=world)
    default_due = handling(order).due_at
    due = START + timedelta(hours=30)
    assert default_due != due

    # when the dispatcher names the tracker and sets the deadline
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        services.escalated_case_set(order_id=order.id, actor=world.dispatcher, tracker_id=world.handler.id, due_at=due)

    # then the order's handling deadline and its live handling clock are that deadline
    clock = handling(order)
    assert fresh(order).handling_due_at == due
    assert (clock.state, clock.due_at, clock.next_check_at) == (ClockState.RUNNING, due, clock.warn_at or due)
    assert clock.warn_at is None or START < clock.warn_at < due
    assert order.timeline.get(kind="escalated_tracker").data["handling_due_applied"] is True

    # and passing it, the sweep records the breach at the deadline and tells of it (R-CLK-BREACH)
    with time_machine.travel(due - timedelta(minutes=1), tick=False):
        clocks_sweep()
    assert handling(order).breached_at is None
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        clocks_sweep()
    clock = handling(order)
    assert (clock.state, clock.breached_at) == (ClockState.OVERDUE, due)
    assert Notification.objects.filter(kind="clock_breach", order=order, recipient=world.handler).exists()


def test_the_dedicated_tracker_is_warned_and_told_of_the_breach_of_the_orders_clocks(world, clocks):
    """R-SP-3: the tracker follows the order: its clocks' warning and breach reach them as they reach the handler
    (deadlines.notices.order_followers_register), and not as a supervisor's copy."""
    tracker = UserFactory(roles=["front_line"], units=[world.cs_centre])
    with time_machine.travel(START, tick=False):
        order = work_order_walk(escalated_order(world), to=OrderState.PROCESSING, world=world)
    due = START + timedelta(hours=30)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        services.escalated_case_set(order_id=order.id, actor=world.dispatcher, tracker_id=tracker.id, due_at=due)

    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        clocks_sweep()

    told = set(Notification.objects.filter(kind="clock_breach", order=order).values_list("recipient_id", flat=True))
    assert {world.handler.id, tracker.id} <= told
    other = work_order_walk(
        work_order_make(actor=world.clerk, accepted_number=another_number()), to=OrderState.PROCESSING, world=world
    )
    with time_machine.travel(due + timedelta(days=30), tick=False):
        clocks_sweep()
    assert not Notification.objects.filter(order=other, recipient=tracker).exists()  # only the order they track


def test_a_deadline_set_before_dispatch_is_applied_when_the_handling_clock_starts(world, clocks):
    # given an escalated complaint not dispatched yet: it has no handling clock
    tracker = UserFactory(roles=["front_line"], units=[world.cs_centre])
    due = START + timedelta(hours=20)
    with time_machine.travel(START, tick=False):
        order = escalated_order(world)
        services.escalated_case_set(order_id=order.id, actor=world.dispatcher, tracker_id=tracker.id, due_at=due)
    assert not Clock.objects.filter(order=order, kind=ClockKind.HANDLE).exists()
    assert order.timeline.get(kind="escalated_tracker").data["handling_due_applied"] is False

    # when it is dispatched with the policy's default deadline
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        tickets_services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id)

    # then the handling clock counts to the escalated complaint's deadline, on the record
    assert (handling(order).due_at, fresh(order).handling_due_at) == (due, due)
    assert order.timeline.filter(kind="escalated_deadline").count() == 1
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        clocks_sweep()
    assert handling(order).breached_at == due


def test_an_approved_extension_moves_the_escalated_deadline_with_the_clock(world, clocks):
    with time_machine.travel(START, tick=False):
        order = work_order_walk(escalated_order(world), to=OrderState.PROCESSING, world=world)
        due = START + timedelta(hours=10)
        services.escalated_case_set(order_id=order.id, actor=world.dispatcher, tracker_id=world.handler.id, due_at=due)
        later = START + timedelta(days=2)
        request = tickets_services.extension_request(
            order_id=order.id, actor=world.handler, progress="已核查计费记录。", reason="等待集团回复。",
            requested_due_at=later,
        )  # fmt: skip
        tickets_services.extension_decide(extension_id=request.id, actor=world.dispatcher, approve=True)
    assert EscalatedCase.objects.get(order=order).due_at == later
    assert handling(order).due_at == later == fresh(order).handling_due_at


def test_an_ordinary_order_is_untouched(world, clocks):
    with time_machine.travel(START, tick=False):
        order = work_order_walk(
            work_order_make(actor=world.clerk, accepted_number=another_number()), to=OrderState.DISPATCHED, world=world
        )
    assert handling(order).due_at == fresh(order).handling_due_at
    assert not order.timeline.filter(kind="escalated_deadline").exists()


def test_a_deadline_set_from_above_moves_the_clock_through_tickets_and_keeps_a_recorded_breach(world, clocks):
    """The escalated deadline is written by tickets' `work_order_handling_due_move` (every write to an order goes
    through a tickets service, STYLE.md): the order keeps it, the live handling clock moves to it (R-FL-7's path),
    and a breach the sweep recorded before stays recorded (R-CLK-BREACH)."""
    with time_machine.travel(START, tick=False):
        order = work_order_walk(escalated_order(world), to=OrderState.PROCESSING, world=world)
    late = handling(order).due_at + timedelta(minutes=5)
    with time_machine.travel(late, tick=False):
        clocks_sweep()
    assert handling(order).breached_at is not None

    due = late + timedelta(hours=6)
    with time_machine.travel(late + timedelta(minutes=1), tick=False):
        tickets_services.work_order_handling_due_move(
            order=fresh(order), due_at=due, actor=world.dispatcher, at=late + timedelta(minutes=1)
        )
    clock = handling(order)
    assert fresh(order).handling_due_at == due
    assert clock.due_at == due and clock.breached_at is not None


def test_the_page_says_what_was_done_after_setting_the_tracker(world, login):
    """The order page's message after the escalated panel's form names what happened, in Chinese."""
    with time_machine.travel(START, tick=False):
        order = work_order_walk(escalated_order(world), to=OrderState.PROCESSING, world=world)
    client = login(world.dispatcher)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        answer = client.post(
            f"/escalation/orders/{order.id}/do/escalated_tracker/",
            {"tracker": world.handler.id, "due_at": (START + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")},
            HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True,
        )  # fmt: skip
    assert answer.status_code == 200
    assert "已设定专人跟踪和处理时限。" in answer.content.decode()
