"""R-TD-6: a worker SIGKILLed between the gateway's answer and its commit, then restarted → the gateway saw one
idempotency key once, and the refund ends executed with the gateway's reference."""

import signal
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from tariff_disputes import services
from tariff_disputes.models import GatewayCredit, Refund, RefundState
from tests.clocks.conftest import BASE_DIR, PYTHON, child_env, process_stop

from .conftest import dispute_pending

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_worker_killed_after_the_credit_before_the_commit_then_restarted(world, time_machine, tmp_path):
    from tests.factories import another_number, work_order_make

    # given an approved refund
    order = work_order_make(actor=world.clerk, accepted_number=another_number())
    dispute = dispute_pending(world, order, amount="45.50")
    refund = services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)

    # when a worker executes it in another process and is killed right after the gateway credited
    log = tmp_path / "refund_child.log"
    with log.open("w") as out:
        child = subprocess.Popen(
            [PYTHON, "-m", "tests.tariff_disputes.refund_child", str(refund.id)], cwd=BASE_DIR, stdout=out,
            stderr=subprocess.STDOUT, env=child_env(CELERY_BROKER_URL="memory://"),
        )  # fmt: skip
        try:
            child.wait(timeout=60)
        finally:
            process_stop(child, sig=signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL, log.read_text()

    # then the far side has the credit, our row is still claimed (the recording rolled back)
    refund.refresh_from_db()
    assert refund.state == RefundState.EXECUTING and refund.gateway_reference == ""
    assert GatewayCredit.objects.filter(idempotency_key=refund.idempotency_key).count() == 1

    # when the sweep runs on a restarted worker after the claim's lease
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    assert services.refunds_due_execute() == 1

    # then: one credit for the key, the refund executed with that credit's reference
    refund.refresh_from_db()
    credit = GatewayCredit.objects.get(idempotency_key=refund.idempotency_key)
    assert GatewayCredit.objects.count() == 1
    assert refund.state == RefundState.EXECUTED and refund.gateway_reference == credit.reference
    assert Refund.objects.get(pk=refund.pk).dispute.state == "refunded"
