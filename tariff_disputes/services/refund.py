"""Executing refunds exactly once (R-TD-6, R-REL-1; STYLE.md "Money and calls to other systems").

The approval wrote the Refund row (pending, idempotency key). `refund_execute` runs outside any transaction:

1. claim: compare-and-set pending | unknown | (executing whose claim is older than CLAIM_LEASE: a worker
   died) → executing, attempts + 1. Zero rows updated → someone else has it, or it is done: return.
2. a second or later attempt first asks the gateway about the key (`lookup`); only if it never saw the key
   does it credit. Every credit carries the key, so the gateway itself refuses a second credit.
3. the answer: executed with the gateway's reference (and the dispute → refunded), or *unknown* on a timeout
   (the next attempt asks first), or failed with the reason — raised to the CS centre, retried by a person.

A worker killed between the gateway's answer and step 3's commit leaves the row `executing`; after the lease
the sweep (`refunds_due_execute`, also run by the daily reconciliation) claims it again, asks, and records."""

import logging
from datetime import timedelta

from celery import current_app
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..gateway import GatewayRefused, GatewayTimeout, billing_gateway
from ..models import Dispute, DisputeState, Refund, RefundState
from ..selectors import dispute_visible_to, users_with_perm
from .common import DisputeRefused, history, notify_on_commit

logger = logging.getLogger(__name__)
R = RefundState
EXECUTE_TASK = "tariff_disputes.tasks.refund_execute_task"
CLAIM_LEASE = timedelta(minutes=10)
CS_CENTRE_PERM = "tariff_disputes.approve_refund_level2"


def refund_execute_enqueue(*, refund_id: int) -> None:
    """After commit: queue the executor. A broker outage loses nothing: the sweep finds the pending row."""

    def send() -> None:
        try:
            current_app.send_task(EXECUTE_TASK, args=[refund_id])
        except Exception:
            logger.warning("Could not queue refund %s; the sweep will execute it", refund_id, exc_info=True)

    transaction.on_commit(send)


