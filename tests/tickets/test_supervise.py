"""Supervisors act (issue 13 §4): remind, reassign and escalate one order or many, all-or-nothing; refusals by
state (409), permission (403), input (400) and visibility (404, like a missing order); notices once."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deadlines.clock_models import ClockState
from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults
from notifications.models import Notification
from tests.factories import UserFactory, fresh, work_order_at, work_order_make
from tickets.models import OrderState, WorkOrder
from tickets.services import work_order_dispatch
from tickets.services.errors import TransitionRefused
from tickets.services.supervise import Reassignment, orders_escalate, orders_reassign, orders_remind

pytestmark = pytest.mark.django_db


def notices(kind: str, user=None):
    qs = Notification.objects.filter(kind=kind)
    return qs.filter(recipient=user) if user else qs


@pytest.fixture
def clocks(db):
    """Calendars and the SPEC §3.2 clock policies: orders made after this get their clocks."""
    calendar_cache_clear()
    calendar_seed_defaults()
    clock_policies_seed()
    yield
    calendar_cache_clear()


@pytest.fixture
def supervised(world):
    """The billing department's supervisor (a department head), and the hall's (the store manager)."""
    head = UserFactory(username="billing_head", roles=["handler"], units=[world.dept_billing])
    world.dept_billing.supervisor = head
    world.dept_billing.save(update_fields=["supervisor"])
    world.hall_south.supervisor = world.store_manager
    world.hall_south.save(update_fields=["supervisor"])
    return head


# --- remind ------------------------------------------------------------------------------------------------
def test_remind_tells_the_handler_once_per_click(world, django_capture_on_commit_callbacks):
    # given an order being handled by `handler`
    order = work_order_at(OrderState.PROCESSING, world=world)
    # when the dispatcher reminds twice with the same click key
    with django_capture_on_commit_callbacks(execute=True):
        first = orders_remind(order_ids=[order.id], actor=world.dispatcher, note="请今天回单", key="k1")
    with django_capture_on_commit_callbacks(execute=True):
        again = orders_remind(order_ids=[order.id], actor=world.dispatcher, note="请今天回单", key="k1")
    # then one timeline entry, one notice, to the handler
    assert [e.id for e in first] == [e.id for e in again]
    assert order.timeline.filter(kind="remind").count() == 1
    assert notices("remind").count() == 1 and notices("remind", world.handler).count() == 1


def test_remind_a_dispatched_order_tells_the_units_members(world, django_capture_on_commit_callbacks):
    order = work_order_at(OrderState.DISPATCHED, world=world)
    with django_capture_on_commit_callbacks(execute=True):
        orders_remind(order_ids=[order.id], actor=world.dispatcher)
    assert set(notices("remind").values_list("recipient__username", flat=True)) == {"handler", "handler_peer"}


def test_remind_at_the_final_reply_step_tells_the_first_contact_owner(world, django_capture_on_commit_callbacks):
    order = work_order_at(OrderState.REPLY_APPROVED, world=world)
    with django_capture_on_commit_callbacks(execute=True):
        orders_remind(order_ids=[order.id], actor=world.dispatcher)
    assert list(notices("remind").values_list("recipient__username", flat=True)) == ["clerk"]


def test_remind_refusals(world):
    accepted = work_order_make(actor=world.clerk)
    processing = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000201")
    with pytest.raises(TransitionRefused):  # before dispatch nobody has a step to take
        orders_remind(order_ids=[accepted.id], actor=world.dispatcher)
    with pytest.raises(PermissionDenied):  # a clerk is no supervisor
        orders_remind(order_ids=[processing.id], actor=world.clerk)
    with pytest.raises(WorkOrder.DoesNotExist):  # clerk_north does not see it: like a missing order
        orders_remind(order_ids=[processing.id], actor=world.clerk_north)
    with pytest.raises(WorkOrder.DoesNotExist):
        orders_remind(order_ids=[processing.id, 999999], actor=world.dispatcher)
    with pytest.raises(ValidationError) as bad:
        orders_remind(order_ids=[], actor=world.dispatcher)
    assert "orders" in bad.value.message_dict
    assert not processing.timeline.filter(kind="remind").exists()


# --- reassign ----------------------------------------------------------------------------------------------
def test_reassign_to_another_member_keeps_the_deadline(world, clocks, django_capture_on_commit_callbacks):
    # given an order handled by `handler` with its handling clock running
    order = work_order_at(OrderState.PROCESSING, world=world)
    due = fresh(order).handling_due_at
    # when the dispatcher gives it to handler_peer
    with django_capture_on_commit_callbacks(execute=True):
        orders_reassign(
            order_ids=[order.id], actor=world.dispatcher,
            request=Reassignment(assignee_id=world.handler_peer.id, note="原处理人休假"),
        )  # fmt: skip
    # then the peer handles it, the deadline and its clock are the same, the timeline says so, the peer is told
    order = fresh(order)
    assert order.assignee == world.handler_peer and order.state == OrderState.PROCESSING
    assert order.handling_due_at == due
    assert order.clocks.get(kind="handle", state=ClockState.RUNNING).due_at == due
    entry = order.timeline.get(kind="reassign")
    assert entry.actor == world.dispatcher and entry.note == "原处理人休假"
    assert notices("reassigned", world.handler_peer).count() == 1


def test_reassign_with_a_new_deadline_moves_the_handling_clock(world, clocks):
    # given an overdue handling clock
    order = work_order_at(OrderState.PROCESSING, world=world)
    now = timezone.now()
    order.clocks.filter(kind="handle").update(state="overdue", due_at=now - timedelta(hours=2), breached_at=now)
    new_due = now + timedelta(hours=24)
    # when reassigned with a new deadline
    orders_reassign(
        order_ids=[order.id], actor=world.dispatcher,
        request=Reassignment(assignee_id=world.handler_peer.id, due_at=new_due, note="改派并重设时限"),
    )  # fmt: skip
    # then the breach stays on record and a handling clock runs to the new deadline (R-CLK-HANDLE)
    handle = fresh(order).clocks.filter(kind="handle")
    assert handle.filter(state=ClockState.BREACHED).count() == 1
    assert handle.get(state=ClockState.RUNNING).due_at == new_due
    assert fresh(order).handling_due_at == new_due


def test_reassign_to_another_unit_goes_back_to_dispatched(world, clocks, django_capture_on_commit_callbacks):
    order = work_order_at(OrderState.PROCESSING, world=world)
    cycle = order.cycle
    with django_capture_on_commit_callbacks(execute=True):
        orders_reassign(
            order_ids=[order.id], actor=world.dispatcher,
            request=Reassignment(unit_id=world.dept_network.id, note="属网络问题"),
        )  # fmt: skip
    order = fresh(order)
    assert (order.state, order.handling_unit, order.assignee, order.cycle) == (
        OrderState.DISPATCHED, world.dept_network, None, cycle,
    )  # fmt: skip
    assert notices("reassigned", world.handler_network).count() == 1
    assert order.timeline.filter(kind="reassign_unit").count() == 1


def test_a_unit_supervisor_reassigns_within_the_unit_only(world, supervised):
    order = work_order_at(OrderState.PROCESSING, world=world)
    orders_reassign(
        order_ids=[order.id], actor=supervised, request=Reassignment(assignee_id=world.handler_peer.id, note="x")
    )
    assert fresh(order).assignee == world.handler_peer
    with pytest.raises(PermissionDenied):  # another unit is the dispatcher's
        orders_reassign(
            order_ids=[order.id], actor=supervised, request=Reassignment(unit_id=world.dept_network.id, note="x")
        )
    with pytest.raises(PermissionDenied):  # the hall's store manager does not supervise billing
        orders_reassign(
            order_ids=[order.id], actor=world.store_manager,
            request=Reassignment(assignee_id=world.handler.id, note="x"),
        )  # fmt: skip


def test_reassign_refusals(world):
    order = work_order_at(OrderState.PROCESSING, world=world)
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000202")
    with pytest.raises(TransitionRefused):  # not being handled any more
        orders_reassign(
            order_ids=[replied.id], actor=world.dispatcher,
            request=Reassignment(assignee_id=world.handler_peer.id, note="x"),
        )  # fmt: skip
    with pytest.raises(ValidationError) as bad:  # not a member of the handling unit
        orders_reassign(
            order_ids=[order.id], actor=world.dispatcher,
            request=Reassignment(assignee_id=world.handler_network.id, note="x"),
        )  # fmt: skip
    assert "assignee" in bad.value.message_dict
    with pytest.raises(ValidationError) as bad:  # both, no reason, a past deadline
        orders_reassign(
            order_ids=[order.id], actor=world.dispatcher,
            request=Reassignment(
                assignee_id=world.handler_peer.id, unit_id=world.dept_network.id, note=" ",
                due_at=timezone.now() - timedelta(hours=1),
            ),
        )  # fmt: skip
    assert {"non_field_errors", "note", "due_at"} <= set(bad.value.message_dict)
    assert fresh(order).assignee == world.handler


def test_bulk_reassign_is_all_or_nothing(world, django_capture_on_commit_callbacks):
    # given two orders being handled and one waiting for review
    first = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000203")
    second = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000204")
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000205")
    request = Reassignment(assignee_id=world.handler_peer.id, note="集中改派")
    # when one of them refuses, nothing changes, and the refusal names it
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionRefused) as refused:
        orders_reassign(order_ids=[first.id, second.id, replied.id], actor=world.dispatcher, request=request)
    assert replied.number in refused.value.detail
    assert fresh(first).assignee == world.handler and fresh(second).state == OrderState.DISPATCHED
    assert not notices("reassigned").exists()
    # when all pass, all move in one call
    with django_capture_on_commit_callbacks(execute=True):
        orders_reassign(order_ids=[second.id, first.id], actor=world.dispatcher, request=request)
    assert {fresh(first).assignee, fresh(second).assignee} == {world.handler_peer}
    assert fresh(second).state == OrderState.PROCESSING
    assert notices("reassigned", world.handler_peer).count() == 2


# --- escalate ----------------------------------------------------------------------------------------------
def test_escalate_tells_the_units_supervisor(world, supervised, django_capture_on_commit_callbacks):
    order = work_order_at(OrderState.PROCESSING, world=world)
    with django_capture_on_commit_callbacks(execute=True):
        orders_escalate(order_ids=[order.id], actor=world.dispatcher, note="超时未回单", key="c1")
        orders_escalate(order_ids=[order.id], actor=world.dispatcher, note="超时未回单", key="c1")
    assert list(notices("escalate").values_list("recipient", flat=True)) == [supervised.id]
    assert order.timeline.filter(kind="escalate").count() == 1


def test_escalate_refusals(world, supervised):
    closed = work_order_at(OrderState.CLOSED, world=world)
    with pytest.raises(TransitionRefused):
        orders_escalate(order_ids=[closed.id], actor=world.dispatcher, note="x")
    # the network department has no supervisor, nor has the branch above it: nobody to escalate to
    network = work_order_make(actor=world.clerk, accepted_number="13900000206")
    work_order_dispatch(order_id=network.id, actor=world.dispatcher, unit_id=world.dept_network.id)
    with pytest.raises(TransitionRefused):
        orders_escalate(order_ids=[network.id], actor=world.dispatcher, note="x")
    with pytest.raises(ValidationError):  # a reason is required
        orders_escalate(order_ids=[network.id], actor=world.dispatcher, note="")
