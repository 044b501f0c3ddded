"""Work queues of the browser workspace (R-UI-1, R-UI-2, R-WO-9, R-SP-5): which orders each queue holds,
who sees it, and in what order. Reads only; every queue starts from the visibility rule (SPEC §1).

Order in every queue: priority first (major, batch, repeat, escalated, then 特急, R-SP-5), then the due time
that matters in that queue, then the oldest. A queue page costs a fixed number of queries: count, the
page's ids, its rows, the live clocks of those rows, the category labels. The page is cut from a query of
ids alone, which PostgreSQL answers from indexes (order_open_queue_idx and the clock indexes), and only its
25 rows are read whole: with every column and join in the one query, the planner may join the whole open
table to the few overdue or warned clocks before sorting. Whether a row is overdue or at risk is read from
the page's clocks, not computed for every candidate row of the queue."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from complaints.numbers import normalize_number
from deadlines.clock_models import Clock, ClockKind, ClockState
from org.selectors import user_is_branch_level, user_scope_unit_ids

from .models import ExtensionRequest, OrderState, WorkOrder
from .selectors import extension_pending_list, order_units_q, work_order_visible_base

ROW_RELATED = ("customer", "handling_unit", "accepted_by")  # what a queue row shows


def user_is_supervisor(*, user) -> bool:
    """Who watches the overdue and at-risk queues (R-UI-2): branch-level staff, dispatchers and the
    supervisors of a unit (R-CLK-BREACH 逐级上报). Cached on the user object (one request)."""
    cached = getattr(user, "_is_supervisor", None)
    if cached is None:
        cached = (
            user_is_branch_level(user=user)
            or user.has_perm("tickets.dispatch_workorder")
            or user.supervised_units.exists()
        )
        user._is_supervisor = cached
    return cached


def _clocks(**where) -> QuerySet[Clock]:
    return Clock.objects.filter(order=OuterRef("pk"), **where)


def _next_due(**where) -> Subquery:
    """The earliest due time among the order's clocks matching `where` (one index probe per row)."""
    return Subquery(_clocks(**where).order_by("due_at").values("due_at")[:1])


def _open(user) -> QuerySet[WorkOrder]:
    """Open orders: `state <> closed` is the condition of the partial index `order_open_queue_idx`."""
    return work_order_visible_base(user=user).exclude(state=OrderState.CLOSED)


def _open_in(user) -> QuerySet[WorkOrder]:
    """Open orders for filters on a (column, state) index: `state IN (…)` reads index ranges there."""
    return work_order_visible_base(user=user).filter(state__in=OrderState.open_states())


def _follow_ups(user):
    # R-WO-9: what the user accepted stays on their list until it is closed, wherever it went.
    return _open_in(user).filter(accepted_by=user).annotate(next_due=_next_due(state__in=ClockState.live()))


def _my_unit(user):
    return _open_in(user).filter(order_units_q(unit_ids=user_scope_unit_ids(user=user)))


def _in_state(state: str):
    return lambda user: work_order_visible_base(user=user).filter(state=state)


def _callback(user):
    due = _next_due(state__in=ClockState.live(), kind=ClockKind.CALLBACK)
    return _in_state(OrderState.CUSTOMER_REPLIED)(user).annotate(next_due=due)


def _overdue(user):
    overdue = {"state": ClockState.OVERDUE}
    return _open(user).filter(Exists(_clocks(**overdue))).annotate(next_due=_next_due(**overdue))


def _at_risk(user):
    warned = {"state": ClockState.RUNNING, "warned_at__isnull": False}
    return _open(user).filter(Exists(_clocks(**warned))).annotate(next_due=_next_due(**warned))


def _has(perm: str) -> Callable:
    return lambda user: user.has_perm(perm)


def _supervisor(user) -> bool:
    return user_is_supervisor(user=user)


NEXT_DUE = (F("next_due").asc(nulls_last=True), "accepted_at", "id")


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    help: str
    allowed: Callable
    orders: Callable | None = None  # None: the extension-approvals queue, a list of requests
    ordering: tuple = ()  # after "-priority"

    @property
    def is_orders(self) -> bool:
        return self.orders is not None


QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        Queue("follow_ups", _("My follow-ups"), _("Orders you accepted, until they are closed (首问负责制)."),
              _has("tickets.add_workorder"), _follow_ups, NEXT_DUE),
        Queue("my_unit", _("My unit"), _("Open orders accepted or handled by your units."),
              lambda user: bool(user_scope_unit_ids(user=user)), _my_unit,
              (F("handling_due_at").asc(nulls_last=True), "accepted_at", "id")),
        # Dispatch clock counts from accepted_at: the index (state, -priority, accepted_at) is the queue order.
        Queue("dispatch", _("To dispatch"), _("Accepted orders waiting to be dispatched."),
              _has("tickets.dispatch_workorder"), _in_state(OrderState.ACCEPTED), ("accepted_at", "id")),
        Queue("review", _("To review"), _("Department replies waiting for review."),
              _has("tickets.review_reply"), _in_state(OrderState.DEPT_REPLIED), ("handling_due_at", "id")),
        Queue("callback", _("To call back"), _("Customers replied to, waiting for the callback (回访)."),
              _has("tickets.callback_workorder"), _callback, NEXT_DUE),
        Queue("overdue", _("Overdue"), _("Open orders with a clock past its due time."), _supervisor, _overdue,
              NEXT_DUE),
        Queue("at_risk", _("At risk"), _("Open orders with a clock past its warning time."), _supervisor, _at_risk,
              NEXT_DUE),
        Queue("extensions", _("Extension requests"), _("Extension requests (延期) waiting for your decision."),
              _has("tickets.decide_extension")),
    )
}  # fmt: skip


def queues_for_user(*, user) -> list[Queue]:
    return [queue for queue in QUEUES.values() if queue.allowed(user)]


def queue_filter(qs: QuerySet[WorkOrder], *, filters: dict) -> QuerySet[WorkOrder]:
    """The filters of a queue page: type, state, urgency and a number (order number prefix, or the last 4
    digits of the customer's accepted number; the page refuses a full number, R-SEC-2)."""
    if filters.get("order_type"):
        qs = qs.filter(order_type=filters["order_type"])
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("urgency"):
        qs = qs.filter(urgency=filters["urgency"])
    term = (filters.get("q") or "").strip()
    if term:
        digits = normalize_number(term)
        # The order number's LIKE-prefix index; the last digits scan only the queue's own (open) rows.
        match = Q(number__startswith=term.upper())
        if len(digits) == 4 and digits.isdigit():
            match |= Q(accepted_number__endswith=digits)
        qs = qs.filter(match)
    return qs


def queue_order_ids(*, queue: Queue, user, filters: dict | None = None) -> QuerySet:
    """The ids of the queue's orders, filtered and in queue order: what a page is cut from."""
    qs = queue_filter(queue.orders(user), filters=filters or {})
    return qs.order_by("-priority", *queue.ordering).values_list("id", flat=True)


def queue_rows(*, user, ids: list[int]) -> list[WorkOrder]:
    """The orders of one page, in the order of `ids`, with what a row shows and their live clocks
    (`live_clocks`, nearest due first)."""
    live = Clock.objects.filter(state__in=ClockState.live()).order_by("due_at", "id")
    rows = (
        work_order_visible_base(user=user)
        .filter(id__in=ids)
        .select_related(*ROW_RELATED)
        .prefetch_related(Prefetch("clocks", queryset=live, to_attr="live_clocks"))
    )
    by_id = {order.id: order for order in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def queue_extensions(*, user) -> QuerySet[ExtensionRequest]:
    """The extension-approvals queue: priority first, then the earliest current deadline."""
    return extension_pending_list(user=user).order_by("-order__priority", "current_due_at", "requested_at", "id")


def queue_count(*, queue: Queue, user) -> int:
    if queue.is_orders:
        return queue.orders(user).count()
    return extension_pending_list(user=user).count()


def queue_counts(*, user) -> list[tuple[Queue, int]]:
    """The queues this user may see with their sizes, for the navigation (one COUNT each)."""
    return [(queue, queue_count(queue=queue, user=user)) for queue in queues_for_user(user=user)]
