"""The reports' tariff-dispute section (R-RP-1) counts what this app records: the recharge/password complaint
statistics (R-TD-7) of the disputes the reader sees, and sums of yuan as Decimal with two places (R-TD-6)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from reports.domains import tariff_disputes as tariff_section
from reports.periods import period_containing
from reports.selectors import report_scope
from tariff_disputes import services

from .conftest import dispute_verifying

pytestmark = pytest.mark.django_db


def section_tables(user) -> dict:
    period = period_containing("month", timezone.localdate())
    section = tariff_section(user=user, period=period, scope=report_scope(user=user, unit_id=None))
    return {table.key: {row.key: row.values for row in table.rows} for table in section.tables}


def test_the_report_counts_recharge_card_cases_the_reader_sees(world, fee_order):
    dispute_verifying(world, fee_order, recharge_card=True, card_bought_here=True)
    dispute_verifying(world, fee_order, amount="10.00")  # not a recharge-card case
    services.dispute_create(
        actor=world.clerk, source="internal_check", customer_number="13900001111", billing_period="2026-09",
        disputed_amount="20.00", charge_items="充值卡", recharge_card=True, card_bought_here=False,
    )  # fmt: skip

    cards = section_tables(world.clerk)["recharge_cards"]
    assert cards == {"total": [2], "bought_here": [1], "bought_elsewhere": [1], "internal_checks": [1]}
    assert section_tables(world.clerk_north)["recharge_cards"]["total"] == [0]  # another hall sees none of them


def test_sums_of_yuan_are_decimals_with_two_places(world):
    refunded = section_tables(world.clerk)["summary"]["refunded"]
    assert refunded == [Decimal("0.00")] and isinstance(refunded[0], Decimal)
