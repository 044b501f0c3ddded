"""Accepting a customer: creating a work order with every rule of SPEC §2 (R-WO-1 … R-WO-10)."""

import functools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import BusinessItem, CallReason, Customer, SkillGroup
from complaints.numbers import normalize_number, validate_phone_number
from deadlines.clock_models import Clock
from org.models import OrgUnit

from ..events import OrderEvent, order_event
from ..models import Channel, HandlingMethod, OrderOrigin, OrderState, OrderType, Urgency, WorkOrder
from ..permissions import order_visible_to
from ..prepared import prepared_execute
from ..reference import category_node, repeat_window, rules_cached, skill_group_for_city
from .base import require
from .numbering import order_number_next
from .timeline import timeline_append

# R-WO-10: how far back a received_at may go is the rules row's (SPEC: 30 days); a little clock skew is tolerated.
FUTURE_TOLERANCE = timedelta(minutes=5)

ORIGIN_BY_UNIT_KIND = {
    OrgUnit.Kind.HALL: OrderOrigin.HALL,
    OrgUnit.Kind.PARTNER: OrderOrigin.CHANNEL,
    OrgUnit.Kind.SERVICE_CENTRE: OrderOrigin.HOTLINE,
}

# R-WO-1: which handling methods each order type may take.
ALLOWED_METHODS = {
    OrderType.COMPLAINT: set(HandlingMethod.values),
    OrderType.CONSULTATION: set(HandlingMethod.values),
    # The front line could not serve now: the back office or an account manager follows up.
    OrderType.APPOINTMENT: {HandlingMethod.TRANSFER, HandlingMethod.EXTERNAL},
    # Only for business the front line lacks permission for: it goes to a back-office queue.
    OrderType.BUSINESS: {HandlingMethod.TRANSFER},
    # Recorded faithfully, routed to the owner unit, no promise (so no on-the-spot reply).
    OrderType.SUGGESTION: {HandlingMethod.RECORD, HandlingMethod.TRANSFER},
}


@dataclass
class OrderIntake:
    """What the front line enters when accepting a customer (R-UI-1). Ids refer to reference data."""

    order_type: str
    channel: str
    handling_method: str
    accepted_number: str
    content: str
    received_at: datetime
    urgency: str = Urgency.NORMAL
    category_id: int | None = None
    call_reason_id: int | None = None
    business_item_id: int | None = None
    appointed_at: datetime | None = None
    contact_number: str = ""
    findings: str = ""
    evidence_note: str = ""
    visit_confirmed: bool = False
    direct_reply: str = ""
    external_source: str = ""
    is_major: bool = False
    is_repeat: bool = False
    is_batch: bool = False
    is_escalated: bool = False
    escalation_tendency: bool = False
    is_collective: bool = False
    is_media: bool = False
    journalist: dict = field(default_factory=dict)
    previous_order_id: int | None = None
    repeat_reason: str = ""
    accepting_unit_id: int | None = None
    customer: dict = field(default_factory=dict)  # name, tier, brand, home_city for a new customer
    # R-SP-1 (b): the clerk's answer when the number's same matter was closed within the repeat window:
    # "repeat" (link it: a repeat complaint) or "different" (a new matter, recorded on the timeline).
    same_matter: str = ""


SAME_MATTER_CHOICES = ("", "repeat", "different")


@transaction.atomic
def work_order_create(*, actor, intake: OrderIntake, attachment_count: int = 0) -> WorkOrder:
    """Create an order. 提交/直接答复 close it in the same transaction (R-WO-5); 转派/外派 leave it
    `accepted`, waiting for dispatch. Raises ValidationError naming every bad field; saves nothing then.

    `attachment_count` is the number of files the caller attaches in the same transaction
    (`work_order_accept`): a fax/letter order needs its letter (R-WO-7)."""
    return work_order_create_in_transaction(actor=actor, intake=intake, attachment_count=attachment_count)


