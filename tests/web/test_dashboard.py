"""The dashboard (R-RP-1 first slice): today's intake by type and channel, open orders by state, overdue
clocks by kind and this week's timeliness, as SVG bars with their numbers, over what the user may see."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from deadlines.clock_models import Clock
from tests.factories import work_order_at, work_order_make
from tickets import reports
from tickets.models import OrderState

pytestmark = pytest.mark.django_db


def bars(rows) -> dict[str, float]:
    return {row.key: row.value for row in rows}


def test_intake_today_by_type_and_channel(world):
    work_order_make(actor=world.clerk)
    work_order_make(actor=world.clerk, accepted_number="13900000001", channel="visit", visit_confirmed=True)
    work_order_make(
        actor=world.clerk, accepted_number="13900000002", order_type="consultation",
        call_reason_id=world.call_reason.id, handling_method="record",
    )  # fmt: skip
    now = timezone.now()

    by_type = bars(reports.intake_today_by_type(user=world.dispatcher, now=now))
    by_channel = bars(reports.intake_today_by_channel(user=world.dispatcher, now=now))

    assert (by_type["complaint"], by_type["consultation"], by_type["suggestion"]) == (2, 1, 0)
    assert (by_channel["phone"], by_channel["visit"]) == (2, 1)
    assert bars(reports.intake_today_by_type(user=world.dispatcher, now=now + timedelta(days=1)))["complaint"] == 0


def test_open_orders_by_state_only_what_the_user_sees(world):
    work_order_at(OrderState.PROCESSING, world=world)
    work_order_make(actor=world.clerk_north, accepted_number="13900000003")

    everything = bars(reports.open_by_state(user=world.dispatcher))
    south = bars(reports.open_by_state(user=world.clerk))

    assert (everything["processing"], everything["accepted"]) == (1, 1)
    assert (south["processing"], south["accepted"]) == (1, 0)
    assert "closed" not in everything


def test_overdue_and_timeliness_by_clock_kind(world, clocks):
    order = work_order_at(OrderState.DISPATCHED, world=world)  # dispatch clock met, entry met
    late = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000004")
    Clock.objects.filter(order=late, kind="dispatch").update(state="breached", breached_at=timezone.now())
    Clock.objects.filter(order=order, kind="handle").update(state="overdue", breached_at=timezone.now())
    now = timezone.now()

    overdue = bars(reports.overdue_by_clock_kind(user=world.dispatcher))
    timeliness = {
        row.key: (row.value, row.note) for row in reports.timeliness_this_week(user=world.dispatcher, now=now)
    }

    assert overdue == {"handle": 1}
    assert timeliness["dispatch"] == (50.0, "1 / 2")
    assert timeliness["entry"] == (100.0, "2 / 2")


def test_the_dashboard_page_draws_bars_with_numbers(world, login):
    work_order_make(actor=world.clerk)
    html = login(world.clerk).get("/").content.decode()
    assert html.count("<svg") >= 3
    assert "今日受理（按类型）" in html and "本周及时率（按时限种类）" in html
    assert re.search(r'class="num"[^>]*>1</text>', html)
    assert 'data-queue="follow_ups"' in html
