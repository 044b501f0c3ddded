"""Gaps found auditing issue 10: an absurd amount with many decimals is a 400 (not a 500), evidence is
downloadable by those who see the dispute and by nobody else, a timed-out refund is retried soon by its task
(asking the gateway first), the thresholds' admin history keeps the old and new values, the approval queue is
oldest first, and every amount field of the API refuses bad amounts naming itself."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from tariff_disputes import services, tasks
from tariff_disputes.models import ApprovalRequest, ApprovalThreshold, Dispute, DisputeState, Refund, RefundState
from tariff_disputes.selectors import approval_queue
from tests.factories import UserFactory, another_number, work_order_make

from .conftest import FakeGateway, cause, dispute_pending, dispute_verifying

pytestmark = pytest.mark.django_db
BASE = "/api/v1/tariff-disputes"
ABSURD = "1234567890123456789012345678.123"  # beyond Decimal's 28 digits once quantized to the fen


def test_an_absurd_amount_with_many_decimals_is_refused_not_a_crash(world, fee_order, login):
    amount, errors = services.money_errors(ABSURD)
    assert amount is None and errors
    page = login(world.clerk).post(
        f"/tariff-disputes/new/?order={fee_order.pk}",
        {"billing_period": "2026-10", "disputed_amount": ABSURD, "charge_items": "长途通话费"},
    )
    assert page.status_code == 200 and "disputed_amount" in page.content.decode()
    assert not Dispute.objects.exists()


def test_web_outcome_with_an_absurd_amount_changes_nothing(world, fee_order, login):
    dispute = dispute_verifying(world, fee_order)
    answer = login(world.clerk).post(f"/tariff-disputes/{dispute.pk}/do/outcome/", {
        "outcome": "justified", "outcome_kind": "wrong_charge", "cause_id": cause("company-rules").pk,
        "confirmed_amount": ABSURD, "remedy_form": "bill_credit", "explanation": "x"}, follow=True)  # fmt: skip
    assert answer.status_code == 200 and "confirmed_amount" in answer.content.decode()
    assert Dispute.objects.get(pk=dispute.pk).state == DisputeState.VERIFYING


# --- evidence is downloadable, under the dispute's visibility (R-SEC-2, R-FL-8) ----------------------------------
def test_evidence_downloads_for_who_sees_the_dispute_only(world, fee_order, login, api):
    dispute = dispute_verifying(world, fee_order)
    evidence = dispute.evidence.get()
    url = f"/tariff-disputes/{dispute.pk}/evidence/{evidence.pk}/"
    assert url in login(world.clerk).get(f"/tariff-disputes/{dispute.pk}/").content.decode()
    got = login(world.store_manager).get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 bill details"
    assert login(world.clerk_north).get(url).status_code == 404  # may not see the dispute: as if it did not exist
    other = dispute_verifying(world, work_order_make(actor=world.clerk, accepted_number=another_number()))
    assert login(world.clerk).get(f"/tariff-disputes/{other.pk}/evidence/{evidence.pk}/").status_code == 404
    assert login(world.clerk).get(f"/tariff-disputes/{dispute.pk}/evidence/999999/").status_code == 404
    api.force_authenticate(world.clerk)
    assert api.get(f"{BASE}/disputes/{dispute.pk}/").data["evidence"][0]["download"] == url


# --- a timeout is asked about again soon, by the task (R-TD-6) ---------------------------------------------------
def approved(world, order, amount="45.50"):
    dispute = dispute_pending(world, order, amount=amount)
    return services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)


def test_the_task_retries_a_timed_out_refund_and_the_retry_asks_before_paying(world, fee_order, monkeypatch):
    gateway = FakeGateway(timeouts=1, credit_then_timeout=True)  # credited, but the answer was lost
    monkeypatch.setattr("tariff_disputes.services.refund.billing_gateway", lambda: gateway)
    refund = approved(world, fee_order)
    tasks.refund_execute_task.apply(args=[refund.id])  # a worker (eager: the retry runs at once)
    refund.refresh_from_db()
    assert refund.state == RefundState.EXECUTED and refund.attempts == 2
    assert gateway.calls == [("credit", refund.idempotency_key), ("lookup", refund.idempotency_key)]


def test_a_refused_refund_is_not_retried_by_the_task(world, fee_order, monkeypatch):
    gateway = FakeGateway(refusals=1)
    monkeypatch.setattr("tariff_disputes.services.refund.billing_gateway", lambda: gateway)
    refund = approved(world, fee_order)
    tasks.refund_execute_task.apply(args=[refund.id])
    refund.refresh_from_db()
    assert refund.state == RefundState.FAILED and gateway.calls == [("credit", refund.idempotency_key)]


# --- the thresholds' history keeps what they were --------------------------------------------------------------
def test_threshold_history_names_the_old_and_new_value(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    row = ApprovalThreshold.objects.get(level=1)
    url = f"/admin/tariff_disputes/approvalthreshold/{row.id}/change/"
    client.post(url, {"level": 1, "name": row.name, "max_amount": "150.00", "permission": row.permission})
    entry = LogEntry.objects.filter(object_id=str(row.id)).latest("action_time")
    assert "100.00 → 150.00" in entry.get_change_message()
    assert "100.00 → 150.00" in client.get(url.replace("change/", "history/")).content.decode()


# --- approval queue, oldest first (R-UI-2) ---------------------------------------------------------------------
def test_the_approval_queue_is_oldest_first(world, time_machine):
    orders = [work_order_make(actor=world.clerk, accepted_number=another_number()) for _ in range(3)]
    disputes = [dispute_pending(world, order, amount="10.00") for order in orders]
    now = timezone.now()
    for age, dispute in zip([1, 3, 2], disputes, strict=True):
        ApprovalRequest.objects.filter(dispute=dispute).update(requested_at=now - timedelta(hours=age))
    queue = [request.dispute_id for request in approval_queue(user=world.store_manager, level=1)]
    assert queue == [disputes[1].id, disputes[2].id, disputes[0].id]


# --- every amount field of the API (R-TD-6: 400 naming the field, nothing saved) --------------------------------
BAD = ["-5", "0", "0.00", "1.234", "9999999", "1e12", "abc", 12.5, True, ""]


@pytest.mark.parametrize("amount", BAD)
def test_bad_confirmed_amount_in_the_outcome_is_400_naming_it(api, world, fee_order, amount):
    dispute = dispute_verifying(world, fee_order)
    api.force_authenticate(world.clerk)
    answer = api.post(f"{BASE}/disputes/{dispute.id}/outcome/", {
        "outcome": "justified", "explanation": "x", "outcome_kind": "wrong_charge", "confirmed_amount": amount,
        "cause_id": cause("company-rules").id, "remedy_form": "bill_credit"}, format="json")  # fmt: skip
    assert answer.status_code == 400 and "confirmed_amount" in answer.data
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert fresh.state == DisputeState.VERIFYING and fresh.confirmed_amount is None


@pytest.mark.parametrize("amount", BAD)
def test_bad_amount_change_is_400_naming_it_and_the_approval_stands(api, world, fee_order, amount):
    dispute = dispute_pending(world, fee_order, amount="45.50")
    api.force_authenticate(world.clerk)
    answer = api.post(f"{BASE}/disputes/{dispute.id}/amount/", {"confirmed_amount": amount, "reason": "复核"},
                      format="json")  # fmt: skip
    assert answer.status_code == 400 and "confirmed_amount" in answer.data
    fresh = Dispute.objects.get(pk=dispute.pk)
    assert fresh.state == DisputeState.PENDING_APPROVAL and fresh.confirmed_amount == Decimal("45.50")
    assert ApprovalRequest.objects.get(dispute=dispute).status == "open" and not Refund.objects.exists()


def test_ids_of_what_you_may_not_see_answer_like_ids_that_do_not_exist(api, world, fee_order):
    api.force_authenticate(world.clerk_north)
    body = {"billing_period": "2026-10", "disputed_amount": "3.00", "charge_items": "x"}
    hidden = api.post(f"{BASE}/disputes/", {**body, "order_id": fee_order.id}, format="json")
    missing = api.post(f"{BASE}/disputes/", {**body, "order_id": 999999}, format="json")
    assert hidden.status_code == missing.status_code == 404 and hidden.data == missing.data
    internal = {**body, "source": "internal_check", "customer_number": "13900001111"}
    other_unit = api.post(f"{BASE}/disputes/", {**internal, "unit_id": world.hall_south.id}, format="json")
    no_unit = api.post(f"{BASE}/disputes/", {**internal, "unit_id": 999999}, format="json")
    assert other_unit.status_code == no_unit.status_code == 400 and other_unit.data == no_unit.data
    refund = approved(world, fee_order)
    assert api.get(f"{BASE}/refunds/{refund.id}/").status_code == 404
    assert api.post(f"{BASE}/refunds/{refund.id}/retry/").status_code == 404
    assert not Dispute.objects.filter(created_by=world.clerk_north).exists()


def test_the_sweep_task_executes_a_refund_whose_task_was_lost(world, fee_order, monkeypatch):
    gateway = FakeGateway()
    monkeypatch.setattr("tariff_disputes.services.refund.billing_gateway", lambda: gateway)
    refund = approved(world, fee_order)  # its task never sent: on_commit callbacks do not run in this test
    assert tasks.refunds_due_execute_task() == 1 and tasks.refunds_due_execute_task() == 0
    refund.refresh_from_db()
    assert refund.state == RefundState.EXECUTED and gateway.credit_count() == 1
