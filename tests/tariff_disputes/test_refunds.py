"""Exactly once (R-TD-6, R-REL-1): the executor, the gateway's idempotency keys, timeouts, failures, the
reconciliation, the console outbox backend and the HTTP backend."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection

from notifications.models import Notification
from tariff_disputes import services, tasks
from tariff_disputes.gateway import ConsoleBillingGateway, GatewayTimeout, HttpBillingGateway
from tariff_disputes.models import Dispute, DisputeState, GatewayCredit, Refund, RefundState

from .conftest import dispute_pending

pytestmark = pytest.mark.django_db
R = RefundState


def approved(world, order, amount="45.50"):
    dispute = dispute_pending(world, order, amount=amount)
    return services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)


def test_timeout_leaves_unknown_and_the_next_attempt_asks_before_paying(world, fee_order, gateway):
    refund = approved(world, fee_order)
    gateway.timeouts, gateway.credit_then_timeout = 1, True  # the credit happened, the answer was lost
    assert services.refund_execute(refund_id=refund.id, gateway=gateway) is False
    refund.refresh_from_db()
    assert refund.state == R.UNKNOWN
    assert services.refund_execute(refund_id=refund.id, gateway=gateway) is True
    assert gateway.calls == [("credit", refund.idempotency_key), ("lookup", refund.idempotency_key)]
    refund.refresh_from_db()
    assert refund.state == R.EXECUTED and Dispute.objects.get(pk=refund.dispute_id).state == DisputeState.REFUNDED


def test_failed_is_raised_to_the_cs_centre_and_retried_by_a_person(
    world, fee_order, gateway, django_capture_on_commit_callbacks
):
    refund = approved(world, fee_order)
    gateway.refusals = 1
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_execute(refund_id=refund.id, gateway=gateway)
    refund.refresh_from_db()
    assert refund.state == R.FAILED and "account closed" in refund.failure_reason
    assert Notification.objects.filter(recipient=world.dispatcher, subject__contains="failed").exists()
    with pytest.raises(Exception) as refused:
        services.refund_retry(refund_id=refund.id, actor=world.clerk)
    assert type(refused.value).__name__ == "PermissionDenied"
    services.refund_retry(refund_id=refund.id, actor=world.dispatcher)
    with pytest.raises(services.DisputeRefused):
        services.refund_retry(refund_id=refund.id, actor=world.dispatcher)
    assert services.refund_execute(refund_id=refund.id, gateway=gateway) is True
    assert gateway.credit_count() == 2 and len(gateway.credits) == 1


def test_worker_died_after_the_call_the_sweep_asks_and_records_once(world, fee_order, gateway, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    refund = approved(world, fee_order)
    # given a worker that claimed, credited, and died before its commit
    Refund.objects.filter(pk=refund.pk).update(state=R.EXECUTING, claimed_at=timezone.now(), attempts=1)
    gateway.credit(key=refund.idempotency_key, account="x", amount=refund.amount, form="bill_credit", memo="")
    # the claim is alive: nobody else takes it
    assert services.refunds_due_execute(gateway=gateway) == 0
    # when the lease has expired
    time_machine.move_to(timezone.now() + timedelta(minutes=11))
    assert services.refunds_due_execute(gateway=gateway) == 1
    refund.refresh_from_db()
    assert refund.state == R.EXECUTED and gateway.credit_count() == 1 and refund.attempts == 2


def test_task_run_twice_credits_once_with_the_console_gateway(world, fee_order):
    refund = approved(world, fee_order)
    assert tasks.refund_execute_task(refund.id) == 1
    assert tasks.refund_execute_task(refund.id) == 0
    assert GatewayCredit.objects.filter(idempotency_key=refund.idempotency_key).count() == 1
    refund.refresh_from_db()
    assert refund.gateway_reference == GatewayCredit.objects.get().reference


def test_console_gateway_refuses_a_second_credit_of_a_key(db):
    gateway = ConsoleBillingGateway()
    first = gateway.credit(key="k1", account="139", amount=Decimal("1.00"), form="bill_credit", memo="")
    second = gateway.credit(key="k1", account="139", amount=Decimal("1.00"), form="bill_credit", memo="")
    assert first == second and GatewayCredit.objects.count() == 1
    assert gateway.lookup(key="nope") is None


def test_reconciliation_lists_disagreements_and_raises_them(
    world, fee_order, gateway, django_capture_on_commit_callbacks
):
    refund = approved(world, fee_order)
    services.refund_execute(refund_id=refund.id, gateway=gateway)
    assert services.refunds_reconcile(gateway=gateway) == 0
    gateway.credits.clear()  # the gateway lost it
    with django_capture_on_commit_callbacks(execute=True):
        assert services.refunds_reconcile(gateway=gateway) == 1
    refund.refresh_from_db()
    assert "unknown to the gateway" in refund.mismatch
    assert Notification.objects.filter(recipient=world.dispatcher, subject__contains="disagrees").exists()


@pytest.mark.parametrize(
    ("entry", "task", "at_most_seconds"),
    [
        ("refunds-reconcile", "tariff_disputes.tasks.refunds_reconcile_task", 86400),
        # R-REL-1: a refund whose task was lost is executed within minutes, not at the next reconciliation.
        ("refunds-sweep", "tariff_disputes.tasks.refunds_due_execute_task", 300),
    ],
)
def test_the_refund_tasks_are_in_the_beat_schedule(settings, entry, task, at_most_seconds):
    entry = settings.CELERY_BEAT_SCHEDULE[entry]
    assert entry["task"] == task
    assert entry["schedule"] <= at_most_seconds
    assert entry["options"]["expires"] < entry["schedule"]


class _Billing(BaseHTTPRequestHandler):
    seen: dict = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = self.headers["Idempotency-Key"]
        self.seen.setdefault(key, {"reference": f"bill-{len(self.seen) + 1}", "amount": body["amount"]})
        self._answer(200, self.seen[key])

    def do_GET(self):
        key = self.path.rsplit("/", 1)[-1]
        self._answer(200, self.seen[key]) if key in self.seen else self._answer(404, {})

    def _answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_http_gateway_sends_the_key_and_asks_about_it():
    server = HTTPServer(("127.0.0.1", 0), _Billing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        gateway = HttpBillingGateway(url=f"http://127.0.0.1:{server.server_port}", token="t", timeout=2)
        first = gateway.credit(key="td-1-1", account="139", amount=Decimal("91.00"), form="bill_credit", memo="m")
        again = gateway.credit(key="td-1-1", account="139", amount=Decimal("91.00"), form="bill_credit", memo="m")
        assert first.reference == again.reference == "bill-1" and first.amount == Decimal("91.00")
        assert gateway.lookup(key="td-1-1").reference == "bill-1" and gateway.lookup(key="other") is None
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(GatewayTimeout):
        HttpBillingGateway(url=f"http://127.0.0.1:{server.server_port}", timeout=0.5).lookup(key="x")
    assert connection.vendor  # the test needs no database writes


def test_the_database_holds_one_refund_per_dispute_and_four_eyes(world, fee_order):
    from django.db import IntegrityError, transaction

    refund = approved(world, fee_order)
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(dispute=refund.dispute, approval=refund.approval, amount=refund.amount,
                              form=refund.form, account="1", idempotency_key="other")  # fmt: skip
    request = refund.approval
    with pytest.raises(IntegrityError), transaction.atomic():
        type(request).objects.filter(pk=request.pk).update(decided_by=request.requested_by)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(request).objects.create(
            dispute=refund.dispute,
            amount=Decimal("1"),
            remedy_form="bill_credit",
            amount_version=0,
            level_required=1,
            level_name="x",
            requested_by=world.clerk,
        )  # open one
        type(request).objects.create(
            dispute=refund.dispute,
            amount=Decimal("1"),
            remedy_form="bill_credit",
            amount_version=0,
            level_required=1,
            level_name="x",
            requested_by=world.clerk,
        )
