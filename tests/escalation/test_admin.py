"""Admin (issue 9 §3, R-ADM-1): interfaces and criteria are edited there, each change kept in the row's history
(Django admin's LogEntry, the project's history of reference data); declarations and major complaints are
read-only there (they move only through the services)."""

import pytest
from django.contrib.admin.models import LogEntry

from escalation.models import Criterion, Interface
from tests.factories import UserFactory

from .conftest import declaration_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _interface_form(interface, **changes) -> dict:
    form = {
        "code": interface.code, "name": interface.name, "declaring_role": interface.declaring_role,
        "reviewing_role": interface.reviewing_role, "admins": [u.id for u in interface.admins.all()],
        "remind_every": "02:00:00", "remind_max": interface.remind_max, "position": interface.position,
        "is_active": "on",
    }  # fmt: skip
    return {**form, **changes}


def test_an_interface_is_edited_in_admin_with_history(admin_client, world, people):
    hall = Interface.objects.get(code="hall")
    url = f"/admin/escalation/interface/{hall.id}/change/"
    assert admin_client.get(url).status_code == 200
    answer = admin_client.post(url, _interface_form(hall, reviewing_role="channel_supervisor", admins=[]))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    hall.refresh_from_db()
    assert hall.reviewing_role == "channel_supervisor" and not hall.admins.exists()
    entry = LogEntry.objects.get(object_id=str(hall.id), content_type__model="interface")
    assert entry.user.username == "root" and entry.change_message
    history = admin_client.get(url.replace("change/", "history/"))
    assert history.status_code == 200


def test_a_criterion_is_added_and_retired_in_admin_with_history(admin_client, world, people):
    answer = admin_client.post(
        "/admin/escalation/criterion/add/",
        {"code": "amount", "name": "涉及金额巨大", "description": "", "position": 9, "is_active": "on"},
    )
    assert answer.status_code == 302
    criterion = Criterion.objects.get(code="amount")
    url = f"/admin/escalation/criterion/{criterion.id}/change/"
    answer = admin_client.post(url, {"code": "amount", "name": "涉及金额巨大", "description": "", "position": 9})
    assert answer.status_code == 302
    assert not Criterion.objects.get(pk=criterion.id).is_active
    assert LogEntry.objects.filter(object_id=str(criterion.id), content_type__model="criterion").count() == 2
    assert admin_client.get(url.replace("change/", "history/")).status_code == 200


def test_declarations_and_major_complaints_are_read_only_in_admin(admin_client, world, people):
    d = declaration_make(world)
    for model, pk in (("declaration", d.id), ("majorcomplaint", d.major_id)):
        page = admin_client.get(f"/admin/escalation/{model}/{pk}/change/")
        assert page.status_code == 200 and b'name="_save"' not in page.content, model
        assert admin_client.get(f"/admin/escalation/{model}/add/").status_code == 403, model
        assert admin_client.post(f"/admin/escalation/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    before = d.problem
    admin_client.post(f"/admin/escalation/declaration/{d.id}/change/", {"problem": "改掉", "state": "closed"})
    d.refresh_from_db()
    assert (d.problem, d.state) == (before, "draft")
