"""Work queues of the browser workspace (R-UI-1, R-UI-2, R-WO-9, R-SP-5, issue 13 §3): which orders each queue
holds, who sees it, and in what order. Reads only; every queue starts from the visibility rule (SPEC §1).

"My work" for every role: a handler has "to claim" (dispatched to their units), "mine in progress", "returned to
me" (their reply came back, R-FL-3) and "waiting for review" (their reply, at the dispatcher's); the front line
"my follow-ups" (R-WO-9), split by what needs them now (`FOLLOW_UP_NEEDS`: the final reply, the callback, a
retry after a failed contact); an approver of written replies (R-FL-4) "waiting for my approval". The navigation
lists only the queues a role uses (`Queue.allowed`).

Order in every queue (the default, `sort=""`): the orders whose next deadline has passed first, the longest
overdue first; then the rest by priority (major, then batch/repeat/escalated, then 特急, R-SP-5) and by the next
deadline, nearest first; then the oldest. So an overdue ordinary order is not hidden behind priority cases that
still have time (it is already late: the supervisor must see it), and among orders with time left R-SP-5's
priority cases still come first. The dispatch desk keeps R-SP-5 strictly — priority cases first, then by
acceptance, which within a priority class is the order of the dispatch deadlines (a fixed limit from
accepted_at, R-CLK-DISPATCH) — read straight from the index (state, -priority, accepted_at). A user may sort
by a column instead (`SORTS`, a whitelist); that sort replaces the default order, ties broken by id.

A queue page costs a fixed number of queries: count, the page's ids, its rows, the live clocks of those rows,
the category labels (and the follow-ups' tab counts). The page is cut from a query of ids alone, and only its
25 rows are read whole: with every column and join in the one query, the planner may join the whole open
table to the few overdue or warned clocks before sorting. Whether a row is overdue or at risk is read from
the page's clocks, not computed for every candidate row of the queue.

"The next deadline" is `WorkOrder.next_due_at`: the earliest due time of the order's live (running or overdue)
clocks, kept by database triggers on the clocks table (tickets 0016), so a queue sorts a column instead of
computing a subquery for every candidate row. The callback, overdue and at-risk queues sort by their own clocks
(the callback clock; the overdue ones; the warned running ones): those stay subqueries, over the few rows of
their state or condition."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.numbers import normalize_number
from deadlines.clock_models import Clock, ClockKind, ClockState
from org.selectors import user_is_branch_level, user_scope_unit_ids

from .batch_selectors import batch_candidate_count
from .models import (
    DepartmentReply,
    ExtensionRequest,
    FinalReply,
    FinalReplyApproval,
    FinalReplyMethod,
    OrderState,
    SavedView,
    WorkOrder,
)
from .models.choices import APPROVAL_PERMISSION
from .selectors import extension_pending_list, order_units_q, work_order_visible_base

ROW_RELATED = ("customer", "handling_unit", "accepted_by", "assignee")  # what a queue row shows


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


def _live_due() -> F:
    """The first due time of the order's live clocks: the column the clock triggers keep (tickets 0016)."""
    return F("next_due_at")


def _follow_ups(user):
    # R-WO-9: what the user accepted stays on their list until it is closed, wherever it went.
    return _open_in(user).filter(accepted_by=user).annotate(next_due=_live_due())


# R-WO-9 follow-ups, by what needs the first-contact owner now (the tabs of the follow-ups page).
FOLLOW_UP_NEEDS = {
    "reply": (_("Final reply due"), lambda qs: qs.filter(state=OrderState.REPLY_APPROVED)),
    "callback": (_("Callback"), lambda qs: qs.filter(state=OrderState.CUSTOMER_REPLIED)),
    "retry": (
        _("Unreachable: try again"),
        lambda qs: qs.filter(Exists(_clocks(kind=ClockKind.RETRY, state__in=ClockState.live()))),
    ),
}


def follow_ups_need(qs: QuerySet[WorkOrder], need: str) -> QuerySet[WorkOrder]:
    return FOLLOW_UP_NEEDS[need][1](qs) if need in FOLLOW_UP_NEEDS else qs


def _handler_units(user):
    return _open_in(user).filter(handling_unit_id__in=user_scope_unit_ids(user=user))


def _to_claim(user):
    # Dispatched to one of the user's units (or below), nobody has claimed it yet.
    return _handler_units(user).filter(state=OrderState.DISPATCHED).annotate(next_due=_live_due())


def _returned_here():
    """The order's department reply of its current cycle was returned (R-FL-3) and no new one is written yet."""
    return Exists(
        DepartmentReply.objects.filter(
            order=OuterRef("pk"), cycle=OuterRef("cycle"), status=DepartmentReply.Status.RETURNED
        )
    )


