"""R-REL-1 on PostgreSQL (real row locks): 50 approvers at once → one approval, one refund, one gateway call;
the executor run twice at once → one credit."""

from collections import Counter

import pytest

from tariff_disputes import services
from tariff_disputes.models import ApprovalRequest, ApprovalStatus, Refund, RefundState
from tests.factories import UserFactory
from tests.tickets.test_concurrency import outcome, run_together

from .conftest import dispute_pending

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_approvers_at_once_one_approval_one_refund_one_gateway_call(world, gateway):
    # given a dispute waiting for the CS centre and fifty of its members at their desks
    dispute = dispute_pending(world, world_order(world), amount="45.50")
    approvers = [UserFactory(roles=["dispatcher"], units=[world.cs_centre]) for _ in range(50)]

    # when all of them approve at the same instant
    results = run_together(*[lambda u=u: services.dispute_approve(dispute_id=dispute.id, actor=u) for u in approvers])

    # then one approval won, 49 were refused (409), and the one refund is paid once
    assert outcome(results) == Counter({"ok": 1, "DisputeRefused": 49})
    assert ApprovalRequest.objects.filter(dispute=dispute, status=ApprovalStatus.APPROVED).count() == 1
    refunds = list(Refund.objects.filter(dispute=dispute))
    assert len(refunds) == 1
    runs = run_together(*[lambda: services.refund_execute(refund_id=refunds[0].id, gateway=gateway)] * 5)
    assert sorted(runs) == [False, False, False, False, True]
    assert gateway.credit_count() == 1
    refunds[0].refresh_from_db()
    assert refunds[0].state == RefundState.EXECUTED


def test_task_run_twice_at_once_credits_once(world):
    from tariff_disputes.models import GatewayCredit
    from tariff_disputes.tasks import refund_execute_task

    dispute = dispute_pending(world, world_order(world), amount="45.50")
    refund = services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    results = run_together(lambda: refund_execute_task(refund.id), lambda: refund_execute_task(refund.id))
    assert sorted(results) == [0, 1]
    assert GatewayCredit.objects.filter(idempotency_key=refund.idempotency_key).count() == 1


def world_order(world):
    from tests.factories import another_number, work_order_make

    return work_order_make(actor=world.clerk, accepted_number=another_number())
