"""Small presentation helpers of the workspace templates."""

from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import OrderState

register = template.Library()

# Timeline entry kinds (tickets.services) → what the page calls them.
TIMELINE_LABELS = {
    "created": gettext_lazy("Accepted"),
    "closed_on_spot": gettext_lazy("Closed on the spot"),
    "dispatch": gettext_lazy("Dispatched"),
    "claim": gettext_lazy("Claimed"),
    "dept_reply": gettext_lazy("Department replied"),
    "return_reply": gettext_lazy("Reply returned"),
    "approve_reply": gettext_lazy("Reply approved"),
    "final_reply_drafted": gettext_lazy("Written reply drafted"),
    "final_reply_approved": gettext_lazy("Written reply approved"),
    "reply_customer": gettext_lazy("Customer replied"),
    "callback": gettext_lazy("Called back"),
    "close": gettext_lazy("Closed"),
    "redispatch": gettext_lazy("Dispatched again"),
    "contact": gettext_lazy("Contact"),
    "attachment": gettext_lazy("Attachment"),
    "attachment_deleted": gettext_lazy("Attachment deleted"),
    "flags": gettext_lazy("Flags changed"),
    "extension_requested": gettext_lazy("Extension requested"),
    "extension_approved": gettext_lazy("Extension approved"),
    "extension_rejected": gettext_lazy("Extension rejected"),
    "urge": gettext_lazy("Customer urged"),
    "appointment_moved": gettext_lazy("Appointment moved"),
    "remind": gettext_lazy("Supervisor reminded"),
    "reassign": gettext_lazy("Reassigned"),
    "reassign_unit": gettext_lazy("Reassigned to another unit"),
    "escalate": gettext_lazy("Escalated to the supervisor"),
}


@register.filter
def timeline_label(kind: str) -> str:
    return str(TIMELINE_LABELS.get(kind, kind))


def _hm(seconds: int) -> tuple[int, int, int]:
    seconds = abs(int(seconds))
    return seconds // 3600, seconds % 3600 // 60, seconds % 60


@register.filter
def overdue_text(seconds) -> str:
    """超时 X 小时 Y 分 (R-CLK-BREACH)."""
    if seconds is None:
        return ""
    hours, minutes, _s = _hm(seconds)
    return _("Overdue by %(h)d h %(m)d min") % {"h": hours, "m": minutes}


# Countdowns are calm (issue 13 §8): hours and minutes; seconds only in the last ten minutes, when they matter.
SECONDS_SHOWN_UNDER = 600


@register.filter
def remaining_text(seconds) -> str:
    if seconds is None:
        return ""
    hours, minutes, secs = _hm(seconds)
    if abs(int(seconds)) < SECONDS_SHOWN_UNDER:
        return _("%(m)d min %(s)02d s left") % {"m": minutes, "s": secs}
    return _("%(h)d h %(m)02d min left") % {"h": hours, "m": minutes}


@register.simple_tag
def countdown_formats() -> dict:
    """The countdown's texts for static/js/workspace.js ({h}, {m}, {s} are filled in the browser; `soon` under
    SECONDS_SHOWN_UNDER seconds, given to the script as data-soon-under)."""
    return {
        "remaining": _("%(h)s h %(m)s min left") % {"h": "{h}", "m": "{m}"},
        "soon": _("%(m)s min %(s)s s left") % {"m": "{m}", "s": "{s}"},
        "soon_under": SECONDS_SHOWN_UNDER,
        "overdue": _("Overdue by %(h)s h %(m)s min") % {"h": "{h}", "m": "{m}"},
    }


@register.filter
def state_label(value: str) -> str:
    return str(OrderState(value).label) if value in OrderState.values else value


@register.filter
def yes_no(value) -> str:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")


@register.inclusion_tag("tickets/includes/field.html")
def field(bound_field, css: str = ""):
    return {"field": bound_field, "css": css}


@register.simple_tag
def query_with(query: str, **params) -> str:
    """A page link that keeps the current filters."""
    extra = urlencode(params)
    return f"?{query}&{extra}" if query else f"?{extra}"