def _mine(user):
    processing = work_order_visible_base(user=user).filter(state=OrderState.PROCESSING, assignee=user)
    return processing.exclude(_returned_here()).annotate(next_due=_live_due())


def _returned(user):
    processing = work_order_visible_base(user=user).filter(state=OrderState.PROCESSING, assignee=user)
    return processing.filter(_returned_here()).annotate(next_due=_live_due())


def _awaiting_review(user):
    replied = work_order_visible_base(user=user).filter(state=OrderState.DEPT_REPLIED, assignee=user)
    return replied.annotate(next_due=_live_due())


def approval_kinds(user) -> list[str]:
    """The approvals of a written reply (R-FL-4) this user may give."""
    return [kind for kind, perm in APPROVAL_PERMISSION.items() if user.has_perm(perm)]


def _awaiting_my_approval(user):
    """Written/email drafts (R-FL-4) missing an approval this user may give."""
    drafts = FinalReply.objects.filter(
        order=OuterRef("pk"), sent_at__isnull=True, method__in=FinalReplyMethod.needing_approval()
    )
    missing = Q()
    for kind in approval_kinds(user):
        given = FinalReplyApproval.objects.filter(reply=OuterRef("pk"), kind=kind)
        missing |= Exists(drafts.filter(~Exists(given)))
    orders = work_order_visible_base(user=user).filter(state=OrderState.REPLY_APPROVED)
    return orders.filter(missing).annotate(next_due=_live_due()) if missing else orders.none()


def _has_units(user) -> bool:
    return bool(user_scope_unit_ids(user=user))


def _handles(user) -> bool:
    return user.has_perm("tickets.claim_workorder") and _has_units(user)


def _my_unit_allowed(user) -> bool:
    """The unit's list is for those without queues of their own work: a handler has "to claim" and "mine", a
    dispatcher the dispatch desk's queues."""
    return _has_units(user) and not (_handles(user) or user.has_perm("tickets.dispatch_workorder"))


def _my_unit(user):
    return _open_in(user).filter(order_units_q(unit_ids=user_scope_unit_ids(user=user))).annotate(next_due=_live_due())


def _in_state(state: str):
    return lambda user: work_order_visible_base(user=user).filter(state=state).annotate(next_due=_live_due())


def _callback(user):
    due = _next_due(state__in=ClockState.live(), kind=ClockKind.CALLBACK)
    return work_order_visible_base(user=user).filter(state=OrderState.CUSTOMER_REPLIED).annotate(next_due=due)


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


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    help: str
    allowed: Callable
    orders: Callable | None = None  # None: the extension-approvals queue, a list of requests
    shows_assignee: bool = True  # the handler column (not in queues of one's own work)
    supervised: bool = False  # rows can be chosen for a supervisor's bulk action (issue 13 §4)
    default_order: tuple = ()  # the queue's own order instead of the deadline order (module docstring)
    count: Callable | None = None  # a queue of other rows (batch candidates): its own count

    @property
    def is_orders(self) -> bool:
        return self.orders is not None


QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        Queue("follow_ups", _("My follow-ups"), _("Orders you accepted, until they are closed (首问负责制)."),
              _has("tickets.add_workorder"), _follow_ups),
        Queue("to_claim", _("To claim"), _("Orders dispatched to your unit that nobody has claimed yet."),
              _handles, _to_claim, shows_assignee=False),
        Queue("mine", _("Mine"), _("Orders you are handling."), _handles, _mine, shows_assignee=False),
        Queue("returned", _("Returned to me"), _("Your department replies that were returned: write them again."),
              _handles, _returned, shows_assignee=False),
        Queue("awaiting_review", _("Waiting for review"), _("Your department replies waiting for the review."),
              _handles, _awaiting_review, shows_assignee=False),
        Queue("my_unit", _("My unit"), _("Open orders accepted or handled by your units."),
              _my_unit_allowed, _my_unit),
        # Dispatch clock counts from accepted_at: the index (state, -priority, accepted_at) is the queue order.
        Queue("dispatch", _("To dispatch"), _("Accepted orders waiting to be dispatched."),
              _has("tickets.dispatch_workorder"), _in_state(OrderState.ACCEPTED), shows_assignee=False,
              default_order=("-priority", "accepted_at", "id")),
        Queue("review", _("To review"), _("Department replies waiting for review."),
              _has("tickets.review_reply"), _in_state(OrderState.DEPT_REPLIED)),
        Queue("callback", _("To call back"), _("Customers replied to, waiting for the callback (回访)."),
              _has("tickets.callback_workorder"), _callback),
        Queue("approvals", _("To approve"), _("Written replies waiting for your approval before they are sent."),
              lambda user: bool(approval_kinds(user)), _awaiting_my_approval),
        Queue("overdue", _("Overdue"), _("Open orders with a clock past its due time."), _supervisor, _overdue,
              supervised=True),
        Queue("at_risk", _("At risk"), _("Open orders with a clock past its warning time."), _supervisor, _at_risk,
              supervised=True),
        Queue("extensions", _("Extension requests"), _("Extension requests (延期) waiting for your decision."),
              _has("tickets.decide_extension")),
        # R-SP-2: offers of a batch (tickets/views/batch.py lists them; the navigation shows their count).
        Queue("batch_candidates", _("Batch candidates"), _("Complaints that look like one fault: confirm a batch."),
              _has("tickets.dispatch_workorder"), count=batch_candidate_count),
    )
}  # fmt: skip

