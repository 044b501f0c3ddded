"""SPEC §2.1: the life cycle of a dispatched order, end to end, through the services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import DEPT_REPLY, FINAL_REPLY, another_number, fresh, work_order_at, work_order_make
from tickets import services
from tickets.models import DepartmentReply, OrderState, WorkOrder

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def test_full_life_cycle_with_a_returned_reply(world):
    with time_machine.travel(T0, tick=False) as clock:
        # given: the front line accepts a complaint and transfers it (转派)
        order = work_order_make(actor=world.clerk)

        # when: the dispatcher dispatches it with a deadline, and the billing department claims it
        due = T0 + timedelta(hours=24)
        services.work_order_dispatch(
            order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id, due_at=due
        )
        clock.shift(timedelta(minutes=30))
        services.work_order_claim(order_id=order.id, actor=world.handler)
        clock.shift(timedelta(hours=3))
        first = services.work_order_dept_reply(order_id=order.id, actor=world.handler, **DEPT_REPLY)

        # the dispatcher returns the reply (退单) five hours later
        clock.shift(timedelta(hours=2))
        services.work_order_return_reply(order_id=order.id, actor=world.dispatcher, reason="原因写得不够详细")
        returned = fresh(order)

        # then: back in processing with the same assignee, and the deadline was not reset (R-FL-3)
        assert returned.state == OrderState.PROCESSING
        assert returned.assignee == world.handler
        assert returned.handling_due_at == due
        first = DepartmentReply.objects.get(pk=first.pk)
        assert (first.status, first.review_note, first.reviewed_by) == (
            "returned",
            "原因写得不够详细",
            world.dispatcher,
        )

        # the department replies again, the dispatcher approves
        clock.shift(timedelta(hours=1))
        second = services.work_order_dept_reply(
            order_id=order.id, actor=world.handler, **{**DEPT_REPLY, "cause": "分销商系统漏洞导致卡密泄露。"}
        )
        services.work_order_approve_reply(order_id=order.id, actor=world.dispatcher, note="合格")
        assert DepartmentReply.objects.get(pk=second.pk).status == "approved"
        assert fresh(order).handling_due_at == due

        # the first-contact clerk gives the final reply, the dispatcher calls back and closes
        clock.shift(timedelta(hours=1))
        reply = services.work_order_reply_customer(order_id=order.id, actor=world.clerk, **FINAL_REPLY)
        services.work_order_callback(order_id=order.id, actor=world.dispatcher, outcome="satisfied")
        clock.shift(timedelta(hours=1))
        services.work_order_close(order_id=order.id, actor=world.dispatcher)

    closed = fresh(order)
    assert closed.state == OrderState.CLOSED
    assert closed.closed_at == T0 + timedelta(hours=8, minutes=30)
    assert closed.cycle == 1
    assert (reply.replier, reply.method, reply.satisfaction, reply.sent_at) == (
        world.clerk, "phone", "satisfied", T0 + timedelta(hours=7, minutes=30),
    )  # fmt: skip
    assert list(closed.timeline.values_list("kind", "state_before", "state_after", "actor__username")) == [
        ("created", "", "accepted", "clerk"),
        ("dispatch", "accepted", "dispatched", "dispatcher"),
        ("claim", "dispatched", "processing", "handler"),
        ("dept_reply", "processing", "dept_replied", "handler"),
        ("return_reply", "dept_replied", "processing", "dispatcher"),
        ("dept_reply", "processing", "dept_replied", "handler"),
        ("approve_reply", "dept_replied", "reply_approved", "dispatcher"),
        ("reply_customer", "reply_approved", "customer_replied", "clerk"),
        ("callback", "customer_replied", "callback_done", "dispatcher"),
        ("close", "callback_done", "closed", "dispatcher"),
    ]
    assert closed.timeline.get(kind="return_reply").note == "原因写得不够详细"


def test_dispatch_without_a_deadline_gets_the_48_hour_default(world):
    with time_machine.travel(T0, tick=False):
        order = work_order_make(actor=world.clerk)
        services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id)

    order = fresh(order)
    assert order.state == OrderState.DISPATCHED
    assert (order.handling_unit, order.dispatched_by, order.dispatched_at) == (world.dept_billing, world.dispatcher, T0)
    assert order.handling_due_at == T0 + timedelta(hours=48)
    assert order.cycle == 1
    assert order.timeline.get(kind="dispatch").data["unit"] == "计费支撑部"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (None, "Choose the unit that will handle the order."),
        ("missing", "Choose the unit that will handle the order."),
        ("inactive", "Choose the unit that will handle the order."),
        ("region", "Orders are dispatched to a handling unit, not to a branch or region."),
        ("branch", "Orders are dispatched to a handling unit, not to a branch or region."),
    ],
)
def test_dispatch_needs_an_active_handling_unit(world, target, message):
    order = work_order_make(actor=world.clerk)
    world.dept_network.is_active = False
    world.dept_network.save()
    unit_id = {
        None: None, "missing": 999_999, "inactive": world.dept_network.id, "region": world.south.id,
        "branch": world.branch.id,
    }[target]  # fmt: skip

    with pytest.raises(ValidationError) as exc:
        services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=unit_id)

    assert exc.value.message_dict == {"unit": [message]}
    assert fresh(order).state == OrderState.ACCEPTED
    assert order.timeline.count() == 1


def test_dispatch_deadline_in_the_past_is_refused(world):
    order = work_order_make(actor=world.clerk)
    with pytest.raises(ValidationError) as exc:
        services.work_order_dispatch(
            order_id=order.id,
            actor=world.dispatcher,
            unit_id=world.dept_billing.id,
            due_at=timezone.now() - timedelta(minutes=1),
        )
    assert list(exc.value.message_dict) == ["due_at"]
    assert fresh(order).state == OrderState.ACCEPTED


def test_return_needs_a_reason(world):
    order = work_order_at(OrderState.DEPT_REPLIED, world=world)
    with pytest.raises(ValidationError) as exc:
        services.work_order_return_reply(order_id=order.id, actor=world.dispatcher, reason=" ")
    assert exc.value.message_dict == {"reason": ["Say why the reply is returned."]}
    assert fresh(order).state == OrderState.DEPT_REPLIED
    assert order.department_replies.get().status == "submitted"


def test_unsatisfied_callback_then_redispatch_starts_cycle_two_with_a_new_deadline(world):
    with time_machine.travel(T0, tick=False) as clock:
        order = work_order_at(OrderState.CUSTOMER_REPLIED, world=world)
        first_due = fresh(order).handling_due_at

        # when: the customer is unsatisfied and the dispatcher dispatches again (二次派单) a day later
        clock.shift(timedelta(days=1))
        services.work_order_callback(
            order_id=order.id, actor=world.dispatcher, outcome="unsatisfied", customer_unreasonable=False,
            note="客户仍未收到补偿",
        )  # fmt: skip
        services.work_order_redispatch(
            order_id=order.id, actor=world.dispatcher, unit_id=world.dept_network.id, reason="补偿未到账"
        )

    # then
    order = fresh(order)
    assert order.state == OrderState.DISPATCHED
    assert order.cycle == 2
    assert order.assignee is None
    assert order.handling_unit == world.dept_network
    assert order.handling_due_at == T0 + timedelta(days=1, hours=48)
    assert order.handling_due_at > first_due
    entry = order.timeline.get(kind="redispatch")
    assert (entry.state_before, entry.state_after, entry.note, entry.data["cycle"]) == (
        "callback_done", "dispatched", "补偿未到账", 2,
    )  # fmt: skip

    # and cycle 2 runs to its own callback (one callback per cycle, not per order)
    services.work_order_claim(order_id=order.id, actor=world.handler_network)
    services.work_order_dept_reply(order_id=order.id, actor=world.handler_network, **DEPT_REPLY)
    services.work_order_approve_reply(order_id=order.id, actor=world.dispatcher)
    services.work_order_reply_customer(order_id=order.id, actor=world.dispatcher, **FINAL_REPLY)
    services.work_order_callback(order_id=order.id, actor=world.dispatcher, outcome="satisfied")
    services.work_order_close(order_id=order.id, actor=world.dispatcher)

    order = fresh(order)
    assert order.state == OrderState.CLOSED
    assert list(order.callbacks.order_by("cycle").values_list("cycle", "outcome")) == [
        (1, "unsatisfied"),
        (2, "satisfied"),
    ]


def test_redispatch_needs_a_reason(world):
    order = work_order_at(OrderState.CALLBACK_DONE, world=world, callback="unsatisfied")
    with pytest.raises(ValidationError) as exc:
        services.work_order_redispatch(
            order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id, reason=""
        )
    assert list(exc.value.message_dict) == ["reason"]
    assert (fresh(order).state, fresh(order).cycle) == (OrderState.CALLBACK_DONE, 1)


def test_satisfied_order_cannot_be_redispatched(world):
    order = work_order_at(OrderState.CALLBACK_DONE, world=world)
    with pytest.raises(services.TransitionRefused):
        services.work_order_redispatch(
            order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id, reason="x"
        )
    assert fresh(order).state == OrderState.CALLBACK_DONE


def test_closing_over_an_unsatisfied_callback_needs_a_reason(world):
    # given
    order = work_order_at(OrderState.CALLBACK_DONE, world=world, callback="unsatisfied")

    # when / then: no reason → refused, nothing changes
    with pytest.raises(ValidationError) as exc:
        services.work_order_close(order_id=order.id, actor=world.dispatcher, reason="  ")
    assert exc.value.message_dict == {"reason": ["The customer was unsatisfied: say why the order is closed anyway."]}
    assert fresh(order).state == OrderState.CALLBACK_DONE

    # with the reason it closes, and the reason is on the timeline
    services.work_order_close(order_id=order.id, actor=world.dispatcher, reason="客户诉求超出政策，已解释")
    order = fresh(order)
    assert order.state == OrderState.CLOSED
    assert order.timeline.get(kind="close").note == "客户诉求超出政策，已解释"


def test_satisfied_order_closes_without_a_reason(world):
    order = work_order_at(OrderState.CALLBACK_DONE, world=world)
    services.work_order_close(order_id=order.id, actor=world.dispatcher)
    assert fresh(order).state == OrderState.CLOSED


def test_first_contact_owner_keeps_the_order_on_the_follow_up_list_until_closed(world):
    from tickets.selectors import work_order_follow_up_list

    order = work_order_at(OrderState.PROCESSING, world=world)
    assert list(work_order_follow_up_list(user=world.clerk)) == [order]
    assert list(work_order_follow_up_list(user=world.handler)) == []

    order = work_order_at(OrderState.CLOSED, world=world, accepted_number=another_number())
    assert order not in work_order_follow_up_list(user=world.clerk)


def test_first_contact_owner_is_notified_of_each_state_change_after_commit(world, django_capture_on_commit_callbacks):
    from notifications.models import Notification

    order = work_order_make(actor=world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id)
        services.work_order_claim(order_id=order.id, actor=world.handler)

    notes = Notification.objects.filter(order=order, recipient=world.clerk, kind="state_change")
    assert notes.count() == 2
    assert WorkOrder.objects.get(pk=order.id).number in notes.first().subject
