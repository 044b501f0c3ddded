"""Queue pages (R-UI-1, R-UI-2): one template for every queue, 25 rows a page, filters in the query string.
A page costs the same number of queries whatever its rows (tests/web/test_queues.py)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from complaints.numbers import FIXED_LINE_RE, MOBILE_RE, mask_number, normalize_number
from complaints.selectors import category_path_labels
from deadlines.clock_models import ClockState
from notifications.selectors import notification_unread_count

from ..models import OrderState, OrderType, SavedView, Urgency
from ..queues import (
    FOLLOW_UP_NEEDS,
    QUEUES,
    SORTS,
    follow_up_need_counts,
    queue_counts,
    queue_extensions,
    queue_order_ids,
    queue_rows,
    saved_views_for,
    user_is_supervisor,
)
from ..selectors import handling_unit_list
from ..services.saved_views import saved_view_create, saved_view_delete
from ..supervise_selectors import reassign_candidates
from .supervise import supervise_kept_pop

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
    sort = request.GET.get("sort", "") if request.GET.get("sort", "") in SORTS else ""
    need = request.GET.get("need", "") if request.GET.get("need", "") in FOLLOW_UP_NEEDS else ""
    views = saved_views_for(user=request.user, queue_name=queue.name) if queue.is_orders else []
    view = _chosen_view(request, views)
    sort = sort or (view.sort if view and view.sort in SORTS else "")
    if queue.is_orders:
        ids = queue_order_ids(queue=queue, user=request.user, filters=cleaned, sort=sort, need=need, view=view)
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
        order.next_clock = order.live_clocks[0] if order.live_clocks else None
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context = {
        "queue": queue, "page": page, "filters": filters, "now": now, "query": query.urlencode(),
        "sort": sort, "unsorted": unsorted.urlencode(), "need": need, "views": views, "view": view,
        "view_conditions": _view_conditions(cleaned),
        "columns": _columns(queue, sort),
        **_follow_up_tabs(queue, request, need),
        **_supervise_bar(queue, request, page),
    }  # fmt: skip
    return render(request, "tickets/queue.html", context)


def _chosen_view(request, views):
    """`?view=<id>`: one of the user's views of this queue; any other id is a 404, like a missing view."""
    raw = request.GET.get("view", "")
    if not raw:
        return None
    view = next((v for v in views if str(v.pk) == raw), None)
    if view is None:
        raise Http404
    return view


def _view_conditions(cleaned: dict) -> str:
    """The page's filters as a saved view's conditions (what "Save this view" keeps), as JSON."""
    conditions = [
        {"field": name, "op": "eq", "value": cleaned[name]}
        for name in ("order_type", "state", "urgency")
        if cleaned.get(name)
    ]
    return json.dumps(conditions)


class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    conditions = forms.JSONField(required=False)
    sort = forms.CharField(required=False, max_length=20)
    base = forms.CharField(required=False, max_length=30)


@login_required
@require_POST
def queue_view_save(request, name: str):
    """Save the queue as it is filtered and sorted now, as a personal view; back to it."""
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name (up to 60 characters)."))
        return redirect("queue", name=name)
    data = form.cleaned_data
    try:
        view = saved_view_create(
            owner=request.user, queue=name, name=data["name"], conditions=data["conditions"] or [], sort=data["sort"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect("queue", name=name)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse('queue', args=[name])}?view={view.pk}")


@login_required
@require_POST
def queue_view_delete(request, pk: int):
    try:
        saved_view_delete(owner=request.user, view_id=pk)
    except SavedView.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("View deleted."))
    target = request.POST.get("queue", "")
    return redirect("queue", name=target) if target in QUEUES else redirect("dashboard")


# Sortable columns: (key in SORTS, label). The default order (no key) is the queue's own (tickets.queues).
SORTABLE = {"number": _("Order"), "state": _("State"), "accepted": _("Accepted"), "due": _("Next deadline")}


def _columns(queue, sort: str) -> dict:
    """For each sortable column: the sort its header link asks for and its aria-sort now."""
    columns = {}
    for key, label in SORTABLE.items():
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else "none"
        columns[key] = {"label": label, "next": f"-{key}" if sort == key else key, "aria": state}
    return columns


def _follow_up_tabs(queue, request, need: str) -> dict:
    if queue.name != "follow_ups":
        return {}
    counts = follow_up_need_counts(user=request.user)
    tabs = [{"need": "", "label": _("All"), "count": None, "active": not need}]
    tabs += [
        {"need": key, "label": label, "count": counts[key], "active": need == key}
        for key, (label, _filter) in FOLLOW_UP_NEEDS.items()
    ]
    return {"need_tabs": tabs}


def _supervise_bar(queue, request, page) -> dict:
    """The bulk actions under a supervised queue (overdue, at risk): the people and units to reassign to."""
    if not (queue.supervised and user_is_supervisor(user=request.user)):
        return {}
    unit_ids = sorted({order.handling_unit_id for order in page.object_list if order.handling_unit_id})
    return {
        "supervise": True,
        "kept": supervise_kept_pop(request),
        "members": list(reassign_candidates(unit_ids=unit_ids)) if unit_ids else [],
        "units": list(handling_unit_list()) if request.user.has_perm("tickets.dispatch_workorder") else [],
    }


@login_required
@require_GET
def nav_counts(request):
    """htmx: the sizes of the user's queues and the unread notifications, swapped into the navigation out
    of band. Loaded after the page and every minute, so that no page waits for these counts."""
    context = {"queues": queue_counts(user=request.user), "unread": notification_unread_count(user=request.user)}
    return render(request, "tickets/partials/nav_counts.html", context)