# Column sorts a user may ask for (`?sort=`); anything else is the default order (module docstring).
SORTS: dict[str, tuple] = {
    "due": (F("next_due").asc(nulls_last=True), "id"),
    "-due": (F("next_due").desc(nulls_last=True), "id"),
    "accepted": ("accepted_at", "id"),
    "-accepted": ("-accepted_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "state": ("state", F("next_due").asc(nulls_last=True), "id"),
    "-state": ("-state", F("next_due").asc(nulls_last=True), "id"),
    "priority": ("-priority", F("next_due").asc(nulls_last=True), "id"),
    "-priority": ("priority", F("next_due").asc(nulls_last=True), "id"),
}


def queue_ordering(*, sort: str = "", now=None, queue: "Queue | None" = None) -> tuple:
    """The ORDER BY of a queue: a whitelisted column sort; else the queue's own (the dispatch desk: R-SP-5 as
    its index reads it); else overdue first (longest first), then priority (R-SP-5), then the nearest deadline,
    then the oldest. The rank folds "overdue" and the priority into one key (where `next_due` is still a
    subquery, it is evaluated twice per candidate row, not four times)."""
    if sort in SORTS:
        return SORTS[sort]
    if queue is not None and queue.default_order:
        return queue.default_order
    now = now or timezone.now()
    rank = Case(
        When(next_due__lte=now, then=Value(0)), default=Value(5) - F("priority"), output_field=IntegerField()
    )  # 0: overdue; 1 major … 5 ordinary (priority 4 … 0)
    return (rank, F("next_due").asc(nulls_last=True), "accepted_at", "id")


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


def queue_order_ids(
    *, queue: Queue, user, filters: dict | None = None, sort: str = "", need: str = "", view=None
) -> QuerySet:
    """The ids of the queue's orders, filtered (by a saved view too, and for the follow-ups by what needs the user)
    and in queue order: what a page is cut from."""
    qs = queue_filter(queue.orders(user), filters=filters or {})
    if view is not None:
        qs = saved_view_apply(qs, view=view)
    if queue.name == "follow_ups":
        qs = follow_ups_need(qs, need)
    return qs.order_by(*queue_ordering(sort=sort, queue=queue)).values_list("id", flat=True)


def follow_up_need_counts(*, user) -> dict[str, int]:
    """How many follow-ups need the user now, by need (the tabs of the follow-ups page; one COUNT each)."""
    qs = _follow_ups(user)
    return {need: follow_ups_need(qs, need).count() for need in FOLLOW_UP_NEEDS}


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
    if queue.count is not None:
        return queue.count(user=user)
    if queue.is_orders:
        return queue.orders(user).count()
    return extension_pending_list(user=user).count()


def queue_counts(*, user) -> list[tuple[Queue, int]]:
    """The queues this user may see with their sizes, for the navigation (one COUNT each)."""
    return [(queue, queue_count(queue=queue, user=user)) for queue in queues_for_user(user=user)]


# --- saved views (issue 13 §3) ------------------------------------------------------------------------------
VIEW_COLUMNS = {"handling_unit": "handling_unit_id", "category": "category_id"}


def saved_views_for(*, user, queue_name: str) -> list[SavedView]:
    """The views of this queue the user may use: their own, and those shared with one of their roles or units.
    One query."""
    shared = Q(shared_roles__in=user.groups.all()) | Q(shared_units__in=user.org_units.all())
    views = SavedView.objects.filter(Q(owner=user) | shared, queue=queue_name).distinct()
    return list(views.order_by("name", "id"))


def saved_view_apply(qs: QuerySet[WorkOrder], *, view: SavedView) -> QuerySet[WorkOrder]:
    """Narrow a queue (already limited by the visibility rule) by a view's whitelisted conditions."""
    for condition in view.conditions:
        column = VIEW_COLUMNS.get(condition["field"], condition["field"])
        if condition["op"] == "in":
            qs = qs.filter(**{f"{column}__in": condition["value"]})
        else:
            qs = qs.filter(**{column: condition["value"]})
    return qs
