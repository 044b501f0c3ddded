"""Reads of work orders. Every list a user sees goes through `work_order_visible_list` (SPEC §1)."""

from collections.abc import Callable

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from complaints.models import ComplaintCategory, SkillGroup
from complaints.selectors import category_ancestor_ids
from deadlines.models import Clock
from deadlines.selectors import clock_at_risk_exists, clock_overdue_exists
from org.models import OrgUnit
from org.selectors import user_is_branch_level, user_scope_unit_ids

from .models import (
    Contact,
    DepartmentReply,
    ExtensionRequest,
    FinalReply,
    OrderState,
    OrderType,
    RoutingRule,
    TimelineEntry,
    WorkOrder,
    WorkOrderRules,
)

# Only what a list row shows: every extra join costs PostgreSQL planning time on each request (7 joins
# planned in ~27 ms, 5 in ~5 ms); category labels come from one map (complaints.selectors).
LIST_RELATED = ("customer", "accepting_unit", "handling_unit", "accepted_by", "assignee")
DETAIL_RELATED = ("call_reason", "business_item")  # the rest are shown as ids or from the label map

# Units an order can be dispatched to: not a branch or a region (R-WO-8).
HANDLING_UNIT_KINDS = {
    OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.GROUP, OrgUnit.Kind.PARTNER, OrgUnit.Kind.SERVICE_CENTRE,
    OrgUnit.Kind.HALL,
}  # fmt: skip


def work_order_visible_list(*, user) -> QuerySet[WorkOrder]:
    """Orders of the user's units and sub-units, those they accepted or handle; all for branch level.
    Each carries `is_overdue` (a clock breached and still open) and `is_at_risk` (a clock warned)."""
    return (
        work_order_visible_base(user=user)
        .select_related(*LIST_RELATED)
        .annotate(is_overdue=clock_overdue_exists(), is_at_risk=clock_at_risk_exists())
    )


def work_order_visible_base(*, user) -> QuerySet[WorkOrder]:
    """The visibility rule alone (SPEC §1), no joins and no per-row clock annotations: for counts, and for
    pages that read the clocks of their own rows (computing `is_overdue` for every candidate row of a large
    queue hashes every overdue clock in the database first). Orders an app above puts in the user's hands are
    added (`order_visibility_grant_register`)."""
    rule = order_visibility_q(user=user)
    if rule is None:
        return WorkOrder.objects.all()
    for grant in _visibility_grants:
        granted = grant(user=user)
        if granted is not None:
            rule |= Q(pk__in=granted)
    return WorkOrder.objects.filter(rule)


OrderGrant = Callable[..., QuerySet | None]
_visibility_grants: list[OrderGrant] = []


def order_visibility_grant_register(grant: OrderGrant) -> None:
    """An app above this layer lets a user see orders its own work hands them although they are outside the user's
    units (holiday duty: the orders in the duty queue of a hall the user works, R-HD-1). `grant(user=…)` returns
    a query of order ids (`.values("order_id")`, used as a sub-select) or None when it grants this user nothing,
    which leaves everybody else's query as it was. Used by every list and page of orders (`work_order_visible_base`);
    the rows that carry the visibility columns themselves (clocks, tallies) keep `order_visibility_q`."""
    if grant not in _visibility_grants:
        _visibility_grants.append(grant)


def order_visibility_q(*, user, prefix: str = "") -> Q | None:
    """SPEC §1 as a filter on orders (`prefix="order__"` on rows that point at an order, e.g. clocks, so the
    query starts from those rows instead of from the order table); None for branch level (sees all)."""
    if user_is_branch_level(user=user):
        return None
    return (
        order_units_q(unit_ids=user_scope_unit_ids(user=user), prefix=prefix)
        | Q(**{f"{prefix}accepted_by": user})
        | Q(**{f"{prefix}assignee": user})
    )


def order_units_q(*, unit_ids, prefix: str = "") -> Q:
    """Orders accepted at or handled by one of these units (queues, the `unit` filters, visibility)."""
    return Q(**{f"{prefix}accepting_unit_id__in": unit_ids}) | Q(**{f"{prefix}handling_unit_id__in": unit_ids})


def work_order_detail_list(*, user) -> QuerySet[WorkOrder]:
    """Visible orders with everything the detail view shows, in a fixed number of queries."""
    return (
        work_order_visible_list(user=user)
        .select_related(*DETAIL_RELATED)
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.select_related("recorded_by")),
            Prefetch("department_replies", queryset=DepartmentReply.objects.select_related("author", "reviewed_by")),
            Prefetch(
                "final_replies", queryset=FinalReply.objects.select_related("replier").prefetch_related("approvals")
            ),
            "callbacks",
            "attachments",
            Prefetch("clocks", queryset=Clock.objects.order_by("started_at", "id")),
            Prefetch("extension_requests", queryset=ExtensionRequest.objects.order_by("-requested_at", "-id")),
        )
    )


def work_order_follow_up_list(*, user) -> QuerySet[WorkOrder]:
    """R-WO-9: the orders this user accepted stay on their list until closed."""
    return WorkOrder.objects.select_related(*LIST_RELATED).filter(accepted_by=user).exclude(state=OrderState.CLOSED)