def work_order_create_in_transaction(*, actor, intake: OrderIntake, attachment_count: int = 0) -> WorkOrder:
    """`work_order_create` for a caller that holds the transaction already (`work_order_accept`): no savepoint
    of its own (two statements fewer per creation). A ValidationError must roll the caller's transaction back."""
    units = _actor_load(actor)
    if not actor.has_perm("tickets.add_workorder"):
        raise PermissionDenied(_("You may not accept work orders."))
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    unit = _accepting_unit(units=units, unit_id=intake.accepting_unit_id, errors=errors)
    _check_type_rules(intake=intake, errors=errors)
    _check_channel_and_flags(intake=intake, attachment_count=attachment_count, errors=errors)
    _check_times(intake=intake, now=now, errors=errors)
    _check_customer_input(intake=intake, errors=errors)
    if not (intake.content or "").strip():
        errors.setdefault("content", []).append(_("Record the customer's request."))
    if intake.same_matter not in SAME_MATTER_CHOICES:
        errors["same_matter"] = [_("Answer “repeat” or “different”.")]
    # Two clerks accepting the same matter for one number at once: the customer row serialises them, so the
    # second sees the first's order and is told to urge it (R-SP-1 (a)).
    customer, created = _customer_locked(intake=intake, errors=errors)
    matter = _Matter.of(intake=intake, errors=errors)
    # A customer registered by this transaction has no earlier order: nothing to urge or repeat.
    earlier = [] if created or customer is None or not matter.top_id else _earlier_orders(customer=customer)
    _check_urge(matter=matter, earlier=earlier, errors=errors)
    previous = _check_repeat(intake=intake, matter=matter, earlier=earlier, actor=actor, now=now, errors=errors)
    skill_group = _skill_group(customer=customer, errors=errors) if customer else None
    urgency = _urgency(intake=intake, customer=customer, errors=errors)
    require(errors)

    order = WorkOrder(
        number=order_number_next(order_type=intake.order_type, at=now),
        order_type=intake.order_type,
        channel=intake.channel,
        external_source=intake.external_source,
        urgency=urgency,
        handling_method=intake.handling_method,
        customer=customer,
        accepted_number=customer.number,
        contact_number=intake.contact_number,
        category_id=intake.category_id if intake.order_type == OrderType.COMPLAINT else None,
        call_reason_id=intake.call_reason_id if intake.order_type == OrderType.CONSULTATION else None,
        business_item_id=intake.business_item_id if intake.order_type == OrderType.BUSINESS else None,
        appointed_at=intake.appointed_at if intake.order_type == OrderType.APPOINTMENT else None,
        content=intake.content.strip(),
        findings=intake.findings,
        evidence_note=intake.evidence_note,
        visit_confirmed=intake.visit_confirmed,
        direct_reply=intake.direct_reply,
        is_major=intake.is_major,
        is_repeat=previous is not None,
        is_batch=intake.is_batch,
        # R-SP-3: complaints transferred from outside bodies are escalated.
        is_escalated=intake.is_escalated or intake.channel == Channel.EXTERNAL,
        escalation_tendency=intake.escalation_tendency,
        is_collective=intake.is_collective,
        is_media=intake.is_media or intake.channel == Channel.MEDIA,
        journalist=intake.journalist or {},
        previous_order=previous,
        repeat_reason=intake.repeat_reason.strip() if previous is not None else "",
        origin=ORIGIN_BY_UNIT_KIND.get(unit.kind, OrderOrigin.BACK_OFFICE),
        skill_group=skill_group,
        accepting_unit=unit,
        accepted_by=actor,
        received_at=intake.received_at,
        accepted_at=now,
    )
    order.save()
    notes, data = [], {}
    if urgency != intake.urgency:
        notes.append(_("Urgency set to 特急: club customer (R-WO-4)."))
    if previous is not None:
        data["previous_order"] = {"id": previous.id, "number": previous.number}
    if matter.declared_different:
        # R-SP-1 (b): the clerk said this is not a repeat of the recent order of the same matter.
        candidate = matter.declared_different
        notes.append(
            _("Not a repeat of %(number)s: a different matter (the customer's account).") % {"number": candidate.number}
        )
        data["same_matter"] = {"answer": "different", "candidate": {"id": candidate.id, "number": candidate.number}}
    timeline_append(
        order=order, actor=actor, kind="created", after=order.state, note=" ".join(notes), data=data, at=now
    )
    responses = order_event.send(sender=WorkOrder, order=order, event=OrderEvent.CREATED, at=now, actor=actor)
    # The clocks just started, for the answer to the request (no read-back): every receiver that starts
    # clocks returns them.
    order.created_clocks = [c for _r, result in responses if isinstance(result, list) for c in result
                            if isinstance(c, Clock)]  # fmt: skip
    if order.closes_at_creation():
        before = order.state
        order.close_on_spot(at=now)
        order.save(update_fields=["state", "closed_at"])
        timeline_append(
            order=order, actor=actor, kind="closed_on_spot", before=before, after=order.state,
            note=order.direct_reply, at=now,
        )  # fmt: skip
        order_event.send(sender=WorkOrder, order=order, event=OrderEvent.CLOSED_ON_SPOT, at=now, actor=actor)
        order.created_clocks = None  # stopped since: read them back
    return order


