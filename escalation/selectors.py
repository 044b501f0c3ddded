"""Reads of the escalation app: who is the supervisor / reviewer / chief of a case, what a user may see,
and the queues of R-MAJ-6 (what waits for each person, oldest due first)."""

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from deadlines.clock_models import Clock, ClockKind, ClockState
from org.models import OrgUnit
from org.selectors import user_is_branch_level, user_scope_unit_ids
from tickets.models import WorkOrder
from tickets.permissions import order_visible_to

from .models import (
    OPINION_PERMISSION,
    Criterion,
    Declaration,
    DeclarationOpinion,
    DeclarationState,
    EscalatedCase,
    Interface,
    MajorComplaint,
    OpinionKind,
)

D = DeclarationState
MAJOR_CLOCK_KINDS = (ClockKind.MAJ_OPINION, ClockKind.MAJ_REPLY, ClockKind.MAJ_DECLARE)
# The clock that matters while a declaration waits in a state (R-MAJ-6 "oldest due first").
QUEUE_CLOCK = {
    "opinions": ClockKind.MAJ_DECLARE,
    "drafts": ClockKind.MAJ_DECLARE,
    "review": ClockKind.MAJ_REPLY,
    "interface": ClockKind.MAJ_REPLY,
    "chief": ClockKind.MAJ_REPLY,
    "supervisor": ClockKind.MAJ_OPINION,
}


def interface_list() -> QuerySet[Interface]:
    return Interface.objects.filter(is_active=True)


def criterion_list() -> QuerySet[Criterion]:
    return Criterion.objects.filter(is_active=True)


def interface_for_unit(*, unit: OrgUnit) -> Interface | None:
    """The default interface of an order accepted in `unit` (R-MAJ-2): a partner outlet or a channel-manager
    group declares through the partner channel, an account-manager group through the group interface."""
    code = {OrgUnit.Kind.PARTNER: "channel"}.get(unit.kind, "hall")
    if unit.kind == OrgUnit.Kind.GROUP and unit.code.startswith("am-"):
        code = "group"
    if unit.kind == OrgUnit.Kind.GROUP and unit.code.startswith("cm-"):
        code = "channel"
    return interface_list().filter(code=code).first() or interface_list().first()


def _unit_chain(unit_id: int) -> list[int]:
    """The unit and its ancestors, nearest first (one query; the tree is small)."""
    parents = dict(OrgUnit.objects.values_list("id", "parent_id"))
    chain, node = [], unit_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def role_holder_near(*, role: str, unit_id: int | None):
    """The active user holding `role` in the nearest unit at or above `unit_id` (lowest id first):
    the store manager of the hall, the regional channel or account-manager supervisor of the region."""
    if unit_id is None:
        return None
    User = get_user_model()
    holders = User.objects.filter(is_active=True, groups__name=role)
    for node in _unit_chain(unit_id):
        user = holders.filter(org_units=node).order_by("id").first()
        if user is not None:
            return user
    return None


def chief_current():
    """The branch major-complaint chief (the first active holder of the chief's permission)."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, groups__permissions__codename="resolve_as_chief")
        .filter(groups__permissions__content_type__app_label="escalation")
        .order_by("id")
        .distinct()
        .first()
    )


def chief_all():
    User = get_user_model()
    return User.objects.filter(
        is_active=True,
        groups__permissions__codename="resolve_as_chief",
        groups__permissions__content_type__app_label="escalation",
    ).distinct()


def opinion_is_current(*, declaration: Declaration, kind: str) -> bool:
    """R-MAJ-3 with rounds: an opinion counts while the content it was given on is unchanged; after a change
    only an opinion given on the new content (necessarily in the current round) counts."""
    return declaration.opinions.filter(kind=kind, content_version=declaration.content_version).exists()


def opinions_missing(*, declaration: Declaration) -> list[str]:
    return [kind for kind in OpinionKind.values if not opinion_is_current(declaration=declaration, kind=kind)]


def may_give_opinion(*, declaration: Declaration, user, kind: str) -> bool:
    if kind not in OPINION_PERMISSION or not user.has_perm(OPINION_PERMISSION[kind]):
        return False
    if kind == OpinionKind.SUPPORT and declaration.support_unit_id is not None:
        return declaration.support_unit_id in user_scope_unit_ids(user=user)
    return True


def major_visible_to(*, major: MajorComplaint, user) -> bool:
    """The order's visibility rule (SPEC §1), plus everyone the case waits for."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if order_visible_to(major.order, user) or user.id in (major.supervisor_id, major.replier_id):
        return True
    if user.has_perm("escalation.resolve_as_chief") or major.interface.admins.filter(pk=user.pk).exists():
        return True
    declaration = getattr(major, "declaration", None)
    if declaration is None:
        return False
    people = (declaration.declarer_id, declaration.reviewer_id, declaration.interface_admin_id, declaration.chief_id)
    return user.id in people or any(may_give_opinion(declaration=declaration, user=user, kind=k) for k in OpinionKind)


