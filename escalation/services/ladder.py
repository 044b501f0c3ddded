"""The declarations' timeout ladder (issue 9 §1)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.services.timeline import timeline_append

from ..models import (
    Declaration,
)
from ..selectors import (
    chief_all,
)
from .common import (
    D,
    _notify_on_commit,
)


# --- the timeout ladder (issue 9 §1) ---------------------------------------------------------------------
def _waiting_for(declaration: Declaration) -> list:
    state = declaration.state
    if state in (D.DRAFT, D.RETURNED):
        return [declaration.declarer]
    return [{D.SUBMITTED: declaration.reviewer, D.APPROVED: declaration.interface_admin,
             D.ACCEPTED: declaration.interface_admin, D.REFERRED: declaration.chief}[state]]  # fmt: skip


def _level_above(declaration: Declaration) -> list:
    state = declaration.state
    if state in (D.DRAFT, D.RETURNED):
        return [declaration.major.supervisor or declaration.reviewer]
    if state == D.SUBMITTED:
        return list(declaration.interface.admins.filter(is_active=True))
    if state in (D.APPROVED, D.ACCEPTED):
        return list(chief_all())
    return []  # the chief is the last level


def declaration_reminders_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Remind the person a declaration waits for every `remind_every`, at most `remind_max` times, then tell
    the level above once (interface admins above the reviewer, the chief above the interface). It moves no
    declaration. Idempotent and safe in parallel: rows are claimed with SKIP LOCKED and advanced in the same
    transaction; notifications carry keys per step and count. Returns the notices queued."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = (
            Declaration.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("interface", "major__order", "major__supervisor", "declarer", "reviewer",
                            "interface_admin", "chief")
            .filter(next_reminder_at__lte=now)
            .order_by("next_reminder_at")[:batch]
        )  # fmt: skip
        for declaration in due:
            order = declaration.major.order
            step_key = f"declaration-{declaration.id}-{declaration.step_started_at:%Y%m%d%H%M%S}"
            if declaration.reminders_sent < declaration.interface.remind_max:
                declaration.reminders_sent += 1
                declaration.next_reminder_at = declaration.next_reminder_at + declaration.interface.remind_every
                recipients, kind = _waiting_for(declaration), "declaration_reminded"
                key = f"{step_key}-remind-{declaration.reminders_sent}"
                subject = _("Reminder: declaration %(number)s still waits for you (%(state)s)")
            else:
                declaration.next_reminder_at = None
                declaration.escalated_at = now
                recipients, kind = _level_above(declaration), "declaration_escalated"
                key = f"{step_key}-escalate"
                subject = _("Declaration %(number)s waits too long at “%(state)s”: escalated to you")
            declaration.save(update_fields=["reminders_sent", "next_reminder_at", "escalated_at"])
            subject = subject % {"number": order.number, "state": declaration.get_state_display()}
            timeline_append(
                order=order, actor=None, kind=kind, note=subject, at=now,
                data={"declaration_id": declaration.id, "state": declaration.state,
                      "recipients": [u.id for u in recipients if u is not None]},
            )  # fmt: skip
            _notify_on_commit(
                recipients=recipients, key=key, order=order, subject=subject, urgent=kind.endswith("escalated")
            )
            sent += len([u for u in recipients if u is not None])
    return sent
