"""R-HD-2 notify per group kind, the phone-call task, R-HD-3 / R-CLK-HOLIDAY the 4-hour feedback clock, R-NT-2
(everything to the duty roster goes out at once), R-HD-5 every action once in the day's log."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.sweep import clocks_sweep
from holiday_duty import services
from holiday_duty.models import CallTask, DutyLogEntry, DutyState, LogKind
from holiday_duty.services.common import DutyRefused
from notifications.models import Notification

from .conftest import at, dispatched, duty_order_of, reread

pytestmark = pytest.mark.django_db

NIGHT = at(2026, 2, 17, 22)  # outside CAL-SERVICE (quiet hours for ordinary SMS)


def holiday_clock(order) -> Clock:
    return Clock.objects.get(order=order, kind=ClockKind.HOLIDAY)


def confirm(duty, duty_order, when=NIGHT, **kwargs):
    with time_machine.travel(when, tick=False), django_capture_on_commit():
        return services.duty_order_handler_confirm(duty_order_id=duty_order.id, actor=duty.duty, **kwargs)


class django_capture_on_commit:
    """Run on_commit callbacks at the end of the block (tests run inside one transaction)."""

    def __enter__(self):
        from django.test import TestCase

        self._cm = TestCase.captureOnCommitCallbacks(execute=True)
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def test_an_account_manager_is_told_by_sms_at_once_and_duty_staff_get_a_call_task(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT - timedelta(minutes=30)))

    confirm(duty, duty_order, handler_id=duty.account_manager.id)

    duty_order = reread(duty_order)
    assert (duty_order.state, duty_order.handler, duty_order.handler_phone) == (
        DutyState.NOTIFIED, duty.account_manager, "13900000001",
    )  # fmt: skip
    sms = Notification.objects.get(channel="sms", recipient=duty.account_manager)
    # R-NT-2: at 22:00, outside service hours, a duty message is not held until 08:00
    assert (sms.address, sms.urgent, sms.not_before) == ("13900000001", True, NIGHT)
    task = CallTask.objects.get(duty_order=duty_order)
    assert (task.number, task.callee, task.assigned_to, task.outcome) == (
        "13900000001", duty.account_manager, duty.duty, "",
    )  # fmt: skip
    assert Notification.objects.filter(channel="phone_task", recipient=duty.duty, urgent=True).count() == 1
    assert not Notification.objects.filter(channel="email").exists()


def test_a_group_support_order_goes_to_the_distributor_contact_by_sms_and_email(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.group_support, NIGHT - timedelta(minutes=30)))

    confirm(duty, duty_order, contact_id=duty.contact.id)

    sent = dict(Notification.objects.filter(order=duty_order.order, urgent=True).values_list("channel", "address"))
    assert sent == {"sms": "13900000009", "email": "liu@distributor.example"}
    assert not CallTask.objects.filter(duty_order=duty_order).exists()  # no phone call for distributors


def test_the_handler_is_required_and_only_duty_staff_confirm_it(world, duty):
    from holiday_duty.models import DutyOrder

    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))

    with pytest.raises(ValidationError) as error:
        confirm(duty, duty_order)
    assert "handler_id" in error.value.message_dict
    # a person outside the hall does not even see the duty order (404) …
    with pytest.raises(DutyOrder.DoesNotExist):
        services.duty_order_handler_confirm(
            duty_order_id=duty_order.id, actor=duty.general_staff, handler_id=duty.account_manager.id
        )
    # … and the handler, who sees it, may not confirm (403)
    duty_order.handler = duty.account_manager
    duty_order.save(update_fields=["handler"])
    with pytest.raises(PermissionDenied):
        services.duty_order_handler_confirm(
            duty_order_id=duty_order.id, actor=duty.account_manager, handler_id=duty.account_manager.id
        )


def test_the_handler_must_be_one_of_the_covered_groups_managers(world, duty):
    """R-HD-2: the confirmation takes only a manager of the order's covered group (the duty screen's choice) — any
    other active user, the duty staff member included, answers as an id that does not exist, and nothing moves."""
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))

    for outsider in (duty.general_staff, duty.duty):
        with pytest.raises(ValidationError) as error:
            confirm(duty, duty_order, handler_id=outsider.id, phone="13900000001")
        assert list(error.value.message_dict) == ["handler_id"]
    duty_order = reread(duty_order)
    assert (duty_order.state, duty_order.handler_id) == (DutyState.QUEUED, None)
    assert not Notification.objects.filter(order=duty_order.order).exists()
    assert not CallTask.objects.filter(duty_order=duty_order).exists()

    confirm(duty, duty_order, handler_id=duty.account_manager.id)
    assert reread(duty_order).handler == duty.account_manager


def test_the_feedback_is_recorded_from_the_handler_or_the_groups_people_only(world, duty):
    """R-HD-3: who fed back is the handler, a manager of the covered group or a person the ladder named; any other
    active user's id is a 400 naming from_user_id (the log would carry a stranger's name), and nothing moves."""
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))
    confirm(duty, duty_order, handler_id=duty.account_manager.id)

    with pytest.raises(ValidationError) as error, time_machine.travel(NIGHT + timedelta(hours=1), tick=False):
        services.duty_order_feedback_record(
            duty_order_id=duty_order.id, actor=duty.duty, channel="phone", note="已联系客户。",
            from_user_id=duty.general_staff.id,
        )  # fmt: skip
    assert list(error.value.message_dict) == ["from_user_id"]
    assert reread(duty_order).state == DutyState.NOTIFIED

    with time_machine.travel(NIGHT + timedelta(hours=1), tick=False), django_capture_on_commit():
        services.duty_order_feedback_record(
            duty_order_id=duty_order.id, actor=duty.duty, channel="phone", note="已联系客户。",
            from_user_id=duty.account_manager.id,
        )  # fmt: skip
    assert (reread(duty_order).state, reread(duty_order).feedback_by) == (DutyState.FEEDBACK, duty.account_manager)


def test_confirming_twice_is_refused_and_sends_nothing_more(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))
    confirm(duty, duty_order, handler_id=duty.account_manager.id)
    before = Notification.objects.count()

    with pytest.raises(DutyRefused):
        confirm(duty, duty_order, handler_id=duty.account_manager.id)
    assert Notification.objects.count() == before


def test_the_call_outcome_is_recorded_once_and_logged(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))
    confirm(duty, duty_order, handler_id=duty.account_manager.id)
    task = CallTask.objects.get(duty_order=duty_order)

    with time_machine.travel(NIGHT + timedelta(minutes=5), tick=False):
        services.call_task_outcome_record(call_task_id=task.id, actor=duty.duty, outcome="not_reached", note="关机")
        with pytest.raises(DutyRefused):
            services.call_task_outcome_record(call_task_id=task.id, actor=duty.duty, outcome="reached")

    task.refresh_from_db()
    assert (task.outcome, task.outcome_by) == ("not_reached", duty.duty)
    assert DutyLogEntry.objects.filter(kind=LogKind.CALL, duty_order=duty_order).count() == 1


def test_the_four_hour_clock_starts_at_the_notification_and_the_feedback_stops_it(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))
    confirm(duty, duty_order, handler_id=duty.account_manager.id)
    clock = holiday_clock(duty_order.order)
    assert (clock.started_at, clock.due_at, clock.state) == (NIGHT, NIGHT + timedelta(hours=4), ClockState.RUNNING)

    with time_machine.travel(NIGHT + timedelta(hours=3), tick=False):
        services.duty_order_feedback_record(
            duty_order_id=duty_order.id, actor=duty.duty, channel="sms", note="已联系客户，明早上门处理。"
        )

    clock.refresh_from_db()
    duty_order = reread(duty_order)
    assert (clock.state, clock.stopped_at) == (ClockState.MET, NIGHT + timedelta(hours=3))
    assert (duty_order.state, duty_order.feedback_by, duty_order.feedback_channel, duty_order.recorded_by) == (
        DutyState.FEEDBACK, duty.account_manager, "sms", duty.duty,
    )  # fmt: skip


def test_the_handler_feeds_back_by_logging_in(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))
    confirm(duty, duty_order, handler_id=duty.account_manager.id)

    with time_machine.travel(NIGHT + timedelta(hours=1), tick=False):
        services.duty_order_feedback_record(
            duty_order_id=duty_order.id, actor=duty.account_manager, channel="sms", note="客户已回电。"
        )

    duty_order = reread(duty_order)
    assert (duty_order.feedback_channel, duty_order.feedback_by) == ("logged_in", duty.account_manager)


def test_every_duty_action_lands_once_in_that_days_log(world, duty):
    order = dispatched(world, duty.am_south, NIGHT)
    duty_order = duty_order_of(order)
    confirm(duty, duty_order, handler_id=duty.account_manager.id)
    task = CallTask.objects.get(duty_order=duty_order)
    # after midnight: the next day's log
    late = NIGHT + timedelta(hours=2, minutes=30)
    with time_machine.travel(late, tick=False):
        services.call_task_outcome_record(call_task_id=task.id, actor=duty.duty, outcome="reached")
        services.duty_order_feedback_record(duty_order_id=duty_order.id, actor=duty.duty, channel="email", note="好")
        services.duty_order_archive(duty_order_id=duty_order.id, actor=duty.duty)

    rows = list(DutyLogEntry.objects.filter(duty_order=duty_order).order_by("at", "id").values_list("kind", "day"))
    assert rows == [
        ("landed", NIGHT.date()), ("notification", NIGHT.date()), ("call", late.date()), ("feedback", late.date()),
        ("archive", late.date()),
    ]  # fmt: skip
    kinds = list(order.timeline.filter(kind__startswith="holiday_").values_list("kind", flat=True))
    assert kinds == ["holiday_landed", "holiday_notification", "holiday_call", "holiday_feedback", "holiday_archive"]


def test_the_log_refuses_change_and_delete(world, duty):
    from tickets.models.append_only import AppendOnlyError

    entry = DutyLogEntry.objects.get(duty_order=duty_order_of(dispatched(world, duty.am_south, NIGHT)))
    entry.text = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.postgres(reason="the append-only trigger is PostgreSQL's")
def test_the_database_refuses_a_bulk_update_of_the_log(world, duty):
    from django.db import DatabaseError, transaction

    dispatched(world, duty.am_south, NIGHT)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DutyLogEntry.objects.update(text="rewritten")


def test_the_clock_sweep_breaches_the_holiday_clock_once(world, duty):
    duty_order = duty_order_of(dispatched(world, duty.am_south, NIGHT))
    confirm(duty, duty_order, handler_id=duty.account_manager.id)

    first = clocks_sweep(now=NIGHT + timedelta(hours=4, minutes=1))
    second = clocks_sweep(now=NIGHT + timedelta(hours=4, minutes=2))

    assert (first.breached, second.breached) == (1, 0)
    assert holiday_clock(duty_order.order).state == ClockState.OVERDUE