def _visible_q(user, prefix: str = "") -> Q:
    """The queryset form of `major_visible_to` (prefix "" on MajorComplaint, "major__" on Declaration)."""
    p = prefix
    q = Q(**{f"{p}supervisor": user}) | Q(**{f"{p}replier": user}) | Q(**{f"{p}interface__admins": user})
    d = "" if prefix else "declaration__"
    q |= Q(**{f"{d}declarer": user}) | Q(**{f"{d}reviewer": user}) | Q(**{f"{d}interface_admin": user})
    q |= Q(**{f"{d}chief": user})
    if user.has_perm("escalation.resolve_as_chief") or user_is_branch_level(user=user):
        return Q()
    if user.has_perm(OPINION_PERMISSION[OpinionKind.LEGAL]):
        q |= Q(**{f"{d}pk__isnull": False})
    if user.has_perm(OPINION_PERMISSION[OpinionKind.SUPPORT]):
        asked = Q(**{f"{d}support_unit__in": user_scope_unit_ids(user=user)})
        anyone = Q(**{f"{d}support_unit__isnull": True, f"{d}pk__isnull": False})  # a declaration asking no unit
        q |= asked | anyone
    scope = user_scope_unit_ids(user=user)
    order = f"{p}order__"
    q |= Q(**{f"{order}accepted_by": user}) | Q(**{f"{order}assignee": user})
    q |= Q(**{f"{order}accepting_unit__in": scope}) | Q(**{f"{order}handling_unit__in": scope})
    return q


def major_visible_list(*, user) -> QuerySet[MajorComplaint]:
    rows = MajorComplaint.objects.filter(_visible_q(user)).distinct()
    related = ("order", "interface", "supervisor", "replier", "reported_by", "declaration")
    clocks = Prefetch(
        "order__clocks", queryset=Clock.objects.filter(kind__in=MAJOR_CLOCK_KINDS), to_attr="major_clocks"
    )
    return rows.select_related(*related).prefetch_related("criteria", clocks).order_by("-id")


def declaration_visible_list(*, user) -> QuerySet[Declaration]:
    ids = major_visible_list(user=user).values("id")
    return (
        Declaration.objects.filter(major_id__in=ids)
        .select_related("major__order", "interface", "declarer", "reviewer", "interface_admin", "chief")
        .prefetch_related("criteria")
        .order_by("-id")
    )


FILE_KINDS = ("opinion", "decision")


def declaration_file(*, declaration_id: int, kind: str, row_id: int, user):
    """The opinion or decision (`kind`) with a file, of a declaration `user` sees (R-SEC-2, R-FL-8), or None: a
    declaration one may not see, another declaration's row or a row without a file are all the same 404."""
    if kind not in FILE_KINDS:
        return None
    declaration = declaration_visible_list(user=user).filter(pk=declaration_id).first()
    if declaration is None:
        return None
    rows = declaration.opinions if kind == "opinion" else declaration.decisions
    return rows.filter(pk=row_id).exclude(attachment="").first()


def major_for_order(*, order_id: int) -> MajorComplaint | None:
    return (
        MajorComplaint.objects.filter(order_id=order_id)
        .select_related("interface", "supervisor", "replier", "reported_by", "order")
        .first()
    )


def replier_candidates(*, major: MajorComplaint) -> list:
    """Whom the supervisor may designate to reply to the customer (R-MAJ-5) in the browser: the first-contact
    owner first (the default), then the other active members of the accepting unit (all of them see the order)."""
    order = major.order
    owner = order.accepted_by if order.accepted_by_id and order.accepted_by.is_active else None
    members = get_user_model().objects.filter(is_active=True, org_units=order.accepting_unit_id).order_by("id")
    return [*([owner] if owner else []), *(u for u in members.distinct() if owner is None or u.id != owner.id)]


def tracker_candidates(*, order: WorkOrder, user=None, current_id: int | None = None) -> list:
    """Whom the dispatcher may name as an escalated complaint's tracker (R-SP-3) in the browser: the dispatcher
    themself first (who often follows an external transfer personally), the current tracker, then the active
    members of the accepting and the handling unit (all of them see the order)."""
    units = [u for u in (order.accepting_unit_id, order.handling_unit_id) if u]
    members = get_user_model().objects.filter(is_active=True, org_units__in=units).distinct().order_by("id")
    first = [u for u in (user,) if u is not None and u.is_active]
    if current_id and current_id not in {u.id for u in first}:
        first += list(get_user_model().objects.filter(pk=current_id, is_active=True))
    seen = {u.id for u in first}
    return [*first, *(u for u in members if u.id not in seen)]


def escalated_trackers(*, order_ids) -> dict[int, set[int]]:
    """`deadlines.notices.order_followers_register` for R-SP-3: an escalated complaint's dedicated tracker hears
    of every warning and breach of its order's clocks, as the person responsible does. One query per batch."""
    rows = EscalatedCase.objects.filter(order_id__in=list(order_ids), tracker__is_active=True)
    return {order_id: {tracker_id} for order_id, tracker_id in rows.values_list("order_id", "tracker_id")}


def declaration_detail(*, declaration_id: int) -> Declaration:
    return (
        Declaration.objects.select_related("major__order", "interface", "declarer", "reviewer", "interface_admin")
        .prefetch_related("criteria", "rounds__opinions__author", "rounds__decisions__author", "rounds__returned_by")
        .get(pk=declaration_id)
    )


