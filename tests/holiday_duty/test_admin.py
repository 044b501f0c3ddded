"""Admin (issue 11 §2): covered groups, duty halls, shifts, contacts and escalation waits are there with their
Chinese names; an edit of a wait is in the row's history with the old and the new value (LogEntry)."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from holiday_duty.models import EscalationWait
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = (
    "dutyhall", "coveredgroup", "escalationwait", "dutyphone", "distributorcontact", "rotation", "shift",
    "rosteroverride", "shiftswap", "dutyorder", "calltask", "dutyescalation", "dutylogentry", "handover",
)  # fmt: skip


@pytest.fixture
def admin_client(duty):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_every_holiday_duty_page_opens_in_chinese(admin_client):
    for name in PAGES:
        page = admin_client.get(f"/admin/holiday_duty/{name}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200, name
    assert "逐级上报等待时长" in admin_client.get("/admin/holiday_duty/escalationwait/").content.decode()


def test_a_changed_wait_is_in_its_history_with_both_values(duty, admin_client):
    wait = EscalationWait.objects.get(hall=duty.hall, level=1)
    answer = admin_client.post(
        f"/admin/holiday_duty/escalationwait/{wait.pk}/change/",
        {"hall": duty.hall.pk, "level": 1, "wait": "00:45:00"},
    )
    assert answer.status_code == 302
    entry = LogEntry.objects.get(object_id=str(wait.pk), content_type__model="escalationwait")
    assert "0:30:00" in entry.change_message and "0:45:00" in entry.change_message
