"""The supervisor's actions in the API (issue 13 §4, R-API-1): single and bulk, 400 naming the field, 403, 404 for a
body id the caller may not see (like a missing one, nothing changed), 409 with the refused order named."""

import pytest

from tests.factories import fresh, work_order_at
from tickets.models import OrderState

pytestmark = pytest.mark.django_db


def test_single_remind_and_reassign(world, api):
    order = work_order_at(OrderState.PROCESSING, world=world)
    api.force_login(world.dispatcher)

    reminded = api.post(f"/api/v1/orders/{order.id}/remind/", {"note": "请尽快"}, format="json")
    moved = api.post(
        f"/api/v1/orders/{order.id}/reassign/", {"assignee": world.handler_peer.id, "note": "休假"}, format="json"
    )

    assert reminded.status_code == 200 and reminded.json()["orders"][0]["number"] == order.number
    assert moved.status_code == 200 and moved.json()["orders"][0]["assignee"] == world.handler_peer.id


def test_bulk_reassign_with_an_invisible_id_is_404_and_changes_nothing(world, api):
    # given an order the hall's store manager supervises… and one of the north hall's they cannot see
    world.hall_south.supervisor = world.store_manager
    world.hall_south.save(update_fields=["supervisor"])
    mine = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000301")
    north = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000302")
    north.__class__.objects.filter(pk=north.pk).update(accepting_unit=world.hall_north, accepted_by=world.clerk_north)
    api.force_login(world.store_manager)
    body = {"orders": [mine.id, north.id], "note": "集中催办"}

    response = api.post("/api/v1/supervise/remind/", body, format="json")
    missing = api.post("/api/v1/supervise/remind/", {"orders": [mine.id, 987654321]}, format="json")

    assert response.status_code == 404 and missing.status_code == 404
    assert response.json().keys() == missing.json().keys()
    assert not mine.timeline.filter(kind="remind").exists()


def test_bulk_refusals(world, api):
    processing = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000303")
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000304")
    api.force_login(world.dispatcher)
    body = {"orders": [processing.id, replied.id], "assignee": world.handler_peer.id, "note": "改派"}

    conflict = api.post("/api/v1/supervise/reassign/", body, format="json")
    assert conflict.status_code == 409 and replied.number in conflict.json()["detail"]
    assert fresh(processing).assignee == world.handler

    for bad in ({"orders": []}, {"orders": ["x"]}, {"orders": [processing.id], "note": 5}, {"orders": [0]}):
        assert api.post("/api/v1/supervise/remind/", bad, format="json").status_code == 400, bad
    no_reason = api.post("/api/v1/supervise/escalate/", {"orders": [processing.id]}, format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()
    assert api.post("/api/v1/orders/99999999999999999999/remind/", {}, format="json").status_code == 404

    api.force_login(world.clerk)  # sees the order (accepted it), is no supervisor
    assert api.post(f"/api/v1/orders/{processing.id}/remind/", {}, format="json").status_code == 403
