"""R-HD-4: no feedback within 4 hours → the breach (R-CLK-HOLIDAY) and the first escalation; each level after its
wait (data); the ladder snapshotted; "escalate now"; feedback ends it; every escalation in the log, once; the
daily summary to 综合管理部's service group, once."""

from datetime import timedelta

import pytest
import time_machine
from django.test import TestCase

from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.sweep import clocks_sweep
from holiday_duty import services
from holiday_duty.models import (
    CallTask,
    DutyEscalation,
    DutyLogEntry,
    EscalationState,
    EscalationStep,
    EscalationWait,
    LogKind,
)
from holiday_duty.services.common import DutyRefused
from notifications.models import Notification

from .conftest import at, dispatched, duty_order_of

pytestmark = pytest.mark.django_db

NOTIFIED = at(2026, 10, 2, 9)  # National Day 2026
DUE = NOTIFIED + timedelta(hours=4)


@pytest.fixture
def notified(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NOTIFIED - timedelta(minutes=10)))
    with time_machine.travel(NOTIFIED, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        services.duty_order_handler_confirm(
            duty_order_id=duty_order.id, actor=duty.duty, handler_id=duty.account_manager.id
        )
    return duty_order


def sweep(now):
    with time_machine.travel(now, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        clocks_sweep(now=now)
        return services.holiday_duty_sweep(now=now)


def steps(duty_order) -> list[tuple[int, str]]:
    return list(
        EscalationStep.objects.filter(escalation__duty_order=duty_order).values_list("level", "person__username")
    )


def test_no_feedback_in_four_hours_breaches_and_starts_the_first_escalation(duty, notified):
    assert sweep(DUE - timedelta(minutes=1)) == 0
    assert not DutyEscalation.objects.exists()

    assert sweep(DUE + timedelta(minutes=1)) == 1

    assert Clock.objects.get(order=notified.order, kind=ClockKind.HOLIDAY).state == ClockState.OVERDUE
    escalation = DutyEscalation.objects.get(duty_order=notified)
    assert (escalation.reason, escalation.level, escalation.state) == ("late", 1, EscalationState.ACTIVE)
    # the ladder as it was: the group's supervisor, then the region's, then the branch's (waits 30, 30, 60 min)
    assert [(r["level"], r["person"], r["wait"]) for r in escalation.ladder] == [
        (1, duty.am_supervisor.id, 1800), (2, duty.region_head.id, 1800), (3, duty.chief.id, 3600),
    ]  # fmt: skip
    assert steps(notified) == [(1, "am_sup")]
    sms = Notification.objects.get(channel="sms", recipient=duty.am_supervisor)
    assert (sms.address, sms.urgent) == ("13900000002", True)
    call = CallTask.objects.get(duty_order=notified, level=1)
    assert (call.number, call.callee) == ("13900000002", duty.am_supervisor)


def test_each_level_after_its_wait_up_to_the_top_and_no_further(duty, notified):
    sweep(DUE + timedelta(minutes=1))
    assert sweep(DUE + timedelta(minutes=30)) == 0  # the level-1 wait (30 min) has not run out
    assert sweep(DUE + timedelta(minutes=31)) == 1
    assert steps(notified) == [(1, "am_sup"), (2, "region_head")]
    assert sweep(DUE + timedelta(minutes=62)) == 1
    assert steps(notified) == [(1, "am_sup"), (2, "region_head"), (3, "chief")]
    assert sweep(DUE + timedelta(hours=3)) == 0  # top reached after the chief's wait

    escalation = DutyEscalation.objects.get(duty_order=notified)
    assert (escalation.state, escalation.next_check_at) == (EscalationState.EXHAUSTED, None)
    assert sweep(DUE + timedelta(hours=4)) == 0
    # nobody above answered: the shift leader is told, once
    top = Notification.objects.filter(recipient=duty.leader, subject__contains="top of the escalation ladder")
    assert top.count() == 1


def test_the_ladder_is_the_one_of_its_start_whatever_the_data_does_later(duty, notified):
    sweep(DUE + timedelta(minutes=1))
    EscalationWait.objects.filter(hall=duty.hall, level=1).update(wait=timedelta(hours=5))
    duty.am_south.supervisor = duty.chief
    duty.am_south.save(update_fields=["supervisor"])

    sweep(DUE + timedelta(minutes=31))

    assert steps(notified) == [(1, "am_sup"), (2, "region_head")]


def test_a_sweep_run_twice_escalates_and_notifies_once(duty, notified):
    sweep(DUE + timedelta(minutes=1))
    counts = (EscalationStep.objects.count(), Notification.objects.count(), DutyLogEntry.objects.count())

    sweep(DUE + timedelta(minutes=2))

    assert (EscalationStep.objects.count(), Notification.objects.count(), DutyLogEntry.objects.count()) == counts


def test_escalate_now_starts_then_climbs_at_once(duty, notified):
    with time_machine.travel(NOTIFIED + timedelta(minutes=20), tick=False):
        services.duty_order_escalate_now(duty_order_id=notified.id, actor=duty.duty)
        assert steps(notified) == [(1, "am_sup")]
        assert DutyEscalation.objects.get(duty_order=notified).reason == "unreachable"
        services.duty_order_escalate_now(duty_order_id=notified.id, actor=duty.duty)
        assert steps(notified) == [(1, "am_sup"), (2, "region_head")]
    # later the 4-hour clock runs out: the same ladder climbs on (level 2's wait is over), no second one starts
    sweep(DUE + timedelta(minutes=1))
    assert DutyEscalation.objects.count() == 1
    assert steps(notified) == [(1, "am_sup"), (2, "region_head"), (3, "chief")]


def test_the_feedback_ends_the_escalation_and_escalating_after_it_is_refused(duty, notified):
    sweep(DUE + timedelta(minutes=1))
    with time_machine.travel(DUE + timedelta(minutes=10), tick=False):
        services.duty_order_feedback_record(
            duty_order_id=notified.id, actor=duty.duty, channel="phone", note="主管已联系客户。",
            from_user_id=duty.am_supervisor.id,
        )  # fmt: skip
        with pytest.raises(DutyRefused):
            services.duty_order_escalate_now(duty_order_id=notified.id, actor=duty.duty)

    escalation = DutyEscalation.objects.get(duty_order=notified)
    assert (escalation.state, escalation.next_check_at) == (EscalationState.RESOLVED, None)
    assert sweep(DUE + timedelta(hours=2)) == 0
    # a late feedback keeps the breach (R-CLK-BREACH)
    assert Clock.objects.get(order=notified.order, kind=ClockKind.HOLIDAY).state == ClockState.BREACHED


def test_every_escalation_is_in_the_log_once(duty, notified):
    sweep(DUE + timedelta(minutes=1))
    sweep(DUE + timedelta(minutes=31))
    sweep(DUE + timedelta(minutes=31))

    texts = list(DutyLogEntry.objects.filter(kind=LogKind.ESCALATION).values_list("text", flat=True))
    assert len(texts) == 2
    assert "level 1" in texts[0] and "level 2" in texts[1]


def test_the_daily_summary_goes_to_the_general_departments_service_group_once(duty, notified):
    sweep(DUE + timedelta(minutes=1))
    sweep(DUE + timedelta(minutes=31))

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.escalation_daily_summary(day=NOTIFIED.date())
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.escalation_daily_summary(day=NOTIFIED.date())

    summary = Notification.objects.filter(kind="holiday_duty_summary")
    assert sorted(summary.values_list("recipient__username", "channel")) == [
        ("general", "email"), ("general", "in_app"),
    ]  # fmt: skip
    body = summary.first().body
    assert notified.order.number in body and "L1" in body and "L2" in body
