"""Celery tasks of the outbox. Each takes ids, calls a service and returns a count (STYLE.md).

Both are idempotent (compare-and-set claims), hence `acks_late`. The beat schedule for
`notifications.tasks.notifications_sweep` is wired in config; give it `expires` shorter than its
interval.
"""

from celery import shared_task
from django.utils import timezone

from notifications.services import NotificationDeliveryError, notification_deliver, notification_due_deliver

# A retry further away than this is left to the sweep: long ETAs sit in the broker (and on Redis
# outlive its visibility timeout, which redelivers them; harmless here but wasteful).
RETRY_VIA_CELERY_WITHIN_SECONDS = 600


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
)
def notification_deliver_task(self, notification_id: int) -> int:
    """Deliver one notification; 1 if this run sent it, else 0.

    A recorded delivery failure is retried at the time the outbox chose (backoff + quiet hours),
    or by the sweep when that is far off. Anything else (database down …) is retried by Celery's
    autoretry with exponential backoff; the claim makes a duplicate run harmless.
    """
    try:
        return int(notification_deliver(notification_id=notification_id))
    except NotificationDeliveryError as exc:
        if (exc.retry_at - timezone.now()).total_seconds() > RETRY_VIA_CELERY_WITHIN_SECONDS:
            return 0
        raise self.retry(exc=exc, eta=exc.retry_at) from exc


@shared_task(acks_late=True)
def notifications_sweep() -> int:
    """Periodic: deliver every due pending notification (deferred ones after quiet hours, retries,
    rows whose task was lost). Returns how many were sent."""
    return notification_due_deliver()
