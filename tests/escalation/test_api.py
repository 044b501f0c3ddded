"""REST under /api/v1/escalation/ (R-API-1): 201/200 on success, 400 naming each field, 403 role or person,
404 what one may not see, 409 state; the queues (R-MAJ-6); the OpenAPI schema documents every code."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from escalation import services
from escalation.models import Criterion
from tests.factories import UserFactory, another_number, work_order_make

from .conftest import CONTENT, declaration_make, major_make, opinions_give

pytestmark = pytest.mark.django_db
BASE = "/api/v1/escalation"


def test_classify_declare_opine_submit_and_review_over_the_api(api, world, people):
    # given an order flagged major at intake
    major = major_make(world)
    criteria = list(Criterion.objects.values_list("id", flat=True)[:1])

    # the clerk classifies it with the checklist and drafts the declaration
    api.force_authenticate(world.clerk)
    response = api.post(f"{BASE}/majors/", {"order_id": major.order_id, "criterion_ids": criteria}, format="json")
    assert response.status_code == 201, response.content
    response = api.post(f"{BASE}/declarations/", {"major_id": major.id, **CONTENT}, format="json")
    assert response.status_code == 201, response.content
    declaration = response.json()
    assert declaration["state"] == "draft" and declaration["criteria"] == criteria
    assert set(declaration["opinions_missing"]) == {"support", "legal"}

    # submit without opinions: 400 naming both
    response = api.post(f"{BASE}/declarations/{declaration['id']}/submit/")
    assert response.status_code == 400
    assert {"support_opinion", "legal_opinion"} <= set(response.json())

    # the legal office gives its opinion; legal may not give the support one (403)
    api.force_authenticate(world.legal)
    url = f"{BASE}/declarations/{declaration['id']}/opinions/"
    assert api.post(url, {"kind": "support", "text": "x"}, format="json").status_code == 403
    assert api.post(url, {"kind": "legal", "text": "合规"}, format="json").status_code == 201
    assert api.post(url, {"kind": "nope", "text": "x"}, format="json").status_code == 400
    api.force_authenticate(world.handler)
    assert api.post(url, {"kind": "support", "text": "无误"}, format="multipart").status_code == 201

    api.force_authenticate(world.clerk)
    response = api.post(f"{BASE}/declarations/{declaration['id']}/submit/")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    response = api.post(f"{BASE}/declarations/{declaration['id']}/submit/")
    assert response.status_code == 409 and response.json()["code"] == "transition_refused"

    # the store manager returns without a reason (400), then approves
    api.force_authenticate(world.store_manager)
    assert api.get(f"{BASE}/declarations/{declaration['id']}/").json()["allowed_transitions"] == [
        "approve", "return_to_declarer"
    ]  # fmt: skip
    response = api.post(f"{BASE}/declarations/{declaration['id']}/return-to-declarer/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api.post(f"{BASE}/declarations/{declaration['id']}/approve/", {}, format="json")
    assert response.status_code == 200 and response.json()["interface_admin"] == people.hall_admin.id

    # a legal user cannot accept (403)
    api.force_authenticate(world.legal)
    assert api.post(f"{BASE}/declarations/{declaration['id']}/accept/").status_code == 403
    api.force_authenticate(people.hall_admin)
    assert api.post(f"{BASE}/declarations/{declaration['id']}/accept/").json()["state"] == "accepted"
    rounds = api.get(f"{BASE}/declarations/{declaration['id']}/").json()["rounds"]
    assert [o["kind"] for o in rounds[0]["opinions"]] == ["legal", "support"]


def test_what_one_may_not_see_is_404_and_anonymous_is_401(api, world, people):
    major = major_make(world)
    stranger = UserFactory(roles=["front_line"], units=[world.hall_north])
    assert api.get(f"{BASE}/majors/{major.id}/").status_code in (401, 403)
    api.force_authenticate(stranger)
    assert api.get(f"{BASE}/majors/{major.id}/").status_code == 404
    assert api.post(f"{BASE}/majors/{major.id}/opinion/", {"opinion": "x"}, format="json").status_code == 404
    assert api.get(f"{BASE}/majors/").json()["count"] == 0


def test_supervisor_opinion_over_the_api(api, world, people):
    major = major_make(world)
    api.force_authenticate(world.store_manager)
    response = api.post(f"{BASE}/majors/{major.id}/opinion/", {"opinion": "先安抚"}, format="json")
    assert response.status_code == 200 and response.json()["replier"] == world.clerk.id
    assert api.post(f"{BASE}/majors/{major.id}/opinion/", {"opinion": "again"}, format="json").status_code == 409


def test_queues_over_the_api(api, world, people):
    d = declaration_make(world)
    api.force_authenticate(world.legal)
    assert api.get(f"{BASE}/queues/").json() == {"opinions": 1}
    rows = api.get(f"{BASE}/queues/opinions/").json()
    assert [r["order_number"] for r in rows] == [d.major.order.number]
    assert api.get(f"{BASE}/queues/review/").status_code == 403
    assert api.get(f"{BASE}/queues/nope/").status_code == 404

    opinions_give(world, d)
    services.declaration_submit(declaration_id=d.id, actor=world.clerk)
    api.force_authenticate(world.store_manager)
    counts = api.get(f"{BASE}/queues/").json()
    assert counts["review"] == 1 and counts["supervisor"] == 1
    api.force_authenticate(world.legal)
    assert api.get(f"{BASE}/queues/").json() == {"opinions": 0}


def test_the_schema_documents_every_error_code(api, world):
    api.force_authenticate(world.dispatcher)
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    submit = paths[f"{BASE}/declarations/{{id}}/submit/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(submit)
    assert {"201", "400", "403", "409"} <= set(paths[f"{BASE}/majors/"]["post"]["responses"])


def test_an_opinion_attachment_follows_the_evidence_limits(api, world, people):
    d = declaration_make(world)
    api.force_authenticate(world.legal)
    url = f"{BASE}/declarations/{d.id}/opinions/"
    bad = SimpleUploadedFile("opinion.exe", b"MZ....", content_type="application/octet-stream")
    response = api.post(url, {"kind": "legal", "text": "合规", "attachment": bad}, format="multipart")
    assert response.status_code == 400 and "attachment" in response.json()
    good = SimpleUploadedFile("opinion.pdf", b"%PDF-1.4 legal opinion", content_type="application/pdf")
    response = api.post(url, {"kind": "legal", "text": "合规", "attachment": good}, format="multipart")
    assert response.status_code == 201 and response.json()["attachment"]


def test_the_major_complaint_list_costs_the_same_whatever_its_rows(api, world, people, django_assert_max_num_queries):
    for _ in range(3):
        work_order_make(actor=world.clerk, is_major=True, accepted_number=another_number())
    api.force_authenticate(world.legal)
    api.get(f"{BASE}/majors/")
    with django_assert_max_num_queries(12):
        response = api.get(f"{BASE}/majors/")
    assert response.json()["count"] == 3


def test_a_support_handler_sees_only_the_declarations_asking_their_department(api, world, people):
    major_make(world, accepted_number=another_number())  # no declaration yet: nothing for the support department
    asked = declaration_make(world)  # asks dept_billing
    api.force_authenticate(world.handler)
    assert [m["id"] for m in api.get(f"{BASE}/majors/").json()["results"]] == [asked.major_id]
    api.force_authenticate(world.handler_network)
    assert api.get(f"{BASE}/majors/").json()["count"] == 0


def test_an_unknown_id_in_a_body_is_a_400_naming_it(api, world, people):
    api.force_authenticate(world.dispatcher)
    response = api.post(f"{BASE}/majors/", {"order_id": 2**62, "criterion_ids": [1]}, format="json")
    assert response.status_code == 400 and "order_id" in response.json()
    response = api.post(f"{BASE}/declarations/", {"major_id": 2**62}, format="json")
    assert response.status_code == 400 and "major_id" in response.json()


def test_a_queue_lists_the_oldest_due_first_with_the_remaining_time(api, world, people, clocks):
    # given two declarations waiting for the legal office's opinion, the later-classified one drafted first
    start = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday: the working day counts
    with time_machine.travel(start, tick=False):
        early = major_make(world)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        late = major_make(world, accepted_number=another_number())
        later_declaration = declaration_make(world, major=late)
        earlier_declaration = declaration_make(world, major=early)

    # then the one whose declaration clock is due first leads, with its remaining time
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        api.force_authenticate(world.legal)
        rows = api.get(f"{BASE}/queues/opinions/").json()
    assert [r["id"] for r in rows] == [earlier_declaration.id, later_declaration.id]
    assert rows[0]["due_at"] <= rows[1]["due_at"]
    assert all(isinstance(r["remaining_seconds"], int) for r in rows)
