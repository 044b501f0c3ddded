"""The major-complaint clocks (SPEC §3.2) through the policy table and the sweep, with frozen time:
R-CLK-MAJ-OPINION 1 h from the report to the supervisor's opinion, R-CLK-MAJ-DECLARE ½ working day on
CAL-WORKDAY from classification to the first submission (across a weekend and a holiday), R-CLK-MAJ-REPLY
48 h from the order's acceptance to the reply to the customer. A return keeps them running; a breach of a
major order's clock goes out at once, outside quiet hours too (R-NT-2)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.services import holiday_seed_from_chinese_calendar
from deadlines.sweep import clocks_sweep
from escalation import services
from notifications.models import Notification

from .conftest import declaration_make, major_make, opinions_give

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def clock(order, kind) -> Clock:
    return Clock.objects.filter(order=order, kind=kind).latest("id")


def test_the_supervisors_opinion_is_due_in_one_hour_and_its_breach_goes_out_at_once(world, people, clocks):
    start = datetime(2026, 11, 18, 22, 0, tzinfo=SH)  # 22:00: quiet hours for ordinary warnings (R-NT-2)
    with time_machine.travel(start, tick=False):
        major = major_make(world)
    opinion = clock(major.order, ClockKind.MAJ_OPINION)
    assert (opinion.started_at, opinion.due_at) == (start, start + timedelta(hours=1))

    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        clocks_sweep()
    opinion = Clock.objects.get(pk=opinion.pk)
    assert opinion.state == ClockState.OVERDUE and opinion.breached_at == start + timedelta(hours=1)
    breach = Notification.objects.filter(kind="clock_breach", order=major.order)
    assert breach.exists() and all(n.urgent for n in breach)  # a major order's breach: at once (R-NT-2)

    with time_machine.travel(start + timedelta(hours=2), tick=False):
        services.major_complaint_opinion(major_id=major.id, actor=world.store_manager, opinion="补偿处理。")
    assert Clock.objects.get(pk=opinion.pk).state == ClockState.BREACHED  # a late stop keeps the breach


def test_an_opinion_within_the_hour_meets_the_clock(world, people, clocks):
    start = datetime(2026, 11, 18, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        major = major_make(world)
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        services.major_complaint_opinion(major_id=major.id, actor=world.store_manager, opinion="补偿处理。")
    assert clock(major.order, ClockKind.MAJ_OPINION).state == ClockState.MET


@pytest.mark.parametrize(
    ("classified", "due"),
    [
        # Fri 16:00 → Mon 10:30 (the weekend does not count)
        (datetime(2026, 11, 20, 16, 0, tzinfo=SH), datetime(2026, 11, 23, 10, 30, tzinfo=SH)),
        # Wed 2026-09-30 16:00, National Day 10-01…10-07 → Thu 10-08 10:30
        (datetime(2026, 9, 30, 16, 0, tzinfo=SH), datetime(2026, 10, 8, 10, 30, tzinfo=SH)),
    ],
)
def test_the_declaration_is_due_in_half_a_working_day(world, people, clocks, classified, due):
    holiday_seed_from_chinese_calendar()
    with time_machine.travel(classified, tick=False):
        major = major_make(world)
    declare = clock(major.order, ClockKind.MAJ_DECLARE)
    assert (declare.calendar_code, declare.due_at) == ("CAL-WORKDAY", due)

    with time_machine.travel(due - timedelta(minutes=5), tick=False):
        d = declaration_make(world, major=major)
        opinions_give(world, d)
        services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    assert Clock.objects.get(pk=declare.pk).state == ClockState.MET


def test_the_reply_is_due_48_hours_from_acceptance_and_a_return_keeps_the_clocks_running(world, people, clocks):
    start = datetime(2026, 11, 18, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        major = major_make(world, received_at=start - timedelta(minutes=5))
    reply = clock(major.order, ClockKind.MAJ_REPLY)
    assert reply.due_at == major.order.accepted_at + timedelta(hours=48)

    with time_machine.travel(start + timedelta(hours=1), tick=False):
        d = declaration_make(world, major=major)
        opinions_give(world, d)
        services.declaration_submit(declaration_id=d.id, actor=world.clerk)
        services.declaration_return(declaration_id=d.id, actor=world.store_manager, reason="补充")
    assert Clock.objects.get(pk=reply.pk).state == ClockState.RUNNING  # a return stops nothing

    with time_machine.travel(start + timedelta(hours=47), tick=False):
        services.major_complaint_opinion(major_id=major.id, actor=world.store_manager, opinion="处理意见")
        services.major_complaint_reply(major_id=major.id, actor=world.clerk, content="已答复客户。")
    assert Clock.objects.get(pk=reply.pk).state == ClockState.MET
