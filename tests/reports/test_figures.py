"""Every order-based figure of the report (R-RP-1) against a hand-built November whose answers are written here;
the period's edges in Asia/Shanghai, not UTC; tallies and live counting give the same report."""

from datetime import date

import pytest
import time_machine

from reports.models import TallyDay
from reports.periods import period_containing, period_range
from reports.selectors import report_build, report_scope
from reports.services import daily_tallies_ensure
from tests.reports.data import AFTER, november_build

pytestmark = pytest.mark.django_db

NOVEMBER = period_containing("month", date(2026, 11, 15))


def table(report, section: str, key: str) -> dict[str, list]:
    found = next(s for s in report.sections if s.key == section)
    rows = next(t for t in found.tables if t.key == key).rows
    return {row.key: row.values for row in rows}


def build(user, period=NOVEMBER, unit_id=None, live_only=False):
    scope = report_scope(user=user, unit_id=unit_id)
    return report_build(user=user, period=period, scope=scope, audience="branch", live_only=live_only)


@pytest.fixture
def november(world, clocks):
    return november_build(world)


def test_volumes_of_the_month_by_type_channel_and_flags(world, november):
    # given five orders accepted in November (local time) and one at 07:30 on Dec 1 local (still Nov 30 in UTC)
    with time_machine.travel(AFTER, tick=False):
        # when the branch (the dispatcher sees all) reads November
        report = build(world.dispatcher)
    # then the Dec 1 07:30 order is December's, the Nov 30 23:30 one November's
    flags = table(report, "volumes", "flags")
    assert flags["total"] == [5, 0, None]
    assert table(report, "volumes", "type")["complaint"][0] == 5
    assert table(report, "volumes", "channel") == {"phone": [4, 0, None], "visit": [1, 0, None]}
    assert flags["is_repeat"][0] == 1 and flags["is_batch"][0] == 1
    assert "is_major" not in flags
    assert table(report, "volumes", "urgency") == {"normal": [5, 0, None]}


def test_december_counts_the_order_of_0730_local_time(world, november):
    with time_machine.travel(AFTER, tick=False):
        report = build(world.dispatcher, period=period_containing("month", date(2026, 12, 1)))
    assert table(report, "volumes", "flags")["total"] == [1, 5, -80.0]


def test_first_contact_resolution_and_repeat_rate(world, november):
    with time_machine.travel(AFTER, tick=False):
        report = build(world.dispatcher)
    # one of five was answered on the spot (直接答复)
    assert table(report, "first_contact", "by_type")["all"] == [1, 5, 20.0]
    assert table(report, "first_contact", "by_type")["complaint"] == [1, 5, 20.0]
    # one repeat complaint among five complaints; it is the north hall's only one
    repeat = table(report, "repeats", "repeat")
    assert repeat["all"] == [1, 5, 20.0]
    assert repeat[str(world.hall_north.pk)] == [1, 1, 100.0]
    assert repeat[str(world.hall_south.pk)] == [0, 4, 0.0]
    # two urges on the north order, which the dispatcher had dispatched to dept_billing
    assert table(report, "repeats", "urges") == {"all": [2], str(world.dept_billing.pk): [2]}


def test_satisfaction_counts_each_callback_once(world, november):
    with time_machine.travel(AFTER, tick=False):
        report = build(world.dispatcher)
    by_unit = table(report, "satisfaction", "by_unit")
    # satisfied, basically satisfied, unsatisfied, unreachable, rate
    assert by_unit == {str(world.dept_billing.pk): [1, 0, 1, 0, 50.0]}


def test_timeliness_with_a_breach_at_235959_of_the_last_day(world, november):
    with time_machine.travel(AFTER, tick=False):
        report = build(world.dispatcher)
        december = build(world.dispatcher, period=period_containing("month", date(2026, 12, 1)))
    dispatch = table(report, "timeliness", "by_kind")["dispatch"]
    # four orders were dispatched in November; last_minute's clock was breached, 2 h 30 min late → 150.0 min
    assert dispatch == [3, 1, 75.0, 150.0]
    assert table(december, "timeliness", "by_kind")["dispatch"] == [0, 0, None, None]


