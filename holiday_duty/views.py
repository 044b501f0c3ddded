"""The duty hall's screen (R-HD-1 … R-HD-7, issue 11 §2): today's duty orders with their 4-hour clocks counting
down, the call tasks, "feedback received", "escalate now", the day's log (CSV / XLSX), the roster and the
handover — one page, usable by one person on holiday duty alone. Each POST is one service call; a refused one
(400/403/409) shows its message and changes nothing."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from tickets.services import TransitionRefused

from . import selectors, services
from .models import CallOutcome, DutyState, FeedbackChannel, GroupKind, Handover
from .services.common import WORK, is_duty_staff, is_shift_leader

TIMELINE_KIND_LABELS = {
    "holiday_landed": gettext_lazy("Holiday duty: in the duty hall's queue"),
    "holiday_notification": gettext_lazy("Holiday duty: handler notified"),
    "holiday_call": gettext_lazy("Holiday duty: phone call"),
    "holiday_feedback": gettext_lazy("Holiday duty: feedback received"),
    "holiday_archive": gettext_lazy("Holiday duty: archived"),
    "holiday_escalation": gettext_lazy("Holiday duty: escalated"),
}


def order_panel(request, order) -> dict | None:
    """On the order page (registered with tickets in apps.py): the order's holiday duty — state, handler, the
    4-hour feedback time — and, for the handler (or a person the ladder reached) while it is chased, the form to
    feed back by logging in (R-HD-3)."""
    rows = selectors.duty_orders_of_order(order_id=order.id, user=request.user)
    if not rows:
        return None
    for row in rows:
        row.seconds_left = _seconds(row.feedback_due_at)
        # Duty staff record feedback on their screen (saying how it came); here the handler gives their own.
        row.may_feed_back = row.state == DutyState.NOTIFIED and not is_duty_staff(request.user, row.hall)
    return {"template": "holiday_duty/order_panel.html", "duty_orders": rows, "order": order}


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 18 else None


def _hall(request):
    halls = list(selectors.halls_of(user=request.user))
    if not halls:
        return None, halls
    wanted = _int(request.GET.get("hall") or request.POST.get("hall"))
    return next((h for h in halls if h.id == wanted), halls[0]), halls


def _seconds(until) -> int | None:
    return int((until - timezone.now()).total_seconds()) if until else None


def _day(request) -> date:
    raw = request.GET.get("day", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def duty_screen(request):
    hall, halls = _hall(request)
    if hall is None:
        raise Http404
    now, today = timezone.now(), timezone.localdate()
    day = _day(request)
    queue = list(selectors.duty_queue(hall=hall))
    User = get_user_model()
    managers = selectors.group_managers(unit_ids={d.group.unit_id for d in queue})
    for row in queue:
        row.seconds_left = _seconds(row.feedback_due_at)
        row.candidates = managers.get(row.group.unit_id, [])
        row.contacts = (
            list(row.group.contacts.filter(is_active=True)) if row.group.kind == GroupKind.DISTRIBUTOR else []
        )
    staff = [u for u in User.objects.filter(Q(org_units=hall.unit_id), is_active=True).distinct() if u.has_perm(WORK)]
    leader = is_shift_leader(request.user, hall)
    context = {
        "hall": hall,
        "halls": halls,
        "today": today,
        "day": day,
        "is_duty_day": selectors.duty_day_is(day=today, hall=hall),
        "on_duty": list(selectors.shifts_at(hall=hall, at=now)),
        "upcoming": list(selectors.shift_list(hall=hall, start=now, end=now + timedelta(days=3))[:12]),
        "queue": queue,
        "calls": list(selectors.call_tasks_open(hall=hall)),
        "log": list(selectors.log_of_day(hall=hall, day=day)),
        "staff": [u for u in staff if u.id != request.user.id],
        "is_staff": is_duty_staff(request.user, hall),
        "is_leader": leader,
        "gaps": selectors.roster_gaps_open(hall=hall, today=today) if leader else [],
        "unsigned": list(selectors.handovers_unsigned(hall=hall)) if leader else [],
        "to_sign": list(Handover.objects.filter(hall=hall, incoming=request.user, signed_at__isnull=True)),
        "recent_handovers": list(selectors.handover_visible_list(user=request.user).filter(hall=hall)[:5]),
        "call_outcomes": CallOutcome.choices,
        "feedback_channels": FeedbackChannel.choices,
        "states": DutyState,
    }
    return render(request, "holiday_duty/screen.html", context)


def _refused(request, error) -> None:
    if isinstance(error, ValidationError):
        for field, errors in (error.message_dict if hasattr(error, "error_dict") else {"": error.messages}).items():
            messages.error(request, f"{field}: {'；'.join(errors)}" if field else "；".join(errors))
    elif isinstance(error, TransitionRefused):
        messages.error(request, error.detail)
    elif isinstance(error, ConcurrentTransition | TransitionNotAllowed):
        messages.error(request, _("It changed meanwhile; reload and try again."))
    else:
        messages.error(request, str(error) or _("You may not do this."))


# What the screen says once an action went through: what was done, not a bare "Done."
DONE = {
    "confirm": gettext_lazy("Handler confirmed and notified."),
    "call": gettext_lazy("Call outcome recorded."),
    "feedback": gettext_lazy("Feedback recorded."),
    "escalate": gettext_lazy("Escalated a level."),
    "archive": gettext_lazy("Duty order archived."),
    "log": gettext_lazy("Added to the duty log."),
    "handover": gettext_lazy("Handover written."),
    "sign": gettext_lazy("Handover signed."),
}


def _run(request, name: str):
    post, user = request.POST, request.user
    duty_order_id = _int(post.get("duty_order"))
    if name == "confirm":
        services.duty_order_handler_confirm(
            duty_order_id=duty_order_id, actor=user, handler_id=_int(post.get("handler")),
            contact_id=_int(post.get("contact")), phone=post.get("phone", ""),
        )  # fmt: skip
    elif name == "call":
        services.call_task_outcome_record(
            call_task_id=_int(post.get("call")), actor=user, outcome=post.get("outcome", ""), note=post.get("note", "")
        )
    elif name == "feedback":
        services.duty_order_feedback_record(
            duty_order_id=duty_order_id, actor=user, channel=post.get("channel", ""), note=post.get("note", ""),
            from_name=post.get("from_name", ""), from_user_id=_int(post.get("from_user")),
        )  # fmt: skip
    elif name == "escalate":
        services.duty_order_escalate_now(duty_order_id=duty_order_id, actor=user)
    elif name == "archive":
        services.duty_order_archive(duty_order_id=duty_order_id, actor=user, note=post.get("note", ""))
    elif name == "log":
        services.duty_log_manual_add(
            hall_id=_int(post.get("hall")), actor=user, text=post.get("text", ""), duty_order_id=duty_order_id
        )
    elif name == "handover":
        services.handover_write(
            hall_id=_int(post.get("hall")), actor=user, incoming_id=_int(post.get("incoming")),
            open_problems=post.get("open_problems", ""), diary=post.get("diary", ""),
        )  # fmt: skip
    elif name == "sign":
        services.handover_sign(handover_id=_int(post.get("handover")), actor=user)
    else:
        raise Http404


@require_POST
@login_required
def duty_action(request, name: str):
    hall, _halls = _hall(request)
    # The handler feeds back from the order page (no duty hall of their own); everything else is duty staff's.
    from_order = _int(request.POST.get("order_page"))
    if hall is None and not (name == "feedback" and from_order):
        raise Http404
    back = reverse("order-detail", args=[from_order]) if from_order else reverse("holiday-duty") + f"?hall={hall.id}"
    try:
        _run(request, name)
    except (ValidationError, TransitionRefused, ConcurrentTransition, TransitionNotAllowed, PermissionDenied) as error:
        _refused(request, error)
        return HttpResponseRedirect(back)
    except ObjectDoesNotExist:
        raise Http404 from None
    messages.success(request, DONE.get(name, _("Done.")))
    return HttpResponseRedirect(back)


@login_required
def log_export(request, fmt: str):
    """The day's duty log (节假日工单处理日志) as CSV (UTF-8 with BOM) or XLSX (R-HD-5)."""
    hall, _halls = _hall(request)
    if hall is None:
        raise Http404
    day = _day(request)
    entries = selectors.log_of_day(hall=hall, day=day)
    name = f"duty-log-{hall.unit.code}-{day:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(selectors.log_csv(entries=entries), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            selectors.log_xlsx(entries=entries, title=f"{day:%Y-%m-%d}"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
