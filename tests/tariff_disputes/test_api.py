"""/api/v1/tariff-disputes/ (R-API-1): the flow, 400 naming the field with nothing saved, 403 naming the level,
409 with the dispute's state, 404 for what you may not see, the queues per level."""

import pytest

from tariff_disputes.models import Dispute, Refund

from .conftest import cause, pdf

pytestmark = pytest.mark.django_db
BASE = "/api/v1/tariff-disputes"


def as_user(api, user):
    api.force_authenticate(user)
    return api


def create(api, order, amount="45.50"):
    body = {"order_id": order.id, "billing_period": "2026-10", "disputed_amount": amount, "charge_items": "长途通话费"}
    return api.post(f"{BASE}/disputes/", body, format="json")


def test_full_flow_through_the_api(api, world, fee_order, people, django_capture_on_commit_callbacks):
    clerk = as_user(api, world.clerk)
    created = create(clerk, fee_order)
    assert created.status_code == 201, created.data
    dispute_id = created.data["id"]
    assert (
        created.data["customer"] == fee_order.customer_id and created.data["allowed_actions"][0] == "start_verification"
    )
    assert clerk.post(f"{BASE}/disputes/{dispute_id}/start-verification/").status_code == 200
    up = clerk.post(f"{BASE}/disputes/{dispute_id}/evidence/", {"file": pdf(), "kind": "bill"}, format="multipart")
    assert up.status_code == 201, up.data
    verified = clerk.post(f"{BASE}/disputes/{dispute_id}/outcome/", {
        "outcome": "justified", "explanation": "规则缺陷", "outcome_kind": "wrong_charge", "confirmed_amount": "45.50",
        "cause_id": cause("company-rules").id, "remedy_form": "bill_credit"}, format="json")  # fmt: skip
    assert verified.status_code == 200, verified.data
    assert verified.data["refund_amount"] == "91.00" and verified.data["refund_formula"] == "¥45.50 × 2.00 = ¥91.00"
    assert clerk.post(f"{BASE}/disputes/{dispute_id}/request-approval/", {}, format="json").status_code == 200
    # the CS centre sees it in its level-1 queue (it may decide levels 1 and 2)
    centre = as_user(api, world.dispatcher)
    assert centre.get(f"{BASE}/queues/").data == {"levels": {"1": 1, "2": 0}}
    assert [r["dispute"] for r in centre.get(f"{BASE}/queues/1/").data["results"]] == [dispute_id]
    with django_capture_on_commit_callbacks(execute=False):
        approved = centre.post(f"{BASE}/disputes/{dispute_id}/approve/", {"note": "同意"}, format="json")
    assert approved.status_code == 200 and approved.data["state"] == "approved"
    assert approved.data["refunds"][0]["state"] == "pending"
    again = as_user(api, people.dispatcher2).post(f"{BASE}/disputes/{dispute_id}/approve/", {}, format="json")
    assert again.status_code == 409 and again.data["state"] == "approved" and again.data["transition"] == "approve"
    refund = api.get(f"{BASE}/refunds/").data["results"][0]
    assert refund["amount"] == "91.00" and Refund.objects.count() == 1


@pytest.mark.parametrize("amount", ["-5", "0", "1.234", "1e12", "abc", 12.5, True])
def test_bad_amount_is_400_naming_the_field_nothing_saved(api, world, fee_order, amount):
    answer = create(as_user(api, world.clerk), fee_order, amount=amount)
    assert answer.status_code == 400 and "disputed_amount" in answer.data
    assert not Dispute.objects.exists()


def test_store_manager_above_100_gets_403_naming_the_level(api, world, fee_order):
    from .conftest import dispute_pending

    dispute = dispute_pending(world, fee_order, amount="60.00")
    answer = as_user(api, world.store_manager).post(f"{BASE}/disputes/{dispute.id}/approve/", {}, format="json")
    assert answer.status_code == 403 and "客服中心" in answer.data["detail"]
    assert as_user(api, world.store_manager).get(f"{BASE}/queues/2/").status_code == 404


def test_invisible_order_and_dispute_are_404(api, world, fee_order):
    from .conftest import dispute_verifying

    assert create(as_user(api, world.clerk_north), fee_order).status_code == 404
    dispute = dispute_verifying(world, fee_order)
    north = as_user(api, world.clerk_north)
    assert north.get(f"{BASE}/disputes/{dispute.id}/").status_code == 404
    assert north.post(f"{BASE}/disputes/{dispute.id}/start-verification/").status_code == 404
    assert north.get(f"{BASE}/disputes/").data["count"] == 0


def test_outcome_without_evidence_is_400_naming_evidence(api, world, fee_order):
    clerk = as_user(api, world.clerk)
    dispute_id = create(clerk, fee_order).data["id"]
    clerk.post(f"{BASE}/disputes/{dispute_id}/start-verification/")
    answer = clerk.post(f"{BASE}/disputes/{dispute_id}/outcome/", {"outcome": "not_justified", "explanation": "x"},
                        format="json")  # fmt: skip
    assert answer.status_code == 400 and "evidence" in answer.data


def test_causes_and_unknown_state_filter(api, world):
    client = as_user(api, world.clerk)
    codes = {row["code"] for row in client.get(f"{BASE}/causes/").data}
    assert {"company", "company-rules", "company-service", "billing-system", "network"} <= codes
    assert client.get(f"{BASE}/disputes/?state=nope").status_code == 400
