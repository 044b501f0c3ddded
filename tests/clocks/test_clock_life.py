"""Clocks follow the order's life cycle (SPEC §3.2): which clock starts, stops or restarts at which
event, with which due time, on which calendar. Time is frozen; the order services are called directly."""

from datetime import timedelta

import pytest
import time_machine

from deadlines.clock_models import ClockKind, ClockState
from deadlines.sweep import clocks_sweep
from notifications.models import Notification
from tickets import services

from .conftest import (
    DEPT_REPLY,
    FINAL_REPLY,
    at,
    claim_and_reply,
    clocks_of,
    dispatch,
    fresh,
    live_clock,
    order_make,
)

pytestmark = pytest.mark.django_db

WED_10 = at(2026, 11, 18, 10)  # an ordinary Wednesday, no holiday near


# --- creation ------------------------------------------------------------------------------------------
def test_a_transfer_complaint_starts_entry_dispatch_and_feedback_clocks(cast):
    # when
    with time_machine.travel(WED_10, tick=False):
        order = order_make(cast, received_at=at(2026, 11, 18, 9, 50))

    # then: R-CLK-ENTRY counts from the receipt on CAL-WORKDAY and is met at once (recorded 10 min later)
    (entry,) = clocks_of(order, ClockKind.ENTRY)
    assert (entry.state, entry.started_at, entry.stopped_at) == (ClockState.MET, at(2026, 11, 18, 9, 50), WED_10)
    assert entry.due_at == at(2026, 11, 18, 15, 20)  # 09:50–12:00 + 14:00–15:20 = 3 h 30 min
    assert entry.calendar_code == "CAL-WORKDAY" and entry.breached_at is None and entry.next_check_at is None

    # R-CLK-DISPATCH: an ordinary case, 2 h on CAL-24x7 from accepted_at, warned at 80 %
    dispatch_clock = live_clock(order, ClockKind.DISPATCH)
    assert dispatch_clock.policy.code == "dispatch"
    assert (dispatch_clock.calendar_code, dispatch_clock.limit) == ("CAL-24x7", timedelta(hours=2))
    assert (dispatch_clock.started_at, dispatch_clock.due_at) == (WED_10, at(2026, 11, 18, 12))
    assert dispatch_clock.warn_at == dispatch_clock.next_check_at == at(2026, 11, 18, 11, 36)
    assert dispatch_clock.state == ClockState.RUNNING

    # R-CLK-FEEDBACK: 48 h, recurring, first round from accepted_at
    feedback = live_clock(order, ClockKind.FEEDBACK)
    assert (feedback.sequence, feedback.started_at, feedback.due_at) == (1, WED_10, at(2026, 11, 20, 10))
    assert feedback.warn_at == at(2026, 11, 20, 0, 24)  # 80 % of 48 h = 38 h 24 min
    assert feedback.policy.recurring

    assert {c.kind for c in order.clocks.all()} == {ClockKind.ENTRY, ClockKind.DISPATCH, ClockKind.FEEDBACK}


@pytest.mark.parametrize(
    ("received", "created", "state", "due"),
    [
        # SPEC worked example: Fri 16:00 → due Mon 10:30; recorded Mon 11:00 → breached at 10:30
        (at(2026, 11, 20, 16), at(2026, 11, 23, 11), ClockState.BREACHED, at(2026, 11, 23, 10, 30)),
        # Sat 10:00 → due Mon 12:00; recorded exactly at the due time → met
        (at(2026, 11, 21, 10), at(2026, 11, 23, 12), ClockState.MET, at(2026, 11, 23, 12)),
        # ... recorded during the lunch break: late, and the breach is at 12:00, not 14:00
        (at(2026, 11, 21, 10), at(2026, 11, 23, 13), ClockState.BREACHED, at(2026, 11, 23, 12)),
        # National Day (10-01…10-07) does not count: due Thu 10-08 10:30, recorded 10-08 09:00 → met
        (at(2026, 9, 30, 16), at(2026, 10, 8, 9), ClockState.MET, at(2026, 10, 8, 10, 30)),
    ],
)
def test_a_back_dated_order_records_its_entry_clock_at_creation(cast, received, created, state, due):
    # when: R-CLK-ENTRY — the order is recorded `created`, the customer came at `received`
    with time_machine.travel(created, tick=False):
        order = order_make(cast, received_at=received)

    # then: met or breached at once, never left running; a breach is dated at the due time
    (entry,) = clocks_of(order, ClockKind.ENTRY)
    assert (entry.state, entry.due_at, entry.stopped_at, entry.next_check_at) == (state, due, created, None)
    assert entry.breached_at == (due if state == ClockState.BREACHED else None)