def _actor_load(actor) -> list[OrgUnit]:
    """The actor's units, and their permissions into the cache ModelBackend reads (`_perm_cache`, per user object,
    i.e. per request), in ONE statement instead of three (ModelBackend's user and group permissions, the units):
    a UNION ALL of the permission rows (no id) and the unit rows. Exact: nothing is kept longer than the request.
    Plain SQL written once per process (`_actor_sql`) and prepared once per database session (`tickets.prepared`):
    compiling the ORM's joins and planning them cost more than running them, and each round trip counts at a
    hotline's peak (issue 12 §3)."""
    if hasattr(actor, "_perm_cache") or not actor.is_active or actor.is_superuser:
        return list(actor.org_units.all())
    global _ACTOR_SQL  # noqa: PLW0603 - a per-process constant, made at the first use (models loaded)
    _ACTOR_SQL = _ACTOR_SQL or _actor_sql()
    with connection.cursor() as cursor:
        prepared_execute(cursor, "tickets_intake_actor", _ACTOR_SQL, [actor.pk, actor.pk, actor.pk])
        rows = cursor.fetchall()
    actor._perm_cache = {f"{row[1]}.{row[2]}" for row in rows if row[0] is None}
    return [_model_from_row(OrgUnit, row) for row in rows if row[0] is not None]


def _model_from_row(model, row):
    """An instance from a row of all its concrete columns in order, converted as the ORM converts them (the
    backend's converters, e.g. SQLite's booleans, and the field's own from_db_value)."""
    names, converters = _row_converters(connection.vendor, model)
    values = list(row)
    for i, col, converts in converters:
        for convert in converts:
            values[i] = convert(values[i], col, connection)
    return model.from_db(connection.alias, names, values)


@functools.cache
def _row_converters(vendor: str, model) -> tuple[list[str], list[tuple]]:
    """The attribute names of the model's concrete columns and, for each column that has any, its converters
    (per process and backend: looking them up cost more than the lookup of the rows)."""
    fields = model._meta.concrete_fields
    converters = []
    for i, f in enumerate(fields):
        col = f.get_col(model._meta.db_table)
        converts = [*connection.ops.get_db_converters(col), *f.get_db_converters(connection)]
        if converts:
            converters.append((i, col, converts))
    return [f.attname for f in fields], converters


_ACTOR_SQL = ""


def _actor_sql() -> str:
    """SELECT the user's own and their groups' permissions (NULL, app_label, codename, NULL…) UNION ALL their
    units' rows (every concrete column of OrgUnit, in order)."""
    q = connection.ops.quote_name
    user = get_user_model()
    perm, ct, unit = Permission._meta, ContentType._meta, OrgUnit._meta
    user_perms, user_groups = user.user_permissions.through._meta, user.groups.through._meta
    group_perms, members = Group.permissions.through._meta, OrgUnit.members.through._meta

    def col(meta, name: str) -> str:
        return q(meta.get_field(name).column)

    columns = unit.concrete_fields
    padding = ", NULL" * (len(columns) - 3)
    return (
        f"SELECT NULL, ct.{col(ct, 'app_label')}, p.{col(perm, 'codename')}{padding} "  # noqa: S608 - our names
        f"FROM {q(perm.db_table)} p JOIN {q(ct.db_table)} ct ON ct.{q(ct.pk.column)} = p.{col(perm, 'content_type')} "
        f"WHERE p.{q(perm.pk.column)} IN (SELECT up.{col(user_perms, 'permission')} FROM {q(user_perms.db_table)} up "
        f"WHERE up.{col(user_perms, 'user')} = %s UNION SELECT gp.{col(group_perms, 'permission')} "
        f"FROM {q(group_perms.db_table)} gp JOIN {q(user_groups.db_table)} ug "
        f"ON ug.{col(user_groups, 'group')} = gp.{col(group_perms, 'group')} WHERE ug.{col(user_groups, 'user')} = %s) "
        f"UNION ALL SELECT {', '.join(f'u.{q(f.column)}' for f in columns)} FROM {q(unit.db_table)} u "
        f"JOIN {q(members.db_table)} m ON m.{col(members, 'orgunit')} = u.{q(unit.pk.column)} "
        f"WHERE m.{col(members, 'user')} = %s"
    )


