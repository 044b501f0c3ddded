from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.models import Notification, NotificationState
from notifications.services import (
    NotificationDeliveryError,
    notification_cancel,
    notification_deliver,
    notification_due_deliver,
    notification_enqueue,
    notification_retry_failed,
)
from notifications.tasks import notification_deliver_task, notifications_sweep

NOON_ISH = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def enqueue_sms(address: str = "13800138000") -> Notification:
    return notification_enqueue(
        channel="sms", idempotency_key="clock-9-breach", address=address, subject="Breached", body=""
    )


@pytest.mark.django_db
def test_delivering_twice_sends_once(sms):
    with time_machine.travel(NOON_ISH, tick=False):
        notification = enqueue_sms()
        first = notification_deliver(notification_id=notification.pk)
        second = notification_deliver(notification_id=notification.pk)

    assert (first, second) == (True, False)
    assert len(sms.sent) == 1
    notification.refresh_from_db()
    assert notification.state == NotificationState.SENT
    assert notification.attempts == 1
    assert notification.external_id == "fake-1"


@pytest.mark.django_db
def test_a_second_worker_arriving_mid_send_is_turned_away(sms):
    # given a worker that is inside the gateway call
    with time_machine.travel(NOON_ISH, tick=False):
        notification = enqueue_sms()
        rival_results = []
        sms.on_send = lambda: rival_results.append(notification_deliver_task(notification.pk))

        # when another worker (a duplicate task, the sweep) tries the same row
        notification_deliver(notification_id=notification.pk)
        sms.on_send = lambda: None
        swept = notifications_sweep()

    # then only the first one reached the gateway
    assert rival_results == [0]
    assert swept == 0
    assert len(sms.sent) == 1


@pytest.mark.django_db
def test_email_goes_to_the_recipient(staff, mailoutbox):
    with time_machine.travel(NOON_ISH, tick=False):
        notification = notification_enqueue(
            channel="email", idempotency_key="e1", recipient=staff, subject="Order closed", body="TS… closed."
        )
        assert notification_deliver_task(notification.pk) == 1
        assert notification_deliver_task(notification.pk) == 0

    assert len(mailoutbox) == 1
    assert (mailoutbox[0].to, mailoutbox[0].subject) == (["li.wei@example.cn"], "Order closed")


@pytest.mark.django_db
def test_sms_to_a_user_without_number_fails_clearly(sms, staff):
    with time_machine.travel(NOON_ISH, tick=False):
        notification = notification_enqueue(
            channel="sms", idempotency_key="s1", recipient=staff, subject="Warning", body=""
        )
        assert notification_deliver(notification_id=notification.pk) is False

    notification.refresh_from_db()
    assert (notification.state, notification.last_error) == (NotificationState.FAILED, "no phone number")
    assert sms.sent == []


@pytest.mark.django_db
def test_failed_attempt_is_recorded_and_retried_after_backoff(sms):
    sms.fail_next = 1
    with time_machine.travel(NOON_ISH, tick=False):
        notification = enqueue_sms()
        with pytest.raises(NotificationDeliveryError) as failure:
            notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.state == NotificationState.PENDING
    assert notification.attempts == 1
    assert notification.last_error == "ConnectionError: gateway down"
    assert notification.not_before == failure.value.retry_at == NOON_ISH + timedelta(seconds=30)

    with time_machine.travel(NOON_ISH + timedelta(seconds=10), tick=False):
        assert notification_due_deliver() == 0  # backing off
    with time_machine.travel(NOON_ISH + timedelta(seconds=30), tick=False):
        assert notification_due_deliver() == 1
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (NotificationState.SENT, 2)
    assert len(sms.sent) == 1


@pytest.mark.django_db
def test_task_retries_soon_failures_itself(sms):
    sms.fail_next = 1
    with time_machine.travel(NOON_ISH, tick=False):
        notification = enqueue_sms()
        # Called directly (no worker), Task.retry re-raises the error instead of re-queueing.
        with pytest.raises(NotificationDeliveryError):
            notification_deliver_task(notification.pk)


@pytest.mark.django_db
def test_retry_respects_quiet_hours_and_is_left_to_the_sweep(sms):
    sms.fail_next = 1
    with time_machine.travel(datetime(2026, 11, 20, 19, 59, 50, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        notification = enqueue_sms()
        assert notification_deliver_task(notification.pk) == 0

    notification.refresh_from_db()
    assert notification.attempts == 1
    assert notification.not_before == datetime(2026, 11, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_spent_budget_fails_and_admin_retry_requeues(sms, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    sms.fail_next = 2
    with time_machine.travel(NOON_ISH, tick=False) as clock:
        notification = enqueue_sms()
        notifications_sweep()
        clock.shift(timedelta(minutes=1))
        notifications_sweep()
        notification.refresh_from_db()
        assert (notification.state, notification.attempts) == (NotificationState.FAILED, 2)

        assert notification_retry_failed(notification_ids=[notification.pk]) == 1
        assert notification_retry_failed(notification_ids=[notification.pk]) == 0
        assert notifications_sweep() == 1

    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == (NotificationState.SENT, 3)
    assert len(sms.sent) == 1


@pytest.mark.django_db
def test_claim_abandoned_mid_send_is_failed_not_resent(sms):
    with time_machine.travel(NOON_ISH, tick=False) as clock:
        notification = enqueue_sms()
        # a worker claimed it and died inside the gateway call
        Notification.objects.filter(pk=notification.pk).update(state=NotificationState.SENDING, claimed_at=NOON_ISH)
        clock.shift(timedelta(minutes=16))
        notifications_sweep()

    notification.refresh_from_db()
    assert notification.state == NotificationState.FAILED
    assert "outcome unknown" in notification.last_error
    assert sms.sent == []


@pytest.mark.django_db
def test_cancelled_before_quiet_hours_end_is_never_sent(sms):
    with time_machine.travel(datetime(2026, 11, 20, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        enqueue_sms()
        assert notification_cancel(idempotency_key="clock-9-breach") is True
    with time_machine.travel(datetime(2026, 11, 21, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        assert notifications_sweep() == 0
    assert sms.sent == []