def _claim(refund_id: int, now) -> bool:
    claimable = Q(state__in=[R.PENDING, R.UNKNOWN]) | Q(state=R.EXECUTING, claimed_at__lt=now - CLAIM_LEASE)
    return bool(
        Refund.objects.filter(claimable, pk=refund_id).update(
            state=R.EXECUTING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def refund_execute(*, refund_id: int, gateway=None) -> bool:
    """Execute one refund. Idempotent (claim by compare-and-set; the key goes to the gateway); call outside a
    transaction. Returns True if this call recorded the refund as executed."""
    now = timezone.now()
    if not _claim(refund_id, now):
        return False
    refund = Refund.objects.get(pk=refund_id)
    gateway = gateway or billing_gateway()
    memo = f"TD{refund.dispute_id} {refund.get_form_display()}"
    try:
        record = gateway.lookup(key=refund.idempotency_key) if refund.attempts > 1 else None
        if record is None:
            record = gateway.credit(
                key=refund.idempotency_key, account=refund.account, amount=refund.amount, form=refund.form, memo=memo
            )
    except GatewayTimeout as error:
        Refund.objects.filter(pk=refund_id, state=R.EXECUTING, claimed_at=now).update(
            state=R.UNKNOWN, failure_reason=str(error)[:500]
        )
        logger.warning("Refund %s: gateway timed out (%s); state unknown", refund_id, error)
        return False
    except GatewayRefused as error:
        _refund_failed(refund_id=refund_id, claimed_at=now, reason=str(error) or _("Refused by the gateway."))
        return False
    return _refund_executed(refund_id=refund_id, claimed_at=now, reference=record.reference)


@transaction.atomic
def _refund_executed(*, refund_id: int, claimed_at, reference: str) -> bool:
    """Lock order: dispute → refund. Only the claim that is still ours records (a stale one after a lease
    expiry lost it to the next claimer, which asks the gateway and records the same reference)."""
    dispute_id = Refund.objects.values_list("dispute_id", flat=True).get(pk=refund_id)
    dispute = Dispute.objects.select_for_update(no_key=True).get(pk=dispute_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.state != R.EXECUTING or refund.claimed_at != claimed_at:
        return False
    refund.state, refund.gateway_reference, refund.executed_at = R.EXECUTED, reference, timezone.now()
    refund.failure_reason = ""
    refund.save(update_fields=["state", "gateway_reference", "executed_at", "failure_reason"])
    before = dispute.state
    if dispute.state == DisputeState.APPROVED:
        dispute.mark_refunded()
        dispute.save(update_fields=["state"])
    history(dispute=dispute, actor=None, kind="refund_executed", before=before, note=reference,
            data={"refund_id": refund.id, "amount": str(refund.amount), "reference": reference})  # fmt: skip
    notify_on_commit(
        recipients=[refund.approval.requested_by], key=f"executed-{refund.id}", dispute=dispute,
        subject=_("Refund of ¥%(amount)s executed (%(reference)s)") % {"amount": refund.amount, "reference": reference},
    )  # fmt: skip
    return True


@transaction.atomic
def _refund_failed(*, refund_id: int, claimed_at, reason: str) -> None:
    dispute_id = Refund.objects.values_list("dispute_id", flat=True).get(pk=refund_id)
    dispute = Dispute.objects.select_for_update(no_key=True).get(pk=dispute_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.state != R.EXECUTING or refund.claimed_at != claimed_at:
        return
    refund.state, refund.failure_reason = R.FAILED, reason[:1000]
    refund.save(update_fields=["state", "failure_reason"])
    history(dispute=dispute, actor=None, kind="refund_failed", before=dispute.state, note=refund.failure_reason,
            data={"refund_id": refund.id})  # fmt: skip
    notify_on_commit(
        recipients=list(users_with_perm(CS_CENTRE_PERM)), key=f"failed-{refund.id}-{refund.attempts}",
        dispute=dispute, subject=_("Refund of ¥%(amount)s failed: %(reason)s") % {"amount": refund.amount,
                                                                                "reason": reason[:100]},
    )  # fmt: skip


@transaction.atomic
def refund_retry(*, refund_id: int, actor) -> Refund:
    """A person retries a failed refund (same key: the gateway still refuses a double credit). 409 unless failed."""
    refund = Refund.objects.select_related("dispute").get(pk=refund_id)
    if not dispute_visible_to(refund.dispute, actor):
        raise Refund.DoesNotExist
    if not actor.has_perm("tariff_disputes.retry_refund"):
        raise PermissionDenied(_("Your role may not retry refunds."))
    dispute = Dispute.objects.select_for_update(no_key=True).get(pk=refund.dispute_id)
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.state != R.FAILED:
        raise DisputeRefused(dispute, "refund_retry", _("only a failed refund can be retried."))
    refund.state = R.PENDING
    refund.save(update_fields=["state"])
    history(dispute=dispute, actor=actor, kind="refund_retried", before=dispute.state,
            note=refund.failure_reason, data={"refund_id": refund.id})  # fmt: skip
    refund_execute_enqueue(refund_id=refund.id)
    return refund


def refunds_due_execute(*, now=None, gateway=None) -> int:
    """The sweep: pending and unknown refunds, and executing ones whose claim expired. Returns executed count."""
    now = now or timezone.now()
    ids = Refund.objects.filter(
        Q(state__in=[R.PENDING, R.UNKNOWN]) | Q(state=R.EXECUTING, claimed_at__lt=now - CLAIM_LEASE)
    ).values_list("id", flat=True)
    return sum(refund_execute(refund_id=refund_id, gateway=gateway) for refund_id in list(ids))


def refunds_reconcile(*, gateway=None, now=None) -> int:
    """Daily (R-TD-6): execute what is due, then compare every refund not voided with the gateway's record of
    its key. A disagreement (executed here but unknown there or another reference; failed here but credited
    there) is written on the refund and raised to the CS centre. Idempotent; returns the disagreements."""
    gateway = gateway or billing_gateway()
    now = now or timezone.now()
    refunds_due_execute(now=now, gateway=gateway)
    mismatches = 0
    for refund in Refund.objects.exclude(state=R.VOIDED).exclude(state=R.EXECUTING).iterator():
        try:
            record = gateway.lookup(key=refund.idempotency_key)
        except (GatewayTimeout, GatewayRefused) as error:
            logger.warning("Reconciliation of refund %s: gateway unavailable (%s)", refund.id, error)
            continue
        problem = ""
        if refund.state == R.EXECUTED and record is None:
            problem = _("Executed here, unknown to the gateway.")
        elif refund.state == R.EXECUTED and record.reference != refund.gateway_reference:
            problem = _("Gateway reference %(ref)s differs.") % {"ref": record.reference}
        elif refund.state != R.EXECUTED and record is not None:
            problem = _("Credited by the gateway (%(ref)s) but %(state)s here.") % {
                "ref": record.reference, "state": refund.get_state_display(),
            }  # fmt: skip
        elif record is not None and record.amount != refund.amount:
            problem = _("The gateway credited ¥%(amount)s.") % {"amount": record.amount}
        Refund.objects.filter(pk=refund.pk).update(reconciled_at=now, mismatch=problem)
        if problem:
            mismatches += 1
            with transaction.atomic():
                dispute = Dispute.objects.get(pk=refund.dispute_id)
                history(dispute=dispute, actor=None, kind="refund_mismatch", before=dispute.state, note=problem,
                        data={"refund_id": refund.id})  # fmt: skip
                notify_on_commit(
                    recipients=list(users_with_perm(CS_CENTRE_PERM)), key=f"mismatch-{refund.id}-{now:%Y%m%d}",
                    dispute=dispute, subject=_("Refund disagrees with the billing gateway: %(p)s") % {"p": problem},
                )  # fmt: skip
    return mismatches
