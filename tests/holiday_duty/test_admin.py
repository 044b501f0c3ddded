"""Admin (issue 11 §2): covered groups, duty halls, shifts, contacts and escalation waits are there with their
Chinese names; an edit of a wait is in the row's history with the old and the new value (LogEntry)."""

from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client

from holiday_duty import services
from holiday_duty.models import EscalationWait, Rotation, RotationMember, Shift
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")

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


class _FormValues(HTMLParser):
    """The values a browser would submit from the admin's change form: inputs, checked boxes, selected options,
    textareas (enough for these pages: no file inputs, no scripts)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def admin_post(client, url: str, **changes) -> object:
    """POST the change form at `url` as the page shows it, with `changes` (name → value, None to leave a box
    unticked)."""
    parser = _FormValues()
    parser.feed(client.get(url).content.decode())
    data = {name: values for name, values in parser.values.items() if not name.startswith("_")}
    for name, value in changes.items():
        data.pop(name, None)
        if value is not None:
            data[name] = [value]
    return client.post(url, data)


ROSTER_NOW = datetime(2026, 9, 10, 12, tzinfo=SH)  # a Thursday before Mid-Autumn and National Day


def on_shift(duty, when) -> list[str]:
    return sorted(
        s.person.username for s in Shift.objects.filter(hall=duty.hall, starts_at__lte=when, ends_at__gt=when)
    )


def _rostered(duty, name: str, people) -> Rotation:
    rotation = Rotation.objects.create(hall=duty.hall, name=name, anchor=datetime(2026, 9, 1, 8, tzinfo=SH),
                                       shift_length=timedelta(hours=12))  # fmt: skip
    for position, person in enumerate(people):
        RotationMember.objects.create(rotation=rotation, position=position, person=person)
    with time_machine.travel(ROSTER_NOW, tick=False):
        services.roster_build(hall_id=duty.hall.id, until=ROSTER_NOW + timedelta(days=30), now=ROSTER_NOW)
    return rotation


def test_editing_a_rotation_in_the_admin_writes_the_roster_ahead_again(
    duty, admin_client, django_capture_on_commit_callbacks
):
    """R-HD-6: the shifts ahead follow a rotation's edit at once (after commit), and the duty log says so."""
    rotation = _rostered(duty, "节假日值班", [duty.duty])
    national_day = datetime(2026, 10, 1, 9, tzinfo=SH)
    assert on_shift(duty, national_day) == ["duty"]

    # the administrator gives the rotation's one place to the peer
    member = rotation.members.get()
    with time_machine.travel(ROSTER_NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        answer = admin_post(
            admin_client,
            f"/admin/holiday_duty/rotation/{rotation.pk}/change/",
            **{"members-0-person": str(duty.duty_peer.pk)},
        )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert RotationMember.objects.get(pk=member.pk).person == duty.duty_peer
    assert on_shift(duty, national_day) == ["duty_peer"]
    assert duty.hall.log.filter(kind="roster", text__contains="节假日值班").exists()


def test_turning_ordinary_weekends_off_for_a_hall_empties_them_ahead_and_keeps_the_holidays(
    duty, admin_client, django_capture_on_commit_callbacks
):
    _rostered(duty, "值班", [duty.duty])
    saturday, national_day = datetime(2026, 9, 19, 9, tzinfo=SH), datetime(2026, 10, 1, 9, tzinfo=SH)
    assert on_shift(duty, saturday) == ["duty"]

    with time_machine.travel(ROSTER_NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        answer = admin_post(
            admin_client, f"/admin/holiday_duty/dutyhall/{duty.hall.pk}/change/", weekends_are_duty_days=None
        )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert on_shift(duty, saturday) == [] and on_shift(duty, national_day) == ["duty"]
