"""The history and the notices of batch moves (R-AUD-1, R-NT-1, R-WO-9).

Notices: one per person per move, not one per child. The per-order services queue their own notice for every child
(the first-contact owner's, the handling unit's); the batch writes those notices' idempotency keys first, as
cancelled rows that name the batch notice replacing them, so when the per-order notices run after commit the outbox
finds their keys taken and sends nothing (notifications.services.notification_enqueue). The batch then sends one
notice to each person concerned, after commit."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.models import Notification, NotificationChannel, NotificationState
from notifications.services import notification_enqueue

from ..models import Batch, BatchLogEntry, TimelineEntry
from ..models import WorkOrder as Order


def timeline_mark() -> int:
    """The newest timeline entry's id: what a move's per-order services write afterwards has a greater one."""
    return TimelineEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def batch_log_append(
    *, batch: Batch, actor, kind: str, before: str, note: str = "", data: dict | None = None
) -> BatchLogEntry:
    """One append-only entry of the batch's own history, with the state the move left it in."""
    return BatchLogEntry.objects.create(
        batch=batch, actor=actor, kind=kind, state_before=before, state_after=batch.state, note=note, data=data or {}
    )


# The kinds of timeline entries whose per-order notice (tickets.services.base.notify_first_owner_on_commit) a
# batch move replaces with its own.
FOLDED_KINDS = ("dispatch", "batch_assign", "dept_reply", "approve_reply", "return_reply", "reply_customer")


def batch_child_notices_fold(*, batch: Batch, entry: BatchLogEntry, children, mark: int, unit_id: int | None = None):
    """Take the idempotency keys of the notices the per-order services queued for these children in this move
    (their formats are those of tickets.services.base and .dispatching), as cancelled rows naming this move."""
    ids = [child.id for child in children]
    owners = dict(Order.objects.filter(pk__in=ids).values_list("id", "accepted_by_id"))
    keys = {
        f"order-{order_id}-timeline-{entry_id}-first-owner": (order_id, owners[order_id])
        for entry_id, order_id, actor_id in TimelineEntry.objects.filter(
            order_id__in=ids, id__gt=mark, kind__in=FOLDED_KINDS
        ).values_list("id", "order_id", "actor_id")
        if owners[order_id] != actor_id
    }
    if unit_id:
        members = get_user_model().objects.filter(org_units=unit_id, is_active=True).exclude(pk=entry.actor_id)
        cycles = dict(Order.objects.filter(pk__in=ids).values_list("id", "cycle"))
        for member in members.distinct().values_list("id", flat=True):
            for order_id in ids:
                keys[f"order-{order_id}-cycle-{cycles[order_id]}-dispatched-{member}"] = (order_id, member)
    reason = _("Folded into the notice of batch %(batch)s (one per person).") % {"batch": batch.label}
    Notification.objects.bulk_create(
        [
            Notification(
                idempotency_key=key,
                channel=NotificationChannel.IN_APP,
                recipient_id=recipient,
                order_id=order_id,
                subject=reason[:255],
                kind="batch_folded",
                state=NotificationState.CANCELLED,
                last_error=reason,
                not_before=entry.at,
                created_at=entry.at,
            )  # fmt: skip
            for key, (order_id, recipient) in keys.items()
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def batch_notify_on_commit(
    *, batch: Batch, entry: BatchLogEntry, recipients: set, subject: str, body: str = ""
) -> None:
    """One in-app notice per person for this move of the batch, after commit (idempotent per move and person)."""
    batch_id, entry_id, wanted = batch.id, entry.id, {pk for pk in recipients if pk and pk != entry.actor_id}

    def send() -> None:
        for user in get_user_model().objects.filter(pk__in=wanted, is_active=True):
            notification_enqueue(
                channel="in_app", idempotency_key=f"batch-{batch_id}-log-{entry_id}-{user.pk}", recipient=user,
                kind="batch", subject=subject, body=body,
            )  # fmt: skip

    if wanted:
        transaction.on_commit(send)


def batch_owners_notify(*, batch: Batch, entry: BatchLogEntry, children, actor, what: str) -> None:
    """R-WO-9 for a batch: each first-contact owner hears once, however many of the children they accepted."""
    owners: dict[int, list[str]] = {}
    for child in children:
        owners.setdefault(child.accepted_by_id, []).append(child.number)
    for owner, numbers in owners.items():
        subject = _("Batch %(batch)s %(what)s: %(numbers)s") % {
            "batch": batch.label, "what": what, "numbers": "、".join(numbers[:5]) + ("…" if len(numbers) > 5 else ""),
        }  # fmt: skip
        batch_notify_on_commit(batch=batch, entry=entry, recipients={owner}, subject=subject)
