"""The list endpoint runs a constant number of SQL queries whatever the number of rows on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ComplaintCategoryFactory, work_order_at, work_order_make
from tickets.models import OrderState

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"


def make_orders(world, count: int, *, start: int = 0) -> None:
    """Orders with everything a list row shows: categories two and three levels deep, handling units and
    assignees on every third one."""
    deep = ComplaintCategoryFactory(
        name="深层叶子", parent=ComplaintCategoryFactory(name="中间层", parent=world.category.parent)
    )
    for i in range(start, start + count):
        number = f"1390000{i:04d}"
        if i % 3 == 0:
            work_order_at(OrderState.PROCESSING, world=world, accepted_number=number)
        else:
            category = deep if i % 3 == 1 else world.category
            work_order_make(actor=world.clerk, accepted_number=number, category_id=category.id)


def first_page(api, world) -> tuple[int, list[dict]]:
    """(number of queries, rows) of GET /orders/ as the dispatcher, after a warm-up request."""
    api.force_login(world.dispatcher)
    api.get(ORDERS)
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(ORDERS)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.data["results"]


def test_list_query_count_does_not_grow_with_the_page(api, world):
    # given: a database of 3 orders
    make_orders(world, 3)
    small_queries, small_rows = first_page(api, world)

    # when: 30 orders, a full page of 25
    make_orders(world, 27, start=3)
    big_queries, big_rows = first_page(api, world)

    # then
    assert (len(small_rows), len(big_rows)) == (3, 25)
    assert big_queries == small_queries, f"{small_queries} queries for 3 rows, {big_queries} for 25"


def test_list_query_budget(api, world, django_assert_max_num_queries):
    make_orders(world, 30)
    api.force_login(world.dispatcher)
    api.get(ORDERS)

    # session, user, permissions ×2, count, page, category labels: nothing per row
    with django_assert_max_num_queries(8):
        response = api.get(ORDERS)

    assert len(response.data["results"]) == 25
    assert response.data["count"] == 30


def test_list_shows_the_whole_category_path(api, world):
    make_orders(world, 2)
    _, rows = first_page(api, world)
    assert {row["category_label"] for row in rows} == {
        "信息安全 → 分销商充值卡/储值卡被盗用/遗失",
        "信息安全 → 中间层 → 深层叶子",
    }


def test_list_query_count_is_the_same_for_5_and_100_rows_per_page(api, world):
    # given: 30 orders
    make_orders(world, 30)
    api.force_login(world.dispatcher)
    api.get(ORDERS)

    # when
    counts = {}
    for size in (5, 100):
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(ORDERS, {"page_size": size})
        counts[size] = (len(ctx.captured_queries), len(response.data["results"]))

    # then: page size changes the rows, not the queries (R-API-1: no N+1)
    assert counts[5][1] == 5 and counts[100][1] == 30
    assert counts[5][0] == counts[100][0] <= 10
