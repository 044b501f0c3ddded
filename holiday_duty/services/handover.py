"""R-HD-7 (seed 003 一): the outgoing staff write the duty diary — time, staff, open problems — and the open
duty orders of the queue they pass on are attached with their 4-hour clocks; the incoming staff read and sign,
and the orders they sign for become theirs. A signed handover never changes (the model, the API's 409 and a
PostgreSQL trigger refuse it). Lock: the handover row; signing then locks the duty orders it names."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import OPEN_STATES, DutyHall, DutyOrder, Handover, HandoverItem, LogKind
from ..selectors import halls_of
from .common import DutyRefused, is_duty_staff, log_append, notify_on_commit, require

TEXT_MAX = 4000


def _name(user) -> str:
    return user.get_full_name() or user.username


@transaction.atomic
def handover_write(*, hall_id: int, actor, incoming_id: int, open_problems: str = "", diary: str = "") -> Handover:
    """The outgoing (the actor, duty staff of the hall) writes the handover to `incoming` (duty staff of the
    hall too). Attached: the hall's open duty orders the actor follows, and those nobody on shift has taken up
    (held by the fallback person). 403 / 400."""
    now = timezone.now()
    hall = DutyHall.objects.filter(pk=hall_id, pk__in=halls_of(user=actor)).select_related("unit").first()
    if hall is None:
        raise DutyHall.DoesNotExist
    if not is_duty_staff(actor, hall):
        raise PermissionDenied(_("Only the duty staff of %(hall)s hand over.") % {"hall": hall})
    incoming = get_user_model().objects.filter(pk=incoming_id, is_active=True).first() if incoming_id else None
    require({
        "incoming_id": [] if incoming and incoming.id != actor.id and is_duty_staff(incoming, hall)
        else [_("Choose the incoming duty staff member of this hall.")],
        "open_problems": [_("At most %(n)s characters.") % {"n": TEXT_MAX}] if len(open_problems or "") > TEXT_MAX
        else [],
        "diary": [_("At most %(n)s characters.") % {"n": TEXT_MAX}] if len(diary or "") > TEXT_MAX else [],
    })  # fmt: skip
    handover = Handover.objects.create(
        hall=hall, outgoing=actor, incoming=incoming, written_at=now, open_problems=(open_problems or "").strip(),
        diary=(diary or "").strip(),
    )  # fmt: skip
    # What the outgoing follows, and what nobody on shift has taken up (held by the fallback, or by nobody).
    open_here = DutyOrder.objects.filter(hall=hall, state__in=OPEN_STATES)
    passed = open_here.filter(Q(owner=actor) | Q(owner__isnull=True) | Q(owner_is_fallback=True))
    HandoverItem.objects.bulk_create([
        HandoverItem(handover=handover, duty_order=d, state=d.state, feedback_due_at=d.feedback_due_at)
        for d in passed.order_by("landed_at", "id")
    ])  # fmt: skip
    log_append(
        hall=hall, key=f"handover-{handover.id}-written", kind=LogKind.HANDOVER, at=now, actor=actor,
        text=_("Handover written by %(out)s to %(in)s: %(n)s open orders. %(problems)s") % {
            "out": _name(actor), "in": _name(incoming), "n": handover.items.count(),
            "problems": handover.open_problems},
    )  # fmt: skip
    notify_on_commit(items=[
        dict(channel="in_app", key=f"hd-handover-{handover.id}-{incoming.id}", recipient_id=incoming.id,
             subject=_("Handover from %(name)s waits for your signature") % {"name": _name(actor)})
    ])  # fmt: skip
    return handover


def _lock(handover_id: int, actor) -> Handover:
    visible = Handover.objects.filter(hall__in=halls_of(user=actor)) | Handover.objects.filter(incoming=actor)
    if not visible.filter(pk=handover_id).exists():
        raise Handover.DoesNotExist
    return Handover.objects.select_for_update().select_related("hall", "outgoing", "incoming").get(pk=handover_id)


@transaction.atomic
def handover_update(*, handover_id: int, actor, open_problems: str | None = None, diary: str | None = None) -> Handover:
    """The outgoing corrects the text before it is signed. 409 once signed (R-HD-7); 403 unless the outgoing."""
    handover = _lock(handover_id, actor)
    if handover.signed_at is not None:
        raise DutyRefused(handover, "handover_update", _("a signed handover is never changed."))
    if handover.outgoing_id != actor.id:
        raise PermissionDenied(_("Only the outgoing staff member corrects the handover."))
    fields = []
    for name, value in (("open_problems", open_problems), ("diary", diary)):
        if value is None:
            continue
        require({name: [_("At most %(n)s characters.") % {"n": TEXT_MAX}] if len(value) > TEXT_MAX else []})
        setattr(handover, name, value.strip())
        fields.append(name)
    if fields:
        handover.save(update_fields=fields)
    return handover


@transaction.atomic
def handover_sign(*, handover_id: int, actor) -> Handover:
    """The incoming reads and signs (签注时间、工号): the orders handed over become theirs. 409 once signed;
    403 unless the incoming named."""
    now = timezone.now()
    handover = _lock(handover_id, actor)
    if handover.signed_at is not None:
        raise DutyRefused(handover, "handover_sign", _("this handover is signed already."))
    if handover.incoming_id != actor.id:
        raise PermissionDenied(_("Only the incoming staff member named signs the handover."))
    handover.signed_at, handover.signed_by = now, actor
    handover.save(update_fields=["signed_at", "signed_by"])
    ids = list(handover.items.values_list("duty_order_id", flat=True))
    taken = DutyOrder.objects.filter(pk__in=ids, state__in=OPEN_STATES)
    count = taken.update(owner=actor, owner_is_fallback=False)
    log_append(
        hall=handover.hall, key=f"handover-{handover.id}-signed", kind=LogKind.HANDOVER, at=now, actor=actor,
        text=_("Handover from %(out)s signed by %(in)s (%(username)s): %(n)s orders taken over.") % {
            "out": _name(handover.outgoing), "in": _name(actor), "username": actor.username, "n": count},
    )  # fmt: skip
    return handover
