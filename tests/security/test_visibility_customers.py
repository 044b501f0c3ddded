"""Issue 8 §1 (R-SEC-1, R-SEC-2): customers are not enumerable, numbers stay out of URLs, and NUL bytes in a
look-up are a 400 naming the field.

A customer is reachable only by the number lookup (`POST /api/v1/customers/lookup/`) or through an order the
caller may see (`GET /api/v1/customers/{id}/`, else 404 like an id that does not exist)."""

import pytest
from rest_framework.test import APIClient

from complaints.models import Customer
from tests.factories import CustomerFactory, roles_ensure, work_order_make

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/customers/lookup/"


@pytest.fixture(autouse=True)
def _roles(db):
    roles_ensure()


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_a_customer_by_id_only_through_an_order_the_caller_may_see(world, api):
    south = work_order_make(actor=world.clerk, accepted_number="13900005551").customer
    north = work_order_make(actor=world.clerk_north, accepted_number="13900005552").customer
    orderless = CustomerFactory(number="13900005553")
    api.force_login(world.clerk)

    seen = api.get(f"/api/v1/customers/{south.id}/")
    assert seen.status_code == 200 and seen.json()["number"] == "139****5551"
    missing = api.get("/api/v1/customers/999999/")
    for customer in (north, orderless):
        response = api.get(f"/api/v1/customers/{customer.id}/")
        assert response.status_code == 404 and response.json() == missing.json()
    assert api.get("/api/v1/customers/abc/").status_code == 404


def test_branch_level_staff_reach_the_customers_of_every_order(world, api):
    north = work_order_make(actor=world.clerk_north, accepted_number="13900005552").customer
    api.force_login(world.dispatcher)  # view_all_orders
    assert api.get(f"/api/v1/customers/{north.id}/").status_code == 200


def test_customers_cannot_be_listed(world, api):
    CustomerFactory(number="13900005554")
    api.force_login(world.dispatcher)
    for params in ({}, {"number": "13900005554"}, {"number": "139****5554"}):
        response = api.get("/api/v1/customers/", params)
        assert response.status_code == 400 and list(response.json()) == ["number"]
        assert "5554" not in response.content.decode()


def test_the_lookup_is_a_post_and_shows_the_number_masked(world, api):
    CustomerFactory(number="13900005555", name="钱先生")
    api.force_login(world.clerk)
    found = api.post(LOOKUP, {"number": "139 0000 5555"}, format="json")
    assert found.status_code == 200 and found.json()[0]["number"] == "139****5555"
    assert api.post(LOOKUP, {"number": "13900005556"}, format="json").json() == []
    assert api.get(LOOKUP).status_code == 405


@pytest.mark.parametrize("path,field", [(LOOKUP, "number"), ("/api/v1/orders/search/", "accepted_number")])
def test_a_null_character_in_a_number_lookup_is_a_400_naming_the_field(world, api, path, field):
    api.force_login(world.clerk)
    before = Customer.objects.count()
    response = api.post(path, {field: "1390000\x005555"}, format="json")
    assert response.status_code == 400 and list(response.json()) == [field]
    assert Customer.objects.count() == before


def test_orders_search_shows_only_visible_orders(world, api):
    mine = work_order_make(actor=world.clerk, accepted_number="13900005557")
    work_order_make(actor=world.clerk_north, accepted_number="13900005557", order_type="consultation",
                    handling_method="record", call_reason_id=world.call_reason.id)  # fmt: skip
    api.force_login(world.clerk)
    response = api.post("/api/v1/orders/search/", {"accepted_number": "13900005557"}, format="json")
    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [mine.number]
