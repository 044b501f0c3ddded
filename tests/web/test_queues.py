"""Queue pages and the navigation (R-UI-1, R-UI-2, R-WO-9, R-SP-5): who sees which queue, what is in it, in
what order, the filters, and a constant number of queries per page."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory, work_order_at, work_order_make
from tickets.models import OrderState

pytestmark = pytest.mark.django_db


def order_numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-order="([^"]+)"', html)


def nav_queues(html: str) -> set[str]:
    return set(re.findall(r'data-queue="([^"]+)"', html))


def test_the_navigation_shows_the_queues_of_the_role(world, login):
    assert nav_queues(login(world.clerk).get("/").content.decode()) == {"follow_ups", "my_unit"}
    # issue 13 §3: a handler's own work instead of the unit's list; the approvals of written replies (R-FL-4)
    assert nav_queues(login(world.handler).get("/").content.decode()) == {
        "to_claim", "mine", "returned", "awaiting_review", "approvals",
    }  # fmt: skip
    assert nav_queues(login(world.dispatcher).get("/").content.decode()) == {
        "follow_ups", "dispatch", "review", "callback", "approvals", "overdue", "at_risk", "extensions",
        "batch_candidates",
    }  # fmt: skip


def test_a_unit_supervisor_sees_the_overdue_and_at_risk_queues(world, login):
    world.hall_south.supervisor = world.store_manager
    world.hall_south.save(update_fields=["supervisor"])
    assert {"overdue", "at_risk"} <= nav_queues(login(world.store_manager).get("/").content.decode())


def test_a_queue_not_for_the_role_is_403(world, login):
    assert login(world.clerk).get("/queues/dispatch/").status_code == 403
    assert login(world.clerk).get("/queues/nonsense/").status_code == 404


def test_nav_counts_are_loaded_after_the_page(world, login):
    work_order_make(actor=world.clerk)
    work_order_make(actor=world.clerk, accepted_number="13900000001")
    client = login(world.dispatcher)

    page = client.get("/").content.decode()
    counts = client.get("/queues/counts/", HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-get="/queues/counts/"' in page and 'id="count-dispatch"' in page
    assert re.search(r'id="count-dispatch" data-count="2" hx-swap-oob="true"', counts)
    assert re.search(r'id="count-follow_ups" data-count="0"', counts)
    assert 'id="count-unread"' in counts
    assert "count-follow_ups" not in login(world.handler).get("/queues/counts/").content.decode()


def test_follow_ups_keep_what_the_user_accepted_until_closed(world, login):
    mine = work_order_at(OrderState.PROCESSING, world=world)
    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13900000002")
    other = work_order_make(actor=world.clerk_north, accepted_number="13900000003")

    numbers = order_numbers(login(world.clerk).get("/queues/follow_ups/").content.decode())

    assert mine.number in numbers
    assert closed.number not in numbers and other.number not in numbers


def test_dispatch_queue_puts_priority_first(world, login):
    # given: an ordinary order, then a major one, then a club (特急) one, accepted in that order
    from tests.factories import CustomerFactory

    ordinary = work_order_make(actor=world.clerk, accepted_number="13900000011")
    major = work_order_make(actor=world.clerk, accepted_number="13900000012", is_major=True)
    CustomerFactory(number="13900000013", tier="club")
    club = work_order_make(actor=world.clerk, accepted_number="13900000013")

    numbers = order_numbers(login(world.dispatcher).get("/queues/dispatch/").content.decode())

    assert numbers == [major.number, club.number, ordinary.number]


def test_review_and_callback_queues_hold_their_state(world, login):
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world)
    customer_replied = work_order_at(OrderState.CUSTOMER_REPLIED, world=world, accepted_number="13900000021")
    client = login(world.dispatcher)
    assert order_numbers(client.get("/queues/review/").content.decode()) == [replied.number]
    assert order_numbers(client.get("/queues/callback/").content.decode()) == [customer_replied.number]


def test_unit_queue_of_a_handler(world, login):
    mine = work_order_at(OrderState.DISPATCHED, world=world)
    work_order_make(actor=world.clerk, accepted_number="13900000031")  # not dispatched to billing
    numbers = order_numbers(login(world.handler).get("/queues/to_claim/").content.decode())
    assert numbers == [mine.number]


def test_overdue_and_at_risk_queues(world, login, clocks):
    late = work_order_at(OrderState.DISPATCHED, world=world)
    risky = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000041")
    work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000042")
    now = timezone.now()
    late.clocks.filter(kind="handle").update(state="overdue", due_at=now - timedelta(hours=1), breached_at=now)
    risky.clocks.filter(kind="handle").update(warned_at=now)
    client = login(world.dispatcher)

    overdue = client.get("/queues/overdue/").content.decode()
    at_risk = client.get("/queues/at_risk/").content.decode()

    assert order_numbers(overdue) == [late.number] and "badge--overdue" in overdue
    assert order_numbers(at_risk) == [risky.number]


def test_extension_approvals_queue(world, login):
    from tickets import services

    order = work_order_at(OrderState.PROCESSING, world=world)
    services.extension_request(
        order_id=order.id, actor=world.handler, progress="已联系厂家。", reason="等待备件。",
        requested_due_at=order.handling_due_at + timedelta(days=1),
    )  # fmt: skip
    html = login(world.dispatcher).get("/queues/extensions/").content.decode()
    assert order_numbers(html) == [order.number] and "等待备件。" in html


def test_filters(world, login):
    complaint = work_order_make(actor=world.clerk, accepted_number="13900000051")
    consultation = work_order_make(
        actor=world.clerk, accepted_number="13900000052", order_type="consultation",
        call_reason_id=world.call_reason.id, urgency="urgent",
    )  # fmt: skip
    client = login(world.dispatcher)

    def numbers(**params):
        return order_numbers(client.get("/queues/dispatch/", params).content.decode())

    assert numbers(order_type="consultation") == [consultation.number]
    assert numbers(urgency="urgent") == [consultation.number]
    assert numbers(q="0051") == [complaint.number]  # the last 4 digits of the customer's number
    page = client.get("/queues/dispatch/", {"q": "139 0000 0051"}).content.decode()
    assert "此处只输入客户号码的后 4 位。" in page  # R-SEC-2: a full number is not taken in a URL
    assert numbers(q=complaint.number[:10].lower()) == [complaint.number]  # "ts2026…" prefix; ZX… is not
    assert numbers(q=complaint.number) == [complaint.number]
    assert set(numbers(state="accepted")) == {complaint.number, consultation.number}


def test_the_accepted_number_is_masked_in_lists(world, login):
    work_order_make(actor=world.clerk)
    html = login(world.dispatcher).get("/queues/dispatch/").content.decode()
    assert "138****5678" in html and "13812345678" not in html


def make_orders(world, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        work_order_make(actor=world.clerk, accepted_number=f"1390001{i:04d}", is_major=i % 4 == 0)


def queries_of(client, url: str) -> int:
    client.get(url)  # warm-up: permission caches, content types
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("queue", ["dispatch", "follow_ups", "my_unit", "overdue"])
def test_queue_pages_cost_the_same_queries_whatever_their_rows(world, login, queue):
    client = login(world.dispatcher if queue != "follow_ups" else world.clerk)
    if queue == "my_unit":
        client = login(UserFactory(roles=["qa_inspector"], units=[world.hall_south]))
    make_orders(world, 3)
    small = queries_of(client, f"/queues/{queue}/")

    make_orders(world, 30, start=3)
    big = queries_of(client, f"/queues/{queue}/")

    assert big == small, f"{small} queries for 3 rows, {big} for a full page"


def test_second_page(world, login):
    make_orders(world, 27)
    html = login(world.dispatcher).get("/queues/dispatch/", {"page": 2}).content.decode()
    assert len(order_numbers(html)) == 2 and "第 2 / 2 页" in html
