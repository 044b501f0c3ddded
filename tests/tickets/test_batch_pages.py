"""Batch complaints in the browser workspace (R-SP-2, R-UI-2): the candidates queue with its count in the
navigation, confirming, the batch page's moves (a refused one shown again with its reason), the intake hint
and the order page's panel. In Simplified Chinese, the product's default."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from tests.factories import DEPT_REPLY, another_number, fresh, work_order_make
from tickets.batch_selectors import batch_rules_forget
from tickets.models import Batch, OrderState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def complaints(world, n=5):
    batch_rules_forget()
    received = timezone.now() - timedelta(minutes=5)
    return [
        work_order_make(actor=world.clerk, accepted_number=another_number(), received_at=received) for _ in range(n)
    ]


def test_candidates_queue_counts_and_confirms(world, client):
    orders = complaints(world)
    client.force_login(world.dispatcher)
    counts = client.get("/queues/counts/").content.decode()
    assert 'id="count-batch_candidates" data-count="1"' in counts
    page = client.get("/queues/batch_candidates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "确认批量" in html and orders[0].number in html
    candidate_id = int(html.split('data-candidate="')[1].split('"')[0])
    response = client.post(f"/batch-candidates/{candidate_id}/confirm/", {"title": "深圳4G中断"})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/batches/{batch.pk}/"
    detail = client.get(f"/batches/{batch.pk}/").content.decode()
    assert "深圳4G中断" in detail and 'data-batch-move="dispatch"' in detail
    # the front line has no such queue
    client.force_login(world.clerk)
    assert client.get("/queues/batch_candidates/").status_code == 403


def test_batch_page_dispatch_and_a_refused_move_is_shown(world, client):
    orders = complaints(world, 3)
    client.force_login(world.dispatcher)
    client.post("/queues/batch_candidates/")  # GET only
    from tickets.services.batch import batch_create

    batch = batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
    missing = client.post(f"/batches/{batch.pk}/do/dispatch/", {"unit": world.dept_billing.pk})
    assert missing.status_code == 400 and "专属处理人" in missing.content.decode()
    done = client.post(
        f"/batches/{batch.pk}/do/dispatch/", {"unit": world.dept_billing.pk, "handler": world.handler.pk}
    )
    assert done.status_code == 302
    assert {fresh(o).state for o in orders} == {OrderState.PROCESSING}
    # the dispatcher may not write the department reply (only the dedicated handler is offered it)
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert 'data-batch-move="dept_reply"' not in page
    client.force_login(world.handler)
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert 'data-batch-move="dept_reply"' in page
    refused = client.post(f"/batches/{batch.pk}/do/dept_reply/", {**DEPT_REPLY, "service_restored": "true"})
    assert refused.status_code == 400 and "措施" in refused.content.decode()
    # an order of the batch shows the panel pointing to it
    order_page = client.get(f"/orders/{orders[0].pk}/").content.decode()
    assert f'data-batch-panel="{batch.pk}"' in order_page


def test_intake_hint_names_the_open_batch(world, client):
    orders = complaints(world, 2)
    from tickets.services.batch import batch_create

    batch = batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
    client.force_login(world.clerk)
    hint = client.get("/orders/new/batch-hint/", {"category": orders[0].category_id, "customer_home_city": "深圳"})
    assert f'data-batch-hint="{batch.pk}"' in hint.content.decode()
    other = client.get("/orders/new/batch-hint/", {"category": "x", "customer_home_city": "广州"})
    assert other.status_code == 200 and "data-batch-hint" not in other.content.decode()
    assert 'id="batch-hint"' in client.get("/orders/new/").content.decode()
