"""Calling the customer (issue 13 §5, R-SEC-2): the people who must phone the customer about their own order
— its first-contact owner (首问责任人, R-WO-9) and its current handler — see its numbers with one click, without
the general `tickets.unmask_number` permission. The reason is pre-filled ("联系客户") but still required, and
every attempt is audit-logged in `NumberUnmaskAudit` like every unmask, a refused one too. Everyone else keeps
the masked view (and, with the permission, the general unmask of `records.number_unmask`)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import NumberUnmaskAudit, OrderState, WorkOrder
from ..permissions import order_visible_to
from .base import require
from .records import unmask_reason_errors

CALL_REASON = gettext_lazy("Contact the customer")  # the pre-filled reason (联系客户)


@dataclass(frozen=True)
class CallNumbers:
    accepted_number: str
    contact_number: str  # as recorded on the order; may be empty

    @property
    def to_call(self) -> str:
        """The number to dial: the contact number the customer gave, else the accepted number."""
        return self.contact_number or self.accepted_number


def may_reveal_to_call(*, order: WorkOrder, user) -> bool:
    """The first-contact owner or the current handler of an open order. A closed order is not called from
    here: a new contact with the customer is a new order (R-SP-1), so its numbers stay masked."""
    if not (user and user.is_authenticated and user.is_active) or order.state == OrderState.CLOSED:
        return False
    return user.id in (order.accepted_by_id, order.assignee_id)


def number_reveal_to_call(*, order_id: int, actor, reason: str, ip_address: str | None = None) -> CallNumbers:
    """The order's numbers for calling the customer. Raises WorkOrder.DoesNotExist (404) for an order the actor
    may not see; otherwise writes one audit row (granted or not) and raises PermissionDenied (403) after it
    for anyone but the owner or the handler, or ValidationError naming `reason` (400, nothing shown, nothing
    written). Not atomic on purpose: a refusal's audit row must outlive its PermissionDenied."""
    order = WorkOrder.objects.select_related("customer").get(pk=order_id)
    if not order_visible_to(order, actor):
        raise WorkOrder.DoesNotExist
    granted = may_reveal_to_call(order=order, user=actor)
    if granted:
        require({"reason": unmask_reason_errors(reason)})
    NumberUnmaskAudit.objects.create(
        order=order, customer=order.customer, user=actor, reason=(reason or "").replace("\x00", "").strip()[:200],
        granted=granted, ip_address=ip_address,
    )  # fmt: skip
    if not granted:
        raise PermissionDenied(_("Only the first-contact owner and the current handler may call the customer."))
    return CallNumbers(accepted_number=order.accepted_number, contact_number=order.contact_number)
