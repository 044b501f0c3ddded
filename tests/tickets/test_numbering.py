"""R-WO-8: human-readable numbers, type prefix + local (Asia/Shanghai) date + daily sequence."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.factories import another_number, work_order_make
from tickets.models import OrderNumberSequence

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_number_is_prefix_local_date_and_four_digit_sequence(world):
    with time_machine.travel(datetime(2026, 11, 21, 9, 30, tzinfo=SHANGHAI), tick=False):
        order = work_order_make(actor=world.clerk)

    assert re.fullmatch(r"TS\d{8}\d{4}", order.number)
    assert order.number == "TS202611210001"


def test_date_part_is_the_shanghai_date_not_utc(world):
    # 2026-11-20 16:30 UTC is already 00:30 on the 21st in Shanghai.
    with time_machine.travel(datetime(2026, 11, 20, 16, 30, tzinfo=UTC), tick=False):
        order = work_order_make(actor=world.clerk)

    assert order.number == "TS202611210001"


def test_sequence_counts_up_within_a_day_and_restarts_the_next_day(world):
    with time_machine.travel(datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI), tick=False):
        first = work_order_make(actor=world.clerk)
    with time_machine.travel(datetime(2026, 11, 21, 23, 59, tzinfo=SHANGHAI), tick=False):
        second = work_order_make(actor=world.clerk, accepted_number=another_number())
    with time_machine.travel(datetime(2026, 11, 22, 0, 1, tzinfo=SHANGHAI), tick=False):
        next_day = work_order_make(actor=world.clerk, accepted_number=another_number())

    assert [first.number, second.number, next_day.number] == ["TS202611210001", "TS202611210002", "TS202611220001"]


def test_each_order_type_has_its_own_prefix_and_counter(world):
    with time_machine.travel(datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI), tick=False):
        complaint = work_order_make(actor=world.clerk)
        consultation = work_order_make(
            actor=world.clerk, order_type="consultation", handling_method="record", call_reason_id=world.call_reason.id
        )
        appointment = work_order_make(
            actor=world.clerk, order_type="appointment", appointed_at=datetime(2026, 11, 22, 10, tzinfo=SHANGHAI)
        )
        business = work_order_make(actor=world.clerk, order_type="business", business_item_id=world.business_item.id)
        suggestion = work_order_make(actor=world.clerk, order_type="suggestion", handling_method="record")
        second_complaint = work_order_make(actor=world.clerk, accepted_number=another_number())

    assert [o.number for o in (complaint, consultation, appointment, business, suggestion, second_complaint)] == [
        "TS202611210001",
        "ZX202611210001",
        "YY202611210001",
        "YW202611210001",
        "JY202611210001",
        "TS202611210002",
    ]


def test_refused_creation_does_not_use_up_a_number(world):
    with time_machine.travel(datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI), tick=False):
        work_order_make(actor=world.clerk)
        with pytest.raises(ValidationError):
            work_order_make(actor=world.clerk, accepted_number="bad")
        after = work_order_make(actor=world.clerk, accepted_number=another_number())

    assert after.number == "TS202611210002"


def test_sequence_past_9999_grows_a_digit_and_stays_unique(world):
    with time_machine.travel(datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI), tick=False):
        work_order_make(actor=world.clerk)
        OrderNumberSequence.objects.filter(prefix="TS").update(last_value=9999)
        order = work_order_make(actor=world.clerk, accepted_number=another_number())

    assert order.number == "TS2026112110000"
