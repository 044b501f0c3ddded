"""Issue 13 §1: the customer's whole history on the customer card (intake and order page) and in the API — every
order of the customer the user may see (SPEC §1), in any state, open first, with progress, handler, deadline, the
final reply of closed ones and the urge action in place."""

import pytest
from django.test import Client

from tests.factories import FINAL_REPLY, CustomerFactory, another_number, work_order_at, work_order_make
from tickets.models import OrderState

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def history_rows(html: str) -> list[str]:
    import re

    return re.findall(r'data-history-row="([^"]+)"', html)


@pytest.fixture
def customer_orders(world):
    """One customer: a closed order and an open one at the southern hall, and an open one at the northern."""
    number = another_number()
    CustomerFactory(number=number, name="林晓")
    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number=number)
    south_open = work_order_make(
        actor=world.clerk,
        accepted_number=number,
        order_type="consultation",
        content="咨询套餐。",
        call_reason_id=world.call_reason.id,
    )
    north_open = work_order_make(
        actor=world.clerk_north, accepted_number=number, order_type="consultation", call_reason_id=world.call_reason.id
    )
    return {"number": number, "closed": closed, "south_open": south_open, "north_open": north_open}


def test_the_order_page_shows_the_whole_visible_history_open_first(world, customer_orders):
    closed, south_open = customer_orders["closed"], customer_orders["south_open"]
    html = client_of(world.clerk).get(f"/orders/{closed.pk}/").content.decode()
    # then: the open order first, the closed one with its final reply; the northern hall's order is not there
    assert history_rows(html) == [south_open.number, closed.number]
    closed_row = html[html.index(f'data-history-row="{closed.number}"') :].split("</li>\n")[0]
    assert FINAL_REPLY["content"] in closed_row and 'data-history-state="closed"' in closed_row
    assert customer_orders["north_open"].number not in html


def test_a_branch_level_user_sees_every_order_of_the_customer(world, customer_orders):
    html = client_of(world.dispatcher).get(f"/orders/{customer_orders['closed'].pk}/").content.decode()
    rows = history_rows(html)
    assert set(rows[:2]) == {customer_orders["south_open"].number, customer_orders["north_open"].number}
    assert rows[2] == customer_orders["closed"].number


def test_the_order_page_offers_the_urge_on_the_customers_other_open_orders(world, customer_orders):
    html = client_of(world.clerk).get(f"/orders/{customer_orders['closed'].pk}/").content.decode()
    assert f'data-urge-row="{customer_orders["south_open"].number}"' in html
    # a handler does not accept customers: no urge button for them
    handler_html = client_of(world.handler).get(f"/orders/{customer_orders['closed'].pk}/").content.decode()
    assert "data-urge-row=" not in handler_html


def test_the_intake_card_shows_the_history_of_the_number(world, customer_orders):
    response = client_of(world.clerk).post("/orders/new/customer/", {"accepted_number": customer_orders["number"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert history_rows(html) == [customer_orders["south_open"].number, customer_orders["closed"].number]
    assert FINAL_REPLY["content"] in html


def test_the_history_page_lists_every_visible_order_and_hides_other_customers(world, customer_orders):
    customer_id = customer_orders["closed"].customer_id
    response = client_of(world.clerk).get(f"/customers/{customer_id}/history/")
    assert response.status_code == 200
    assert history_rows(response.content.decode()) == [
        customer_orders["south_open"].number,
        customer_orders["closed"].number,
    ]
    stranger = work_order_make(actor=world.clerk_north, accepted_number=another_number())
    assert client_of(world.clerk).get(f"/customers/{stranger.customer_id}/history/").status_code == 404


def test_the_api_history_lists_only_visible_orders_paged(world, customer_orders, api):
    customer_id = customer_orders["closed"].customer_id
    api.force_authenticate(world.clerk)
    body = api.get(f"/api/v1/customers/{customer_id}/orders/").json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [customer_orders["south_open"].pk, customer_orders["closed"].pk]
    assert body["results"][1]["final_reply"] == FINAL_REPLY["content"]
    assert body["results"][0]["accepted_number"].count("*") == 4
    assert api.get(f"/api/v1/customers/{customer_id}/orders/?page_size=1").json()["next"]


def test_the_api_history_of_a_customer_you_may_not_reach_is_a_404(world, api):
    stranger = work_order_make(actor=world.clerk_north, accepted_number=another_number())
    api.force_authenticate(world.clerk)
    assert api.get(f"/api/v1/customers/{stranger.customer_id}/orders/").status_code == 404
    assert api.get("/api/v1/customers/999999999/orders/").status_code == 404
    assert api.get(f"/api/v1/customers/{2**63}/orders/").status_code == 404
