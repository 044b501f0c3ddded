"""The in-app inbox behind the navigation badge (R-NT-1), grouped by order (issue 13 §6): each order's state and
the step it waits for from me, its newest notices, and "read" for one notice, one order or everything."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from notifications.models import Notification
from notifications.services import notification_mark_all_read, notification_mark_order_read, notification_mark_read

from ..inbox import SHOW_CHOICES, inbox_page
from .order import ACTION_LABELS


@login_required
@require_GET
def inbox(request):
    show = request.GET.get("show", "all")
    show = show if show in SHOW_CHOICES else "all"
    page = inbox_page(user=request.user, show=show, page_number=request.GET.get("page"))
    for group in page.object_list:
        group.step_labels = [ACTION_LABELS.get(name, name) for name in group.steps]
    return render(request, "tickets/inbox.html", {"page": page, "show": show, "shows": SHOW_CHOICES})


def _back(request):
    """Back to the inbox page the form was on (same host only), else the inbox."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("inbox")


@login_required
@require_POST
def inbox_mark_all_read(request):
    notification_mark_all_read(user=request.user)
    return _back(request)


@login_required
@require_POST
def inbox_mark_read(request, notification_id: int):
    """One of my notices; someone else's is a 404 like a missing one."""
    try:
        notification_mark_read(notification_id=notification_id, user=request.user)
    except Notification.DoesNotExist:
        raise Http404 from None
    return _back(request)


@login_required
@require_POST
def inbox_mark_order_read(request, order_id: int = 0):
    """Every notice of mine about one order (0: those about no order). Only my own rows change, so an order id
    I may not see changes nothing and discloses nothing."""
    notification_mark_order_read(user=request.user, order_id=order_id or None)
    return _back(request)
