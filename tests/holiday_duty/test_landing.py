"""R-HD-1: duty days from the holiday table (CAL-WORKDAY) and the orders that land in the duty hall's queue."""

from datetime import date

import pytest
import time_machine

from holiday_duty.models import DutyLogEntry, DutyState, LogKind
from holiday_duty.selectors import duty_day_is, duty_orders_of_order
from tests.factories import fresh
from tickets.events import OrderEvent, order_event
from tickets.models import WorkOrder

from .conftest import at, dispatched, duty_order_of

pytestmark = pytest.mark.django_db


def test_spring_festival_order_dispatched_to_the_south_account_managers_lands_in_the_duty_queue(world, duty):
    # given Spring Festival 2026 (02-15 … 02-23 rest days in the holiday table)
    # when an order is dispatched to 南区客户经理组 on 02-17
    order = dispatched(world, duty.am_south, at(2026, 2, 17, 10))

    # then it is in the duty hall's queue, waiting for its handler to be told, and the day's log says so
    duty_order = duty_order_of(order)
    assert duty_order is not None
    assert (duty_order.hall, duty_order.state, duty_order.duty_day) == (duty.hall, DutyState.QUEUED, date(2026, 2, 17))
    assert list(DutyLogEntry.objects.filter(duty_order=duty_order).values_list("kind", "day")) == [
        (LogKind.LANDED, date(2026, 2, 17))
    ]
    # … and the order still went to its handling group as usual
    assert fresh(order).handling_unit == duty.am_south


def test_the_make_up_saturday_is_a_working_day_so_nothing_lands(world, duty):
    order = dispatched(world, duty.am_south, at(2026, 2, 14, 10))  # 调休: Saturday 02-14 is worked

    assert duty_order_of(order) is None
    assert not duty_day_is(day=date(2026, 2, 14), hall=duty.hall)


def test_national_day_2026_is_a_duty_day_and_the_next_make_up_saturday_is_not(world, duty):
    assert duty_day_is(day=date(2026, 10, 2), hall=duty.hall)
    assert not duty_day_is(day=date(2026, 10, 10), hall=duty.hall)  # make-up Saturday
    assert not duty_day_is(day=date(2026, 10, 9), hall=duty.hall)  # an ordinary Friday


def test_weekends_switched_off_in_data_leave_only_statutory_holidays(world, duty):
    saturday = at(2026, 11, 21, 10)
    assert duty_day_is(day=saturday.date(), hall=duty.hall)

    duty.hall.weekends_are_duty_days = False
    duty.hall.save(update_fields=["weekends_are_duty_days"])

    assert not duty_day_is(day=saturday.date(), hall=duty.hall)
    assert duty_day_is(day=date(2026, 2, 17), hall=duty.hall)  # Spring Festival still is
    assert duty_order_of(dispatched(world, duty.am_south, saturday)) is None


def test_an_uncovered_unit_never_lands_even_on_a_holiday(world, duty):
    assert duty_order_of(dispatched(world, world.dept_billing, at(2026, 2, 17, 10))) is None


def test_landing_is_once_per_order_and_dispatch(world, duty):
    order = dispatched(world, duty.am_south, at(2026, 2, 17, 10))

    # the same dispatch event again (a retried receiver) adds nothing
    with time_machine.travel(at(2026, 2, 17, 10, 5), tick=False):
        order_event.send(sender=WorkOrder, order=fresh(order), event=OrderEvent.DISPATCHED, at=at(2026, 2, 17, 10, 5))
    assert order.duty_orders.count() == 1
    assert DutyLogEntry.objects.filter(kind=LogKind.LANDED).count() == 1


def test_nobody_on_shift_gives_the_order_to_the_fallback_and_reports_the_gap(world, duty):
    order = dispatched(world, duty.am_south, at(2026, 2, 17, 10))

    duty_order = duty_order_of(order)
    assert (duty_order.owner, duty_order.owner_is_fallback) == (duty.leader, True)
    assert "fallback" in DutyLogEntry.objects.get(duty_order=duty_order).text


def test_a_missing_calendar_never_stops_a_dispatch(world, duty):
    from deadlines.models import BusinessCalendar
    from deadlines.selectors import calendar_cache_clear

    BusinessCalendar.objects.filter(code="CAL-WORKDAY").update(code="CAL-WORKDAY-OLD")
    calendar_cache_clear()

    order = dispatched(world, duty.am_south, at(2026, 2, 17, 10))

    assert fresh(order).state == "dispatched" and duty_order_of(order) is None


def test_the_order_pages_duty_panel_asks_once_for_an_order_that_never_landed(world, duty, django_assert_num_queries):
    """The order page's duty panel: one narrow query for an order that never reached a duty hall (the visible
    list's joins cost every order page 7 ms of planning), and the landed order's rows for the hall's duty staff."""
    worked_day = dispatched(world, duty.am_south, at(2026, 2, 14, 10))  # 调休: nothing lands
    with django_assert_num_queries(1):
        assert duty_orders_of_order(order_id=worked_day.id, user=duty.duty) == []

    landed = dispatched(world, duty.am_south, at(2026, 2, 17, 10))
    assert [row.order_id for row in duty_orders_of_order(order_id=landed.id, user=duty.duty)] == [landed.id]
