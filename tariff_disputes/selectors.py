"""Reads of the tariff-dispute app: visibility (SPEC §1 through the order; internal checks by unit subtree), the
approval levels (R-TD-5), the queues per level (R-UI-2, oldest first) and the recharge-card script (R-TD-7)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from complaints.models import ReplyScript
from org.selectors import user_is_branch_level, user_scope_unit_ids
from tickets.models import OrderType
from tickets.selectors import order_visibility_q

from .models import (
    ApprovalRequest,
    ApprovalStatus,
    ApprovalThreshold,
    Cause,
    Dispute,
    DisputeEvent,
    FeeCategory,
    MultiplierPolicy,
    Refund,
    RemedyForm,
    Source,
)

GREEN_CHANNEL = "tariff_disputes.green_channel"
WORK = "tariff_disputes.work_dispute"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def dispute_visibility_q(*, user) -> Q | None:
    """None: sees all (branch level). A dispute is visible if its order is; an internal check without an order
    by the unit that registered it (and its sub-units)."""
    if user_is_branch_level(user=user):
        return None
    by_order = order_visibility_q(user=user, prefix="order__")
    internal = Q(order__isnull=True, unit_id__in=user_scope_unit_ids(user=user))
    return internal if by_order is None else (Q(order__isnull=False) & by_order) | internal


def dispute_visible_list(*, user) -> QuerySet[Dispute]:
    if not _active(user):
        return Dispute.objects.none()
    queryset = Dispute.objects.select_related("customer", "order", "cause", "cause__parent", "unit")
    q = dispute_visibility_q(user=user)
    return queryset if q is None else queryset.filter(q)


def disputes_of_order(*, order_id: int, user) -> list[Dispute]:
    """The order's disputes this user sees (the order page's panel): a narrow look first, the visible list's
    joins only for an order that has any (most have none; planning them cost every order page 1.5 ms)."""
    if not Dispute.objects.filter(order_id=order_id).exists():
        return []
    return list(dispute_visible_list(user=user).filter(order_id=order_id))


def dispute_visible_to(dispute: Dispute, user) -> bool:
    return _active(user) and dispute_visible_list(user=user).filter(pk=dispute.pk).exists()


def dispute_event_list(*, dispute: Dispute) -> QuerySet[DisputeEvent]:
    return dispute.events.select_related("actor").order_by("at", "id")


def cause_list() -> QuerySet[Cause]:
    return Cause.objects.filter(is_active=True).select_related("parent").order_by("parent_id", "position", "code")


def multiplier_for(*, cause: Cause | None) -> Decimal:
    """R-TD-4 (policy data): the company-cause row for a company cause (or a sub-cause of one), else the
    general row; 1 when the table has no active row."""
    company = bool(cause and (cause.is_company_cause or (cause.parent_id and cause.parent.is_company_cause)))
    policy = (
        MultiplierPolicy.objects.filter(is_active=True, company_cause=company).order_by("code").first()
        or MultiplierPolicy.objects.filter(is_active=True, company_cause=False).order_by("code").first()
    )
    return policy.multiplier if policy else Decimal("1")


def thresholds() -> list[ApprovalThreshold]:
    return list(ApprovalThreshold.objects.order_by("level"))


def level_required(*, amount: Decimal, form: str) -> ApprovalThreshold | None:
    """R-TD-5: the lowest level whose limit covers the amount; cash needs a level that may approve cash."""
    for row in thresholds():
        if row.max_amount is not None and amount > row.max_amount:
            continue
        if form == RemedyForm.CASH and not row.allows_cash:
            continue
        return row
    return None


def user_approval_level(*, user) -> int:
    """The highest level whose permission the user holds (green channel counts as level 1); 0 for none."""
    if not _active(user):
        return 0
    level = 1 if user.has_perm(GREEN_CHANNEL) else 0
    for row in thresholds():
        if user.has_perm(row.permission):
            level = max(level, row.level)
    return level


def approval_queue(*, user, level: int | None = None) -> QuerySet[ApprovalRequest]:
    """R-UI-2: open requests this user may decide (their level and below, visible to them), oldest first.
    `level` narrows to one level's queue."""
    mine = user_approval_level(user=user)
    queryset = ApprovalRequest.objects.filter(status=ApprovalStatus.OPEN, level_required__lte=mine).select_related(
        "dispute", "dispute__customer", "requested_by"
    )
    if level is not None:
        queryset = queryset.filter(level_required=level)
    q = dispute_visibility_q(user=user)
    if q is not None:
        queryset = queryset.filter(dispute__in=Dispute.objects.filter(q))
    return queryset.order_by("requested_at", "id")


