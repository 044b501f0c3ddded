"""Registering, verifying (R-TD-2), classifying (R-TD-3), computing the remedy (R-TD-4, R-FL-9), amending,
closing with the customer's response (R-TD-8), evidence (R-FL-8). Lock: the dispute row (see common)."""

import re
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.numbers import normalize_number, validate_phone_number
from complaints.services import customer_get_or_create
from org.selectors import user_unit_ids
from tickets.models import OrderType, WorkOrder
from tickets.permissions import order_visible_to
from tickets.services import attachment_file_errors

from ..models import (
    ApprovalStatus,
    Cause,
    ConsentChannel,
    ConsentResult,
    Dispute,
    DisputeState,
    Evidence,
    Outcome,
    OutcomeKind,
    Refund,
    RefundState,
    RemedyForm,
    Source,
)
from ..selectors import WORK, multiplier_for
from .common import DisputeRefused, dispute_lock, history, money_errors, refund_compute, require

D = DisputeState
PERIOD = re.compile(r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$")
VERIFYING_EVIDENCE = (Evidence.Kind.BILL, Evidence.Kind.CALL_RECORDS)


def _number_errors(number) -> list[str]:
    if not isinstance(number, str) or not number.strip():
        return [_("Give the customer's number.")]
    try:
        validate_phone_number(normalize_number(number))
    except ValidationError as error:
        return error.messages
    return []


def _text(value, *, required: bool, message: str) -> list[str]:
    if value is not None and not isinstance(value, str):
        return [_("Give text.")]
    if required and not (value or "").strip():
        return [message]
    if value and "\x00" in value:
        return [_("Text may not contain NUL characters.")]
    return []


@transaction.atomic
def dispute_create(
    *, actor, billing_period: str, disputed_amount, charge_items: str, order_id: int | None = None,
    customer_number: str = "", source: str = Source.COMPLAINT, description: str = "", recharge_card: bool = False,
    card_bought_here: bool | None = None, unit_id: int | None = None,
) -> Dispute:  # fmt: skip
    """R-TD-1: open a dispute from a complaint order (customer taken from it) or from an internal check (a
    customer number, no order). Validates every field before writing anything (400 naming each)."""
    if not actor.has_perm(WORK):
        raise PermissionDenied(_("Your role may not register tariff disputes."))
    errors: dict[str, list[str]] = {}
    amount, errors["disputed_amount"] = money_errors(disputed_amount)
    errors["billing_period"] = [] if PERIOD.match(billing_period or "") else [_("Give the period as YYYY-MM.")]
    errors["charge_items"] = _text(charge_items, required=True, message=_("Name the charge items questioned."))
    errors["description"] = _text(description, required=False, message="")
    errors["source"] = [] if source in Source.values else [_("Unknown source.")]
    order = None
    if source == Source.COMPLAINT:
        if order_id is None:
            errors["order_id"] = [_("A dispute from a complaint names its order.")]
        else:
            order = WorkOrder.objects.select_related("customer", "accepting_unit").filter(pk=order_id).first()
            if order is None or not order_visible_to(order, actor):
                raise WorkOrder.DoesNotExist  # → 404: an order you may not see is not disclosed
            if order.order_type != OrderType.COMPLAINT:
                errors["order_id"] = [_("A dispute is opened from a complaint order (or as an internal check).")]
    elif order_id is not None:
        errors["order_id"] = [_("An internal check has no complaint order.")]
    units = sorted(user_unit_ids(user=actor))
    unit = None
    if order is not None:
        unit = order.accepting_unit
    elif unit_id is not None:
        if unit_id not in units:
            errors["unit_id"] = [_("Not one of your units.")]
        unit_pk = unit_id
    else:
        unit_pk = units[0] if units else None
        if unit_pk is None:
            errors["unit_id"] = [_("You belong to no unit.")]
    if order is None and source == Source.INTERNAL_CHECK:
        errors["customer_number"] = _number_errors(customer_number)
    require(errors)
    customer = order.customer if order is not None else customer_get_or_create(number=customer_number)
    dispute = Dispute(
        source=source, order=order, customer=customer, billing_period=billing_period, disputed_amount=amount,
        charge_items=charge_items.strip(), description=(description or "").strip(), recharge_card=bool(recharge_card),
        card_bought_here=card_bought_here if recharge_card else None, created_by=actor,
    )  # fmt: skip
    if unit is not None:
        dispute.unit = unit
    else:
        dispute.unit_id = unit_pk
    dispute.save()
    history(dispute=dispute, actor=actor, kind="dispute_registered", note=dispute.charge_items,
            data={"amount": str(amount), "period": billing_period})  # fmt: skip
    return dispute


@transaction.atomic
def dispute_verification_start(*, dispute_id: int, actor) -> Dispute:
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor)
    if dispute.state != D.REGISTERED:
        raise DisputeRefused(dispute, "start_verification")
    before = dispute.state
    dispute.start_verification()
    dispute.save(update_fields=["state"])
    history(dispute=dispute, actor=actor, kind="verification_started", before=before)
    return dispute


