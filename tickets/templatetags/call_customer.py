"""`order|may_call:user`: does the order page offer this user the one-click "call the customer" (issue 13 §5)?
The same predicate the service checks (tickets.services.reveal)."""

from django import template

from ..services.reveal import CALL_REASON, may_reveal_to_call

register = template.Library()


@register.filter
def may_call(order, user) -> bool:
    return may_reveal_to_call(order=order, user=user)


@register.simple_tag
def call_reason() -> str:
    return str(CALL_REASON)