def test_tallied_and_live_counting_give_the_same_report(world, november):
    with time_machine.travel(AFTER, tick=False):
        live = build(world.dispatcher, period=period_range(date(2026, 11, 1), date(2026, 12, 2)), live_only=True)
        assert not TallyDay.objects.exists()
        daily_tallies_ensure(first=date(2026, 10, 1), last=date(2026, 12, 2))
        assert TallyDay.objects.filter(day=date(2026, 11, 30)).exists()
        assert not TallyDay.objects.filter(day=date(2026, 12, 2)).exists()  # today is counted live
        tallied = build(world.dispatcher, period=period_range(date(2026, 11, 1), date(2026, 12, 2)))
        assert TallyDay.objects.get(day=date(2026, 11, 30)).orders == 1
    assert [s.as_dict() for s in tallied.sections] == [s.as_dict() for s in live.sections]


def test_random_periods_and_units_tallied_equal_a_direct_count(world, november):
    # given every finished day counted into tallies (today, Dec 2, stays live)
    import random

    rng = random.Random(20261202)
    units = [None, world.hall_south.pk, world.hall_north.pk, world.dept_billing.pk, world.south.pk]
    with time_machine.travel(AFTER, tick=False):
        daily_tallies_ensure(first=date(2026, 10, 1), last=date(2026, 12, 2))
        for _ in range(8):
            # when a random range and unit is reported from tallies and counted directly from the raw rows
            first = date(2026, 11, 1).toordinal() + rng.randrange(0, 30)
            last = min(first + rng.randrange(0, 40), date(2026, 12, 2).toordinal())
            period = period_range(date.fromordinal(first), date.fromordinal(last))
            unit = rng.choice(units)
            tallied = build(world.dispatcher, period=period, unit_id=unit)
            direct = build(world.dispatcher, period=period, unit_id=unit, live_only=True)
            # then every figure is the same
            assert [s.as_dict() for s in tallied.sections] == [s.as_dict() for s in direct.sections], (period, unit)


def test_a_hall_managers_report_counts_only_their_subtree(world, november):
    from reports.selectors import UnitNotVisible

    with time_machine.travel(AFTER, tick=False):
        # given the south hall's store manager, who sees the south hall's orders only
        report = build(world.store_manager)
        # then the north hall's order (and its urges) are not counted
        assert table(report, "volumes", "flags")["total"] == [4, 0, None]
        assert table(report, "repeats", "urges") == {"all": [0]}
        # and choosing the north hall is refused like a unit that does not exist
        with pytest.raises(UnitNotVisible):
            report_scope(user=world.store_manager, unit_id=world.hall_north.pk)
        with pytest.raises(UnitNotVisible):
            report_scope(user=world.store_manager, unit_id=999999)
        # and the branch choosing the north hall counts that hall's order alone
        north = build(world.dispatcher, unit_id=world.hall_north.pk)
        assert table(north, "volumes", "flags")["total"] == [1, 0, None]


def test_the_person_half_of_visibility_is_counted_live(world, november):
    # given the handler at dept_billing: dept_billing's orders, and none accepted elsewhere that they handle
    # outside it — give them one: the north order's handler becomes `handler_network`'s peer at another unit
    from tickets.models import WorkOrder

    WorkOrder.objects.filter(pk=november.north.pk).update(handling_unit=world.dept_network, assignee=world.handler)
    with time_machine.travel(AFTER, tick=False):
        daily_tallies_ensure(first=date(2026, 10, 1), last=date(2026, 12, 1))
        report = build(world.handler)
        direct = build(world.handler, live_only=True)
    # then the order they handle at dept_network counts for them though dept_network is not their unit
    assert table(report, "volumes", "flags")["total"] == [4, 0, None]  # 3 of dept_billing + the north one
    assert [s.as_dict() for s in report.sections] == [s.as_dict() for s in direct.sections]
