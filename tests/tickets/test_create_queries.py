"""Intake that keeps up (issue 12 §3): POST /api/v1/orders/ as a front-line user costs at most 12 SQL queries
(counted with CaptureQueriesContext, BEGIN/COMMIT included) — for a new customer and for a known one — and its
201 body is the order's detail exactly as GET …/orders/{id}/ answers it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Customer
from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar
from org.tokens import api_token_issue
from tests.factories import CITY, CustomerFactory, UserFactory, category_leaf, work_order_at
from tickets.models import OrderNumberSequence, OrderState, WorkOrder

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 12
ORDERS = "/api/v1/orders/"


@pytest.fixture(autouse=True)
def clock_policies(db):
    """The calendars and the SPEC §3.2 clock policies: a created complaint starts its clocks (entry, dispatch,
    feedback…), which are part of what a creation writes."""
    calendar_seed_defaults()
    holiday_seed_from_chinese_calendar()
    clock_policies_seed()
    calendar_cache_clear()


@pytest.fixture
def front(world) -> APIClient:
    """The front line's client with an API token (as a hotline client would: one token query per request)."""
    _, key = api_token_issue(user=world.clerk)
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")


def body(world, number: str, **overrides) -> dict:
    values = {
        "order_type": "complaint", "channel": "phone", "handling_method": "transfer", "accepted_number": number,
        "content": "客户称充值卡密码被盗用，要求查明并补偿。", "category": world.category.id,
        "received_at": (timezone.now() - timedelta(minutes=5)).isoformat(), "customer": {"home_city": CITY},
    }  # fmt: skip
    values.update(overrides)
    return values


def create_counted(front, payload) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = front.post(ORDERS, payload, format="json")
    return response, [q["sql"] for q in ctx.captured_queries]


def warm_up(front, world) -> None:
    """A long-running worker has its per-process reference caches (categories, rules, clock policies, compiled
    calendars) and today's number counter filled; the first request of a process fills them."""
    assert front.post(ORDERS, body(world, "13700009999"), format="json").status_code == 201


def test_creating_an_order_for_a_new_customer_costs_at_most_12_queries(front, world):
    warm_up(front, world)

    response, queries = create_counted(front, body(world, "13700000001"))

    assert response.status_code == 201, response.content
    assert len(queries) <= QUERY_BUDGET, "\n".join(queries)


def test_creating_an_order_for_a_known_customer_costs_at_most_12_queries(front, world):
    # given a known customer with a closed complaint of another matter and an open one of another matter still
    CustomerFactory(number="13700000002", home_city=CITY)
    network = category_leaf(top="网络质量", leaf="室内无信号")
    work_order_at(OrderState.CLOSED, world=world, accepted_number="13700000002", category_id=network.id)
    warm_up(front, world)

    response, queries = create_counted(front, body(world, "13700000002"))

    assert response.status_code == 201, response.content
    assert len(queries) <= QUERY_BUDGET, "\n".join(queries)


def test_the_number_counter_is_one_statement_per_order(front, world):
    # R-WO-8: the day's counter is incremented and read in one UPDATE … RETURNING (its row lock queues
    # concurrent creations until commit)
    warm_up(front, world)

    response, queries = create_counted(front, body(world, "13700000003"))

    counter = [q for q in queries if OrderNumberSequence._meta.db_table in q]
    assert len(counter) == 1 and counter[0].lstrip().upper().startswith("UPDATE") and "RETURNING" in counter[0]
    assert response.json()["number"].endswith("0002")  # the warm-up took 0001


def test_the_created_answer_is_the_orders_detail(front, world):
    created = front.post(ORDERS, body(world, "13700000004"), format="json")
    assert created.status_code == 201

    detail = front.get(f"{ORDERS}{created.json()['id']}/")

    assert created.json() == detail.json()
    assert {c["kind"] for c in created.json()["clocks"]} >= {"entry", "dispatch"}
    assert created.json()["category_label"] == "信息安全 → 分销商充值卡/储值卡被盗用/遗失"


def test_the_created_answer_of_an_order_closed_on_the_spot_is_its_detail_too(front, world):
    created = front.post(ORDERS, body(world, "13700000005", handling_method="direct_reply",
                                      direct_reply="已告知挂失流程。"), format="json")  # fmt: skip
    assert created.status_code == 201
    assert created.json()["state"] == OrderState.CLOSED

    assert created.json() == front.get(f"{ORDERS}{created.json()['id']}/").json()
    assert WorkOrder.objects.get(pk=created.json()["id"]).clocks.filter(state="running").count() == 0


def test_each_creating_request_answers_with_its_own_users_detail(world):
    # the created detail's serializer is built once per thread and reused: nothing of one request's user (allowed
    # transitions, visibility) or order may reach the next one's answer
    clients = []
    for user in (world.clerk, world.store_manager, world.clerk):
        _, key = api_token_issue(user=user)
        clients.append(APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en"))
    network = category_leaf(top="网络质量", leaf="室内无信号")

    for i, client in enumerate(clients):
        category = network if i == 1 else world.category
        created = client.post(ORDERS, body(world, f"1370000002{i}", category=category.id), format="json")
        assert created.status_code == 201, created.content

        assert created.json() == client.get(f"{ORDERS}{created.json()['id']}/").json()


def test_a_permission_given_to_the_user_directly_counts_as_one_of_a_role(world):
    # the creation loads the user's permissions in one statement: their own and their groups' (ModelBackend's two)
    clerk = UserFactory(username="direct_clerk", units=[world.clerk.org_units.first()])
    _, key = api_token_issue(user=clerk)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(ORDERS, body(world, "13700000031"), format="json").status_code == 403

    clerk.user_permissions.add(Permission.objects.get(codename="add_workorder", content_type__app_label="tickets"))

    assert client.post(ORDERS, body(world, "13700000031"), format="json").status_code == 201


def test_a_known_customer_keeps_its_card_and_gets_what_it_lacked(front, world):
    # the customer row is registered or locked in one statement on PostgreSQL: a known number's card is not
    # overwritten by the clerk's input, a blank of it is filled, and no second customer appears
    CustomerFactory(number="13700000041", name="王女士", home_city=CITY, brand="")
    payload = body(world, "13700000041", customer={"home_city": "广州", "name": "王某", "brand": "全球通"})

    created = front.post(ORDERS, payload, format="json")

    assert created.status_code == 201, created.content
    customer = Customer.objects.get(number="13700000041")
    assert (customer.name, customer.home_city, customer.brand) == ("王女士", CITY, "全球通")
    assert created.json()["customer"] == customer.id and created.json()["customer_name"] == "王女士"


def test_a_new_customer_is_registered_once_with_its_card(front, world):
    created = front.post(ORDERS, body(world, "13700000051", customer={"home_city": CITY, "name": "赵先生"}),
                         format="json")  # fmt: skip

    assert created.status_code == 201, created.content
    customer = Customer.objects.get(number="13700000051")
    assert customer.name == "赵先生" and created.json()["customer"] == customer.id
    assert WorkOrder.objects.get(pk=created.json()["id"]).customer_id == customer.id
