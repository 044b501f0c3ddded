"""R-HD-6: rotations → shifts on duty days, overrides (add / remove / replace; overlaps refused, by the database on
PostgreSQL), past shifts immutable, swaps with the colleague's consent (seed 003 一.7), the roster-gap warning 14
days ahead (daily task, once)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from holiday_duty import services
from holiday_duty.models import RosterGap, RosterOverride, Rotation, RotationMember, Shift, ShiftStarted
from holiday_duty.services.common import DutyRefused
from holiday_duty.tasks import roster_extend_task, roster_gaps_warn_task
from notifications.models import Notification

from .conftest import at, dispatched, duty_order_of

pytestmark = pytest.mark.django_db

NOW = at(2026, 9, 10, 12)  # a Thursday before Mid-Autumn (09-25 … 09-27) and National Day (10-01 … 10-07)


@pytest.fixture
def rotation(duty):
    rotation = Rotation.objects.create(
        hall=duty.hall, name="节假日值班", anchor=at(2026, 9, 1, 8), shift_length=timedelta(hours=12)
    )
    RotationMember.objects.create(rotation=rotation, position=0, person=duty.duty)
    RotationMember.objects.create(rotation=rotation, position=1, person=duty.duty_peer)
    return rotation


def build(duty, now=NOW, until=None):
    with time_machine.travel(now, tick=False):
        return services.roster_build(hall_id=duty.hall.id, until=until or now + timedelta(days=30), now=now)


def who(duty, when) -> list[str]:
    return sorted(
        s.person.username for s in Shift.objects.filter(hall=duty.hall, starts_at__lte=when, ends_at__gt=when)
    )


def test_a_rotation_gives_twelve_hour_shifts_on_duty_days_only(duty, rotation):
    build(duty)

    assert who(duty, at(2026, 10, 1, 9)) == ["duty"]
    assert who(duty, at(2026, 10, 1, 21)) == ["duty_peer"]
    assert who(duty, at(2026, 10, 2, 9)) == ["duty"]
    assert who(duty, at(2026, 10, 10, 9)) == []  # the make-up Saturday is worked: no duty
    assert who(duty, at(2026, 10, 9, 9)) == []  # an ordinary Friday


def test_an_order_landing_goes_to_the_person_on_shift(world, duty, rotation):
    build(duty)
    duty_order = duty_order_of(dispatched(world, duty.am_south, at(2026, 10, 1, 22)))
    assert (duty_order.owner, duty_order.owner_is_fallback) == (duty.duty_peer, False)


def test_overrides_add_remove_and_replace_for_a_period(duty, rotation):
    build(duty)
    with time_machine.travel(NOW, tick=False):
        services.roster_override_add(
            hall_id=duty.hall.id,
            actor=duty.leader,
            kind="replace",
            person_id=duty.leader.id,
            replaces_id=duty.duty.id,
            starts_at=at(2026, 10, 2, 8),
            ends_at=at(2026, 10, 2, 14),
        )
        services.roster_override_add(
            hall_id=duty.hall.id,
            actor=duty.leader,
            kind="remove",
            person_id=duty.duty_peer.id,
            starts_at=at(2026, 10, 2, 20),
            ends_at=at(2026, 10, 3, 8),
        )
        services.roster_override_add(hall_id=duty.hall.id, actor=duty.leader, kind="add", person_id=duty.leader.id,
                                     starts_at=at(2026, 10, 3, 8), ends_at=at(2026, 10, 3, 12))  # fmt: skip

    assert who(duty, at(2026, 10, 2, 9)) == ["leader"]
    assert who(duty, at(2026, 10, 2, 15)) == ["duty"]
    assert who(duty, at(2026, 10, 2, 21)) == []
    assert who(duty, at(2026, 10, 3, 9)) == ["duty", "leader"]


def test_overlapping_overrides_of_one_person_are_refused(duty, rotation):
    with time_machine.travel(NOW, tick=False):
        services.roster_override_add(hall_id=duty.hall.id, actor=duty.leader, kind="remove", person_id=duty.duty.id,
                                     starts_at=at(2026, 10, 2, 8), ends_at=at(2026, 10, 2, 20))  # fmt: skip
        with pytest.raises(ValidationError) as error:
            services.roster_override_add(hall_id=duty.hall.id, actor=duty.leader, kind="add", person_id=duty.duty.id,
                                         starts_at=at(2026, 10, 2, 19), ends_at=at(2026, 10, 2, 22))  # fmt: skip
    assert "starts_at" in error.value.message_dict


@pytest.mark.postgres(reason="the exclusion constraint is PostgreSQL's")
def test_the_database_refuses_overlapping_overrides_too(duty):
    row = dict(hall=duty.hall, kind="add", person=duty.duty, created_by=duty.leader)
    RosterOverride.objects.create(**row, starts_at=at(2026, 10, 2, 8), ends_at=at(2026, 10, 2, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        RosterOverride.objects.create(**row, starts_at=at(2026, 10, 2, 19), ends_at=at(2026, 10, 2, 22))
    RosterOverride.objects.create(**row, starts_at=at(2026, 10, 2, 20), ends_at=at(2026, 10, 2, 22))  # touching is fine


def test_only_the_shift_leader_changes_the_roster_and_only_the_future(duty, rotation):
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(PermissionDenied):
            services.roster_override_add(hall_id=duty.hall.id, actor=duty.duty, kind="add", person_id=duty.duty.id,
                                         starts_at=at(2026, 10, 2, 8), ends_at=at(2026, 10, 2, 9))  # fmt: skip
        with pytest.raises(ValidationError):
            services.roster_override_add(hall_id=duty.hall.id, actor=duty.leader, kind="add", person_id=duty.duty.id,
                                         starts_at=NOW - timedelta(hours=1),
                                         ends_at=NOW + timedelta(hours=1))  # fmt: skip


def test_a_started_shift_stays_as_it_was_worked(duty, rotation):
    build(duty)
    during = at(2026, 10, 1, 10)
    worked = Shift.objects.get(hall=duty.hall, starts_at=at(2026, 10, 1, 8))

    # the rotation is edited during the shift: rebuilding changes only what has not started
    RotationMember.objects.filter(rotation=rotation, position=0).update(person=duty.leader)
    build(duty, now=during)

    assert Shift.objects.filter(pk=worked.pk, person=duty.duty).exists()
    assert who(duty, at(2026, 10, 2, 9)) == ["leader"]
    with time_machine.travel(during, tick=False):
        worked.person = duty.leader
        with pytest.raises(ShiftStarted):
            worked.save()
        with pytest.raises(ShiftStarted):
            Shift.objects.get(pk=worked.pk).delete()


def test_a_swap_needs_the_colleagues_consent_and_records_it(duty, rotation):
    build(duty)
    shift = Shift.objects.get(hall=duty.hall, starts_at=at(2026, 10, 2, 8))
    with time_machine.travel(NOW, tick=False):
        swap = services.shift_swap_request(shift_id=shift.id, actor=duty.duty, to_person_id=duty.duty_peer.id)
        assert who(duty, at(2026, 10, 2, 9)) == ["duty"]  # nothing changes before the consent
        with pytest.raises(PermissionDenied):
            services.shift_swap_answer(swap_id=swap.id, actor=duty.duty, agree=True)
        services.shift_swap_answer(swap_id=swap.id, actor=duty.duty_peer, agree=True)
        with pytest.raises(DutyRefused):
            services.shift_swap_answer(swap_id=swap.id, actor=duty.duty_peer, agree=True)

    swap.refresh_from_db()
    assert (swap.state, swap.agreed_by, swap.answered_at) == ("agreed", duty.duty_peer, NOW)
    assert who(duty, at(2026, 10, 2, 9)) == ["duty_peer"]
    assert RosterOverride.objects.get(swap=swap).kind == "replace"


def warn(today):
    with (
        time_machine.travel(at(today.year, today.month, today.day, 7), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return roster_gaps_warn_task()


def test_a_duty_day_within_fourteen_days_with_nobody_rostered_warns_the_shift_leader_once(duty, rotation):
    duty.hall.weekends_are_duty_days = False  # only the statutory days: 10-01 … 10-07
    duty.hall.save(update_fields=["weekends_are_duty_days"])
    build(duty, until=at(2026, 10, 5, 8))  # nobody rostered from 10-05 08:00

    assert warn(date(2026, 9, 20)) == 0  # 10-05 is 15 days ahead: not yet
    assert warn(date(2026, 9, 21)) == 1  # 10-05 is within 14 days now
    assert warn(date(2026, 9, 21)) == 0  # twice → nothing twice
    assert warn(date(2026, 9, 23)) == 2  # 10-06 and 10-07; 10-05 is not warned again

    assert sorted(RosterGap.objects.values_list("day", flat=True)) == [date(2026, 10, d) for d in (5, 6, 7)]
    notices = Notification.objects.filter(kind="holiday_duty_roster", recipient=duty.leader)
    assert sorted(notices.values_list("channel", flat=True)) == ["email"] * 3 + ["in_app"] * 3


def test_the_shift_leader_sees_the_gaps_on_the_duty_screen(duty, rotation, login):
    duty.hall.weekends_are_duty_days = False
    duty.hall.save(update_fields=["weekends_are_duty_days"])
    build(duty, until=at(2026, 10, 5, 8))
    with time_machine.travel(at(2026, 9, 28, 9), tick=False):
        page = login(duty.leader).get("/holiday-duty/")
    assert page.status_code == 200
    assert "data-roster-gaps" in page.content.decode() and "10-05" in page.content.decode()


def test_the_daily_build_keeps_the_roster_written_ahead_from_the_rotations(duty, rotation):
    """R-HD-6: a roster built once would run out a month and a half later (nothing but an override rebuilt it);
    the daily beat writes it to the horizon again, so a duty day two months on is rostered by then."""
    build(duty, until=NOW + timedelta(days=5))
    assert who(duty, at(2026, 10, 1, 9)) == []  # beyond the first build

    with time_machine.travel(NOW, tick=False):
        written = roster_extend_task()
    assert written > 0 and who(duty, at(2026, 10, 1, 9)) == ["duty"]
    with time_machine.travel(NOW, tick=False):
        assert roster_extend_task() == written  # idempotent: the same shifts again, no duplicates
    assert who(duty, at(2026, 10, 1, 9)) == ["duty"]
    assert not duty.hall.log.filter(kind="roster").exists()  # the daily build is no event of the day

    later = NOW + timedelta(days=50)  # 2026-10-30: the horizon has moved on to December
    with time_machine.travel(later, tick=False):
        roster_extend_task()
    assert who(duty, at(2026, 12, 5, 9)) != []  # a Saturday, a duty day of this hall


def test_a_rotation_switched_off_outside_the_admin_leaves_no_shifts_ahead_after_the_daily_build(duty, rotation):
    build(duty)
    Rotation.objects.filter(pk=rotation.pk).update(is_active=False)  # a shell or a bulk edit: no admin hook ran
    with time_machine.travel(NOW, tick=False):
        roster_extend_task()
    assert who(duty, at(2026, 10, 1, 9)) == []