@transaction.atomic
def dispute_evidence_add(*, dispute_id: int, actor, uploaded_file, kind: str = Evidence.Kind.BILL) -> Evidence:
    """R-TD-2 / R-FL-8: attach evidence under tickets' file rules; on the history. Not after closing."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor)
    if dispute.state == D.CLOSED:
        raise DisputeRefused(dispute, "evidence")
    require(
        {
            "file": attachment_file_errors(uploaded_file=uploaded_file),
            "kind": [] if kind in Evidence.Kind.values else [_("Unknown evidence kind.")],
        }
    )
    name = PurePosixPath(uploaded_file.name or "").name
    evidence = Evidence.objects.create(
        dispute=dispute, kind=kind, **Evidence.values_of(uploaded_file, name=name, actor=actor)
    )
    history(dispute=dispute, actor=actor, kind="evidence", note=name,
            data={"evidence_id": evidence.id, "kind": kind, "size": evidence.size})  # fmt: skip
    return evidence


def _remedy_errors(*, remedy_form: str, cash_reason: str, remedy_note: str) -> dict[str, list[str]]:
    errors = {"remedy_form": [] if remedy_form in RemedyForm.values else [_("Choose the form of compensation.")]}
    errors["cash_reason"] = _text(
        cash_reason, required=remedy_form == RemedyForm.CASH, message=_("Cash needs a reason (R-FL-9).")
    )
    errors["remedy_note"] = _text(
        remedy_note, required=remedy_form == RemedyForm.NON_MONETARY, message=_("Describe the remedy given.")
    )
    return errors


@transaction.atomic
def dispute_outcome_record(
    *, dispute_id: int, actor, outcome: str, explanation: str, cause_id: int | None = None, outcome_kind: str = "",
    confirmed_amount=None, remedy_form: str = "", cash_reason: str = "", remedy_note: str = "",
) -> Dispute:  # fmt: skip
    """R-TD-2: verifying → verified. Needs bill details or call records attached. A justified outcome states
    the kind (误收/错收/多收), the confirmed amount, the cause (R-TD-3) and the form of compensation; the
    refund is computed here once (R-TD-4: confirmed × multiplier of the policy, ROUND_HALF_UP to the fen)."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor)
    if dispute.state != D.VERIFYING:
        raise DisputeRefused(dispute, "record_outcome")
    errors: dict[str, list[str]] = {}
    errors["outcome"] = [] if outcome in Outcome.values else [_("Choose justified or not justified.")]
    errors["explanation"] = _text(explanation, required=True, message=_("State what the verification found."))
    if not dispute.evidence.filter(kind__in=VERIFYING_EVIDENCE).exists():
        errors["evidence"] = [_("Attach the bill details or call records first (先查证后处理).")]
    cause = None
    if cause_id is not None:
        cause = Cause.objects.filter(pk=cause_id, is_active=True).select_related("parent").first()
        if cause is None:
            errors["cause_id"] = [_("Unknown or retired cause.")]
        elif cause.children.filter(is_active=True).exists():
            errors["cause_id"] = [_("Choose a sub-cause of “%(cause)s”.") % {"cause": cause.name}]
    amount = None
    if outcome == Outcome.JUSTIFIED:
        errors["outcome_kind"] = [] if outcome_kind in OutcomeKind.values else [_("Choose 误收, 错收 or 多收.")]
        amount, errors["confirmed_amount"] = money_errors(confirmed_amount)
        if cause_id is None:
            errors["cause_id"] = [_("A justified dispute names its cause.")]
        errors.update(_remedy_errors(remedy_form=remedy_form, cash_reason=cash_reason, remedy_note=remedy_note))
    elif confirmed_amount not in (None, ""):
        errors["confirmed_amount"] = [_("A dispute that is not justified has no confirmed amount.")]
    require(errors)
    before = dispute.state
    dispute.record_outcome()
    dispute.outcome, dispute.explanation, dispute.cause = outcome, explanation.strip(), cause
    dispute.verified_by, dispute.verified_at = actor, timezone.now()
    if outcome == Outcome.JUSTIFIED:
        dispute.outcome_kind, dispute.confirmed_amount = outcome_kind, amount
        _remedy_set(dispute, remedy_form=remedy_form, cash_reason=cash_reason, remedy_note=remedy_note)
    dispute.save()
    history(dispute=dispute, actor=actor, kind="verified", before=before, note=dispute.explanation,
            data={"outcome": outcome, "kind": outcome_kind, "confirmed": str(amount) if amount else None,
                  "cause": cause.code if cause else None, "multiplier": str(dispute.multiplier or ""),
                  "refund": str(dispute.refund_amount or "")})  # fmt: skip
    return dispute