# --- queues (R-MAJ-6) -------------------------------------------------------------------------------------
def _due(kind: str, order_path: str) -> Subquery:
    live = Clock.objects.filter(order=OuterRef(order_path), kind=kind, state__in=ClockState.live())
    return Subquery(live.order_by("due_at").values("due_at")[:1])


def _queue_declarations(name: str, user) -> QuerySet[Declaration]:
    rows = Declaration.objects.all()
    if name == "review":
        rows = rows.filter(state=D.SUBMITTED, reviewer=user)
    elif name == "interface":
        rows = rows.filter(state__in=[D.APPROVED, D.ACCEPTED], interface_admin=user)
    elif name == "chief":
        rows = rows.filter(state=D.REFERRED, chief=user)
    elif name == "drafts":
        rows = rows.filter(state__in=[D.DRAFT, D.RETURNED], declarer=user)
    elif name == "opinions":
        rows = rows.filter(state__in=[D.DRAFT, D.RETURNED])
        waiting = Q(pk__in=[])
        for kind, permission in OPINION_PERMISSION.items():
            if not user.has_perm(permission):
                continue
            given = DeclarationOpinion.objects.filter(
                declaration=OuterRef("pk"), kind=kind, content_version=OuterRef("content_version")
            )
            mine = ~Exists(given)
            if kind == OpinionKind.SUPPORT:
                mine &= Q(support_unit__in=user_scope_unit_ids(user=user)) | Q(support_unit__isnull=True)
            waiting |= mine
        rows = rows.filter(waiting)
    else:
        raise KeyError(name)
    return rows.annotate(due_at=_due(QUEUE_CLOCK[name], "major__order")).select_related(
        "major__order", "interface", "declarer"
    )


def _queue_supervisor(user) -> QuerySet[MajorComplaint]:
    rows = MajorComplaint.objects.filter(supervisor=user, opinion_at__isnull=True)
    return rows.annotate(due_at=_due(ClockKind.MAJ_OPINION, "order")).select_related("order", "interface")


QUEUE_NAMES = ("supervisor", "drafts", "opinions", "review", "interface", "chief")


def queue_rows(*, name: str, user) -> QuerySet:
    """Oldest due first (nulls last), then waiting longest."""
    if name == "supervisor":
        return _queue_supervisor(user).order_by(F("due_at").asc(nulls_last=True), "reported_at", "id")
    return _queue_declarations(name, user).order_by(F("due_at").asc(nulls_last=True), "step_started_at", "id")


def queues_for_user(*, user) -> list[str]:
    """The queues a user has at all (by role), whether or not something waits in them."""
    names = []
    if user.has_perm("escalation.review_declaration"):  # the supervisors reported to (R-MAJ-1)
        names.append("supervisor")
    if user.has_perm("escalation.classify_major"):
        names.append("drafts")
    if any(user.has_perm(p) for p in OPINION_PERMISSION.values()):
        names.append("opinions")
    if user.has_perm("escalation.review_declaration"):
        names.append("review")
    if user.has_perm("escalation.work_declaration"):
        names.append("interface")
    if user.has_perm("escalation.resolve_as_chief"):
        names.append("chief")
    return names


def queue_counts(*, user) -> dict[str, int]:
    return {name: queue_rows(name=name, user=user).count() for name in queues_for_user(user=user)}


# --- figures for reports (issue 9: leave them queryable; R-RP-1 builds the reports) -----------------------
def declaration_figures(*, start, end) -> list[dict]:
    """Per interface, declarations created in [start, end): how many, resolved, referred to the chief, and the
    mean time from first submission to resolution (seconds)."""
    rows = Declaration.objects.filter(created_at__gte=start, created_at__lt=end).values("interface__code")
    resolved = Q(resolved_at__isnull=False)
    figures = rows.annotate(
        declarations=Count("id"),
        resolved=Count("id", filter=resolved),
        at_chief=Count("id", filter=Q(resolved_step="chief") | Q(state=D.REFERRED)),
        to_resolution=Avg(F("resolved_at") - F("first_submitted_at"), filter=resolved),
    ).order_by("interface__code")
    return [
        {**row, "to_resolution": row["to_resolution"].total_seconds() if row["to_resolution"] else None}
        for row in figures
    ]


def escalation_tendency_counts(*, start, end) -> dict[str, dict[str, int]]:
    """R-SP-3: orders whose customer threatened to go over our head (越级倾向), and escalated ones, accepted in
    [start, end), by accepting unit code."""
    rows = (
        WorkOrder.objects.filter(accepted_at__gte=start, accepted_at__lt=end)
        .filter(Q(escalation_tendency=True) | Q(is_escalated=True))
        .values("accepting_unit__code")
        .annotate(
            tendency=Count("id", filter=Q(escalation_tendency=True)), escalated=Count("id", filter=Q(is_escalated=True))
        )
    )
    return {row["accepting_unit__code"]: {"tendency": row["tendency"], "escalated": row["escalated"]} for row in rows}
