"""Approval by amount (R-TD-5) and the intent to pay (R-TD-6). Lock: the dispute row, then its requests.
Fifty approvers clicking at once serialise on the dispute row: the first approves and writes the one refund
row; the others see `approved` and get 409. The refund is executed after commit by a Celery task."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ApprovalRequest, ApprovalStatus, Dispute, DisputeState, Evidence, Outcome, Refund, RemedyForm
from ..selectors import level_required, user_approval_level, users_with_perm
from .common import DisputeRefused, dispute_lock, history, notify_on_commit, require
from .dispute import _text
from .refund import refund_execute_enqueue

D = DisputeState


@transaction.atomic
def dispute_approval_request(*, dispute_id: int, actor, note: str = "") -> ApprovalRequest:
    """verified (justified, with money) → pending approval. The level required is fixed on the request from the
    threshold table now. R-TD-7: a recharge-card subsidy needs the customer's ID copy attached (400)."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor)
    if (
        dispute.state != D.VERIFIED or dispute.outcome != Outcome.JUSTIFIED
        or dispute.remedy_form == RemedyForm.NON_MONETARY or dispute.refund_amount is None
    ):  # fmt: skip
        raise DisputeRefused(dispute, "request_approval")
    threshold = level_required(amount=dispute.refund_amount, form=dispute.remedy_form)
    errors = {"note": _text(note, required=False, message="")}
    if threshold is None:
        errors["refund_amount"] = [_("No approval level covers this amount; ask an administrator.")]
    if dispute.recharge_card and not dispute.evidence.filter(kind=Evidence.Kind.ID_COPY).exists():
        errors["evidence"] = [_("A recharge-card subsidy needs a copy of the customer's ID document (R-TD-7).")]
    require(errors)
    before = dispute.state
    dispute.request_approval()
    dispute.save(update_fields=["state"])
    request = ApprovalRequest.objects.create(
        dispute=dispute, amount=dispute.refund_amount, remedy_form=dispute.remedy_form,
        amount_version=dispute.amount_version, level_required=threshold.level, level_name=threshold.name,
        requested_by=actor, note=(note or "").strip(),
    )  # fmt: skip
    history(dispute=dispute, actor=actor, kind="approval_requested", before=before, note=request.note,
            data={"request_id": request.id, "amount": str(request.amount), "level": threshold.level})  # fmt: skip
    approvers = [u for u in users_with_perm(threshold.permission) if u.id != actor.id]
    notify_on_commit(
        recipients=approvers, key=f"request-{request.id}", dispute=dispute,
        subject=_("Refund of ¥%(amount)s awaits your approval") % {"amount": request.amount},
    )  # fmt: skip
    return request


def _decision_check(dispute: Dispute, actor, transition: str) -> ApprovalRequest:
    if dispute.state != D.PENDING_APPROVAL:
        raise DisputeRefused(dispute, transition)
    request = ApprovalRequest.objects.select_for_update().filter(dispute=dispute, status=ApprovalStatus.OPEN).first()
    if request is None or request.amount_version != dispute.amount_version or request.amount != dispute.refund_amount:
        raise DisputeRefused(dispute, transition, _("the amount changed; ask for approval again."))
    if request.requested_by_id == actor.id:
        raise PermissionDenied(_("You asked for this approval; another person must decide it."))
    if user_approval_level(user=actor) < request.level_required:
        raise PermissionDenied(
            _("A refund of ¥%(amount)s needs the approval of %(level)s (level %(n)s) or above.")
            % {"amount": request.amount, "level": request.level_name, "n": request.level_required}
        )
    return request


@transaction.atomic
def dispute_approve(*, dispute_id: int, actor, note: str = "") -> Refund:
    """pending approval → approved, and the Refund row (pending, idempotency key) in the same transaction
    (R-TD-6). The executor task is queued after commit. Not idempotent by design: a second approval is 409."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor, perm=None)
    request = _decision_check(dispute, actor, "approve")
    require({"note": _text(note, required=False, message="")})
    before, now = dispute.state, timezone.now()
    dispute.approve()
    dispute.save(update_fields=["state"])
    request.status, request.decided_by, request.decided_at = ApprovalStatus.APPROVED, actor, now
    request.note = "\n".join(filter(None, [request.note, (note or "").strip()]))
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    refund = Refund.objects.create(
        dispute=dispute, approval=request, amount=request.amount, form=request.remedy_form,
        account=dispute.customer.number, idempotency_key=f"td-{dispute.id}-{request.id}",
    )  # fmt: skip
    history(dispute=dispute, actor=actor, kind="approved", before=before, note=(note or "").strip(),
            data={"request_id": request.id, "refund_id": refund.id, "amount": str(refund.amount)})  # fmt: skip
    notify_on_commit(
        recipients=[request.requested_by], key=f"approved-{request.id}", dispute=dispute,
        subject=_("Refund of ¥%(amount)s approved") % {"amount": refund.amount},
    )  # fmt: skip
    refund_execute_enqueue(refund_id=refund.id)
    return refund


@transaction.atomic
def dispute_reject(*, dispute_id: int, actor, reason: str) -> Dispute:
    """pending approval → rejected, with the reason. Same authority as approving."""
    dispute = dispute_lock(dispute_id=dispute_id, actor=actor, perm=None)
    request = _decision_check(dispute, actor, "reject")
    require({"reason": _text(reason, required=True, message=_("Give the reason for rejecting."))})
    before = dispute.state
    dispute.reject()
    dispute.save(update_fields=["state"])
    request.status, request.decided_by, request.decided_at = ApprovalStatus.REJECTED, actor, timezone.now()
    request.note = "\n".join(filter(None, [request.note, reason.strip()]))
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    history(dispute=dispute, actor=actor, kind="rejected", before=before, note=reason.strip(),
            data={"request_id": request.id})  # fmt: skip
    notify_on_commit(
        recipients=[request.requested_by], key=f"rejected-{request.id}", dispute=dispute,
        subject=_("Refund rejected: %(reason)s") % {"reason": reason.strip()[:100]},
    )  # fmt: skip
    return dispute
