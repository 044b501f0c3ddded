"""The batch API (R-SP-2, R-API-1): candidates, confirm, a batch by hand with ids checked for visibility, moves
answering 400/403/404/409 as documented, never a 500."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import another_number, work_order_make
from tickets.batch_selectors import batch_rules_forget
from tickets.models import Batch

pytestmark = pytest.mark.django_db


def complaints(world, n=5):
    batch_rules_forget()
    received = timezone.now() - timedelta(minutes=5)
    return [
        work_order_make(actor=world.clerk, accepted_number=another_number(), received_at=received) for _ in range(n)
    ]


def test_dispatcher_lists_and_confirms_a_candidate(world, api):
    complaints(world)
    api.force_authenticate(world.dispatcher)
    listed = api.get("/api/v1/batch-candidates/").json()
    assert listed["count"] == 1 and listed["results"][0]["waiting"] == 5
    candidate_id = listed["results"][0]["id"]
    confirmed = api.post(f"/api/v1/batch-candidates/{candidate_id}/confirm/", {}, format="json")
    assert confirmed.status_code == 201, confirmed.content
    assert confirmed.json()["child_count"] == 5
    again = api.post(f"/api/v1/batch-candidates/{candidate_id}/confirm/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "transition_refused"
    children = api.get(f"/api/v1/batches/{confirmed.json()['id']}/children/").json()
    assert children["count"] == 5 and "****" in children["results"][0]["accepted_number"]


def test_front_line_sees_no_candidates_and_may_not_confirm(world, api):
    complaints(world)
    api.force_authenticate(world.clerk)
    assert api.get("/api/v1/batch-candidates/").json()["count"] == 0
    candidate_id = 1
    response = api.post(f"/api/v1/batch-candidates/{candidate_id}/confirm/", {}, format="json")
    assert response.status_code in (403, 404)


def test_batch_by_hand_an_invisible_child_answers_like_a_missing_one(world, api):
    orders = complaints(world, 3)
    api.force_authenticate(world.dispatcher)
    missing = api.post("/api/v1/batches/", {"order_ids": [orders[0].id, 10**9], "title": "停电"}, format="json")
    assert missing.status_code == 400 and "order_ids" in missing.json()
    created = api.post("/api/v1/batches/", {"order_ids": [o.id for o in orders], "title": "停电"}, format="json")
    assert created.status_code == 201
    # the clerk of another hall does not see the batch: 404, like a missing one
    api.force_authenticate(world.clerk_north)
    assert api.get(f"/api/v1/batches/{created.json()['id']}/").status_code == 404


@pytest.mark.parametrize(
    "path, body",
    [
        ("dispatch-batch", {"unit": "x"}),
        ("dispatch-batch", {"unit": 10**30, "handler": -1}),
        ("dept-reply", {"process": ["x"]}),
        ("reply-customers", {"method": "written", "satisfactions": {"1": "nope"}}),
        ("attach", {"order_id": 0}),
        ("detach", {"order_id": 99999999, "reason": ""}),
    ],
)
def test_bad_input_is_a_400_not_a_500(world, api, path, body):
    orders = complaints(world, 2)
    api.force_authenticate(world.dispatcher)
    batch = api.post("/api/v1/batches/", {"order_ids": [o.id for o in orders], "title": "停电"}, format="json").json()
    response = api.post(f"/api/v1/batches/{batch['id']}/{path}/", body, format="json")
    assert response.status_code in (400, 403, 409), response.content


def test_moves_in_the_wrong_state_are_409_and_huge_ids_404(world, api):
    orders = complaints(world, 2)
    api.force_authenticate(world.dispatcher)
    batch = api.post("/api/v1/batches/", {"order_ids": [o.id for o in orders], "title": "停电"}, format="json").json()
    response = api.post(f"/api/v1/batches/{batch['id']}/approve-reply/", {}, format="json")
    assert response.status_code == 409 and response.json()["state"] == Batch.State.FORMED
    assert api.get(f"/api/v1/batches/{10**25}/").status_code == 404
    assert api.post(f"/api/v1/batch-candidates/{10**25}/confirm/", {}, format="json").status_code == 404
