"""How holiday duty hangs on the layers below without their knowing it:

- R-CLK-HOLIDAY's warning and breach go to the people who can act on the duty order — the duty staff following it,
  the handler they told and (a breach) the shift leader — not to the order's first-contact owner, who hears of the
  breach in the next morning's digest instead (`deadlines.notices.clock_recipients_register`);
- duty staff open the order page and the API detail of an order in their duty queue although it was accepted and is
  handled elsewhere (R-HD-1, `tickets.selectors.order_visibility_grant_register`); nobody else gains anything;
- a day added to, changed in or removed from the holiday table is rostered again (R-HD-6), overrides and started
  shifts kept."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import TestCase

from deadlines.clock_models import Clock, ClockKind
from deadlines.digest import breach_digest_record
from deadlines.models import HolidayDate
from deadlines.sweep import clocks_sweep
from holiday_duty import services
from holiday_duty.models import DutyLogEntry, LogKind, RosterOverride, Rotation, RotationMember, Shift
from holiday_duty.selectors import roster_gap_days
from notifications.models import Notification
from tests.factories import UserFactory

from .conftest import at, dispatched, duty_order_of

pytestmark = pytest.mark.django_db

NIGHT = at(2026, 2, 17, 22)  # Spring Festival: a duty day


def on_commit():
    return TestCase.captureOnCommitCallbacks(execute=True)


def confirmed(world, duty, unit, **who):
    duty_order = duty_order_of(dispatched(world, unit, NIGHT - timedelta(minutes=30)))
    with time_machine.travel(NIGHT, tick=False), on_commit():
        services.duty_order_handler_confirm(duty_order_id=duty_order.id, actor=duty.duty, **who)
    return duty_order


def told(order, kind: str) -> set[str]:
    rows = Notification.objects.filter(order=order, kind=kind)
    assert set(rows.values_list("channel", flat=True)) <= {"in_app", "email"}
    return set(rows.values_list("recipient__username", flat=True))


# --- R-CLK-HOLIDAY: who hears of the 4-hour clock -----------------------------------------------------------
def test_the_holiday_clock_warns_the_duty_staff_and_the_handler_and_its_breach_the_shift_leader_too(world, duty):
    duty_order = confirmed(world, duty, duty.am_south, handler_id=duty.account_manager.id)
    order = duty_order.order
    assert order.accepted_by == world.clerk  # the first-contact owner, who has no part in holiday duty

    # when: 80 % of the 4 hours, then the due time
    with time_machine.travel(NIGHT + timedelta(hours=3, minutes=15), tick=False):
        clocks_sweep()
    with time_machine.travel(NIGHT + timedelta(hours=4, minutes=1), tick=False):
        clocks_sweep()

    # then
    assert Clock.objects.get(order=order, kind=ClockKind.HOLIDAY).breached_at == NIGHT + timedelta(hours=4)
    assert told(order, "clock_warn") == {"duty", "am"}
    assert told(order, "clock_breach") == {"duty", "am", "leader"}
    # the other clocks of the order are told as before: the first-contact owner chases the dispatch clock …
    assert not Notification.objects.filter(order=order, recipient=world.clerk, subject__contains="节假日反馈").exists()
    # … and hears of the holiday breach once, in the next morning's digest
    breach_digest_record(day=date(2026, 2, 18), now=NIGHT + timedelta(hours=10))
    digest = Notification.objects.get(kind="breach_digest", recipient=world.clerk)
    assert order.number in digest.body


def test_a_distributor_order_tells_the_duty_staff_and_the_shift_leader(world, duty):
    duty_order = confirmed(world, duty, duty.group_support, contact_id=duty.contact.id)

    for later in (timedelta(hours=3, minutes=15), timedelta(hours=4, minutes=1)):
        with time_machine.travel(NIGHT + later, tick=False):
            clocks_sweep()

    # the distributor's contact is no user (told by SMS and email when notified): nobody else is named
    assert told(duty_order.order, "clock_warn") == {"duty"}
    assert told(duty_order.order, "clock_breach") == {"duty", "leader"}


# --- R-HD-1: duty staff open the orders of their queue ------------------------------------------------------
@pytest.mark.parametrize("where", ["page", "api"])
def test_duty_staff_open_an_order_of_their_queue_and_others_still_get_404(world, duty, where):
    from rest_framework.test import APIClient

    order = duty_order_of(dispatched(world, duty.am_south, NIGHT)).order
    elsewhere = UserFactory(username="duty_elsewhere", roles=["duty_staff"], units=[world.dept_network])
    url = f"/orders/{order.id}/" if where == "page" else f"/api/v1/orders/{order.id}/"

    def status(user) -> int:
        client = APIClient()
        client.force_login(user)
        return client.get(url).status_code

    # the order was accepted in 华强北 and is handled by 南区客户经理组: outside the duty hall's subtree
    assert (order.accepting_unit, order.handling_unit) == (world.hall_south, duty.am_south)
    assert status(duty.duty) == 200
    assert status(duty.duty_peer) == 200  # the whole hall's duty staff, not only the one holding it
    assert status(elsewhere) == 404  # duty staff with no duty hall
    assert status(world.clerk_north) == 404  # a colleague of the duty hall without the duty role


def test_a_duty_order_grants_nothing_beyond_its_own_order(world, duty):
    from tickets.selectors import work_order_visible_base

    in_queue = duty_order_of(dispatched(world, duty.am_south, NIGHT)).order
    weekday = dispatched(world, duty.am_south, at(2026, 2, 24, 10))  # a Tuesday: not a duty day, not in the queue

    visible = set(work_order_visible_base(user=duty.duty).values_list("id", flat=True))

    assert in_queue.id in visible and weekday.id not in visible


# --- R-HD-6: the roster follows the holiday table -----------------------------------------------------------
NOW = at(2026, 9, 10, 12)  # a Thursday; the roster is built 30 days ahead


@pytest.fixture
def roster(duty):
    rotation = Rotation.objects.create(
        hall=duty.hall, name="节假日值班", anchor=at(2026, 9, 1, 8), shift_length=timedelta(hours=12)
    )
    RotationMember.objects.create(rotation=rotation, position=0, person=duty.duty)
    RotationMember.objects.create(rotation=rotation, position=1, person=duty.duty_peer)
    with time_machine.travel(NOW, tick=False):
        services.roster_build(hall_id=duty.hall.id, until=NOW + timedelta(days=30), now=NOW)
    return rotation


def who(duty, when) -> list[str]:
    shifts = Shift.objects.filter(hall=duty.hall, starts_at__lte=when, ends_at__gt=when)
    return sorted(shifts.values_list("person__username", flat=True))


def others(duty, day: date) -> set[int]:
    start = at(day.year, day.month, day.day)
    return set(
        Shift.objects.filter(hall=duty.hall).exclude(starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
        .values_list("id", flat=True)
    )  # fmt: skip


def test_a_closure_added_in_the_admin_is_rostered_with_its_overrides(duty, roster, admin_client):
    # given: 10-09 is an ordinary Friday (no duty, nobody rostered), and the shift leader has already put
    # himself in the morning duty person's place that day
    with time_machine.travel(NOW, tick=False):
        services.roster_override_add(
            hall_id=duty.hall.id, actor=duty.leader, kind="replace", person_id=duty.leader.id,
            replaces_id=duty.duty.id, starts_at=at(2026, 10, 9, 8), ends_at=at(2026, 10, 9, 14),
        )  # fmt: skip
    assert who(duty, at(2026, 10, 9, 9)) == []
    kept = others(duty, date(2026, 10, 9))

    # when: an administrator adds a one-off closure on that day
    with time_machine.travel(NOW, tick=False), on_commit():
        answer = admin_client.post(
            "/admin/deadlines/holidaydate/add/", {"date": "2026-10-09", "kind": "closure", "name": "台风停业"}
        )
    assert answer.status_code == 302, answer.content.decode()[:2000]

    # then: the day is rostered from the rotation, the override applied; nothing else was rewritten
    assert who(duty, at(2026, 10, 9, 9)) == ["leader"]
    assert who(duty, at(2026, 10, 9, 15)) == ["duty"]
    assert who(duty, at(2026, 10, 9, 21)) == ["duty_peer"]
    assert others(duty, date(2026, 10, 9)) == kept
    assert date(2026, 10, 9) not in roster_gap_days(hall=duty.hall, today=date(2026, 10, 1))  # no gap to warn of
    assert RosterOverride.objects.count() == 1
    rebuilt = DutyLogEntry.objects.filter(kind=LogKind.ROSTER, key__startswith="roster-day-")
    # the day's four shifts: 00–08 duty_peer, 08–14 leader, 14–20 duty, 20–24 duty_peer (the admin speaks Chinese)
    assert [entry.text for entry in rebuilt] == ["节假日表已变更，2026-10-09 的排班已重新生成：共 4 个班次。"]


def test_a_day_that_stops_being_a_duty_day_loses_its_shifts_except_the_one_under_way(duty, roster):
    # given: National Day, 10-02 09:00, the morning shift has begun
    during = at(2026, 10, 2, 9)
    assert who(duty, during) == ["duty"]
    kept = others(duty, date(2026, 10, 2))

    # when: the day is removed from the holiday table (say, entered by mistake): a Friday, so a working day
    with time_machine.travel(during, tick=False), on_commit():
        HolidayDate.objects.get(date=date(2026, 10, 2)).delete()

    # then: the shift under way stays as it is worked; the evening is no longer rostered; other days untouched
    assert who(duty, during) == ["duty"]
    assert who(duty, at(2026, 10, 2, 21)) == []
    assert others(duty, date(2026, 10, 2)) == kept


def test_moving_a_day_rosters_both_the_day_it_left_and_the_day_it_took(duty, roster):
    row = HolidayDate.objects.create(date=date(2026, 10, 9), kind=HolidayDate.Kind.CLOSURE, name="停业")
    with time_machine.travel(NOW, tick=False), on_commit():
        row.save()  # a save with nothing changed rebuilds the day once more and changes nothing
    assert who(duty, at(2026, 10, 9, 9)) == ["duty"]
    before = set(Shift.objects.values_list("person_id", "starts_at", "ends_at"))
    with time_machine.travel(NOW, tick=False), on_commit():
        row.save()
    assert set(Shift.objects.values_list("person_id", "starts_at", "ends_at")) == before  # idempotent

    with time_machine.travel(NOW, tick=False), on_commit():
        row.date = date(2026, 10, 16)
        row.save()

    assert who(duty, at(2026, 10, 9, 9)) == []
    assert who(duty, at(2026, 10, 16, 9)) == ["duty"]
