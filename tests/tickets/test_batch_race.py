"""R-SP-2 under real concurrency (PostgreSQL; SQLite ignores SELECT … FOR UPDATE, skipped elsewhere by
tests/conftest.py): two dispatchers confirming one candidate make exactly one batch; two batch moves at once
serialise on the parent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory, another_number, work_order_make
from tests.tickets.test_concurrency import outcome, run_together
from tickets.batch_selectors import batch_rules_forget
from tickets.models import Batch, BatchCandidate, BatchMembership, OrderState, WorkOrder
from tickets.services import batch as batch_services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def five_complaints(world) -> list[WorkOrder]:
    batch_rules_forget()
    received = timezone.now() - timedelta(minutes=5)
    return [
        work_order_make(actor=world.clerk, accepted_number=another_number(), received_at=received) for _ in range(5)
    ]


def test_two_dispatchers_confirm_the_same_candidate_one_batch(world):
    # given a candidate offered for five complaints, and a second dispatcher
    orders = five_complaints(world)
    (candidate,) = BatchCandidate.objects.filter(status=BatchCandidate.Status.OFFERED)
    other = UserFactory(username="dispatcher2", roles=["dispatcher"], units=[world.cs_centre])
    # when both confirm at the same instant
    results = run_together(
        lambda: batch_services.batch_candidate_confirm(candidate_id=candidate.id, actor=world.dispatcher),
        lambda: batch_services.batch_candidate_confirm(candidate_id=candidate.id, actor=other),
    )
    # then exactly one batch exists, holding each complaint once; the other dispatcher is told (409)
    assert outcome(results) == {"ok": 1, "BatchRefused": 1}, results  # a TransitionRefused: 409
    assert Batch.objects.count() == 1
    assert BatchMembership.objects.count() == 5
    assert set(BatchMembership.objects.values_list("order_id", flat=True)) == {o.id for o in orders}
    assert BatchCandidate.objects.get().status == BatchCandidate.Status.CONFIRMED


def test_two_hand_batches_over_the_same_complaints_one_wins(world):
    orders = five_complaints(world)
    ids = [o.id for o in orders]
    results = run_together(
        lambda: batch_services.batch_create(order_ids=ids[:4], actor=world.dispatcher, title="一"),
        lambda: batch_services.batch_create(order_ids=ids[1:], actor=world.dispatcher, title="二"),
    )
    assert outcome(results) == {"ok": 1, "ValidationError": 1}, results
    assert Batch.objects.count() == 1
    assert BatchMembership.objects.filter(detached_at=None).values("order_id").distinct().count() == 4


def test_dispatch_and_detach_at_once_leave_a_consistent_batch(world):
    orders = five_complaints(world)
    batch = batch_services.batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
    results = run_together(
        lambda: batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id, handler_id=world.handler.id
        ),
        lambda: batch_services.batch_detach(
            batch_id=batch.id, order_id=orders[0].id, actor=world.dispatcher, reason="另行处理"
        ),
    )
    assert outcome(results) == {"ok": 2}, results
    # whichever went first, every current child moved with the batch and the detached one is alone
    children = WorkOrder.objects.filter(batch_memberships__batch=batch, batch_memberships__detached_at=None)
    assert children.count() == 4
    assert set(children.values_list("state", flat=True)) == {OrderState.PROCESSING}
    assert not WorkOrder.objects.get(pk=orders[0].id).is_batch
