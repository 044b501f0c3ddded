"""Issue 8 §1 (R-SEC-2): pages and API answers that carry a full number are not kept by any cache —
`Cache-Control: private, no-store` on every response to a signed-in user and on the API
(`tickets.middleware.private_no_store`)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import STANDARD_NUMBER, roles_ensure, work_order_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _roles(db):
    roles_ensure()


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_the_order_page_and_the_intake_card_are_not_stored(world):
    order = work_order_make(actor=world.clerk)
    client = Client()
    client.force_login(world.clerk)
    page = client.get(f"/orders/{order.pk}/")
    card = client.post("/orders/new/customer/", {"accepted_number": STANDARD_NUMBER})
    assert page.status_code == 200 and no_store(page)
    assert card.status_code == 200 and no_store(card)


def test_the_api_order_detail_and_an_unmask_are_not_stored(world):
    order = work_order_make(actor=world.clerk)
    api = APIClient()
    api.force_login(world.dispatcher)
    detail = api.get(f"/api/v1/orders/{order.pk}/")
    unmask = api.post(f"/api/v1/orders/{order.pk}/unmask/", {"reason": "回访核实"}, format="json")
    assert detail.status_code == 200 and no_store(detail)
    assert unmask.status_code == 200 and unmask.json()["accepted_number"] == STANDARD_NUMBER and no_store(unmask)


def test_the_web_unmask_is_not_stored(world):
    order = work_order_make(actor=world.clerk)
    client = Client()
    client.force_login(world.dispatcher)
    response = client.post(f"/orders/{order.pk}/unmask/", {"reason": "回访核实"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and STANDARD_NUMBER in response.content.decode() and no_store(response)


def test_api_answers_are_not_stored_even_unauthenticated(world):
    response = APIClient().get("/api/v1/orders/")
    assert response.status_code == 401 and no_store(response)
