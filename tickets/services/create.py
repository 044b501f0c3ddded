"""Accepting a customer: creating a work order with every rule of SPEC §2 (R-WO-1 … R-WO-10)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import BusinessItem, CallReason, ComplaintCategory, Customer, SkillGroup
from complaints.selectors import category_is_leaf
from complaints.services import customer_get_or_create
from org.models import OrgUnit

from ..events import OrderEvent, order_event
from ..models import Channel, HandlingMethod, OrderOrigin, OrderType, Urgency, WorkOrder
from ..permissions import order_visible_to
from ..selectors import work_order_open_same_matter, work_order_rules
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


@transaction.atomic
def work_order_create(*, actor, intake: OrderIntake, attachment_count: int = 0) -> WorkOrder:
    """Create an order. 提交/直接答复 close it in the same transaction (R-WO-5); 转派/外派 leave it
    `accepted`, waiting for dispatch. Raises ValidationError naming every bad field; saves nothing then.

    `attachment_count` is the number of files the caller attaches in the same transaction
    (`work_order_accept`): a fax/letter order needs its letter (R-WO-7)."""
    if not actor.has_perm("tickets.add_workorder"):
        raise PermissionDenied(_("You may not accept work orders."))
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    unit = _accepting_unit(actor=actor, unit_id=intake.accepting_unit_id, errors=errors)
    _check_type_rules(intake=intake, errors=errors)
    _check_channel_and_flags(intake=intake, attachment_count=attachment_count, errors=errors)
    _check_times(intake=intake, now=now, errors=errors)
    previous = _check_repeat(intake=intake, actor=actor, errors=errors)
    _check_customer_input(intake=intake, errors=errors)
    if not (intake.content or "").strip():
        errors.setdefault("content", []).append(_("Record the customer's request."))
    try:
        customer = customer_get_or_create(number=intake.accepted_number, defaults=_customer_defaults(intake))
    except ValidationError as exc:
        errors.update(exc.message_dict)
        customer = None
    else:
        # Two clerks accepting the same matter for one number at once: the customer row serialises them,
        # so the second sees the first's order and is told to urge it (R-SP-1 (a)).
        Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
        _check_urge(intake=intake, errors=errors)
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
        is_repeat=intake.is_repeat,
        is_batch=intake.is_batch,
        # R-SP-3: complaints transferred from outside bodies are escalated.
        is_escalated=intake.is_escalated or intake.channel == Channel.EXTERNAL,
        escalation_tendency=intake.escalation_tendency,
        is_collective=intake.is_collective,
        is_media=intake.is_media or intake.channel == Channel.MEDIA,
        journalist=intake.journalist or {},
        previous_order=previous,
        repeat_reason=intake.repeat_reason,
        origin=ORIGIN_BY_UNIT_KIND.get(unit.kind, OrderOrigin.BACK_OFFICE),
        skill_group=skill_group,
        accepting_unit=unit,
        accepted_by=actor,
        received_at=intake.received_at,
        accepted_at=now,
    )
    order.save()
    notes = []
    if urgency != intake.urgency:
        notes.append(_("Urgency set to 特急: club customer (R-WO-4)."))
    timeline_append(order=order, actor=actor, kind="created", after=order.state, note=" ".join(notes), at=now)
    order_event.send(sender=WorkOrder, order=order, event=OrderEvent.CREATED, at=now, actor=actor)
    if order.closes_at_creation():
        before = order.state
        order.close_on_spot(at=now)
        order.save(update_fields=["state", "closed_at"])
        timeline_append(
            order=order, actor=actor, kind="closed_on_spot", before=before, after=order.state,
            note=order.direct_reply, at=now,
        )  # fmt: skip
        order_event.send(sender=WorkOrder, order=order, event=OrderEvent.CLOSED_ON_SPOT, at=now, actor=actor)
    return order


def _accepting_unit(*, actor, unit_id, errors) -> OrgUnit | None:
    units = {u.id: u for u in actor.org_units.all()}
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
    category = ComplaintCategory.objects.filter(pk=category_id).first() if category_id else None
    if category is None:
        errors["category"] = [_("Choose a complaint category.")]
    elif not category.is_active:
        errors["category"] = [_("This category is retired; choose a current one.")]
    elif not category_is_leaf(category=category):
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
    elif received < now - (limit := work_order_rules().backdate_limit):
        errors["received_at"] = [_("The time of receipt cannot be more than %(days)d days ago.") % {"days": limit.days}]
    if intake.appointed_at is not None and intake.appointed_at <= now:
        errors["appointed_at"] = [_("The appointed time must be in the future.")]


def _check_repeat(*, intake: OrderIntake, actor, errors) -> WorkOrder | None:
    if not intake.is_repeat:
        return None
    previous = WorkOrder.objects.filter(pk=intake.previous_order_id).first() if intake.previous_order_id else None
    if previous is not None and not order_visible_to(previous, actor):
        # R-SEC-1: an order the actor may not see is answered like one that does not exist; linking it would
        # also pre-fill its final reply onto the new order ("one reply voice").
        previous = None
    if previous is None:
        errors["previous_order"] = [_("A repeat complaint must be linked to the previous order.")]
    if not intake.repeat_reason.strip():
        errors["repeat_reason"] = [_("Record why the customer is unhappy with the previous result.")]
    return previous


def _check_urge(*, intake: OrderIntake, errors) -> None:
    """R-SP-1 (a): a complaint on the same number and top-level category as an open one is an urge (催办),
    not a new order: refuse it and name the open order, which the clerk urges instead."""
    if intake.order_type != OrderType.COMPLAINT or intake.is_repeat or "category" in errors:
        return
    open_order = work_order_open_same_matter(number=intake.accepted_number, category_id=intake.category_id)
    if open_order is not None:
        errors["category"] = [
            _(
                "%(number)s, accepted %(accepted)s about “%(category)s”, is still open: urge it instead of "
                "accepting the same complaint again (R-SP-1)."
            ) % {
                "number": open_order.number, "category": open_order.category.top_level().name,
                "accepted": timezone.localtime(open_order.accepted_at).strftime("%Y-%m-%d %H:%M"),
            }
        ]  # fmt: skip


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


def _skill_group(*, customer: Customer, errors) -> SkillGroup | None:
    """R-WO-6: the customer's city selects the skill group; no city or no group means no order."""
    if not customer.home_city:
        errors["customer.home_city"] = [_("The customer's home city is needed to route the order.")]
        return None
    group = SkillGroup.objects.filter(city=customer.home_city, is_active=True).first()
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
