"""This week's timeliness rate (R-RP-1) reads finished hours from the hourly tallies and the rest from the clocks:
the numbers must be the same as counting every clock stopped this week, over what the user may see."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Count, Q

from deadlines.clock_models import Clock, ClockState
from tests.clocks.conftest import sessions_waiting_for_a_lock, wait_for
from tests.factories import UserFactory, work_order_at, work_order_make
from tickets import reports
from tickets.models import ClockHourTally, ClockTallyHour, OrderState
from tickets.services import tallies
from tickets.tasks import clock_tallies_count_task

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=SHANGHAI)
FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)
MONDAY = datetime(2026, 11, 16, tzinfo=SHANGHAI)


def rates(user, now) -> dict[str, str]:
    return {row.key: row.note for row in reports.timeliness_this_week(user=user, now=now)}


def counted_the_slow_way(clocks) -> dict[str, str]:
    rows = (
        clocks.filter(stopped_at__gte=MONDAY, state__in=[ClockState.MET, ClockState.BREACHED])
        .values("kind")
        .annotate(met=Count("id", filter=Q(state=ClockState.MET)), total=Count("id"))
    )
    return {row["kind"]: f"{row['met']} / {row['total']}" for row in rows}


def a_week_of_orders(world) -> None:
    """Wednesday: two orders dispatched, one of them late; Thursday: one from the north hall; Friday: one more."""
    with time_machine.travel(WEDNESDAY, tick=False):
        work_order_at(OrderState.DISPATCHED, world=world)
        late = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000004")
        Clock.objects.filter(order=late, kind="dispatch").update(state=ClockState.BREACHED, breached_at=WEDNESDAY)
    with time_machine.travel(THURSDAY, tick=False):
        work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000005")
        work_order_make(actor=world.clerk_north, accepted_number="13900000006")  # the north hall's
    with time_machine.travel(FRIDAY.replace(hour=9), tick=False):
        work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000007")


def test_finished_hours_are_counted_once_and_give_the_same_numbers(world, clocks):
    # given a week with clocks stopped on Wednesday, Thursday and Friday morning
    a_week_of_orders(world)

    with time_machine.travel(FRIDAY, tick=False):
        # when the dispatcher (branch level) opens the dashboard at 15:00 on Friday, with no counting done by beat
        assert not ClockTallyHour.objects.exists()
        shown = rates(world.dispatcher, FRIDAY)

        # then every hour from Monday 00:00 to 14:00 was counted once (14:00–15:00 ended less than 5 min ago)
        hours = list(ClockTallyHour.objects.order_by("hour").values_list("hour", flat=True))
        assert (len(hours), hours[0], hours[-1]) == (4 * 24 + 14, MONDAY, FRIDAY.replace(hour=13))
        assert ClockTallyHour.objects.get(hour=WEDNESDAY).clocks == 4  # two entry clocks, two dispatch clocks
        # and the numbers are the slow count's
        assert shown == counted_the_slow_way(Clock.objects.all())
        assert shown["dispatch"] == "3 / 4"

        # and a second look counts nothing again
        tally_rows = ClockHourTally.objects.count()
        assert rates(world.dispatcher, FRIDAY) == shown
        assert ClockHourTally.objects.count() == tally_rows


def test_the_latest_hours_are_counted_live(world, clocks):
    a_week_of_orders(world)
    with time_machine.travel(FRIDAY.replace(hour=9, minute=3), tick=False):
        # 08:00–09:00 ended less than 5 minutes ago: it and the running hour (Friday's order) are read live
        assert rates(world.dispatcher, FRIDAY.replace(hour=9, minute=3))["dispatch"] == "3 / 4"
        assert not ClockTallyHour.objects.filter(hour__gte=FRIDAY.replace(hour=8)).exists()


def test_counted_days_are_filtered_by_what_the_user_sees(world, clocks):
    a_week_of_orders(world)

    with time_machine.travel(FRIDAY, tick=False):
        south, north = rates(world.clerk, FRIDAY), rates(world.clerk_north, FRIDAY)

    # the north hall's order has only its entry clock (stopped Thursday, a counted hour)
    assert north == {"entry": "1 / 1"}
    assert south == counted_the_slow_way(Clock.objects.exclude(order__accepting_unit=world.hall_north))
    assert south["entry"] == "4 / 4"


def test_beat_counts_finished_hours_only_once(world, clocks):
    a_week_of_orders(world)

    with time_machine.travel(FRIDAY, tick=False):
        assert clock_tallies_count_task() == 8 * 24 - 1  # the 8 days back, to 14:00
        assert clock_tallies_count_task() == 0
        with pytest.raises(ValueError, match="has not finished"):
            tallies.clock_tally_count_hour(hour=FRIDAY.replace(hour=14))
        with pytest.raises(ValueError, match="not the start of an hour"):
            tallies.clock_tally_count_hour(hour=WEDNESDAY + timedelta(minutes=30))
        assert not ClockTallyHour.objects.filter(hour=FRIDAY.replace(hour=14)).exists()


def test_a_recount_replaces_the_hours_rows(world, clocks):
    a_week_of_orders(world)
    with time_machine.travel(FRIDAY, tick=False):
        clock_tallies_count_task()
        Clock.objects.filter(kind="dispatch", state=ClockState.BREACHED).update(state=ClockState.MET)  # a correction

        assert tallies.clock_tally_recount_hour(hour=WEDNESDAY) == 4
        assert rates(world.dispatcher, FRIDAY)["dispatch"] == "4 / 4"


@pytest.mark.postgres(reason="two counters in parallel need real transactions and row locks")
@pytest.mark.django_db(transaction=True)
def test_two_counters_of_one_hour_count_it_once(world, clocks, monkeypatch):
    """The hour's marker row is the lock: the second counter waits on its key, then gives up, rows and all."""
    a_week_of_orders(world)
    inside, release = threading.Event(), threading.Event()
    bulk_create = ClockHourTally.objects.bulk_create

    def held_open(objs, **kwargs):
        created = bulk_create(objs, **kwargs)
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(10)
        return created

    monkeypatch.setattr(ClockHourTally.objects, "bulk_create", held_open)
    outcome = {}

    def count(name):
        try:
            with time_machine.travel(FRIDAY, tick=False):
                outcome[name] = tallies.clock_tally_count_hour(hour=WEDNESDAY)
        finally:
            connection.close()

    first = threading.Thread(target=count, args=("first",), name="first")
    first.start()
    assert inside.wait(10), "the first counter did not reach its rows"
    second = threading.Thread(target=count, args=("second",), name="second")
    second.start()
    wait_for(sessions_waiting_for_a_lock, timeout=10, what="the second counter to wait on the hour's key")
    release.set()
    first.join(10)
    second.join(10)

    assert outcome == {"first": True, "second": False}
    assert ClockTallyHour.objects.get(hour=WEDNESDAY).clocks == 4
    assert sum(ClockHourTally.objects.filter(hour=WEDNESDAY).values_list("total", flat=True)) == 4


def test_an_administrator_counts_an_hour_again_from_the_admin(world, clocks, client):
    a_week_of_orders(world)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    with time_machine.travel(FRIDAY, tick=False):
        clock_tallies_count_task()
        Clock.objects.filter(kind="dispatch", state=ClockState.BREACHED).update(state=ClockState.MET)

        response = client.post(
            "/admin/tickets/clocktallyhour/",
            {"action": "recount", "_selected_action": [WEDNESDAY.isoformat()]},
            follow=True,
        )

        assert response.status_code == 200
        assert rates(world.dispatcher, FRIDAY)["dispatch"] == "4 / 4"