def _accepting_unit(*, units: list[OrgUnit], unit_id, errors) -> OrgUnit | None:
    units = {u.id: u for u in units}
    if unit_id is None:
        if not units:
            errors["accepting_unit"] = [_("You belong to no unit; ask an administrator to add you to one.")]
            return None
        return sorted(units.values(), key=lambda u: u.id)[0]
    if unit_id not in units:
        errors["accepting_unit"] = [_("You can only accept orders for a unit you belong to.")]
        return None
    return units[unit_id]


def _check_type_rules(*, intake: OrderIntake, errors) -> None:
    t = intake.order_type
    if t not in OrderType.values:
        errors["order_type"] = [_("Unknown order type.")]
        return
    if intake.handling_method not in HandlingMethod.values:
        errors["handling_method"] = [_("Unknown handling method.")]
    elif intake.handling_method not in ALLOWED_METHODS[t]:
        allowed = "、".join(str(HandlingMethod(m).label) for m in sorted(ALLOWED_METHODS[t]))
        errors["handling_method"] = [_("This order type can only be handled as: %(allowed)s.") % {"allowed": allowed}]
    if t == OrderType.COMPLAINT:
        _check_category(intake.category_id, errors)
    if t == OrderType.CONSULTATION and not CallReason.objects.filter(pk=intake.call_reason_id, is_active=True).exists():
        errors["call_reason"] = [_("A consultation needs a call reason (来电原因).")]
    if t == OrderType.APPOINTMENT and intake.appointed_at is None:
        errors["appointed_at"] = [_("An appointment needs the appointed time.")]
    if t == OrderType.BUSINESS and not BusinessItem.objects.filter(pk=intake.business_item_id, is_active=True).exists():
        errors["business_item"] = [
            _("Business acceptance is only for business the front line cannot do; choose one from the list.")
        ]
    if intake.handling_method == HandlingMethod.DIRECT_REPLY and not intake.direct_reply.strip():
        errors["direct_reply"] = [_("Record the reply given on the spot.")]


def _check_category(category_id, errors) -> None:
    category = category_node(category_id)
    if category is None:
        errors["category"] = [_("Choose a complaint category.")]
    elif not category.is_active:
        errors["category"] = [_("This category is retired; choose a current one.")]
    elif not category.is_leaf:
        errors["category"] = [_("Choose a leaf category (the most specific one).")]


def _check_channel_and_flags(*, intake: OrderIntake, attachment_count: int, errors) -> None:
    if intake.channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if intake.channel == Channel.LETTER and attachment_count < 1:
        # R-WO-7: letters are kept as attachments; the order is accepted with its letter or not at all.
        errors["attachments"] = [_("A fax/letter order needs the letter attached (R-WO-7).")]
    if intake.channel == Channel.VISIT and not intake.visit_confirmed:
        errors["visit_confirmed"] = [_("A visit must be confirmed by the customer (signature or confirmation).")]
    if intake.channel == Channel.EXTERNAL and not intake.external_source:
        errors["external_source"] = [_("Say which body transferred the complaint.")]
    if intake.is_media or intake.channel == Channel.MEDIA:
        missing = [k for k in ("name", "outlet", "phone") if not str((intake.journalist or {}).get(k, "")).strip()]
        if missing:
            errors["journalist"] = [
                _("Record the journalist's name, outlet and phone (R-SP-6); missing: %(missing)s.")
                % {"missing": ", ".join(missing)}
            ]


