"""Bulk writes to the outbox for the clock sweep, where thousands of notices may fall due at once."""

from datetime import datetime

from notifications.models import Notification, NotificationState
from notifications.quiet_hours import release_at
from notifications.services import INBOX_CHANNELS, _attempt_budget


def notification_bulk_enqueue(*, items: list[dict], now: datetime) -> int:
    """Insert many notifications in one statement per 1,000. Same contract as `notification_enqueue`
    (one row per idempotency key, quiet hours of R-NT-2, inbox rows delivered at once), but a key that
    exists is skipped by the unique constraint (`ON CONFLICT DO NOTHING`), and nothing is scheduled:
    the caller kicks `notifications_sweep` after commit. Each item: channel, idempotency_key, subject,
    body, recipient_id, order_id, kind, urgent. Returns the number of rows offered."""
    budget = _attempt_budget()
    rows = []
    for item in items:
        not_before = release_at(channel=item["channel"], urgent=item.get("urgent", False), at=now)
        delivered = item["channel"] in INBOX_CHANNELS and not_before <= now
        rows.append(
            Notification(
                channel=item["channel"], idempotency_key=item["idempotency_key"], subject=str(item["subject"])[:255],
                body=item.get("body", ""), recipient_id=item.get("recipient_id"), address=item.get("address", ""),
                order_id=item.get("order_id"), kind=item.get("kind", ""), urgent=item.get("urgent", False),
                not_before=not_before, created_at=now, max_attempts=budget,
                state=NotificationState.SENT if delivered else NotificationState.PENDING,
                sent_at=now if delivered else None,
            )
        )  # fmt: skip
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)
