"""The top bar's search (issue 13 §1): orders in any state the user may see, by order number, full number or
its last digits, customer name or words of the request.

A number typed here never reaches a URL or a log in full (R-SEC-2, as the intake lookup): the box POSTs the
term; the view keeps it in the session under a random key and redirects to `/search/?k=<key>` (POST-redirect-
GET, so reload, back and the pages of the results work), and that URL carries only the key."""

import secrets

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from complaints.models import Customer
from complaints.numbers import mask_number
from complaints.selectors import category_path_labels
from deadlines.clock_models import ClockState

from ..search import (
    SEARCH_HITS_MAX,
    customer_order_list,
    customer_visible_exists,
    order_search_best,
    order_search_rows,
    search_term_errors,
    search_term_parse,
)

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50
SESSION_KEY = "order_searches"
KEPT_SEARCHES = 20  # the last searches of a session stay reachable by their key (back button, pages)

MATCH_LABELS = {
    0: _("exact number"),
    1: _("number ending / start"),
    2: _("customer name"),
    3: _("request text"),
}


class SeeOther(HttpResponseRedirect):
    """303: the browser GETs the results; reloading them does not post the term again."""

    status_code = 303


def _remember(request, text: str) -> str:
    searches = dict(request.session.get(SESSION_KEY, {}))
    key = secrets.token_urlsafe(8)
    searches[key] = text
    request.session[SESSION_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return key


def _recall(request, key: str) -> str:
    return request.session.get(SESSION_KEY, {}).get(key or "", "")


@login_required
@require_http_methods(["GET", "POST"])
def search(request):
    """POST: remember the term, redirect to its key (303). GET ?k=: the results, 25 a page; an unknown or
    expired key shows the empty search. A GET never reads a term from the URL."""
    if request.method == "POST":
        raw = request.POST.get("q", "")
        errors = search_term_errors(raw)
        if errors:
            return render(request, "tickets/search.html", {"q": "", "errors": errors, "page": None}, status=400)
        term = search_term_parse(raw)
        if not term.text:
            return redirect("search")
        url = reverse("search") + "?k=" + _remember(request, term.text)
        return SeeOther(url)
    text = _recall(request, request.GET.get("k", ""))
    if not text:
        return render(request, "tickets/search.html", {"q": "", "page": None})
    term = search_term_parse(text)
    page = Paginator(order_search_best(user=request.user, term=term), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = order_search_rows(user=request.user, hits=list(page.object_list))
    now = timezone.now()
    labels = category_path_labels() if page.object_list else {}
    for order in page.object_list:
        order.masked_number = mask_number(order.accepted_number)
        order.category_label = labels.get(order.category_id, "")
        order.match_label = MATCH_LABELS.get(order.rank, "")
        order.is_overdue = any(clock.state == ClockState.OVERDUE or clock.due_at <= now for clock in order.live_clocks)
        order.is_at_risk = any(clock.warned_at for clock in order.live_clocks)
    context = {
        "q": text, "masked_q": mask_number(term.full_number) if term.is_number else text, "page": page,
        "key": request.GET.get("k", ""), "now": now, "capped": page.paginator.count >= SEARCH_HITS_MAX,
    }  # fmt: skip
    return render(request, "tickets/search.html", context)


@login_required
@require_GET
def customer_history(request, pk: int):
    """The customer's whole history, paged: reachable only through an order the user may see (404 otherwise,
    like a customer that does not exist; R-SEC-1)."""
    if not customer_visible_exists(user=request.user, customer_id=pk):
        raise Http404
    customer = Customer.objects.get(pk=pk)
    orders = customer_order_list(user=request.user, customer_id=pk)
    page = Paginator(orders, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.final_reply = order.sent_replies[0] if order.sent_replies else None
    context = {"customer": customer, "masked": mask_number(customer.number), "page": page}
    return render(request, "tickets/search_customer_history.html", context)
