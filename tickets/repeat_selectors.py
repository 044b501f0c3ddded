"""Reads for repeat complaints (重复投诉, R-SP-1 (b)): the closed orders a new complaint may repeat, and the
repeat rate of the reports (R-RP-1)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from org.selectors import unit_subtree_ids

from .models import FinalReply, OrderState, OrderType, WorkOrder
from .reference import category_node, repeat_window
from .selectors import work_order_visible_base


def repeat_candidate_list(*, number: str, user, category_id: int | None = None) -> list[WorkOrder]:
    """The number's complaints closed within the repeat window (30 days) that this user may see and link, newest
    first, each with `final_reply` (the reply sent last, or None) and `top_name` (its top-level category). With
    `category_id`, only those of the same top-level category (the same matter)."""
    since = timezone.now() - repeat_window()
    sent = FinalReply.objects.filter(sent_at__isnull=False).order_by("-sent_at", "-id")
    orders = (
        work_order_visible_base(user=user)
        .filter(accepted_number=number, order_type=OrderType.COMPLAINT, state=OrderState.CLOSED)
        .filter(closed_at__gte=since)
        .exclude(category=None)
        .prefetch_related(Prefetch("final_replies", queryset=sent, to_attr="sent_replies"))
        .order_by("-closed_at", "-id")[:10]
    )
    top = category_node(category_id).top_id if category_node(category_id) else None
    rows = []
    for order in orders:
        node = category_node(order.category_id)
        if node is None or (top is not None and node.top_id != top):
            continue
        order.top_name = node.top_name
        order.final_reply = order.sent_replies[0] if order.sent_replies else None
        rows.append(order)
    return rows


@dataclass(frozen=True)
class RepeatRate:
    complaints: int
    repeats: int

    @property
    def rate(self) -> float | None:
        """Repeat complaints per complaint (0.05 = 5 %); None when there was no complaint."""
        return self.repeats / self.complaints if self.complaints else None


def repeat_rate(*, start: datetime, end: datetime, unit_id: int | None = None) -> RepeatRate:
    """R-RP-1 repeat rate: repeat complaints / complaints accepted in [start, end), by the unit and the units
    below it (None: the whole branch). One query."""
    counts = _complaints_in(start=start, end=end, unit_id=unit_id).aggregate(
        complaints=Count("id"), repeats=Count("id", filter=Q(is_repeat=True))
    )
    return RepeatRate(complaints=counts["complaints"], repeats=counts["repeats"])


def repeat_complaint_list(*, start: datetime, end: datetime, unit_id: int | None = None) -> QuerySet[WorkOrder]:
    """The repeat complaints behind `repeat_rate`, with the order each repeats."""
    orders = _complaints_in(start=start, end=end, unit_id=unit_id).filter(is_repeat=True)
    return orders.select_related("previous_order", "accepting_unit").order_by("accepted_at", "id")


def _complaints_in(*, start: datetime, end: datetime, unit_id: int | None) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.filter(order_type=OrderType.COMPLAINT, accepted_at__gte=start, accepted_at__lt=end)
    if unit_id is not None:
        orders = orders.filter(accepting_unit_id__in=unit_subtree_ids(root_ids=[unit_id]))
    return orders