def timeline_list(*, order: WorkOrder) -> QuerySet[TimelineEntry]:
    return order.timeline.select_related("actor").order_by("at", "id")


def open_orders_for_number(*, number: str) -> QuerySet[WorkOrder]:
    """Open orders of an accepted number, in every unit: the hint that the caller is urging, not complaining
    anew (R-SP-1 (a)). Whoever accepts orders sees their state and may urge them (`work_order_urge`)."""
    return orders_with_urges().filter(accepted_number=number).exclude(state=OrderState.CLOSED)


def orders_with_urges() -> QuerySet[WorkOrder]:
    """Orders with their category path and `urges`, the number of urges logged on each.

    A correlated count (the timeline's order index), not a join with GROUP BY: grouping joined every order of a
    customer's history with its timeline before the page's LIMIT, 230 ms for a customer of 487 orders at
    100,000 orders (bench/pages.py, the order page and the intake card)."""
    urges = (
        TimelineEntry.objects.filter(order=OuterRef("pk"), kind="urge")
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return WorkOrder.objects.select_related("category__parent__parent").annotate(
        urges=Coalesce(Subquery(urges, output_field=IntegerField()), 0)
    )


# The transitions a person triggers (close_on_spot happens inside creation), in life-cycle order.
USER_TRANSITIONS = (
    "dispatch", "claim", "dept_reply", "return_reply", "approve_reply", "reply_customer", "callback", "close",
    "redispatch",
)  # fmt: skip


def work_order_allowed_transitions(*, order: WorkOrder, user) -> list[str]:
    """What this user may do to the order now: state, conditions, role and unit (R-UI-1 buttons)."""
    available = {t.name for t in order.get_available_user_state_transitions(user)}
    return [name for name in USER_TRANSITIONS if name in available]


def clock_order_facts(*, order_ids) -> dict[int, dict]:
    """The few order fields the clock notices need, in one query."""
    rows = WorkOrder.objects.filter(id__in=order_ids).values(
        "id", "number", "urgency", "is_major", "accepted_by_id", "assignee_id", "dispatched_by_id",
        "handling_unit_id", "accepting_unit_id",
    )  # fmt: skip
    return {row["id"]: row for row in rows}


def extension_pending_list(*, user) -> QuerySet[ExtensionRequest]:
    """Extension requests waiting for this user's decision (R-FL-7, R-UI-2 approvals queue)."""
    return (
        ExtensionRequest.objects.select_related("order", "requested_by")
        .filter(status=ExtensionRequest.Status.PENDING)
        .filter(order_visibility_q(user=user, prefix="order__") or Q())
        .order_by("requested_at")
    )


def handling_unit_list() -> QuerySet:
    """Units an order can be dispatched to (the dispatch and redispatch forms' choices)."""
    return OrgUnit.objects.filter(is_active=True, kind__in=HANDLING_UNIT_KINDS).order_by("kind", "code")


def final_reply_previous(*, order: WorkOrder) -> FinalReply | None:
    """The reply sent on the order this repeat complaint follows (R-FL-4 "one reply voice", R-SP-1)."""
    if order.previous_order_id is None:
        return None
    replies = FinalReply.objects.filter(order_id=order.previous_order_id, sent_at__isnull=False)
    return replies.order_by("-sent_at", "-id").first()


def intake_city_choices() -> list[str]:
    """Cities that have a skill group (R-WO-6): the suggestions of the intake form's home-city field."""
    return list(SkillGroup.objects.filter(is_active=True).order_by("city").values_list("city", flat=True))


def work_order_rules() -> WorkOrderRules:
    """The administrator's rules row (admin → work-order rules); the SPEC defaults until one is saved."""
    return WorkOrderRules.objects.order_by("pk").first() or WorkOrderRules()


def work_order_open_same_matter(*, number: str, category_id: int | None) -> WorkOrder | None:
    """The open complaint on this number under the same top-level category, if any (R-SP-1 (a)): across every
    unit, since the customer may call anywhere. A number has few orders, so their categories are compared here."""
    category = ComplaintCategory.objects.filter(pk=category_id).first() if category_id else None
    if category is None or not number:
        return None
    top = category.top_level()
    candidates = (
        WorkOrder.objects.filter(accepted_number=number, order_type=OrderType.COMPLAINT, category__isnull=False)
        .exclude(state=OrderState.CLOSED)
        .select_related("category__parent__parent")  # top_level() walks these without a query per order
        .order_by("accepted_at")
    )
    return next((order for order in candidates if order.category.top_level().pk == top.pk), None)


def clock_visible_list(*, user) -> QuerySet[Clock]:
    """Clocks of the orders this user may see (SPEC §1), with their order."""
    return Clock.objects.select_related("order").filter(order_visibility_q(user=user, prefix="order__") or Q())


def routing_suggestion(*, category_id: int | None) -> int | None:
    """The usual handling unit for a category (issue 13 §7, RoutingRule): its own rule, else the nearest
    ancestor's; None without one. Two queries: the rules (few) and the tree."""
    if category_id is None:
        return None
    rules = dict(RoutingRule.objects.filter(unit__is_active=True).values_list("category_id", "unit_id"))
    if not rules:
        return None
    for node in [category_id, *category_ancestor_ids(category_id=category_id)]:
        if node in rules:
            return rules[node]
    return None