def _check_times(*, intake: OrderIntake, now: datetime, errors) -> None:
    received = intake.received_at
    if received is None:
        errors["received_at"] = [_("When did the customer contact us?")]
        return
    if received > now + FUTURE_TOLERANCE:
        errors["received_at"] = [_("The time of receipt cannot be in the future.")]
    elif received < now - (limit := rules_cached().backdate_limit):
        errors["received_at"] = [_("The time of receipt cannot be more than %(days)d days ago.") % {"days": limit.days}]
    if intake.appointed_at is not None and intake.appointed_at <= now:
        errors["appointed_at"] = [_("The appointed time must be in the future.")]


# --- R-SP-1: the same matter (same number, same top-level category) ------------------------------------------
@dataclass
class _Matter:
    """What R-SP-1 compares: the complaint's top-level category, and what the clerk declared about it."""

    top_id: int | None
    is_repeat: bool
    declared_different: WorkOrder | None = None  # set by _check_repeat: the candidate the clerk set aside

    @classmethod
    def of(cls, *, intake: OrderIntake, errors) -> "_Matter":
        node = category_node(intake.category_id) if intake.order_type == OrderType.COMPLAINT else None
        top = node.top_id if node is not None and "category" not in errors else None
        return cls(top_id=top, is_repeat=intake.is_repeat or intake.same_matter == "repeat")


def _earlier_orders(*, customer: Customer) -> list[WorkOrder]:
    """The number's complaints that are open or were closed within the repeat window, newest first, with their
    category path (for the top level): one query, small (a number has few orders)."""
    since = timezone.now() - repeat_window()
    return list(
        WorkOrder.objects.filter(accepted_number=customer.number, order_type=OrderType.COMPLAINT)
        .filter(~Q(state=OrderState.CLOSED) | Q(closed_at__gte=since))
        .exclude(category=None)
        .order_by("-accepted_at", "-id")
    )


def _same_top(order: WorkOrder, top_id: int) -> bool:
    node = category_node(order.category_id)
    return node is not None and node.top_id == top_id


def _check_urge(*, matter: _Matter, earlier: list[WorkOrder], errors) -> None:
    """R-SP-1 (a): a complaint on the same number and top-level category as an open one is an urge (催办),
    not a new order — a repeat complaint too: refuse it and name the open order, which the clerk urges."""
    if matter.top_id is None:
        return
    open_orders = [o for o in earlier if o.state != OrderState.CLOSED and _same_top(o, matter.top_id)]
    if open_orders:
        open_order = open_orders[-1]  # the oldest open one
        errors["category"] = [
            _(
                "%(number)s, accepted %(accepted)s about “%(category)s”, is still open: urge it instead of "
                "accepting the same complaint again (R-SP-1)."
            ) % {
                "number": open_order.number, "category": category_node(open_order.category_id).top_name,
                "accepted": timezone.localtime(open_order.accepted_at).strftime("%Y-%m-%d %H:%M"),
            }
        ]  # fmt: skip


