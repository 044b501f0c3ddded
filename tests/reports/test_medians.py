"""The median lateness computed by PostgreSQL (percentile_cont) equals the one Python walks out of the counts, on
groups of odd and of even size, from tallied and raw rows together; and a month only partly inside a period,
read as its month rows less the days outside, gives the same report as a direct count (R-RP-1)."""

from datetime import date, timedelta

import pytest
import time_machine

from deadlines.clock_models import Clock, ClockState
from reports.models import LatenessDayTally, TallyDay
from reports.periods import period_range
from reports.selectors import report_build, report_scope
from reports.services import daily_tallies_ensure
from reports.sources import Scope, lateness_medians, period_plan
from tests.reports.data import AFTER, november_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def november(world, clocks):
    return november_build(world)


def lateness_data(world, november):
    """Nov 3 and Nov 4 counted by hand; the rest of November raw, where the one breached clock is 9,000 s late."""
    assert november.late_clock.order.handling_unit_id == world.dept_billing.pk
    assert november.late_clock.stopped_at - november.late_clock.due_at == timedelta(seconds=9000)
    for day in (date(2026, 11, 3), date(2026, 11, 4)):
        TallyDay.objects.create(day=day, counted_at=AFTER)
    south, north, billing = world.hall_south, world.hall_north, world.dept_billing
    rows = [  # (day, kind, accepting, handling, seconds, n)
        (3, "dispatch", south, billing, 100, 1),
        (4, "dispatch", south, billing, 300, 2),
        (3, "dispatch", north, None, 200, 1),
        (3, "handle", south, billing, 50, 1),
        (3, "handle", south, billing, 70, 1),
        (4, "handle", south, billing, 90, 1),
        (4, "handle", south, billing, 110, 1),
    ]
    LatenessDayTally.objects.bulk_create(
        LatenessDayTally(day=date(2026, 11, d), kind=k, accepting_unit=a, handling_unit=h, seconds=s, n=n)
        for d, k, a, h, s, n in rows
    )
    # by kind — dispatch: 100 200 300 300 9000 (odd) → 300; handle: 50 70 90 110 (even) → 80
    # by unit — dept_billing: 50 70 90 100 110 300 300 9000 (even) → 105; hall_north: 200 (odd) → 200
    by_kind = {"dispatch": 300.0, "handle": 80.0}
    by_unit = {billing.pk: 105.0, north.pk: 200.0}
    return by_kind, by_unit


def test_python_median_of_odd_and_even_groups(world, november):
    expected = lateness_data(world, november)
    plan = period_plan(first=date(2026, 11, 1), last=date(2026, 11, 30))
    assert plan.tallied_days == ((date(2026, 11, 3), date(2026, 11, 4)),) and plan.raw_days
    assert lateness_medians(plan=plan, scope=Scope(), in_sql=False) == expected


@pytest.mark.postgres(reason="percentile_cont is PostgreSQL's")
def test_sql_median_equals_the_python_median(world, november):
    # given tallied and raw lateness in groups of odd and even size
    expected = lateness_data(world, november)
    plan = period_plan(first=date(2026, 11, 1), last=date(2026, 11, 30))
    # when PostgreSQL computes the medians, and Python does
    in_sql = lateness_medians(plan=plan, scope=Scope(), in_sql=True)
    in_python = lateness_medians(plan=plan, scope=Scope(), in_sql=False)
    # then both are the written answer
    assert in_sql == in_python == expected
    # and within a unit's scope too (the north hall: its one dispatch clock); on days with no breach, nothing
    north = Scope(frozenset({world.hall_north.pk}))
    assert lateness_medians(plan=plan, scope=north, in_sql=True) == ({"dispatch": 200.0}, {world.hall_north.pk: 200.0})
    assert lateness_medians(plan=plan, scope=north, in_sql=False) == ({"dispatch": 200.0}, {world.hall_north.pk: 200.0})
    quiet = period_plan(first=date(2026, 10, 1), last=date(2026, 10, 31))
    assert lateness_medians(plan=quiet, scope=Scope(), in_sql=True) == ({}, {})


def test_a_month_partly_inside_is_its_month_rows_less_the_days_outside(world, november):
    # given the north order's dispatch clock (Nov 20) breached 9,000 s late, as late as the breach of Nov 30: the
    # month row counts that lateness twice, Nov 30's day row once
    clock = Clock.objects.get(order=november.north, kind="dispatch")
    due = clock.stopped_at - timedelta(seconds=9000)
    Clock.objects.filter(pk=clock.pk).update(state=ClockState.BREACHED, due_at=due, breached_at=due)
    with time_machine.travel(AFTER, tick=False):
        # and every finished day counted, November rolled up into month rows
        daily_tallies_ensure(first=date(2026, 10, 1), last=date(2026, 12, 2))
        # when November 2–29 is reported: November's month rows less Nov 1 and Nov 30 (the 23:30 order and the
        # breach at 23:59:59 are Nov 30's, so not counted)
        plan = period_plan(first=date(2026, 11, 2), last=date(2026, 11, 29))
        assert plan.sum_months == (date(2026, 11, 1),)
        assert plan.less_days == ((date(2026, 11, 1), date(2026, 11, 1)), (date(2026, 11, 30), date(2026, 11, 30)))
        period = period_range(date(2026, 11, 2), date(2026, 11, 29))
        for unit in (None, world.hall_south.pk, world.dept_billing.pk):
            scope = report_scope(user=world.dispatcher, unit_id=unit)
            tallied = report_build(user=world.dispatcher, period=period, scope=scope)
            direct = report_build(user=world.dispatcher, period=period, scope=scope, live_only=True)
            # then every figure equals the direct count
            assert [s.as_dict() for s in tallied.sections] == [s.as_dict() for s in direct.sections], unit
        tallied = report_build(user=world.dispatcher, period=period, scope=report_scope(user=world.dispatcher,
                                                                                          unit_id=None))  # fmt: skip
    volumes = next(s for s in tallied.sections if s.key == "volumes")
    flags = next(t for t in volumes.tables if t.key == "flags")
    assert flags.rows[0].values == [4, 0, None]  # Nov 10, 12 (two), 20; not Nov 30's
    timeliness = next(s for s in tallied.sections if s.key == "timeliness")
    dispatch = next(r for r in timeliness.tables[0].rows if r.key == "dispatch")
    # met: the closed and unsatisfied orders' (Nov 10, 12); breached: Nov 20's, 150 min late; Nov 30's is outside
    assert dispatch.values == [2, 1, 66.7, 150.0]
    scope = report_scope(user=world.dispatcher, unit_id=None)
    assert lateness_medians(plan=plan, scope=scope, in_sql=False) == (
        {"dispatch": 9000.0},
        {world.dept_billing.pk: 9000.0},
    )
