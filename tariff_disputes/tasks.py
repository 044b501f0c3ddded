from celery import shared_task

from .services import refund_execute, refunds_reconcile


@shared_task(acks_late=True, ignore_result=True)
def refund_execute_task(refund_id: int) -> int:
    """Queued after an approval commits (R-TD-6). Idempotent: the claim is a compare-and-set and the gateway
    receives the refund's idempotency key, so a redelivery or a second run credits nothing. 1 if executed."""
    return int(refund_execute(refund_id=refund_id))


@shared_task(acks_late=True, ignore_result=True)
def refunds_reconcile_task() -> int:
    """Beat runs this daily: execute due refunds, then list disagreements with the gateway and raise them to
    the CS centre. Idempotent; returns the disagreements found."""
    return refunds_reconcile()
