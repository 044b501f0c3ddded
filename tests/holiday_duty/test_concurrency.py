"""Two duty staff at once (PostgreSQL: real row locks and transactions): confirming one order's handler from two
desks, or escalating it twice at the same instant, serialise on the duty order row — one wins, the other is
refused (409), and nothing is sent or logged twice."""

from collections import Counter

import pytest
import time_machine

from holiday_duty import services
from holiday_duty.models import CallTask, DutyLogEntry, EscalationStep
from notifications.models import Notification
from tests.tickets.test_concurrency import outcome, run_together

from .conftest import at, dispatched, duty_order_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = at(2026, 10, 2, 9)


def test_two_desks_confirming_one_handler_at_once_one_wins(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NOW))
    with time_machine.travel(NOW, tick=False):
        results = run_together(*[
            lambda actor=actor: services.duty_order_handler_confirm(
                duty_order_id=duty_order.id, actor=actor, handler_id=duty.account_manager.id
            )
            for actor in (duty.duty, duty.duty_peer)
        ])  # fmt: skip

    assert outcome(results) == Counter({"ok": 1, "DutyRefused": 1})
    assert CallTask.objects.filter(duty_order=duty_order).count() == 1
    assert Notification.objects.filter(order=duty_order.order, channel="sms").count() == 1
    assert DutyLogEntry.objects.filter(duty_order=duty_order, kind="notification").count() == 1


def test_escalate_now_twice_at_once_climbs_one_level_each(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NOW))
    with time_machine.travel(NOW, tick=False):
        services.duty_order_handler_confirm(
            duty_order_id=duty_order.id, actor=duty.duty, handler_id=duty.account_manager.id
        )
        results = run_together(
            *[lambda: services.duty_order_escalate_now(duty_order_id=duty_order.id, actor=duty.duty)] * 2
        )

    assert outcome(results) == Counter({"ok": 2})
    # serialised: the first starts the ladder (level 1), the second climbs to level 2 — never two ladders
    assert sorted(EscalationStep.objects.values_list("level", flat=True)) == [1, 2]
