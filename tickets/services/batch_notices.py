"""The history and the notices of batch moves (R-AUD-1, R-NT-1, R-WO-9).

Notices: one per person per move, not one per child. The batch's moves do the per-order work in bulk
(tickets.services.batch_bulk) without queueing the per-order notices (the first-contact owner's, the handling
unit's); the batch sends one notice to each person concerned instead, after commit, all of a move's in one INSERT
(the outbox's bulk path: one row per idempotency key, quiet hours, in-app rows shown at once)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.bulk import notification_bulk_enqueue

from ..models import Batch, BatchLogEntry


def batch_log_append(
    *, batch: Batch, actor, kind: str, before: str, note: str = "", data: dict | None = None
) -> BatchLogEntry:
    """One append-only entry of the batch's own history, with the state the move left it in."""
    return BatchLogEntry.objects.create(
        batch=batch, actor=actor, kind=kind, state_before=before, state_after=batch.state, note=note, data=data or {}
    )


def batch_notify_on_commit(
    *, batch: Batch, entry: BatchLogEntry, recipients: set, subject: str, body: str = ""
) -> None:
    """One in-app notice per person for this move of the batch, after commit (idempotent per move and person)."""
    _notices_on_commit(batch=batch, entry=entry, notices={pk: (subject, body) for pk in recipients})


def _notices_on_commit(*, batch: Batch, entry: BatchLogEntry, notices: dict) -> None:
    """{person id: (subject, body)}: the active ones other than the actor get theirs, in one statement."""
    batch_id, entry_id = batch.id, entry.id
    wanted = {pk: text for pk, text in notices.items() if pk and pk != entry.actor_id}

    def send() -> None:
        active = get_user_model().objects.filter(pk__in=list(wanted), is_active=True).values_list("pk", flat=True)
        items = [
            {
                "channel": "in_app",
                "idempotency_key": f"batch-{batch_id}-log-{entry_id}-{pk}",
                "recipient_id": pk,
                "kind": "batch",
                "subject": wanted[pk][0],
                "body": wanted[pk][1],
            }  # fmt: skip
            for pk in active
        ]
        if items:
            notification_bulk_enqueue(items=items, now=timezone.now())

    if wanted:
        transaction.on_commit(send)


def batch_owners_notify(*, batch: Batch, entry: BatchLogEntry, children, actor, what: str) -> None:
    """R-WO-9 for a batch: each first-contact owner hears once, however many of the children they accepted."""
    owners: dict[int, list[str]] = {}
    for child in children:
        owners.setdefault(child.accepted_by_id, []).append(child.number)
    notices = {}
    for owner, numbers in owners.items():
        subject = _("Batch %(batch)s %(what)s: %(numbers)s") % {
            "batch": batch.label, "what": what, "numbers": "、".join(numbers[:5]) + ("…" if len(numbers) > 5 else ""),
        }  # fmt: skip
        notices[owner] = (subject, "")
    _notices_on_commit(batch=batch, entry=entry, notices=notices)
