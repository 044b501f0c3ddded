"""Outbox services (SPEC R-NT-1, R-NT-2, R-WO-9). Every write to a notification goes through here.

Delivery protocol (exactly once to the backend as far as a network allows):

1. `notification_enqueue` writes the row. The idempotency key is unique, so a retried caller (a
   re-run Celery task, a double-clicked button) gets the existing row back and nothing new is sent.
2. A worker claims the row with compare-and-set, pending → sending (`UPDATE … WHERE state='pending'`
   must touch exactly one row), committed *before* the external call; two workers never both win.
3. After the backend call the row becomes sent, or the error is recorded and it goes back to
   pending with `not_before` pushed out (backoff, quiet hours again), or failed when its attempt
   budget is spent.
4. A row left in "sending" (worker killed mid-call) may or may not have gone out. The sweep marks it
   failed with an explanatory error instead of sending it again; an operator retries it in the admin.

Row locks are never held across an SMTP/HTTP call: the claim is a single committed UPDATE, so
`notification_deliver` and the sweep must run outside `transaction.atomic` (Celery tasks do).
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notifications.models import Notification, NotificationChannel, NotificationState
from notifications.quiet_hours import release_at
from notifications.sms import sms_gateway

logger = logging.getLogger(__name__)

Channel = NotificationChannel
State = NotificationState

# Channels with no external call: "delivery" means the row shows in the recipient's inbox.
INBOX_CHANNELS = frozenset({Channel.IN_APP, Channel.PHONE_TASK})
RETRY_DELAY_FIRST = timedelta(seconds=30)
RETRY_DELAY_MAX = timedelta(minutes=10)
# Longer than any backend timeout (SMS_GATEWAY_TIMEOUT, SMTP): a claim this old belongs to a dead worker.
SENDING_STALE_AFTER = timedelta(minutes=15)
STALE_SENDING_ERROR = (
    "Delivery outcome unknown: the worker stopped while sending. Not resent automatically "
    "(it may have gone out); check, then use “retry”."
)


class NotificationDeliveryError(Exception):
    """A delivery attempt failed; the error is recorded on the row and it will be retried at `retry_at`."""

    def __init__(self, notification_id: int, retry_at: datetime, error: str):
        super().__init__(f"notification {notification_id}: {error} (retry at {retry_at.isoformat()})")
        self.notification_id = notification_id
        self.retry_at = retry_at


class NotificationUndeliverable(Exception):
    """Retrying cannot help (no address to send to)."""


def notification_enqueue(
    *,
    channel: str,
    idempotency_key: str,
    subject: str,
    body: str,
    recipient: AbstractBaseUser | None = None,
    address: str = "",
    order=None,
    kind: str = "",
    urgent: bool = False,
    now: datetime | None = None,
) -> Notification:
    """Put a notification in the outbox, once per `idempotency_key`.

    Idempotent: a second call with the same key returns the existing row unchanged (its content is
    not compared) and schedules nothing; safe under concurrency (unique constraint + get_or_create).
    `address` (phone number or email) overrides the recipient's own; in-app and phone-call tasks
    need a `recipient` user. Quiet hours (R-NT-2): non-urgent SMS and phone tasks created outside
    CAL-SERVICE get `not_before` = the next service instant and are sent by the sweep. In-app rows
    (and phone tasks inside service time) are delivered on creation: they show in the inbox.
    After commit, a row due now is handed to `notification_deliver_task`; if the broker is down
    the sweep delivers it. Raises ValueError for an unknown channel or a missing destination.
    """
    now = now or timezone.now()
    channel = Channel(channel)
    if not idempotency_key:
        raise ValueError("idempotency_key is required")
    if channel in INBOX_CHANNELS and recipient is None:
        raise ValueError(f"a {channel.value} notification needs a recipient user")
    if recipient is None and not address:
        raise ValueError("a notification needs a recipient or an address")

    not_before = release_at(channel=channel, urgent=urgent, at=now)
    delivered_now = channel in INBOX_CHANNELS and not_before <= now
    notification, created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "channel": channel,
            "recipient": recipient,
            "address": address,
            "subject": str(subject)[:255],
            "body": str(body),
            "order": order,
            "kind": kind,
            "urgent": urgent,
            "not_before": not_before,
            "created_at": now,
            "max_attempts": _attempt_budget(),
            "state": State.SENT if delivered_now else State.PENDING,
            "sent_at": now if delivered_now else None,
        },
    )
    if created and notification.state == State.PENDING and not_before <= now:
        transaction.on_commit(partial(_schedule_delivery, notification.pk))
    return notification


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> bool:
    """Send one due notification through its backend. Call outside a transaction.

    Returns True if this call sent it; False if there was nothing to do (not pending, not due yet,
    claimed by another worker, already sent) or it failed for good (no address, attempt budget
    spent: state failed). Raises NotificationDeliveryError when the attempt failed and the row went
    back to pending for a retry at `exc.retry_at` (backoff 30 s doubling up to 10 min, then quiet
    hours again). Compare-and-set claim: at most one caller reaches the backend per attempt.
    """
    now = now or timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, state=State.PENDING, not_before__lte=now).update(
        state=State.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if claimed != 1:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        external_id = _send(notification)
    except NotificationUndeliverable as exc:
        _finish(notification, state=State.FAILED, last_error=str(exc))
        return False
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if notification.attempts >= notification.max_attempts:
            logger.error(
                "Notification %s failed for good after %s attempts: %s", notification_id, notification.attempts, error
            )
            _finish(notification, state=State.FAILED, last_error=error)
            return False
        retry_at = release_at(
            channel=notification.channel, urgent=notification.urgent, at=now + _retry_delay(notification.attempts)
        )
        _finish(notification, state=State.PENDING, last_error=error, not_before=retry_at)
        raise NotificationDeliveryError(notification_id, retry_at, error) from exc
    _finish(notification, state=State.SENT, sent_at=now, external_id=external_id, last_error="")
    return True


def notification_due_deliver(*, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep: deliver up to `limit` pending notifications whose `not_before` has passed, oldest
    first, and fail claims left in "sending" by dead workers. Returns how many were sent.

    Safe to run concurrently (each row is claimed by compare-and-set, so overlapping sweeps skip
    each other's rows instead of holding locks); failed attempts are recorded and left for a later
    sweep. Call outside a transaction.
    """
    now = now or timezone.now()
    stale = Notification.objects.filter(state=State.SENDING, claimed_at__lt=now - SENDING_STALE_AFTER).update(
        state=State.FAILED, last_error=STALE_SENDING_ERROR
    )
    if stale:
        logger.error("%s notification(s) were stuck in 'sending'; marked failed, not resent", stale)
    due_ids = list(
        Notification.objects.filter(state=State.PENDING, not_before__lte=now)
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for notification_id in due_ids:
        try:
            sent += notification_deliver(notification_id=notification_id, now=now)
        except NotificationDeliveryError as exc:
            logger.warning("%s", exc)
    return sent


@transaction.atomic
def notification_retry_failed(*, notification_ids: Iterable[int], now: datetime | None = None) -> int:
    """Put failed notifications back in the outbox with a fresh attempt budget (admin action).

    Only rows in state failed are touched; others are ignored, so repeating it is harmless. Locks
    the rows. Quiet hours apply again to `not_before`. After commit, rows due now are handed to the
    delivery task. Returns how many were re-queued.
    """
    now = now or timezone.now()
    requeued = 0
    for notification in Notification.objects.select_for_update().filter(
        pk__in=list(notification_ids), state=State.FAILED
    ):
        notification.state = State.PENDING
        notification.not_before = release_at(channel=notification.channel, urgent=notification.urgent, at=now)
        notification.max_attempts = notification.attempts + _attempt_budget()
        notification.claimed_at = None
        notification.save(update_fields=["state", "not_before", "max_attempts", "claimed_at"])
        if notification.not_before <= now:
            transaction.on_commit(partial(_schedule_delivery, notification.pk))
        requeued += 1
    return requeued


def notification_cancel(*, idempotency_key: str) -> bool:
    """Withdraw a notification that has not gone out yet, e.g. a clock warning deferred overnight
    whose clock was met before 08:00. Compare-and-set pending → cancelled; False if it was already
    sent, being sent, failed, cancelled or never existed."""
    return (
        Notification.objects.filter(idempotency_key=idempotency_key, state=State.PENDING).update(state=State.CANCELLED)
        == 1
    )


def notification_mark_read(
    *, notification_id: int, user: AbstractBaseUser, now: datetime | None = None
) -> Notification:
    """Mark one of `user`'s own notifications read. Idempotent: the first read time is kept.
    Raises Notification.DoesNotExist for a notification addressed to someone else (→ 404)."""
    now = now or timezone.now()
    Notification.objects.filter(pk=notification_id, recipient=user, read_at__isnull=True).update(read_at=now)
    return Notification.objects.get(pk=notification_id, recipient=user)


def notification_mark_order_read(*, user: AbstractBaseUser, order_id: int | None, now: datetime | None = None) -> int:
    """Mark `user`'s unread notifications about one order (None: those about no order) read; returns how many."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    rows = rows.filter(order__isnull=True) if order_id is None else rows.filter(order_id=order_id)
    return rows.update(read_at=now or timezone.now())


def notification_mark_all_read(*, user: AbstractBaseUser, now: datetime | None = None) -> int:
    """Mark every unread notification of `user` read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now or timezone.now())


