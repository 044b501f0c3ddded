"""Template helpers of the work queues and the supervisor's actions (issue 13 §3, §4): a deadline said relative to
now ("超时 38 小时", "剩余 2 小时"), and what the supervisor panel of the order page offers."""

from datetime import datetime

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import OrderState, OrderType
from ..permissions import can_reassign, can_reassign_unit, can_supervise
from ..selectors import handling_unit_list
from ..services.supervise import HANDLING_STATES
from ..supervise_selectors import reassign_candidates

register = template.Library()


def _span(seconds: float) -> str:
    """Calm wording: minutes under an hour, hours under two days, then days."""
    minutes = max(int(seconds // 60), 1)
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(n)d h") % {"n": hours}
    return _("%(n)d days") % {"n": hours // 24}


@register.filter
def due_relative(due: datetime | None, now: datetime | None = None) -> str:
    """ "Overdue by 38 h" / "2 h left", relative to `now` (the page's instant)."""
    if due is None:
        return ""
    now = now or timezone.now()
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        return _("Overdue by %(span)s") % {"span": _span(-seconds)}
    return _("%(span)s left") % {"span": _span(seconds)}


@register.simple_tag(takes_context=True)
def supervise_panel_context(context, order) -> dict | None:
    """What the order page's supervisor panel offers this user on this order (None: no panel)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or order.state == OrderState.CLOSED or not can_supervise(order, user):
        return None
    handling = order.state in HANDLING_STATES
    may_member = handling and can_reassign(order, user)
    may_unit = handling and can_reassign_unit(order, user)
    classify_url = ""
    if order.order_type == OrderType.COMPLAINT:
        # Major complaints are the escalation app's, a layer above: linked by URL name, never imported.
        try:
            classify_url = reverse("escalation-major", args=[order.pk]) if order.is_major else "#major"
        except NoReverseMatch:
            classify_url = ""
    return {
        "order": order,
        "may_member": may_member,
        "may_unit": may_unit,
        "members": reassign_candidates(unit_ids=[order.handling_unit_id]) if may_member else [],
        "units": [u for u in handling_unit_list() if u.id != order.handling_unit_id] if may_unit else [],
        "classify_url": classify_url,
        "next": request.get_full_path(),
    }
