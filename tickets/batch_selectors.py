"""Reads of batch complaints (R-SP-2): the thresholds, the candidates a dispatcher is offered, the batches a
user may see and their children. Visibility follows the orders (SPEC §1): a candidate or a batch is seen by
whoever may see one of its complaints (and a batch by its dedicated handler)."""

import time
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Batch, BatchCandidate, BatchMembership, BatchRules, OrderState, OrderType, WorkOrder
from .prepared import prepared_execute
from .selectors import order_visibility_q, work_order_visible_base

# The rules row is read on every complaint's creation; a short memo keeps detection at one query. An admin
# change is seen at once by the process that saved it (`batch_rules_forget`) and within this time elsewhere.
RULES_TTL_SECONDS = 30.0
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_rules_memo: dict[str, tuple[float, BatchRules]] = {}


def batch_rules() -> BatchRules:
    """The administrator's batch thresholds (admin → batch-complaint rules); the SPEC defaults until saved."""
    memo = _rules_memo.get("rules")
    if memo and time.monotonic() - memo[0] < RULES_TTL_SECONDS:
        return memo[1]
    rules = BatchRules.objects.order_by("pk").first() or BatchRules()
    _rules_memo["rules"] = (time.monotonic(), rules)
    return rules


def batch_rules_forget() -> None:
    _rules_memo.clear()


def _in_open_batch() -> Exists:
    return Exists(BatchMembership.objects.filter(order=OuterRef("pk"), detached_at=None))


def batch_scope_waiting(*, category_id: int, skill_group_id: int) -> QuerySet[WorkOrder]:
    """Complaints of one leaf category and city still waiting for dispatch and in no batch: what a batch of
    that scope may take."""
    return WorkOrder.objects.filter(
        order_type=OrderType.COMPLAINT, category_id=category_id, skill_group_id=skill_group_id,
        state=OrderState.ACCEPTED,
    ).exclude(_in_open_batch())  # fmt: skip


def _detection_sql() -> str:
    """The statement of `batch_detection_count`, written once: the hot path of every complaint's creation pays
    for no query compilation (the ORM's took longer than the query itself, issue 12 §3). Names from the models."""
    order, member, candidate = (m._meta for m in (WorkOrder, BatchMembership, BatchCandidate))
    q = connection.ops.quote_name

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    wo, bm, bc = q(order.db_table), q(member.db_table), q(candidate.db_table)
    scope = f"c.{col(candidate, 'category')} = %s AND c.{col(candidate, 'skill_group')} = %s"
    accepted_at = f"w.{col(order, 'accepted_at')}"
    return (
        f"SELECT COUNT(*), MIN({accepted_at}) FROM {wo} w "  # noqa: S608 - our names only
        # The constants in the text: the partial index's condition must be read from the statement (prepared).
        f"WHERE w.{col(order, 'order_type')} = '{OrderType.COMPLAINT.value}' "
        f"AND w.{col(order, 'state')} = '{OrderState.ACCEPTED.value}' "
        f"AND w.{col(order, 'category')} = %s AND w.{col(order, 'skill_group')} = %s "
        f"AND {accepted_at} >= %s AND {accepted_at} <= %s "
        f"AND {accepted_at} > COALESCE((SELECT MAX(c.{col(candidate, 'closed_at')}) FROM {bc} c WHERE {scope}), %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {bm} m WHERE m.{col(member, 'order')} = w.{q(order.pk.column)} "
        f"AND m.{col(member, 'detached_at')} IS NULL) "
        f"AND NOT EXISTS (SELECT 1 FROM {bc} c WHERE {scope} AND c.{col(candidate, 'status')} = "
        f"'{BatchCandidate.Status.OFFERED.value}')"
    )


def batch_detection_count(*, category_id: int, skill_group_id: int, start: datetime, end: datetime) -> dict:
    """R-SP-2 detection as ONE query: how many complaints of the scope arrived (accepted_at) in [start, end],
    wait for dispatch and are in no batch, and the first one's time (`count`, `first`) — counting none while
    the scope has an offered candidate, and only those after the scope's last confirmed or dismissed candidate
    (a dismissed offer is not made again for the same complaints). Both conditions are sub-selects of the one
    statement (batch_candidate_scope_idx, batch_candidate_one_offered); the orders are read from the partial
    index of waiting complaints by scope and time (order_batch_scope_idx, tickets 0015), so the cost follows the
    scope's waiting complaints of the window, not the size of the table. Plain SQL written once per process and
    prepared once per database session (`tickets.prepared`): planning it cost more than running it."""
    sql = _DETECTION_SQL.get(connection.vendor) or _DETECTION_SQL.setdefault(connection.vendor, _detection_sql())
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        category_id, skill_group_id, adapt(start), adapt(end), category_id, skill_group_id, adapt(EPOCH), category_id,
        skill_group_id,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        prepared_execute(cursor, "tickets_batch_detection", sql, params)
        count, first = cursor.fetchone()
    if isinstance(first, str):  # SQLite answers the aggregate as text (UTC)
        first = parse_datetime(first)
        first = first if first is None or timezone.is_aware(first) else timezone.make_aware(first, UTC)
    return {"count": count, "first": first}


