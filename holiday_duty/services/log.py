"""R-HD-5: manual lines in the day's duty log (the automatic ones come from each service, once)."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DutyHall, DutyLogEntry, LogKind
from ..selectors import duty_order_visible_list, halls_of
from .common import is_duty_staff, log_append, require


@transaction.atomic
def duty_log_manual_add(*, hall_id: int, actor, text: str, duty_order_id: int | None = None) -> DutyLogEntry:
    """A duty staff member's own line (today's log). 404 for a hall or duty order they do not see; 403 unless
    duty staff; 400 for an empty or over-long text."""
    now = timezone.now()
    hall = halls_of(user=actor).filter(pk=hall_id).first()
    if hall is None:
        raise DutyHall.DoesNotExist
    if not is_duty_staff(actor, hall):
        raise PermissionDenied(_("Only the duty staff of %(hall)s write in its log.") % {"hall": hall})
    duty_order = None
    if duty_order_id:
        duty_order = duty_order_visible_list(user=actor).filter(pk=duty_order_id, hall=hall).first()
        if duty_order is None:
            raise DutyLogEntry.DoesNotExist
    text = (text or "").strip()
    require(
        {"text": [_("Write the entry.")] if not text else [_("At most 4000 characters.")] if len(text) > 4000 else []}
    )
    return log_append(
        hall=hall,
        key=f"manual-{uuid.uuid4().hex}",
        kind=LogKind.MANUAL,
        text=text,
        at=now,
        actor=actor,
        duty_order=duty_order,
    )