def _check_repeat(*, intake: OrderIntake, matter: _Matter, earlier, actor, now, errors) -> WorkOrder | None:
    """R-SP-1 (b). A repeat complaint links a visible, closed order of the same number and top-level category,
    closed within the repeat window, and says why the customer is unhappy; each refusal names `previous_order`.
    A complaint of the same matter as such an order, filed without saying whether it repeats it, is answered
    with that order (`same_matter`): the clerk chooses "repeat" or "different"."""
    if not matter.is_repeat:
        if matter.top_id is None:
            return None
        recent = [o for o in earlier if o.state == OrderState.CLOSED and _same_top(o, matter.top_id)]
        recent = [o for o in recent if order_visible_to(o, actor)]  # what the clerk may link (R-SEC-1)
        if recent and intake.same_matter == "different":
            matter.declared_different = recent[0]
        elif recent:
            candidate = recent[0]
            errors["same_matter"] = [
                _(
                    "%(number)s about “%(category)s” was closed on %(closed)s. Is the customer unhappy with its "
                    "result (a repeat complaint), or is this a different matter?"
                ) % {
                    "number": candidate.number, "category": category_node(candidate.category_id).top_name,
                    "closed": timezone.localtime(candidate.closed_at).strftime("%Y-%m-%d %H:%M"),
                }
            ]  # fmt: skip
            errors["same_matter.candidate"] = [str(candidate.id)]
        return None

    if not intake.repeat_reason.strip():
        errors["repeat_reason"] = [_("Record why the customer is unhappy with the previous result.")]
    if intake.order_type != OrderType.COMPLAINT:
        errors["is_repeat"] = [_("Only a complaint can be a repeat complaint.")]
        return None
    previous_id = intake.previous_order_id
    if previous_id is None and intake.same_matter == "repeat":
        # "repeat of this" without naming it: the most recent closed order of the same matter.
        recent = [o for o in earlier if o.state == OrderState.CLOSED and _same_top(o, matter.top_id or 0)]
        previous_id = recent[0].id if recent else None
    previous = WorkOrder.objects.filter(pk=previous_id).first() if previous_id else None
    if previous is not None and not order_visible_to(previous, actor):
        # R-SEC-1: an order the actor may not see is answered like one that does not exist; linking it would
        # also pre-fill its final reply onto the new order ("one reply voice").
        previous = None
    if previous is None:
        errors["previous_order"] = [_("A repeat complaint must be linked to the previous order.")]
        return None
    problem = _repeat_link_problem(previous=previous, intake=intake, matter=matter, now=now)
    if problem:
        errors["previous_order"] = [problem]
        return None
    return previous


def _repeat_link_problem(*, previous: WorkOrder, intake: OrderIntake, matter: _Matter, now) -> str:
    """Why `previous` cannot be the order this repeat complaint follows (R-SP-1 (b)), or ""."""
    if previous.accepted_number != normalize_number(intake.accepted_number or ""):
        return _("%(number)s is about another number: a repeat complaint follows an order of the same number.") % {
            "number": previous.number
        }
    previous_node = category_node(previous.category_id) if previous.order_type == OrderType.COMPLAINT else None
    if previous_node is None:
        return _("%(number)s is not a complaint: a repeat complaint follows a complaint.") % {"number": previous.number}
    if matter.top_id is not None and previous_node.top_id != matter.top_id:
        return _(
            "%(number)s is about “%(previous)s”: a repeat complaint is about the same matter (the same top-level "
            "category)."
        ) % {"number": previous.number, "previous": previous_node.top_name}
    if previous.state != OrderState.CLOSED or previous.closed_at is None:
        return _("%(number)s is still open: log an urge on it instead of a repeat complaint (R-SP-1).") % {
            "number": previous.number
        }
    window = repeat_window()
    if previous.closed_at < now - window:
        return _(
            "%(number)s was closed on %(closed)s, more than %(days)d days ago: accept a new complaint, not a repeat."
        ) % {
            "number": previous.number, "days": window.days,
            "closed": timezone.localtime(previous.closed_at).strftime("%Y-%m-%d"),
        }  # fmt: skip
    return ""


CUSTOMER_FIELDS = ("name", "tier", "brand", "home_city")


def _check_customer_input(*, intake: OrderIntake, errors) -> None:
    """A new customer's card: an unknown tier is refused, never dropped (it decides 特急, R-WO-4)."""
    tier = (intake.customer or {}).get("tier")
    if tier and tier not in Customer.Tier.values:
        errors["customer.tier"] = [_("Unknown customer tier.")]


def _customer_defaults(intake: OrderIntake) -> dict:
    defaults = {k: v for k, v in (intake.customer or {}).items() if k in CUSTOMER_FIELDS and v}
    if defaults.get("tier") not in (None, *Customer.Tier.values):
        defaults.pop("tier")  # refused by _check_customer_input; nothing is saved
    return defaults


