"""Every transition in every state (issue 10 §3): allowed where the FSM allows it, 409 (DisputeRefused) with
nothing changed everywhere else; and by role: a user without tariff-dispute work gets 403 on every write."""

import pytest
from django.core.exceptions import PermissionDenied

from tariff_disputes import services
from tariff_disputes.models import Dispute, DisputeEvent, DisputeState, Refund
from tariff_disputes.services import DisputeRefused
from tests.factories import UserFactory

from .conftest import FakeGateway, cause, dispute_justified, dispute_pending, dispute_verifying, pdf

pytestmark = pytest.mark.django_db
S = DisputeState


def _not_justified(world, order):
    dispute = dispute_verifying(world, order)
    return services.dispute_outcome_record(
        dispute_id=dispute.id, actor=world.clerk, outcome="not_justified", explanation="本机拨出"
    )


def _approved(world, order):
    dispute = dispute_pending(world, order, amount="45.50")
    services.dispute_approve(dispute_id=dispute.id, actor=world.dispatcher)
    return dispute


def _refunded(world, order):
    dispute = _approved(world, order)
    services.refund_execute(refund_id=Refund.objects.get(dispute=dispute).id, gateway=FakeGateway())
    return dispute


def _closed(world, order):
    dispute = _not_justified(world, order)
    return services.dispute_close(
        dispute_id=dispute.id, actor=world.clerk, consent_result="accepted", consent_channel="phone"
    )


def _rejected(world, order):
    dispute = dispute_pending(world, order, amount="45.50")
    return services.dispute_reject(dispute_id=dispute.id, actor=world.dispatcher, reason="证据不足")


BUILD = {
    "registered": lambda world, order: services.dispute_create(
        actor=world.clerk, order_id=order.id, billing_period="2026-10", disputed_amount="45.50", charge_items="x"
    ),
    "verifying": dispute_verifying,
    "verified_justified": lambda world, order: dispute_justified(world, order, amount="45.50"),
    "verified_not_justified": _not_justified,
    "pending_approval": lambda world, order: dispute_pending(world, order, amount="45.50"),
    "approved": _approved,
    "rejected": _rejected,
    "refunded": _refunded,
    "closed": _closed,
}


def _do(name, dispute, world, *, worker=None, approver=None):
    clerk = {"dispute_id": dispute.id, "actor": worker or world.clerk}
    centre = {"dispute_id": dispute.id, "actor": approver or world.dispatcher}
    calls = {
        "start_verification": lambda: services.dispute_verification_start(**clerk),
        "outcome": lambda: services.dispute_outcome_record(
            **clerk,
            outcome="justified",
            explanation="x",
            outcome_kind="wrong_charge",
            confirmed_amount="45.50",
            cause_id=cause("company-rules").id,
            remedy_form="bill_credit",
        ),  # fmt: skip
        "amend": lambda: services.dispute_amount_change(**clerk, confirmed_amount="40.00", reason="复核"),
        "request_approval": lambda: services.dispute_approval_request(**clerk),
        "approve": lambda: services.dispute_approve(**centre),
        "reject": lambda: services.dispute_reject(**centre, reason="不同意"),
        "close": lambda: services.dispute_close(**clerk, consent_result="accepted", consent_channel="in_person"),
        "evidence": lambda: services.dispute_evidence_add(**clerk, uploaded_file=pdf(), kind="other"),
    }
    return calls[name]()


ALLOWED = {
    "registered": {"start_verification", "evidence"},
    "verifying": {"outcome", "evidence"},
    "verified_justified": {"amend", "request_approval", "evidence"},
    "verified_not_justified": {"close", "evidence"},
    "pending_approval": {"approve", "reject", "amend", "evidence"},
    "approved": {"amend", "evidence"},  # the amount until the executor claims the refund
    "rejected": {"amend", "close", "evidence"},
    "refunded": {"close", "evidence"},
    "closed": set(),
}
TRANSITIONS = ["start_verification", "outcome", "amend", "request_approval", "approve", "reject", "close", "evidence"]


@pytest.mark.parametrize("state", list(BUILD))
@pytest.mark.parametrize("transition", TRANSITIONS)
def test_transition_by_state(world, fee_order, state, transition):
    dispute = BUILD[state](world, fee_order)
    before = Dispute.objects.get(pk=dispute.pk)
    events = DisputeEvent.objects.filter(dispute=dispute).count()
    if transition in ALLOWED[state]:
        _do(transition, dispute, world)
        assert DisputeEvent.objects.filter(dispute=dispute).count() == events + 1
    else:
        with pytest.raises(DisputeRefused):
            _do(transition, dispute, world)
        after = Dispute.objects.get(pk=dispute.pk)
        assert (after.state, after.amount_version, after.confirmed_amount) == (
            before.state, before.amount_version, before.confirmed_amount,
        )  # fmt: skip
        assert DisputeEvent.objects.filter(dispute=dispute).count() == events


@pytest.mark.parametrize("transition", ["start_verification", "evidence", "amend", "request_approval", "close"])
def test_a_role_without_dispute_work_gets_403_on_writes(world, fee_order, transition):
    state = {"start_verification": "registered", "evidence": "verifying", "amend": "verified_justified",
             "request_approval": "verified_justified", "close": "verified_not_justified"}[transition]  # fmt: skip
    dispute = BUILD[state](world, fee_order)
    before = Dispute.objects.get(pk=dispute.pk).state
    outsider = UserFactory(roles=[], units=[world.hall_south])  # sees the hall's orders, holds no tariff role
    with pytest.raises(PermissionDenied):
        _do(transition, dispute, world, worker=outsider)
    assert Dispute.objects.get(pk=dispute.pk).state == before


def test_a_user_without_an_approval_level_gets_403_on_approve_and_reject(world, fee_order):
    dispute = dispute_pending(world, fee_order, amount="5.00")
    desk = UserFactory(roles=["front_line"], units=[world.hall_south])  # works disputes, approves at no level
    for name in ("approve", "reject"):
        with pytest.raises(PermissionDenied, match="店面经理"):
            _do(name, dispute, world, approver=desk)
    assert Dispute.objects.get(pk=dispute.pk).state == S.PENDING_APPROVAL
