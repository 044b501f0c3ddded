"""R-CLK-APPT: an appointment order's clock runs from its acceptance to the appointed time, warns, breaches,
ends when the follow-up is done (the department's reply) and moves with the appointment."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from deadlines.clock_models import ClockKind, ClockState
from deadlines.sweep import clocks_sweep
from notifications.models import Notification
from tickets.services.records import work_order_appointment_move

from .conftest import at, claim_and_reply, clocks_of, dispatch, fresh, live_clock, order_make

pytestmark = pytest.mark.django_db

WED_10 = at(2026, 11, 18, 10)
WED_18 = at(2026, 11, 18, 18)  # the appointed time: 8 h after acceptance, warned at 80 % = 16:24


def appointment(cast, appointed_at=WED_18):
    return order_make(cast, order_type="appointment", appointed_at=appointed_at, category_id=None)


def breach_people(order) -> set[str]:
    rows = Notification.objects.filter(kind="clock_breach", order=order, idempotency_key__contains="-breach-")
    clock_ids = {c.pk for c in clocks_of(order, ClockKind.APPOINTMENT)}
    rows = [n for n in rows.select_related("recipient") if int(n.idempotency_key.split("-")[1]) in clock_ids]
    return {n.recipient.username for n in rows}


def test_an_appointment_starts_its_clock_due_at_the_appointed_time(cast):
    with time_machine.travel(WED_10, tick=False):
        order = appointment(cast)

    clock = live_clock(order, ClockKind.APPOINTMENT)
    assert clock.policy.code == "appointment"
    assert (clock.started_at, clock.due_at, clock.limit) == (WED_10, WED_18, timedelta(hours=8))
    assert clock.warn_at == clock.next_check_at == at(2026, 11, 18, 16, 24)
    assert clock.state == ClockState.RUNNING


def test_a_complaint_has_no_appointment_clock(cast):
    with time_machine.travel(WED_10, tick=False):
        order = order_make(cast)
    assert not clocks_of(order, ClockKind.APPOINTMENT)


def test_the_appointment_warns_then_breaches_at_the_appointed_time(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = appointment(cast)
        dispatch(order, cast, due_at=at(2026, 11, 20, 10))

        # when: the sweep after the warning time
        traveller.move_to(at(2026, 11, 18, 16, 30))
        clocks_sweep()
        warned = live_clock(order, ClockKind.APPOINTMENT)

        # and after the appointed time
        traveller.move_to(at(2026, 11, 18, 18, 1))
        clocks_sweep()

    # then
    assert (warned.state, warned.warned_at) == (ClockState.RUNNING, at(2026, 11, 18, 16, 24))
    clock = live_clock(order, ClockKind.APPOINTMENT)
    assert (clock.state, clock.breached_at, clock.next_check_at) == (ClockState.OVERDUE, WED_18, None)
    assert breach_people(order) == {cast.clerk.username, cast.supervisor.username}


def test_the_follow_up_done_in_time_meets_the_appointment(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = appointment(cast)
        dispatch(order, cast)

        # when: the department follows up and replies at 17:00
        traveller.move_to(at(2026, 11, 18, 17))
        claim_and_reply(order, cast)
        traveller.move_to(at(2026, 11, 18, 19))
        clocks_sweep()

    (clock,) = clocks_of(order, ClockKind.APPOINTMENT)
    assert (clock.state, clock.stopped_at, clock.breached_at) == (ClockState.MET, at(2026, 11, 18, 17), None)


def test_a_moved_appointment_moves_its_clock(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = appointment(cast)
        dispatch(order, cast)

        # when: at 12:00 the customer asks for Thursday 10:00 instead
        traveller.move_to(at(2026, 11, 18, 12))
        work_order_appointment_move(
            order_id=order.pk, actor=cast.clerk, appointed_at=at(2026, 11, 19, 10), note="客户改约"
        )
        traveller.move_to(at(2026, 11, 18, 18, 30))
        clocks_sweep()

    # then: the same clock, due at the new time, its warning at 80 % from its start; not breached at 18:00
    clock = live_clock(order, ClockKind.APPOINTMENT)
    assert (clock.due_at, clock.limit) == (at(2026, 11, 19, 10), timedelta(hours=24))
    assert (clock.warn_at, clock.state, clock.breached_at) == (at(2026, 11, 19, 5, 12), ClockState.RUNNING, None)
    assert fresh(order).appointed_at == at(2026, 11, 19, 10)
    entry = fresh(order).timeline.get(kind="appointment_moved")
    assert (entry.note, entry.data["after"]) == ("客户改约", at(2026, 11, 19, 10).isoformat())


def test_an_appointment_moved_after_its_breach_keeps_the_breach(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = appointment(cast)
        dispatch(order, cast)
        traveller.move_to(at(2026, 11, 18, 18, 5))
        clocks_sweep()

        # when
        work_order_appointment_move(order_id=order.pk, actor=cast.clerk, appointed_at=at(2026, 11, 19, 10))

    clock = live_clock(order, ClockKind.APPOINTMENT)
    assert (clock.state, clock.breached_at, clock.due_at) == (ClockState.OVERDUE, WED_18, at(2026, 11, 19, 10))


@pytest.mark.parametrize(
    ("make", "when", "message"),
    [
        (appointment, at(2026, 11, 18, 9), "The appointed time must be in the future."),
        (lambda cast: order_make(cast), at(2026, 11, 19, 10), "This order has no appointment."),
    ],
    ids=["past", "not an appointment"],
)
def test_moving_an_appointment_is_refused_with_the_field_named(cast, make, when, message):
    with time_machine.travel(WED_10, tick=False), translation.override("en"):
        order = make(cast)
        with pytest.raises(ValidationError) as exc:
            work_order_appointment_move(order_id=order.pk, actor=cast.clerk, appointed_at=when)
    assert exc.value.message_dict == {"appointed_at": [message]}


def test_the_api_moves_an_appointment_and_names_a_bad_time(cast):
    with time_machine.travel(WED_10, tick=False):
        order = appointment(cast)
        client = APIClient()
        client.force_authenticate(cast.clerk)
        url = f"/api/v1/orders/{order.pk}/appointment/"

        bad = client.post(url, {"appointed_at": "2026-11-18T09:00:00+08:00"}, format="json")
        moved = client.post(url, {"appointed_at": "2026-11-19T10:00:00+08:00", "note": "客户改约"}, format="json")

    assert bad.status_code == 400 and "appointed_at" in bad.json()
    assert moved.status_code == 200, moved.content
    assert live_clock(order, ClockKind.APPOINTMENT).due_at == at(2026, 11, 19, 10)