def _customer_locked(*, intake: OrderIntake, errors) -> tuple[Customer | None, bool]:
    """(customer, created by this transaction): the accepted number's customer row (R-WO-2), registered if new,
    and row-locked until commit. As `complaints.services.customer_get_or_create`, without a savepoint."""
    number = normalize_number(intake.accepted_number or "")
    try:
        validate_phone_number(number)
    except ValidationError as exc:
        errors["accepted_number"] = exc.messages
        return None, False
    defaults = _customer_defaults(intake)
    if connection.vendor == "postgresql":
        customer, created = _customer_upsert(Customer(number=number, **defaults))
    else:
        customer, created = _customer_select_or_register(number=number, defaults=defaults)
    if not created:
        # What the clerk learnt fills what the record lacks; it never overwrites what is there.
        missing = {k: v for k, v in defaults.items() if not getattr(customer, k)}
        if missing:
            for name, value in missing.items():
                setattr(customer, name, value)
            customer.save(update_fields=list(missing))
    return customer, created


def _customer_upsert(fresh: Customer) -> tuple[Customer, bool]:
    """PostgreSQL: the number's customer row, registered if new, row-locked until commit, in ONE statement (issue
    12 §3: the SELECT … FOR NO KEY UPDATE and the INSERT were two for every new number). INSERT … ON CONFLICT
    (number) DO UPDATE: a known number's row is locked as an UPDATE of a non-key column locks it (FOR NO KEY UPDATE,
    as before: the orders' foreign-key checks on it do not wait) and returned; the "update" writes created_at's own
    value (no index holds it: a HOT update). A concurrent registration of the same number waits on the unique index,
    then takes this branch. `xmax = 0` on the returned row: this statement inserted it."""
    meta = Customer._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(fresh, add=True), connection) for f in fields]
    q = connection.ops.quote_name
    created_at = q(meta.get_field("created_at").column)
    sql = (
        f"INSERT INTO {q(meta.db_table)} AS c ({', '.join(q(f.column) for f in fields)}) "  # noqa: S608 - our names
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({q(meta.get_field('number').column)}) "
        f"DO UPDATE SET {created_at} = c.{created_at} "
        f"RETURNING {', '.join(q(f.column) for f in meta.concrete_fields)}, (c.xmax = 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        *row, inserted = cursor.fetchone()
    return _model_from_row(Customer, row), bool(inserted)


def _customer_select_or_register(*, number: str, defaults: dict) -> tuple[Customer, bool]:
    """Elsewhere (SQLite): SELECT … FOR NO KEY UPDATE; for a new number INSERT … ON CONFLICT DO NOTHING and the
    SELECT again (a concurrent registration of the same number waits on the unique index, then finds the row)."""
    locked = Customer.objects.select_for_update(no_key=True)
    customer, created = locked.filter(number=number).first(), False
    if customer is None:
        fresh = Customer(number=number, **defaults)
        created = _customer_register(fresh)
        # Not ours: another transaction registered the number since the SELECT; wait for it and take its row.
        customer = fresh if created else locked.get(number=number)
    return customer, created


def _customer_register(fresh: Customer) -> bool:
    """INSERT the new customer unless the number is registered meanwhile (ON CONFLICT (number) DO NOTHING), in
    one statement that returns the id (PostgreSQL; SQLite ≥ 3.35): the row is then this transaction's, locked
    until commit. Values prepared by the model's fields as Django's own INSERT does. Whether it was inserted."""
    meta = Customer._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(fresh, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - our names
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT ({quote(meta.get_field('number').column)}) "
        f"DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    fresh.pk = row[0]
    fresh._state.adding = False
    return True


def _skill_group(*, customer: Customer, errors) -> SkillGroup | None:
    """R-WO-6: the customer's city selects the skill group; no city or no group means no order."""
    if not customer.home_city:
        errors["customer.home_city"] = [_("The customer's home city is needed to route the order.")]
        return None
    group = skill_group_for_city(customer.home_city)
    if group is None:
        errors["customer.home_city"] = [_("No skill group serves the city “%(city)s”.") % {"city": customer.home_city}]
    return group


def _urgency(*, intake: OrderIntake, customer: Customer | None, errors) -> str:
    """R-WO-4: club customers are always 特急; others choose 一般 or 紧急."""
    if intake.urgency not in Urgency.values:
        errors["urgency"] = [_("Unknown urgency.")]
        return Urgency.NORMAL
    if customer is not None and customer.is_club:
        return Urgency.EXTRA_URGENT
    if intake.urgency == Urgency.EXTRA_URGENT:
        errors["urgency"] = [_("特急 is reserved for club customers.")]
    return intake.urgency
