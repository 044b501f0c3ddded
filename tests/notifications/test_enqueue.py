from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from deadlines.models import BusinessCalendar, WeeklyPeriod
from deadlines.selectors import calendar_cache_clear
from notifications.models import Notification, NotificationState
from notifications.services import notification_due_deliver, notification_enqueue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def enqueue_sms(key: str = "clock-7-warning", urgent: bool = False) -> Notification:
    return notification_enqueue(
        channel="sms",
        idempotency_key=key,
        address="13800138000",
        subject="TS202611200001 due in 30 min",
        body="Reply to the customer before 22:30.",
        kind="clock_warning",
        urgent=urgent,
    )


@pytest.mark.django_db
def test_same_key_twice_gives_one_row_and_one_send(sms):
    with time_machine.travel(at(10), tick=False):
        first = enqueue_sms()
        second = enqueue_sms()
        notification_due_deliver()
        notification_due_deliver()

    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    assert len(sms.sent) == 1


@pytest.mark.django_db
def test_sms_enqueued_at_night_waits_until_eight_next_morning(sms):
    with time_machine.travel(at(22), tick=False):
        notification = enqueue_sms()
        sent_at_night = notification_due_deliver()

    assert notification.not_before == at(8, day=21)
    assert sent_at_night == 0
    assert sms.sent == []

    with time_machine.travel(at(8, day=21), tick=False):
        assert notification_due_deliver() == 1
    assert sms.sent == [("13800138000", "TS202611200001 due in 30 min\nReply to the customer before 22:30.")]


@pytest.mark.django_db
def test_lunch_break_defers_to_1430(sms):
    with time_machine.travel(at(12, 0), tick=False):
        notification = enqueue_sms()

    assert notification.not_before == at(14, 30)


@pytest.mark.django_db
def test_quiet_hours_follow_the_service_calendar_as_edited(sms):
    # given an administrator extended the evening service window to 21:00 (calendar data in deadlines)
    WeeklyPeriod.objects.filter(calendar__code="CAL-SERVICE", start_time=time(14, 30)).update(end_time=time(21))
    calendar_cache_clear()

    with time_machine.travel(at(20, 30), tick=False):
        notification = enqueue_sms()

    assert notification.not_before == at(20, 30)


@pytest.mark.django_db
def test_without_the_calendar_row_the_spec_default_applies(sms):
    BusinessCalendar.objects.filter(code="CAL-SERVICE").delete()
    calendar_cache_clear()

    with time_machine.travel(at(20, 30), tick=False):
        notification = enqueue_sms()

    assert notification.not_before == at(8, day=21)


@pytest.mark.django_db
def test_urgent_sms_goes_out_at_night(sms):
    with time_machine.travel(at(22), tick=False):
        notification = enqueue_sms(urgent=True)
        assert notification_due_deliver() == 1

    assert notification.not_before == at(22)
    assert len(sms.sent) == 1


@pytest.mark.django_db
def test_in_app_and_email_are_not_deferred(staff, mailoutbox):
    with time_machine.travel(at(22), tick=False):
        in_app = notification_enqueue(
            channel="in_app", idempotency_key="a", recipient=staff, subject="Order returned", body=""
        )
        email = notification_enqueue(
            channel="email", idempotency_key="b", recipient=staff, subject="Order returned", body="See the order."
        )
        notification_due_deliver()

    assert in_app.state == NotificationState.SENT
    assert email.not_before == at(22)
    assert [m.to for m in mailoutbox] == [["li.wei@example.cn"]]


@pytest.mark.django_db
def test_phone_task_at_night_appears_in_the_morning(staff):
    with time_machine.travel(at(21), tick=False):
        task = notification_enqueue(
            channel="phone_task",
            idempotency_key="call-distributor-3",
            recipient=staff,
            address="0755-12345678",
            subject="Call the distributor about TS202611200001",
            body="",
        )
        assert task.state == NotificationState.PENDING

    with time_machine.travel(at(8, day=21), tick=False):
        assert notification_due_deliver() == 1
    task.refresh_from_db()
    assert task.state == NotificationState.SENT


@pytest.mark.django_db
def test_due_row_is_queued_after_commit_only(sms, monkeypatch, django_capture_on_commit_callbacks):
    from notifications import services, tasks

    queued = []
    assert tasks.notification_deliver_task.name == services.DELIVER_TASK
    monkeypatch.setattr(services.current_app, "send_task", lambda name, args: queued.append(args))

    with time_machine.travel(at(10), tick=False), django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = enqueue_sms()
        enqueue_sms()  # same key: nothing more is queued
        assert queued == []
    with time_machine.travel(at(22), tick=False), django_capture_on_commit_callbacks(execute=True):
        enqueue_sms(key="deferred")  # left to the sweep

    assert len(callbacks) == 1
    assert queued == [[notification.pk]]


@pytest.mark.django_db
def test_a_destination_is_required(staff):
    with pytest.raises(ValueError):
        notification_enqueue(channel="sms", idempotency_key="k", subject="s", body="")
    with pytest.raises(ValueError):
        notification_enqueue(channel="in_app", idempotency_key="k", address="13800138000", subject="s", body="")
    with pytest.raises(ValueError):
        notification_enqueue(channel="pigeon", idempotency_key="k", recipient=staff, subject="s", body="")