def _send(notification: Notification) -> str:
    """Hand the notification to its backend; return the backend's message id (may be empty)."""
    if notification.channel in INBOX_CHANNELS:
        return ""
    if notification.channel == Channel.EMAIL:
        to = notification.address or getattr(notification.recipient, "email", "")
        if not to:
            raise NotificationUndeliverable("no email address")
        send_mail(notification.subject, notification.body, None, [to], fail_silently=False)
        return ""
    if notification.channel == Channel.SMS:
        # Users have no phone field (yet): an SMS goes to `address` only.
        if not notification.address:
            raise NotificationUndeliverable("no phone number")
        text = "\n".join(part for part in (notification.subject, notification.body) if part)
        return sms_gateway().send(notification.address, text)
    raise NotificationUndeliverable(f"unknown channel {notification.channel!r}")


def _finish(notification: Notification, *, state: str, **fields) -> None:
    """Leave the "sending" claim. Compare-and-set again: if the sweep already declared this claim
    stale, its verdict stands (logged)."""
    done = Notification.objects.filter(pk=notification.pk, state=State.SENDING).update(state=state, **fields)
    if done != 1:
        logger.error("Notification %s was no longer 'sending' when its attempt finished (→ %s)", notification.pk, state)


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_DELAY_FIRST * 2 ** min(max(attempts - 1, 0), 16), RETRY_DELAY_MAX)


def _attempt_budget() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 8))


# By name: the task module imports this one, so this one does not import it back.
DELIVER_TASK = "notifications.tasks.notification_deliver_task"


def _schedule_delivery(notification_id: int) -> None:
    """After commit: queue the delivery task. A broker outage is not the caller's problem; the
    sweep picks the row up."""
    try:
        current_app.send_task(DELIVER_TASK, args=[notification_id])
    except Exception:
        logger.warning(
            "Could not queue delivery of notification %s; the sweep will send it", notification_id, exc_info=True
        )
