"""The inbox grouped by order (R-NT-1, issue 13 §6): what each order is waiting for and whether it waits for me.

A group is one order's notices to the user (or the notices about no order). It shows the order's state and the
first step the user may take on it now (the order page's buttons: `work_order_allowed_transitions`), so an
inbox of 40 notices about 6 orders reads as 6 things to look at, and "needs me" means exactly that: an open
order on which the user has a step to take, or a phone-call task not yet done. Everything else is FYI.

"Needs me" and FYI are decided per order in Python (the step depends on role, unit and state), over the user's
NEEDS_ME_SCAN newest groups: older groups are read under "all"."""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Q

from notifications.models import Notification
from notifications.selectors import notification_groups_for_user, notification_list_for_user

from .models import OrderState, WorkOrder
from .selectors import work_order_allowed_transitions

GROUPS_PER_PAGE = 20
NOTICES_PER_GROUP = 5
NEEDS_ME_SCAN = 300
SHOW_CHOICES = ("all", "needs_me", "fyi")


@dataclass
class InboxGroup:
    order_id: int | None
    latest: datetime
    unread: int
    total: int
    calls: int
    order: WorkOrder | None = None
    steps: list[str] = field(default_factory=list)  # transition names the user may take now
    notices: list[Notification] = field(default_factory=list)

    @property
    def needs_me(self) -> bool:
        return bool(self.calls) or bool(self.steps)

    @property
    def more(self) -> int:
        return max(self.total - len(self.notices), 0)


def _groups(rows) -> list[InboxGroup]:
    return [InboxGroup(**{k: row[k] for k in ("order_id", "latest", "unread", "total", "calls")}) for row in rows]


def _steps(*, groups: list[InboxGroup], user) -> None:
    """Each group's order and the steps the user may take on it now (one query for the orders)."""
    orders = WorkOrder.objects.select_related("category").in_bulk([g.order_id for g in groups if g.order_id])
    for group in groups:
        group.order = orders.get(group.order_id)
        if group.order is not None and group.order.state != OrderState.CLOSED:
            group.steps = work_order_allowed_transitions(order=group.order, user=user)


def _notices(*, groups: list[InboxGroup], user) -> None:
    """The newest NOTICES_PER_GROUP notices of each group shown (one query)."""
    ids = [g.order_id for g in groups if g.order_id is not None]
    which = Q(order_id__in=ids) | (Q(order__isnull=True) if any(g.order_id is None for g in groups) else Q(pk__in=[]))
    notices: dict[int | None, list[Notification]] = {}
    rows = notification_list_for_user(user=user).filter(which).order_by("-created_at", "-pk")
    for notice in rows.only("id", "order_id", "subject", "body", "kind", "channel", "created_at", "read_at"):
        bucket = notices.setdefault(notice.order_id, [])
        if len(bucket) < NOTICES_PER_GROUP:
            bucket.append(notice)
    for group in groups:
        group.notices = notices.get(group.order_id, [])


def inbox_page(*, user, show: str = "all", page_number=None) -> Page:
    """One page of the user's inbox groups, filled. `show`: all | needs_me | fyi (anything else: all)."""
    rows = notification_groups_for_user(user=user)
    if show not in ("needs_me", "fyi"):
        page = Paginator(rows, GROUPS_PER_PAGE).get_page(page_number)
        page.object_list = _groups(page.object_list)
        _steps(groups=page.object_list, user=user)
    else:
        groups = _groups(rows[:NEEDS_ME_SCAN])
        _steps(groups=groups, user=user)
        page = Paginator([g for g in groups if g.needs_me == (show == "needs_me")], GROUPS_PER_PAGE)
        page = page.get_page(page_number)
    _notices(groups=list(page.object_list), user=user)
    return page