def approval_queue_counts(*, user) -> dict[str, int]:
    rows = approval_queue(user=user).values("level_required").annotate(n=Count("id"))
    counts = {str(row.level): 0 for row in thresholds() if row.level <= user_approval_level(user=user)}
    counts.update({str(row["level_required"]): row["n"] for row in rows})
    return counts


def refund_visible_list(*, user) -> QuerySet[Refund]:
    return Refund.objects.filter(dispute__in=dispute_visible_list(user=user)).select_related("dispute")


def users_with_perm(perm: str):
    app_label, codename = perm.split(".")
    User = get_user_model()
    return User.objects.filter(
        Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
        | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label),
        is_active=True,
    ).distinct()


# R-TD-7: the two reply scripts (complaints.ReplyScript, R-KB-1, editable in admin) by where the card was bought,
# found by their seed keys (seeded by fixtures/reply_scripts.json and tariff_disputes migration 0003).
RECHARGE_SCRIPT_KEYS = {True: "recharge-card-bought-at-hall", False: "recharge-card-bought-elsewhere"}


def recharge_card_script(*, dispute: Dispute) -> str:
    """R-TD-7: where the card was bought selects the script ("" when not a recharge-card case, unknown, or the
    script was retired)."""
    if not dispute.recharge_card or dispute.card_bought_here is None:
        return ""
    script = ReplyScript.objects.filter(seed_key=RECHARGE_SCRIPT_KEYS[dispute.card_bought_here], is_active=True).first()
    return script.body if script else ""


def order_is_fee_complaint(*, order) -> bool:
    """R-TD-1: a dispute is offered from a complaint under a fee category (data: FeeCategory, seeded 通信费用)."""
    if order.order_type != OrderType.COMPLAINT or order.category_id is None:
        return False
    return FeeCategory.objects.filter(category_name=order.category.top_level().name, is_active=True).exists()


def recharge_card_statistics(*, disputes: QuerySet[Dispute]) -> dict[str, int]:
    """R-TD-7: the recharge/password complaint statistics of the given disputes (pass a visible, period- and
    scope-filtered queryset, e.g. the reports' section): recharge-card cases, by where the card was bought, and
    how many of them came from an internal check. One query."""
    card = Q(recharge_card=True)
    return disputes.aggregate(
        total=Count("id", filter=card),
        bought_here=Count("id", filter=card & Q(card_bought_here=True)),
        bought_elsewhere=Count("id", filter=card & Q(card_bought_here=False)),
        internal_checks=Count("id", filter=card & Q(source=Source.INTERNAL_CHECK)),
    )


def level_name(level: int) -> str:
    row = next((row for row in thresholds() if row.level == level), None)
    return row.name if row else _("level %(level)s") % {"level": level}


def refund_formula(*, dispute: Dispute) -> str:
    """R-TD-4 shown: "45.50 × 2.00 = 91.00" ("" when there is no refund)."""
    if dispute.refund_amount is None or dispute.confirmed_amount is None:
        return ""
    return f"¥{dispute.confirmed_amount} × {dispute.multiplier} = ¥{dispute.refund_amount}"


def dispute_allowed_actions(*, dispute: Dispute, user) -> list[str]:
    """What this user may do now (the page and the API show only these; the services decide anyway)."""
    if not _active(user):
        return []
    works = user.has_perm(WORK)
    state, justified = dispute.state, dispute.outcome == "justified"
    money = justified and dispute.remedy_form != RemedyForm.NON_MONETARY
    actions = []
    if works and state == "registered":
        actions.append("start_verification")
    if works and state != "closed":
        actions.append("evidence")
    if works and state == "verifying":
        actions.append("outcome")
    if works and justified and state in ("verified", "pending_approval", "rejected", "approved"):
        live = dispute.refunds.exclude(state="voided").first() if state == "approved" else None
        if live is None or live.state == "pending":
            actions.append("amount")
    if works and state == "verified" and money:
        actions.append("request_approval")
    if state == "pending_approval":
        request = dispute.approvals.filter(status=ApprovalStatus.OPEN).first()
        if request and request.requested_by_id != user.id and user_approval_level(user=user) >= request.level_required:
            actions += ["approve", "reject"]
    if works and (state in ("rejected", "refunded") or (state == "verified" and not money)):
        actions.append("close")
    if user.has_perm("tariff_disputes.retry_refund") and dispute.refunds.filter(state="failed").exists():
        actions.append("retry_refund")
    return actions
