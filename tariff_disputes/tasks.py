from celery import shared_task

from .models import Refund, RefundState
from .services import refund_execute, refunds_due_execute, refunds_reconcile

# A timed-out refund is asked about again soon, not only by the daily sweep: 1, 2, 4 … 32 minutes, then the sweep.
UNKNOWN_RETRIES = 6


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=UNKNOWN_RETRIES)
def refund_execute_task(self, refund_id: int) -> int:
    """Queued after an approval commits (R-TD-6). Idempotent: the claim is a compare-and-set and the gateway
    receives the refund's idempotency key, so a redelivery or a second run credits nothing. 1 if executed.
    A gateway timeout leaves the refund *unknown*: the task runs again later, and that attempt asks the gateway
    about the key before it pays (the daily reconciliation's sweep takes over after the last retry)."""
    executed = refund_execute(refund_id=refund_id)
    retry = not executed and not self.request.called_directly and self.request.retries < UNKNOWN_RETRIES
    if retry and Refund.objects.filter(pk=refund_id, state=RefundState.UNKNOWN).exists():
        raise self.retry(countdown=60 * 2**self.request.retries)
    return int(executed)


@shared_task(acks_late=True, ignore_result=True)
def refunds_reconcile_task() -> int:
    """Beat runs this daily: execute due refunds, then list disagreements with the gateway and raise them to
    the CS centre. Idempotent; returns the disagreements found."""
    return refunds_reconcile()


@shared_task(acks_late=True, ignore_result=True)
def refunds_due_execute_task() -> int:
    """For a frequent beat entry: refunds whose task was lost (broker down at the approval's commit), left unknown
    after the task's last retry, or claimed by a worker that died (after CLAIM_LEASE). Idempotent (the claim is a
    compare-and-set; a later attempt asks the gateway first); returns the refunds it executed."""
    return refunds_due_execute()
