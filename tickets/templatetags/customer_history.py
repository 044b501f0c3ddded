"""The customer's whole history on the customer card (issue 13 §1), for the intake card and the order page.

A tag rather than view context: the card is rendered by several views (the intake page, its htmx lookup, the
order page), and each includes one partial, `tickets/partials/customer_history.html`. The rows come from
`tickets.search.customer_order_list` (only orders the user may see, SPEC §1) in a fixed number of queries."""

from django import template
from django.template import TemplateDoesNotExist
from django.template.loader import select_template

from ..search import customer_order_list

register = template.Library()

HISTORY_ROWS = 10  # on the card; the history page shows them all, paged
REPEAT_OFFER = "tickets/partials/repeat_offer.html"  # "accept a repeat of this" (the intake work), once it exists


@register.simple_tag(takes_context=True)
def customer_history(context, customer, limit: int = HISTORY_ROWS) -> dict:
    """{"orders": the first `limit` orders (open first, then newest), "more": how many are not shown,
    "repeat_offer": the repeat-offer template's name if the project has one, else ""}."""
    request = context.get("request")
    if customer is None or getattr(customer, "pk", None) is None or request is None:
        return {"orders": [], "more": 0, "repeat_offer": ""}
    orders = customer_order_list(user=request.user, customer_id=customer.pk)
    rows = list(orders[: limit + 1])
    more = orders.count() - limit if len(rows) > limit else 0
    for order in rows:
        order.visible_to_user = True  # the urge row links to the order
        order.final_reply = order.sent_replies[0] if order.sent_replies else None
        order.top_name = order.category.top_level().name if order.category_id else ""  # for the repeat offer
    return {"orders": rows[:limit], "more": more, "repeat_offer": _repeat_offer()}


def _repeat_offer() -> str:
    try:
        select_template([REPEAT_OFFER])
    except TemplateDoesNotExist:
        return ""
    return REPEAT_OFFER