_DETECTION_SQL: dict[str, str] = {}


def batch_candidate_orders(*, candidate: BatchCandidate, user=None) -> QuerySet[WorkOrder]:
    """The complaints a candidate would make a batch of, live: its scope's waiting complaints accepted since the
    candidate's first one (later arrivals join the offer), those `user` may see when given; oldest first."""
    qs = batch_scope_waiting(category_id=candidate.category_id, skill_group_id=candidate.skill_group_id).filter(
        accepted_at__gte=candidate.since
    )
    if user is not None:
        rule = order_visibility_q(user=user)
        qs = qs if rule is None else qs.filter(rule)
    return qs.order_by("accepted_at", "id")


def batch_candidate_list(*, user) -> QuerySet[BatchCandidate]:
    """Offered candidates with at least one complaint the user may see, each with `waiting` (how many of its
    complaints the user sees now), newest offer first. One query (a counted sub-select per candidate)."""
    visible = work_order_visible_base(user=user).filter(
        order_type=OrderType.COMPLAINT, category_id=OuterRef("category_id"), skill_group_id=OuterRef("skill_group_id"),
        state=OrderState.ACCEPTED, accepted_at__gte=OuterRef("since"),
    ).exclude(_in_open_batch())  # fmt: skip
    waiting = visible.order_by().values("category_id").annotate(n=Count("id")).values("n")[:1]
    return (
        BatchCandidate.objects.filter(status=BatchCandidate.Status.OFFERED)
        .annotate(waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), 0))
        .filter(waiting__gt=0)
        .select_related("category", "skill_group")
        .order_by("-offered_at", "-id")
    )


def batch_candidate_count(*, user) -> int:
    """The navigation's count of the batch-candidates queue (R-UI-2)."""
    if not user.has_perm("tickets.dispatch_workorder"):
        return 0
    return batch_candidate_list(user=user).count()


def batch_candidate_visible(*, user, candidate_id) -> BatchCandidate:
    """A candidate the user may act on (any status); BatchCandidate.DoesNotExist for one they may not see."""
    candidate = BatchCandidate.objects.select_related("category", "skill_group").get(pk=candidate_id)
    Status = BatchCandidate.Status
    if candidate.status == Status.OFFERED and batch_candidate_orders(candidate=candidate, user=user).exists():
        return candidate
    if candidate.status == Status.CONFIRMED and batch_visible_list(user=user).filter(candidate=candidate).exists():
        return candidate
    if candidate.status == Status.DISMISSED and candidate.closed_by_id == user.id:
        return candidate
    raise BatchCandidate.DoesNotExist


def batch_visible_list(*, user) -> QuerySet[Batch]:
    """Batches the user may see: one of its children (current or detached) is visible to them, or they are its
    dedicated handler; newest first, each with `child_count` (current children)."""
    rule = order_visibility_q(user=user, prefix="order__")
    qs = Batch.objects.all()
    if rule is not None:
        members = BatchMembership.objects.filter(rule, batch=OuterRef("pk"))
        qs = qs.filter(Exists(members) | Q(handler=user) | Q(created_by=user))
    return (
        qs.annotate(child_count=Count("memberships", filter=Q(memberships__detached_at=None)))
        .select_related("category", "skill_group", "handler", "handling_unit")
        .order_by("-created_at", "-id")
    )


def batch_children(*, batch: Batch) -> QuerySet[WorkOrder]:
    """The batch's current children, in id order (the lock order of every batch transition)."""
    return WorkOrder.objects.filter(batch_memberships__batch=batch, batch_memberships__detached_at=None).order_by("id")


def batch_memberships(*, batch: Batch) -> QuerySet[BatchMembership]:
    """Every child the batch had, detached ones too, with the order."""
    return batch.memberships.select_related("order", "order__customer", "detached_by").order_by("order_id")


def batch_of_order(*, order_id: int) -> Batch | None:
    """The open batch an order is a child of, if any."""
    membership = BatchMembership.objects.filter(order_id=order_id, detached_at=None).select_related("batch").first()
    return membership.batch if membership else None


def batch_open_for_scope(*, user, category_id: int | None, skill_group_id: int | None) -> Batch | None:
    """The intake hint ("this looks like batch X"): the newest batch of this leaf category and city that a
    complaint may still join, among those the user may see."""
    if not (category_id and skill_group_id):
        return None
    return (
        batch_visible_list(user=user)
        .filter(category_id=category_id, skill_group_id=skill_group_id, state__in=Batch.State.attachable())
        .first()
    )
