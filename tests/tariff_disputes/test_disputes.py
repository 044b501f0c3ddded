"""The life of a tariff dispute through its services (SPEC §5): the seed 001 cases, every transition allowed
and refused by state (409) and by authority (403), bad amounts (400 naming the field, nothing saved)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tariff_disputes import services
from tariff_disputes.models import (
    ApprovalRequest,
    ApprovalStatus,
    Dispute,
    DisputeEvent,
    DisputeState,
    Evidence,
    Refund,
    RefundState,
)
from tariff_disputes.services import DisputeRefused
from tests.factories import UserFactory
from tickets.models import TimelineEntry

from .conftest import cause, dispute_justified, dispute_pending, dispute_verifying, pdf, recharge_scripts_seeded

pytestmark = pytest.mark.django_db
S = DisputeState


def fresh(dispute):
    return Dispute.objects.get(pk=dispute.pk)


def close_accepted(dispute, actor):
    return services.dispute_close(
        dispute_id=dispute.id, actor=actor, consent_result="accepted", consent_channel="in_person",
        consent_note="客户表示理解",
    )  # fmt: skip


# --- seed 001 -------------------------------------------------------------------------------------------
def test_case1_calls_the_customer_made_not_justified_explained_consented_closed(world, fee_order):
    # given ¥58.20 of long-distance calls the customer disputes, the call records attached
    dispute = dispute_verifying(world, fee_order, amount="58.20")
    # when verification finds the calls were made from the customer's phone
    services.dispute_outcome_record(
        dispute_id=dispute.id, actor=world.clerk, outcome="not_justified",
        explanation="通话清单显示均为本机拨出，属正常计费", cause_id=cause("customer-misunderstanding").id,
    )  # fmt: skip
    closed = close_accepted(dispute, world.clerk)
    # then it closes with the explanation and the customer's response (R-TD-8), no refund
    assert closed.state == S.CLOSED and closed.outcome == "not_justified"
    assert closed.consent_result == "accepted" and closed.consent_recorded_by == world.clerk
    assert closed.consent_at is not None and closed.refund_amount is None
    assert not Refund.objects.exists()
    kinds = list(DisputeEvent.objects.filter(dispute=dispute).values_list("kind", flat=True))
    assert kinds == ["dispute_registered", "verification_started", "evidence", "verified", "closed"]
    assert TimelineEntry.objects.filter(order=fee_order, kind="tariff_closed").exists()


def test_case3_incomplete_bill_on_the_terminal_not_justified_after_verification(world, fee_order):
    dispute = dispute_verifying(world, fee_order, amount="30.00")
    verified = services.dispute_outcome_record(
        dispute_id=dispute.id, actor=world.clerk, outcome="not_justified",
        explanation="终端显示账单不完整，系统账单核对无误",
    )  # fmt: skip
    assert verified.state == S.VERIFIED and verified.verified_by == world.clerk
    assert close_accepted(dispute, world.clerk).state == S.CLOSED


def test_case4_non_monetary_remedy_recorded_without_amount_and_closed(world, fee_order):
    dispute = dispute_verifying(world, fee_order, amount="20.00")
    verified = services.dispute_outcome_record(
        dispute_id=dispute.id, actor=world.clerk, outcome="justified", explanation="有效期被错误缩短",
        outcome_kind="mis_collected", confirmed_amount="20.00", cause_id=cause("company-service").id,
        remedy_form="non_monetary", remedy_note="恢复有效期至原截止日",
    )  # fmt: skip
    assert verified.refund_amount is None and verified.multiplier is None
    assert close_accepted(dispute, world.clerk).state == S.CLOSED


def test_justified_company_cause_4550_refunds_9100_approved_by_cs_centre_executed_once(world, fee_order, gateway):
    # given a confirmed wrong charge of company cause
    dispute = dispute_justified(world, fee_order, amount="45.50")
    assert dispute.multiplier == Decimal("2.00") and dispute.refund_amount == Decimal("91.00")
    services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    request = ApprovalRequest.objects.get(dispute=dispute)
    assert request.level_required == 1  # ¥91.00 ≤ ¥100
    # when the CS centre approves
    refund = services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    assert refund.state == RefundState.PENDING and refund.amount == Decimal("91.00")
    # then the executor credits once, with the key, and a second run credits nothing
    assert services.refund_execute(refund_id=refund.id, gateway=gateway) is True
    assert services.refund_execute(refund_id=refund.id, gateway=gateway) is False
    refund.refresh_from_db()
    assert refund.state == RefundState.EXECUTED and refund.gateway_reference == f"ref-{refund.idempotency_key}"
    assert gateway.credit_count() == 1 and fresh(dispute).state == S.REFUNDED
    assert close_accepted(dispute, world.clerk).state == S.CLOSED


def test_above_100_the_store_manager_is_refused_naming_the_level_cs_centre_approves(world, fee_order, gateway):
    dispute = dispute_pending(world, fee_order, amount="60.00")  # ×2 = ¥120.00
    with pytest.raises(PermissionDenied, match="客服中心"):
        services.dispute_approve(dispute_id=dispute.id, actor=world.store_manager)
    assert fresh(dispute).state == S.PENDING_APPROVAL and not Refund.objects.exists()
    services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    assert fresh(dispute).state == S.APPROVED


def test_store_manager_approves_up_to_100(world, fee_order):
    dispute = dispute_pending(world, fee_order, amount="50.00")  # ¥100.00 exactly
    services.dispute_approve(dispute_id=dispute.id, actor=world.store_manager)
    assert fresh(dispute).state == S.APPROVED


def test_above_1000_needs_the_branch_leader(world, fee_order, people):
    dispute = dispute_pending(world, fee_order, amount="600.00")  # ¥1,200.00
    with pytest.raises(PermissionDenied, match="分公司领导"):
        services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    services.dispute_approve(dispute_id=dispute.id, actor=people.leader)
    assert fresh(dispute).state == S.APPROVED


def test_green_channel_desk_approves_level1(world, fee_order):
    from django.contrib.auth.models import Permission

    desk = UserFactory(username="desk", roles=["front_line"], units=[world.hall_south])
    desk.user_permissions.add(Permission.objects.get(codename="green_channel"))
    dispute = dispute_pending(world, fee_order, amount="10.00")
    services.dispute_approve(dispute_id=dispute.id, actor=desk)
    assert fresh(dispute).state == S.APPROVED


def test_cash_needs_the_cs_centre_even_when_small_and_a_reason(world, fee_order):
    dispute = dispute_verifying(world, fee_order, amount="10.00")
    with pytest.raises(ValidationError) as refused:
        services.dispute_outcome_record(
            dispute_id=dispute.id, actor=world.clerk, outcome="justified", explanation="x", outcome_kind="overcharged",
            confirmed_amount="10.00", cause_id=cause("company-rules").id, remedy_form="cash",
        )  # fmt: skip
    assert "cash_reason" in refused.value.message_dict
    dispute = dispute_pending(world, work_order_for(world), amount="10.00", form="cash")
    assert ApprovalRequest.objects.get(dispute=dispute).level_required == 2
    with pytest.raises(PermissionDenied):
        services.dispute_approve(dispute_id=dispute.id, actor=world.store_manager)


def work_order_for(world):
    from tests.factories import another_number, work_order_make

    return work_order_make(actor=world.clerk, accepted_number=another_number())


def test_requester_cannot_approve_their_own_request(world, fee_order, people):
    dispute = dispute_justified(world, fee_order, amount="45.50")
    services.dispute_approval_request(dispute_id=dispute.id, actor=world.dispatcher)
    with pytest.raises(PermissionDenied):
        services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    services.dispute_approve(dispute_id=dispute.id, actor=people.dispatcher2)


def test_reject_needs_reason_then_closes_with_consent(world, fee_order):
    dispute = dispute_pending(world, fee_order)
    with pytest.raises(ValidationError) as refused:
        services.dispute_reject(dispute_id=dispute.id, actor=world.dispatcher, reason=" ")
    assert "reason" in refused.value.message_dict
    services.dispute_reject(dispute_id=dispute.id, actor=world.dispatcher, reason="证据不足")
    assert ApprovalRequest.objects.get(dispute=dispute).status == ApprovalStatus.REJECTED
    assert close_accepted(dispute, world.clerk).state == S.CLOSED


# --- verify first ---------------------------------------------------------------------------------------
def test_outcome_needs_bill_or_call_records_attached(world, fee_order):
    dispute = services.dispute_create(
        actor=world.clerk, order_id=fee_order.id, billing_period="2026-10", disputed_amount="5", charge_items="短信费"
    )
    services.dispute_verification_start(dispute_id=dispute.id, actor=world.clerk)
    services.dispute_evidence_add(dispute_id=dispute.id, actor=world.clerk, uploaded_file=pdf(), kind="other")
    with pytest.raises(ValidationError) as refused:
        services.dispute_outcome_record(dispute_id=dispute.id, actor=world.clerk, outcome="not_justified",
                                        explanation="正常")  # fmt: skip
    assert "evidence" in refused.value.message_dict and fresh(dispute).state == S.VERIFYING


def test_evidence_uses_tickets_file_rules(world, fee_order):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dispute = dispute_verifying(world, fee_order)
    with pytest.raises(ValidationError) as refused:
        services.dispute_evidence_add(dispute_id=dispute.id, actor=world.clerk,
                                      uploaded_file=SimpleUploadedFile("x.exe", b"MZ"))  # fmt: skip
    assert "file" in refused.value.message_dict and Evidence.objects.filter(dispute=dispute).count() == 1


def test_justified_needs_kind_amount_cause_and_a_leaf_cause(world, fee_order):
    dispute = dispute_verifying(world, fee_order)
    with pytest.raises(ValidationError) as refused:
        services.dispute_outcome_record(dispute_id=dispute.id, actor=world.clerk, outcome="justified",
                                        explanation="错收", cause_id=cause("company").id)  # fmt: skip
    assert {"outcome_kind", "confirmed_amount", "cause_id", "remedy_form"} <= set(refused.value.message_dict)


def test_not_company_cause_refunds_once(world, fee_order):
    dispute = dispute_justified(world, fee_order, amount="33.33", cause_code="billing-system")
    assert dispute.multiplier == Decimal("1.00") and dispute.refund_amount == Decimal("33.33")


# --- bad amounts ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", ["-1", "0", "0.00", "1.234", "99999999999", "abc", "NaN", "Infinity", 1.5, ""])
def test_bad_amount_names_the_field_and_saves_nothing(world, fee_order, amount):
    with pytest.raises(ValidationError) as refused:
        services.dispute_create(actor=world.clerk, order_id=fee_order.id, billing_period="2026-10",
                                disputed_amount=amount, charge_items="x")  # fmt: skip
    assert "disputed_amount" in refused.value.message_dict
    assert not Dispute.objects.exists()


def test_bad_confirmed_amount_names_the_field_and_changes_nothing(world, fee_order):
    dispute = dispute_verifying(world, fee_order)
    with pytest.raises(ValidationError) as refused:
        services.dispute_outcome_record(
            dispute_id=dispute.id, actor=world.clerk, outcome="justified", explanation="x", outcome_kind="overcharged",
            confirmed_amount="-3", cause_id=cause("company-rules").id, remedy_form="bill_credit",
        )  # fmt: skip
    assert list(refused.value.message_dict) == ["confirmed_amount"]
    assert fresh(dispute).state == S.VERIFYING and fresh(dispute).confirmed_amount is None


def test_refund_rounds_half_up_once():
    assert services.refund_compute(confirmed=Decimal("0.01"), multiplier=Decimal("1.5")) == Decimal("0.02")
    assert services.refund_compute(confirmed=Decimal("45.50"), multiplier=Decimal("2")) == Decimal("91.00")


# --- state refusals (409) -----------------------------------------------------------------------------------
def test_every_transition_refused_out_of_its_state(world, fee_order):
    dispute = services.dispute_create(
        actor=world.clerk, order_id=fee_order.id, billing_period="2026-10", disputed_amount="5", charge_items="x"
    )
    kwargs = {"dispute_id": dispute.id, "actor": world.clerk}
    with pytest.raises(DisputeRefused):
        services.dispute_outcome_record(**kwargs, outcome="not_justified", explanation="x")
    with pytest.raises(DisputeRefused):
        services.dispute_approval_request(**kwargs)
    with pytest.raises(DisputeRefused):
        services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    with pytest.raises(DisputeRefused):
        services.dispute_reject(dispute_id=dispute.id, actor=world.dispatcher, reason="x")
    with pytest.raises(DisputeRefused):
        services.dispute_close(**kwargs, consent_result="accepted", consent_channel="phone")
    with pytest.raises(DisputeRefused):
        services.dispute_amount_change(**kwargs, confirmed_amount="3", reason="x")
    services.dispute_verification_start(**kwargs)
    with pytest.raises(DisputeRefused):
        services.dispute_verification_start(**kwargs)


def test_justified_refund_cannot_close_without_approval_and_second_approval_is_409(world, fee_order, people):
    dispute = dispute_justified(world, fee_order)
    with pytest.raises(DisputeRefused):
        close_accepted(dispute, world.clerk)
    services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    with pytest.raises(DisputeRefused):
        services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    with pytest.raises(DisputeRefused):
        services.dispute_approve(dispute_id=dispute.id, actor=people.dispatcher2)
    assert Refund.objects.filter(dispute=dispute).count() == 1


# --- amounts after approval ---------------------------------------------------------------------------------
def test_changing_the_amount_voids_the_open_request(world, fee_order):
    dispute = dispute_pending(world, fee_order, amount="45.50")
    changed = services.dispute_amount_change(dispute_id=dispute.id, actor=world.clerk, confirmed_amount="40.00",
                                             reason="复核后金额调整")  # fmt: skip
    assert changed.state == S.VERIFIED and changed.refund_amount == Decimal("80.00")
    assert ApprovalRequest.objects.get(dispute=dispute).status == ApprovalStatus.VOIDED
    with pytest.raises(DisputeRefused):
        services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)


def test_changing_the_amount_after_approval_voids_it_and_its_unclaimed_refund(world, fee_order, people, gateway):
    dispute = dispute_pending(world, fee_order, amount="45.50")
    first = services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    services.dispute_amount_change(dispute_id=dispute.id, actor=world.clerk, confirmed_amount="40.00", reason="复核")
    first.refresh_from_db()
    assert first.state == RefundState.VOIDED and first.approval.status == ApprovalStatus.VOIDED
    assert services.refund_execute(refund_id=first.id, gateway=gateway) is False and not gateway.calls
    services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    second = services.dispute_approve(dispute_id=dispute.id, actor=people.dispatcher2)
    assert second.amount == Decimal("80.00") and second.idempotency_key != first.idempotency_key


def test_amount_is_fixed_once_execution_started(world, fee_order, gateway):
    dispute = dispute_pending(world, fee_order, amount="45.50")
    refund = services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    Refund.objects.filter(pk=refund.pk).update(state=RefundState.UNKNOWN)
    with pytest.raises(DisputeRefused):
        services.dispute_amount_change(dispute_id=dispute.id, actor=world.clerk, confirmed_amount="1", reason="x")


# --- R-TD-7 recharge cards ----------------------------------------------------------------------------------
def test_recharge_card_subsidy_needs_the_id_copy(world, fee_order):
    dispute = dispute_justified(world, fee_order, amount="30.00", recharge_card=True, card_bought_here=True)
    with pytest.raises(ValidationError) as refused:
        services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    assert "evidence" in refused.value.message_dict and fresh(dispute).state == S.VERIFIED
    services.dispute_evidence_add(dispute_id=dispute.id, actor=world.clerk, uploaded_file=pdf("id.pdf"), kind="id_copy")
    services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    assert fresh(dispute).state == S.PENDING_APPROVAL


def test_recharge_card_script_by_where_it_was_bought(world, fee_order):
    from tariff_disputes.selectors import recharge_card_script, recharge_card_statistics

    recharge_scripts_seeded()
    here = dispute_verifying(world, fee_order, recharge_card=True, card_bought_here=True)
    assert "我公司服务厅在销售话费卡时" in recharge_card_script(dispute=here)
    dispute_verifying(world, fee_order, amount="10.00")  # not a recharge-card case
    services.dispute_create(
        actor=world.clerk, source="internal_check", customer_number="13900001111", billing_period="2026-09",
        disputed_amount="20.00", charge_items="充值卡", recharge_card=True, card_bought_here=False,
    )  # fmt: skip
    from tariff_disputes.selectors import dispute_visible_list

    stats = recharge_card_statistics(disputes=dispute_visible_list(user=world.clerk))
    assert stats == {"total": 2, "bought_here": 1, "bought_elsewhere": 1, "internal_checks": 1}
    assert recharge_card_statistics(disputes=dispute_visible_list(user=world.clerk_north))["total"] == 0


# --- visibility and internal checks -------------------------------------------------------------------------
def test_internal_check_has_no_order_and_is_seen_by_its_unit_subtree(world):
    from tariff_disputes.selectors import dispute_visible_list

    dispute = services.dispute_create(
        actor=world.clerk, source="internal_check", customer_number="13900001111", billing_period="2026-09",
        disputed_amount="12.00", charge_items="稽核发现重复收取月租",
    )  # fmt: skip
    assert dispute.order is None and dispute.unit == world.hall_south
    assert dispute in dispute_visible_list(user=world.store_manager)
    assert dispute not in dispute_visible_list(user=world.clerk_north)
    with pytest.raises(Dispute.DoesNotExist):
        services.dispute_verification_start(dispute_id=dispute.id, actor=world.clerk_north)


def test_dispute_of_an_invisible_order_is_404(world, fee_order):
    with pytest.raises(Exception) as hidden:
        services.dispute_create(actor=world.clerk_north, order_id=fee_order.id, billing_period="2026-10",
                                disputed_amount="5", charge_items="x")  # fmt: skip
    assert type(hidden.value).__name__ == "DoesNotExist"


def test_notices_go_out_on_commit_to_approvers_and_back_to_the_requester(
    world, fee_order, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    dispute = dispute_justified(world, fee_order, amount="45.50")
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_approval_request(dispute_id=dispute.id, actor=world.clerk)
    assert Notification.objects.filter(recipient=world.store_manager, kind="tariff_dispute").exists()
    assert not Notification.objects.filter(recipient=world.clerk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_approve(dispute_id=dispute.id, actor=world.store_manager)
    assert Notification.objects.filter(recipient=world.clerk, subject__contains="approved").exists()
