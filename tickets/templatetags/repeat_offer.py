"""`{% repeat_offer_facts o as facts %}`: what the "repeat of this" partial shows of a closed order (R-SP-1 (b)) —
whether a repeat of it may still be accepted (a closed complaint, closed within the repeat window) and its
top-level category — for rows that come from anywhere (the intake card, the customer's history)."""

from django import template
from django.utils import timezone

from ..models import OrderState, OrderType
from ..reference import category_node, repeat_window

register = template.Library()


@register.simple_tag
def repeat_offer_facts(order) -> dict:
    node = category_node(getattr(order, "category_id", None))
    closed_at = getattr(order, "closed_at", None)
    offered = (
        order.order_type == OrderType.COMPLAINT
        and order.state == OrderState.CLOSED
        and closed_at is not None
        and node is not None
        and closed_at >= timezone.now() - repeat_window()
    )
    return {"offered": offered, "top_name": node.top_name if node else ""}