def _repeat_of_previous(cast) -> dict:
    with time_machine.travel(WED_10 - timedelta(days=3), tick=False):
        # closed (提交, at once) three days ago: a repeat follows a closed order of the same matter (R-SP-1 (b))
        previous = order_make(cast, handling_method="record")
    return {"is_repeat": True, "previous_order_id": previous.pk, "repeat_reason": "对上次处理结果不满意"}


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param(lambda cast: {"is_major": True}, id="major"),
        pytest.param(lambda cast: {"is_batch": True}, id="batch"),
        pytest.param(_repeat_of_previous, id="repeat"),
        # R-SP-3: transferred from an outside body → escalated
        pytest.param(lambda cast: {"channel": "external", "external_source": "miit"}, id="escalated"),
    ],
)
def test_a_priority_case_gets_the_30_minute_dispatch_clock(cast, flags):
    overrides = flags(cast)

    # when
    with time_machine.travel(WED_10, tick=False):
        order = order_make(cast, **overrides)

    # then: R-CLK-DISPATCH — major, repeat, batch or escalated: 30 min
    clock = live_clock(order, ClockKind.DISPATCH)
    assert clock.policy.code == "dispatch-priority"
    assert (clock.limit, clock.started_at, clock.due_at) == (timedelta(minutes=30), WED_10, at(2026, 11, 18, 10, 30))
    assert clock.warn_at == at(2026, 11, 18, 10, 24)
    assert len(clocks_of(order, ClockKind.DISPATCH)) == 1  # the 2 h policy does not start a second one


# --- dispatch and handling -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("due_at", "limit"),
    [(at(2026, 11, 19, 11), timedelta(hours=24)), (None, timedelta(hours=48))],
    ids=["dispatcher's deadline", "default 48 h"],
)
def test_dispatch_meets_the_dispatch_clock_and_starts_handling_until_the_deadline(cast, due_at, limit):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch_clock = live_clock(order, ClockKind.DISPATCH)

        # when: dispatched after 1 h (within the 2 h)
        traveller.move_to(at(2026, 11, 18, 11))
        dispatch(order, cast, due_at=due_at)

    # then
    dispatch_clock.refresh_from_db()
    assert (dispatch_clock.state, dispatch_clock.stopped_at) == (ClockState.MET, at(2026, 11, 18, 11))
    assert dispatch_clock.breached_at is None and dispatch_clock.next_check_at is None
    handle = live_clock(order, ClockKind.HANDLE)
    assert handle.due_at == fresh(order).handling_due_at == at(2026, 11, 18, 11) + limit
    assert (handle.started_at, handle.limit) == (at(2026, 11, 18, 11), limit)
    assert handle.warn_at == handle.next_check_at == at(2026, 11, 18, 11) + limit * 0.8


def test_a_clock_stopped_after_its_due_time_is_breached_at_the_due_time_without_a_sweep(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)

        # when: dispatched after 3 h, and no sweep ever ran
        traveller.move_to(at(2026, 11, 18, 13))
        dispatch(order, cast)

    # then: R-CLK-BREACH — the breach is dated 12:00 (the due time), not 13:00 (the stop)
    (clock,) = clocks_of(order, ClockKind.DISPATCH)
    assert clock.state == ClockState.BREACHED
    assert (clock.breached_at, clock.stopped_at, clock.next_check_at) == (
        at(2026, 11, 18, 12),
        at(2026, 11, 18, 13),
        None,
    )