def _remedy_set(dispute: Dispute, *, remedy_form: str, cash_reason: str, remedy_note: str) -> None:
    dispute.remedy_form = remedy_form
    dispute.cash_reason = (cash_reason or "").strip() if remedy_form == RemedyForm.CASH else ""
    dispute.remedy_note = (remedy_note or "").strip()
    if remedy_form == RemedyForm.NON_MONETARY:
        dispute.multiplier = dispute.refund_amount = None
    else:
        dispute.multiplier = multiplier_for(cause=dispute.cause)
        dispute.refund_amount = refund_compute(confirmed=dispute.confirmed_amount, multiplier=dispute.multiplier)


@transaction.atomic
def dispute_amount_change(*, dispute_id: int, actor, confirmed_amount, reason: str) -> Dispute:
    """Change the confirmed amount of a justified dispute. Voids the open approval request, and an approval
    whose refund has not been claimed by the executor yet (its refund row is voided in the same transaction);
    once execution started the amount is fixed (409). Back to verified; the refund is recomputed."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor)
    if dispute.outcome != Outcome.JUSTIFIED or dispute.state not in (
        D.VERIFIED, D.PENDING_APPROVAL, D.REJECTED, D.APPROVED,
    ):  # fmt: skip
        raise DisputeRefused(dispute, "amend")
    refund = None
    if dispute.state == D.APPROVED:
        refund = Refund.objects.select_for_update().filter(dispute=dispute).exclude(state=RefundState.VOIDED).first()
        if refund is not None and refund.state != RefundState.PENDING:
            raise DisputeRefused(dispute, "amend", _("the refund is being executed; the amount can no longer change."))
    amount, amount_errors = money_errors(confirmed_amount)
    require(
        {
            "confirmed_amount": amount_errors,
            "reason": _text(reason, required=True, message=_("Say why the amount changes.")),
        }
    )
    # Compare-and-set: the executor claims pending → executing; if it got there first, nothing is voided.
    if refund is not None and not Refund.objects.filter(pk=refund.pk, state=RefundState.PENDING).update(
        state=RefundState.VOIDED
    ):
        raise DisputeRefused(dispute, "amend", _("the refund is being executed; the amount can no longer change."))
    voided_ids = list(dispute.approvals.filter(status=ApprovalStatus.OPEN).values_list("id", flat=True))
    if refund is not None:
        voided_ids.append(refund.approval_id)
    dispute.approvals.filter(pk__in=voided_ids).update(status=ApprovalStatus.VOIDED)
    before, old = dispute.state, dispute.confirmed_amount
    if dispute.state != D.VERIFIED:
        dispute.amend()
    dispute.confirmed_amount = amount
    dispute.amount_version += 1
    _remedy_set(dispute, remedy_form=dispute.remedy_form, cash_reason=dispute.cash_reason,
                remedy_note=dispute.remedy_note)  # fmt: skip
    dispute.save()
    history(dispute=dispute, actor=actor, kind="amount_changed", before=before, note=reason.strip(),
            data={"from": str(old), "to": str(amount), "refund": str(dispute.refund_amount or ""),
                  "voided_requests": voided_ids})  # fmt: skip
    return dispute


@transaction.atomic
def dispute_close(
    *, dispute_id: int, actor, consent_result: str, consent_channel: str, consent_note: str = "", consent_at=None,
) -> Dispute:  # fmt: skip
    """Close with the customer's response recorded (R-TD-8: how, when, by whom). From verified when not
    justified or with a non-monetary remedy; from rejected; from refunded."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor)
    monetary_open = (
        dispute.state == D.VERIFIED and dispute.outcome == Outcome.JUSTIFIED
        and dispute.remedy_form != RemedyForm.NON_MONETARY
    )  # fmt: skip
    if dispute.state not in (D.VERIFIED, D.REJECTED, D.REFUNDED) or monetary_open:
        detail = _("a justified refund goes through approval first.") if monetary_open else ""
        raise DisputeRefused(dispute, "close", detail)
    now = timezone.now()
    require(
        {
            "consent_result": [] if consent_result in ConsentResult.values else [_("Record the customer's response.")],
            "consent_channel": [] if consent_channel in ConsentChannel.values else [_("Say how it was given.")],
            "consent_note": _text(consent_note, required=False, message=""),
            "consent_at": [_("Not in the future.")] if consent_at and consent_at > now else [],
        }
    )
    before = dispute.state
    dispute.close()
    dispute.consent_result, dispute.consent_channel = consent_result, consent_channel
    dispute.consent_note, dispute.consent_at = (consent_note or "").strip(), consent_at or now
    dispute.consent_recorded_by, dispute.closed_at = actor, now
    dispute.save()
    history(dispute=dispute, actor=actor, kind="closed", before=before, note=dispute.consent_note,
            data={"consent": consent_result, "channel": consent_channel,
                  "consent_at": dispute.consent_at.isoformat()})  # fmt: skip
    return dispute
