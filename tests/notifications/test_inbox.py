from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from notifications.models import Notification, NotificationState
from notifications.selectors import notification_list_for_user, notification_unread_count
from notifications.services import notification_enqueue, notification_mark_read

SHANGHAI = ZoneInfo("Asia/Shanghai")


def in_app(user, key: str, hour: int) -> Notification:
    with time_machine.travel(datetime(2026, 11, 20, hour, tzinfo=SHANGHAI), tick=False):
        return notification_enqueue(channel="in_app", idempotency_key=key, recipient=user, subject=key, body="")


@pytest.mark.django_db
def test_inbox_lists_unread_first_then_newest(staff, django_user_model):
    someone_else = django_user_model.objects.create_user(username="zhang")
    in_app(staff, "old", 9)
    in_app(staff, "middle", 10)
    new = in_app(staff, "new", 11)
    in_app(someone_else, "not mine", 12)
    notification_enqueue(channel="email", idempotency_key="mail", recipient=staff, subject="mail", body="")

    notification_mark_read(notification_id=new.pk, user=staff)

    assert [n.subject for n in notification_list_for_user(user=staff)] == ["middle", "old", "new"]
    assert notification_unread_count(user=staff) == 2


@pytest.mark.django_db
def test_mark_read_keeps_first_read_time_and_refuses_other_users(staff, django_user_model):
    notification = in_app(staff, "n", 9)
    first = datetime(2026, 11, 20, 9, 5, tzinfo=SHANGHAI)

    notification_mark_read(notification_id=notification.pk, user=staff, now=first)
    again = notification_mark_read(notification_id=notification.pk, user=staff, now=datetime.now(SHANGHAI))

    assert again.read_at == first
    with pytest.raises(Notification.DoesNotExist):
        notification_mark_read(notification_id=notification.pk, user=django_user_model.objects.create_user("x"))


@pytest.mark.django_db
def test_admin_is_read_only_but_retries_failed(admin_client, staff):
    failed = in_app(staff, "f", 9)
    Notification.objects.filter(pk=failed.pk).update(state=NotificationState.FAILED)
    changelist = reverse("admin:notifications_notification_changelist")

    assert admin_client.get(changelist, {"q": "f", "state": "failed"}).status_code == 200
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    response = admin_client.post(changelist, {"action": "retry_failed", "_selected_action": [failed.pk]})

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == NotificationState.PENDING
