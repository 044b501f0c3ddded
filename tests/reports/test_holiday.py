"""The holiday-duty section of the report (R-RP-1, SPEC §6): duty orders by duty hall, feedback within the 4-hour
holiday clock, escalations — counted over the orders the reader may see."""

from datetime import date, timedelta

import pytest
import time_machine

from deadlines.selectors import calendar_cache_clear
from holiday_duty import services
from holiday_duty.models import FeedbackChannel
from reports.periods import period_containing
from reports.selectors import report_build, report_scope
from tests.holiday_duty.conftest import at, dispatched, duty_build, duty_order_of
from tests.holiday_duty.test_notify import confirm

pytestmark = pytest.mark.django_db
NIGHT = at(2026, 2, 17, 22)  # Spring Festival: a duty day


def holiday_table(user):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        period = period_containing("month", date(2026, 2, 1))
        report = report_build(user=user, period=period, scope=report_scope(user=user, unit_id=None))
    section = next(s for s in report.sections if s.key == "holiday")
    return {row.key: row.values for row in section.tables[0].rows}


@pytest.fixture
def duty(world):
    """The holiday-duty reference of tests/holiday_duty (the north hall on duty, an account-manager group)."""
    yield duty_build(world)
    calendar_cache_clear()


def test_duty_orders_feedback_within_4_hours_and_escalations(world, duty):
    # given two orders landing on the north hall's duty on a Spring Festival night, both handlers told at 22:00
    first = duty_order_of(dispatched(world, duty.am_south, NIGHT - timedelta(minutes=30)))
    second = duty_order_of(dispatched(world, duty.am_south, NIGHT - timedelta(minutes=20)))
    confirm(duty, first, handler_id=duty.account_manager.id)
    confirm(duty, second, handler_id=duty.account_manager.id)
    # when the first handler feeds back after one hour and the second never does
    with time_machine.travel(NIGHT + timedelta(hours=1), tick=False):
        services.duty_order_feedback_record(
            duty_order_id=first.id, actor=duty.duty, channel=FeedbackChannel.values[0], note="已联系客户。",
            from_user_id=duty.account_manager.id,
        )  # fmt: skip
    # then the branch's February counts two duty orders, one fed back in time (50 %), none escalated yet
    table = holiday_table(world.dispatcher)
    hall = duty.hall.unit.name
    assert table[hall] == [2, 2, 1, 50.0, 0]
    assert table["all"] == [2, 2, 1, 50.0, 0]
    # and the network department's handler, who sees neither order, counts none
    assert holiday_table(world.handler_network) == {"all": [0, 0, 0, None, 0]}