def test_a_late_stop_after_the_sweep_keeps_the_recorded_breach(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(at(2026, 11, 18, 12, 10))
        clocks_sweep()
        assert live_clock(order, ClockKind.DISPATCH).state == ClockState.OVERDUE
        notices = Notification.objects.count()

        # when
        traveller.move_to(at(2026, 11, 18, 12, 40))
        dispatch(order, cast)
        clocks_sweep()

    # then: overdue → breached, same breach time, nothing notified again
    (clock,) = clocks_of(order, ClockKind.DISPATCH)
    assert (clock.state, clock.breached_at, clock.stopped_at) == (
        ClockState.BREACHED,
        at(2026, 11, 18, 12),
        at(2026, 11, 18, 12, 40),
    )
    assert Notification.objects.filter(kind__startswith="clock_").count() == notices


def _to_approval(cast, *, approved_at):
    """An order accepted at 08:00 on `approved_at`'s day, dispatched, claimed and replied by the department."""
    day = approved_at.replace(hour=8, minute=0)
    with time_machine.travel(day, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(day + timedelta(minutes=30))
        dispatch(order, cast, due_at=day + timedelta(days=2))
        traveller.move_to(day + timedelta(hours=2))
        claim_and_reply(order, cast)
    return order


@pytest.mark.parametrize(
    ("approved_at", "reply_due", "reply_warn"),
    [
        # SPEC worked examples on CAL-SERVICE: night 20:00–08:00 and lunch 12:00–14:30 do not count
        (at(2026, 11, 18, 19, 30), at(2026, 11, 19, 9, 30), at(2026, 11, 19, 9, 6)),
        (at(2026, 11, 18, 11), at(2026, 11, 18, 15, 30), at(2026, 11, 18, 15, 6)),
    ],
)
def test_an_approved_reply_stops_handling_and_starts_the_reply_clock_on_service_hours(
    cast, approved_at, reply_due, reply_warn
):
    order = _to_approval(cast, approved_at=approved_at)
    handle = live_clock(order, ClockKind.HANDLE)

    # when
    with time_machine.travel(approved_at, tick=False):
        services.work_order_approve_reply(order_id=order.pk, actor=cast.dispatcher)

    # then: R-CLK-HANDLE met; R-CLK-REPLY 2 h of CAL-SERVICE, warned at 96 min of service time
    handle.refresh_from_db()
    assert (handle.state, handle.stopped_at) == (ClockState.MET, approved_at)
    reply = live_clock(order, ClockKind.REPLY)
    assert (reply.calendar_code, reply.started_at, reply.due_at) == ("CAL-SERVICE", approved_at, reply_due)
    assert reply.warn_at == reply_warn


def test_the_final_reply_ends_reply_and_feedback_clocks_and_starts_the_callback_clock(cast):
    order = _to_approval(cast, approved_at=at(2026, 11, 18, 19, 30))
    with time_machine.travel(at(2026, 11, 18, 19, 30), tick=False) as traveller:
        services.work_order_approve_reply(order_id=order.pk, actor=cast.dispatcher)

        # when: the customer is answered the next morning, before 09:30
        traveller.move_to(at(2026, 11, 19, 9))
        services.work_order_reply_customer(order_id=order.pk, actor=cast.dispatcher, **FINAL_REPLY)

    # then
    (reply,) = clocks_of(order, ClockKind.REPLY)
    (feedback,) = clocks_of(order, ClockKind.FEEDBACK)
    assert (reply.state, feedback.state) == (ClockState.MET, ClockState.MET)
    callback = live_clock(order, ClockKind.CALLBACK)  # R-CLK-CALLBACK: 24 h
    assert (callback.started_at, callback.due_at) == (at(2026, 11, 19, 9), at(2026, 11, 20, 9))
    assert {c.kind for c in order.clocks.filter(state__in=ClockState.live())} == {ClockKind.CALLBACK}


def test_a_returned_reply_does_not_move_the_handling_deadline(cast):
    deadline = at(2026, 11, 19, 10, 30)
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(at(2026, 11, 18, 10, 30))
        dispatch(order, cast, due_at=deadline)
        handle = live_clock(order, ClockKind.HANDLE)
        traveller.move_to(at(2026, 11, 18, 15))
        claim_and_reply(order, cast)

        # when: R-FL-3 退单, and the department replies again later
        traveller.move_to(at(2026, 11, 18, 16))
        services.work_order_return_reply(order_id=order.pk, actor=cast.dispatcher, reason="原因不清")
        after_return = live_clock(order, ClockKind.HANDLE)
        traveller.move_to(at(2026, 11, 19, 9))
        services.work_order_dept_reply(order_id=order.pk, actor=cast.handler, **DEPT_REPLY)
        traveller.move_to(at(2026, 11, 19, 9, 30))
        services.work_order_approve_reply(order_id=order.pk, actor=cast.dispatcher)

    # then: the same clock, the same due time throughout; met at the approval
    assert (after_return.pk, after_return.due_at, after_return.started_at) == (handle.pk, deadline, handle.started_at)
    assert after_return.state == ClockState.RUNNING
    assert fresh(order).handling_due_at == deadline
    (final,) = clocks_of(order, ClockKind.HANDLE)
    assert (final.pk, final.due_at, final.state) == (handle.pk, deadline, ClockState.MET)


# --- contacts ----------------------------------------------------------------------------------------------
def _contact(order, cast, *, reached: bool, direction: str = "outbound"):
    return services.contact_log(
        order_id=order.pk, actor=cast.clerk, direction=direction, channel="phone", reached=reached,
        summary="联系客户说明处理进度。" if reached else "电话无人接听。",
    )  # fmt: skip


def test_a_contact_that_reached_the_customer_starts_a_new_feedback_round(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)

        # when: R-CLK-FEEDBACK — the customer is reached 10 h later
        traveller.move_to(at(2026, 11, 18, 20))
        _contact(order, cast, reached=True)

    # then: round 1 met at the contact, round 2 counts 48 h from it
    first, second = clocks_of(order, ClockKind.FEEDBACK)
    assert (first.sequence, first.state, first.stopped_at) == (1, ClockState.MET, at(2026, 11, 18, 20))
    assert (second.sequence, second.state, second.started_at) == (2, ClockState.RUNNING, at(2026, 11, 18, 20))
    assert second.due_at == at(2026, 11, 20, 20)
    assert second.next_check_at == second.warn_at == at(2026, 11, 20, 10, 24)


def test_a_failed_call_starts_a_retry_clock_that_the_next_contact_stops(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)

        # when: R-CLK-RETRY — an outbound call that did not reach the customer
        traveller.move_to(at(2026, 11, 18, 11))
        _contact(order, cast, reached=False)

        # then: a 3 h reminder (no warning), and the feedback clock is not restarted by a failure
        retry = live_clock(order, ClockKind.RETRY)
        assert (retry.started_at, retry.due_at, retry.warn_at) == (at(2026, 11, 18, 11), at(2026, 11, 18, 14), None)
        assert retry.next_check_at == retry.due_at
        assert [c.sequence for c in clocks_of(order, ClockKind.FEEDBACK)] == [1]

        # when: the customer calls back an hour later
        traveller.move_to(at(2026, 11, 18, 12))
        _contact(order, cast, reached=True, direction="inbound")

    # then: the reminder is met and no new one starts; the feedback clock starts round 2
    (retry,) = clocks_of(order, ClockKind.RETRY)
    assert (retry.state, retry.stopped_at) == (ClockState.MET, at(2026, 11, 18, 12))
    assert [c.sequence for c in clocks_of(order, ClockKind.FEEDBACK)] == [1, 2]


def test_another_failed_call_replaces_the_retry_clock(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)
        traveller.move_to(at(2026, 11, 18, 11))
        _contact(order, cast, reached=False)

        # when: the next attempt is made after the 3 h, and fails too
        traveller.move_to(at(2026, 11, 18, 15))
        _contact(order, cast, reached=False)

    # then: the first reminder ended with the next attempt (a reminder, never breached: R-CLK-RETRY), a new one
    # runs from 15:00
    first, second = clocks_of(order, ClockKind.RETRY)
    assert (first.state, first.breached_at, first.stopped_at) == (ClockState.MET, None, at(2026, 11, 18, 15))
    assert (second.state, second.started_at, second.due_at) == (
        ClockState.RUNNING,
        at(2026, 11, 18, 15),
        at(2026, 11, 18, 18),
    )


# --- flags (R-CLK-RECALC) ----------------------------------------------------------------------------------
def test_becoming_major_re_bases_the_dispatch_clock_on_its_original_start(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        before = live_clock(order, ClockKind.DISPATCH)

        # when: 20 min after acceptance the complaint is classified major
        traveller.move_to(at(2026, 11, 18, 10, 20))
        services.work_order_flags_update(order_id=order.pk, actor=cast.dispatcher, is_major=True)

    # then: the same clock, now 30 min from 10:00 (not from 10:20)
    clock = live_clock(order, ClockKind.DISPATCH)
    assert clock.pk == before.pk and clock.state == ClockState.RUNNING
    assert (clock.policy.code, clock.limit, clock.started_at) == ("dispatch-priority", timedelta(minutes=30), WED_10)
    assert (clock.due_at, clock.warn_at) == (at(2026, 11, 18, 10, 30), at(2026, 11, 18, 10, 24))
    assert clock.next_check_at == at(2026, 11, 18, 10, 24)
    # the feedback clock's limit does not depend on the flag
    assert live_clock(order, ClockKind.FEEDBACK).due_at == at(2026, 11, 20, 10)


def test_becoming_major_after_30_minutes_makes_the_clock_overdue_at_the_next_sweep(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)

        # when: classified major 45 min after acceptance, then the sweep runs
        traveller.move_to(at(2026, 11, 18, 10, 45))
        services.work_order_flags_update(order_id=order.pk, actor=cast.dispatcher, is_major=True)
        assert live_clock(order, ClockKind.DISPATCH).state == ClockState.RUNNING  # the sweep records breaches
        traveller.move_to(at(2026, 11, 18, 10, 46))
        result = clocks_sweep()

    # then: breached at 10:30 (original start + 30 min); major → the breach notices are urgent (R-NT-2)
    clock = live_clock(order, ClockKind.DISPATCH)
    assert (clock.state, clock.breached_at, clock.warned_at) == (
        ClockState.OVERDUE,
        at(2026, 11, 18, 10, 30),
        at(2026, 11, 18, 10, 24),
    )
    assert result.breached == 1
    breaches = Notification.objects.filter(kind="clock_breach", order=order)
    assert breaches.count() == 4 and all(n.urgent for n in breaches)
