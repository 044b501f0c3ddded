"""Queue pages (R-UI-1, R-UI-2): one template for every queue, 25 rows a page, filters in the query string.
A page costs the same number of queries whatever its rows (tests/web/test_queues.py)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from complaints.numbers import FIXED_LINE_RE, MOBILE_RE, mask_number, normalize_number
from complaints.selectors import category_path_labels
from deadlines.clock_models import ClockState
from notifications.selectors import notification_unread_count

from ..models import OrderState, OrderType, Urgency
from ..queues import QUEUES, queue_counts, queue_extensions, queue_order_ids, queue_rows

PAGE_SIZE = 25


class QueueFilterForm(forms.Form):
    order_type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All types")), *OrderType.choices])
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *OrderState.choices])
    urgency = forms.ChoiceField(label=_("Urgency"), required=False, choices=[("", _("Any urgency")), *Urgency.choices])
    q = forms.CharField(
        label=_("Order no. or last 4 digits"),
        required=False,
        max_length=30,
        help_text=_("The order number (or its start), or the last 4 digits of the customer's number."),
    )

    def clean_q(self) -> str:
        # R-SEC-2: a GET form puts what is typed in the URL, and URLs reach logs and browser history; a full
        # customer number is looked up on the intake card (a POST), never here.
        term = self.cleaned_data["q"].strip()
        if MOBILE_RE.match(normalize_number(term)) or FIXED_LINE_RE.match(normalize_number(term)):
            raise forms.ValidationError(_("Type only the last 4 digits of a customer's number here."))
        return term


@login_required
@require_GET
def queue(request, name: str):
    queue = QUEUES.get(name)
    if queue is None:
        raise Http404
    if not queue.allowed(request.user):
        raise PermissionDenied
    filters = QueueFilterForm(request.GET)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    if queue.is_orders:
        ids = queue_order_ids(queue=queue, user=request.user, filters=cleaned)
        page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = queue_rows(user=request.user, ids=list(page.object_list))
    else:
        page = Paginator(queue_extensions(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    labels = category_path_labels() if queue.is_orders and page.object_list else {}
    for order in page.object_list if queue.is_orders else ():
        order.masked_number = mask_number(order.accepted_number)
        order.category_label = labels.get(order.category_id, "")
        order.is_overdue = any(clock.state == ClockState.OVERDUE or clock.due_at <= now for clock in order.live_clocks)
        order.is_at_risk = any(clock.warned_at for clock in order.live_clocks)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"queue": queue, "page": page, "filters": filters, "now": now, "query": query.urlencode()}
    return render(request, "tickets/queue.html", context)


@login_required
@require_GET
def nav_counts(request):
    """htmx: the sizes of the user's queues and the unread notifications, swapped into the navigation out
    of band. Loaded after the page and every minute, so that no page waits for these counts."""
    context = {"queues": queue_counts(user=request.user), "unread": notification_unread_count(user=request.user)}
    return render(request, "tickets/partials/nav_counts.html", context)
