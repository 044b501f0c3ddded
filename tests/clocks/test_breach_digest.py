"""The first-contact owner's daily digest (R-WO-9, R-CLK-BREACH, issue 13 §6): breaches go at once to whoever can
act on them; the owner hears of the rest of their orders' breaches once a day, in one notice."""

from datetime import date, timedelta

import pytest
import time_machine

from deadlines.clock_models import ClockKind
from deadlines.digest import DIGEST_KIND, breach_digest_record
from deadlines.sweep import clocks_sweep
from deadlines.tasks import breach_digest_task
from notifications.models import Notification
from tickets import services

from .conftest import at, dispatch, live_clock, order_make

pytestmark = pytest.mark.django_db


def digests(user) -> list[Notification]:
    return list(Notification.objects.filter(kind=DIGEST_KIND, recipient=user))


def test_owner_gets_one_digest_of_the_handling_breaches_they_were_not_told_of(cast):
    # given two orders accepted by the clerk on Monday 2026-11-23, dispatched to billing and claimed by the handler
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        orders = [order_make(cast, accepted_number=f"1381234560{i}") for i in range(2)]
        for order in orders:
            dispatch(order, cast, due_at=at(2026, 11, 23, 15, 0))
            services.work_order_claim(order_id=order.pk, actor=cast.handler)
    handle = [live_clock(order, ClockKind.HANDLE) for order in orders]

    # when both handling clocks are breached at 15:00 (the handler and the billing supervisor are told at once)
    with time_machine.travel(at(2026, 11, 23, 15, 1), tick=False):
        clocks_sweep()
    told_at_once = Notification.objects.filter(kind="clock_breach", order__in=orders)
    assert cast.clerk.pk not in set(told_at_once.values_list("recipient_id", flat=True))

    # and the digest of that day is written the next morning, twice (beat twice)
    with time_machine.travel(at(2026, 11, 24, 8, 0), tick=False):
        assert breach_digest_task() == 1
        breach_digest_record(day=date(2026, 11, 23))

    # then the clerk has one notice listing both orders' handling breaches
    [digest] = digests(cast.clerk)
    assert "2 项超时" in digest.subject and digest.order_id is None
    assert all(order.number in digest.body for order in orders)
    assert all(clock.kind == ClockKind.HANDLE for clock in handle)
    assert not digests(cast.handler)  # the handler was told at the breach


def test_breaches_the_owner_was_told_of_directly_are_not_repeated(cast):
    # given an order the clerk accepted whose dispatch clock (the clerk's to chase, R-WO-9) is breached
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        order = order_make(cast, is_major=True)
    dispatch_clock = live_clock(order, ClockKind.DISPATCH)
    with time_machine.travel(dispatch_clock.due_at + timedelta(minutes=1), tick=False):
        clocks_sweep()
    assert Notification.objects.filter(kind="clock_breach", recipient=cast.clerk, order=order).exists()

    # when the day's digest is written
    breach_digest_record(day=date(2026, 11, 23))

    # then nothing more: the clerk heard of it at the breach
    assert not digests(cast.clerk)


def test_a_day_is_a_shanghai_day(cast):
    # given a handling clock breached at 23:30 Shanghai time on 11-23 (15:30 UTC the same date)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        order = order_make(cast)
        dispatch(order, cast, due_at=at(2026, 11, 23, 23, 30))
        services.work_order_claim(order_id=order.pk, actor=cast.handler)
    with time_machine.travel(at(2026, 11, 23, 23, 31), tick=False):
        clocks_sweep()

    # then it is in the digest of 11-23, not 11-24
    assert breach_digest_record(day=date(2026, 11, 24)) == 0
    assert breach_digest_record(day=date(2026, 11, 23)) == 1
