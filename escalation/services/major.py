"""The major complaint (R-MAJ-1, R-MAJ-5): opened when an order becomes major, classified with the
checklist, the supervisor's opinion, the designated replier's reply."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets.models import OrderState, OrderType, WorkOrder
from tickets.permissions import order_visible_to
from tickets.services import TransitionRefused, work_order_flags_update
from tickets.services.timeline import timeline_append

from ..models import (
    Declaration,
    Interface,
    MajorComplaint,
)
from ..selectors import (
    chief_all,
    interface_for_unit,
    interface_list,
    major_visible_to,
    role_holder_near,
)
from .common import (
    MajorEvent,
    _blank,
    _clock_event,
    _criteria,
    _notify_on_commit,
    _user_or_error,
    require,
)


# --- the major complaint (R-MAJ-1, R-MAJ-5) --------------------------------------------------------------
def major_complaint_open(*, order: WorkOrder, actor, at: datetime | None = None) -> MajorComplaint:
    """Open the record of an order that has just become major (flagged at intake or later; the receiver of
    tickets' life-cycle event calls this inside that transaction). Reports to the supervisor (R-MAJ-1), tells
    the supervisor, the interface admins and the branch chief at once (R-MAJ-5), starts the clocks."""
    at = at or timezone.now()
    interface = interface_for_unit(unit=order.accepting_unit)
    if interface is None:
        raise ValidationError({"interface": [_("No declaration interface is configured.")]})
    supervisor = role_holder_near(role=interface.reviewing_role, unit_id=order.accepting_unit_id)
    major = MajorComplaint.objects.create(
        order=order, interface=interface, classified_by=actor, classified_at=at, accepted_at=order.accepted_at,
        reported_by=actor, supervisor=supervisor, reported_at=at,
    )  # fmt: skip
    timeline_append(
        order=order, actor=actor, kind="major_reported", at=at,
        note=_("Major complaint reported to %(who)s (%(interface)s).")
        % {"who": _person(supervisor), "interface": interface.name},
        data={"interface": interface.code, "supervisor_id": supervisor.id if supervisor else None},
    )  # fmt: skip
    _clock_event(order=order, event=MajorEvent.REPORTED, at=at)
    _clock_event(order=order, event=MajorEvent.CLASSIFIED, at=at)
    _clock_event(order=order, event=MajorEvent.ACCEPTED, at=major.accepted_at)
    subject = _("Major complaint %(number)s: %(content)s") % {"number": order.number, "content": order.content[:60]}
    _notify_on_commit(
        recipients=[supervisor, *interface.admins.all(), *chief_all()], key=f"major-{major.id}-reported",
        order=order, subject=subject, urgent=True,
    )  # fmt: skip
    return major


def _person(user) -> str:
    if user is None:
        return _("nobody (no supervisor found)")
    return user.get_full_name() or user.username


def major_on_order_event(sender, *, order, event, at, actor=None, **details) -> None:
    """Receiver of `tickets.events.order_event`: an order that becomes major (at creation or through a flag
    change) gets its major-complaint record in the same transaction."""
    if event not in ("created", "flags_changed") or not order.is_major:
        return
    if order.order_type != OrderType.COMPLAINT or order.closes_at_creation():
        return
    if MajorComplaint.objects.filter(order=order).exists() or not interface_list().exists():
        return  # (no interface data: the classify service names the problem when someone classifies it)
    major_complaint_open(order=order, actor=actor, at=at)


def _order_for(*, order_id: int, actor) -> WorkOrder:
    order = WorkOrder.objects.select_related("accepting_unit").get(pk=order_id)
    if not order_visible_to(order, actor):
        raise WorkOrder.DoesNotExist
    return order


@transaction.atomic
def major_complaint_classify(
    *, order_id: int, actor, criterion_ids, interface_id: int | None = None, note: str = ""
) -> MajorComplaint:
    """Classify a complaint as major with the checklist (R-MAJ-2). An order not yet flagged is flagged
    through tickets' flag service (R-CLK-RECALC re-baselines its dispatch clock to 30 min), which opens the
    record; the checklist and interface are set while no declaration exists."""
    order = _order_for(order_id=order_id, actor=actor)
    if not actor.has_perm("escalation.classify_major"):
        raise PermissionDenied(_("You may not classify complaints as major."))
    if order.state == OrderState.CLOSED:
        raise TransitionRefused(order, "classify_major", _("A closed order cannot become a major complaint."))
    criteria, criteria_errors = _criteria(criterion_ids)
    interface = None
    interface_errors = []
    if interface_id is not None:
        interface = Interface.objects.filter(pk=interface_id, is_active=True).first()
        interface_errors = [] if interface else [_("Unknown interface.")]
    require(
        {
            "order": [] if order.order_type == OrderType.COMPLAINT else [_("Only complaints can be major.")],
            "criterion_ids": criteria_errors,
            "interface_id": interface_errors,
        }
    )
    if not order.is_major:
        work_order_flags_update(order_id=order.id, actor=actor, note=note, is_major=True)
    major = MajorComplaint.objects.select_for_update().filter(order=order).first()
    if major is None:  # flagged before this app was installed
        major = major_complaint_open(order=WorkOrder.objects.get(pk=order.id), actor=actor)
    if Declaration.objects.filter(major=major).exists():
        raise TransitionRefused(order, "classify_major", _("The declaration exists; change it there."))
    if interface is not None and interface.id != major.interface_id:
        major.interface = interface
        if major.opinion_at is None:  # the report goes to this interface's supervisor
            major.supervisor = role_holder_near(role=interface.reviewing_role, unit_id=order.accepting_unit_id)
    major.classified_by = actor
    major.save(update_fields=["interface", "supervisor", "classified_by"])
    major.criteria.set(criteria)
    timeline_append(
        order=order, actor=actor, kind="major_classified", note=note or ", ".join(c.name for c in criteria),
        data={"criteria": [c.code for c in criteria], "interface": major.interface.code},
    )  # fmt: skip
    return major


def _major_lock(major_id: int, actor) -> MajorComplaint:
    major = MajorComplaint.objects.select_for_update(of=("self",)).select_related("order", "interface").get(pk=major_id)
    if not major_visible_to(major=major, user=actor):
        raise MajorComplaint.DoesNotExist
    return major


@transaction.atomic
def major_complaint_opinion(
    *, major_id: int, actor, opinion: str, plan: str = "", reply_script: str = "", replier_id: int | None = None
) -> MajorComplaint:
    """R-MAJ-1: the supervisor reported to gives the handling opinion (due 1 h, R-CLK-MAJ-OPINION), with the
    pre-handling plan, emergency reply script and designated replier (R-MAJ-5; default the first-contact
    owner)."""
    major = _major_lock(major_id, actor)
    if major.opinion_at is not None:
        raise TransitionRefused(major.order, "major_opinion", _("The supervisor's opinion has been given."))
    if actor.id != major.supervisor_id:
        raise PermissionDenied(_("Only the supervisor this complaint was reported to gives the opinion."))
    replier_errors: list[str] = []
    replier = _user_or_error(replier_id, replier_errors, order=major.order) or major.order.accepted_by
    require({"opinion": [_("Write the handling opinion.")] if _blank(opinion) else [], "replier_id": replier_errors})
    now = timezone.now()
    major.supervisor_opinion = opinion.strip()
    major.plan, major.reply_script = plan.strip(), reply_script.strip()
    major.replier, major.opinion_at = replier, now
    major.save(update_fields=["supervisor_opinion", "plan", "reply_script", "replier", "opinion_at"])
    timeline_append(
        order=major.order, actor=actor, kind="major_opinion", note=major.supervisor_opinion, at=now,
        data={"replier_id": replier.id, "plan": bool(major.plan), "reply_script": bool(major.reply_script)},
    )  # fmt: skip
    _clock_event(order=major.order, event=MajorEvent.OPINION_GIVEN, at=now)
    _notify_on_commit(
        recipients=[replier, major.reported_by], key=f"major-{major.id}-opinion", order=major.order,
        subject=_("Supervisor's opinion on %(number)s") % {"number": major.order.number},
        body=major.supervisor_opinion,
    )  # fmt: skip
    return major


@transaction.atomic
def major_complaint_reply(*, major_id: int, actor, content: str) -> MajorComplaint:
    """R-MAJ-1/R-MAJ-5: the designated replier records the reply given to the customer (R-CLK-MAJ-REPLY, 48 h
    from acceptance). Recorded once."""
    major = _major_lock(major_id, actor)
    if major.replied_at is not None:
        raise TransitionRefused(major.order, "major_reply", _("The reply to the customer has been recorded."))
    if major.replier_id is None or actor.id != major.replier_id:
        raise PermissionDenied(_("Only the designated replier records the reply to the customer."))
    require({"content": [_("Write what the customer was told.")] if _blank(content) else []})
    now = timezone.now()
    major.customer_reply, major.replied_at = content.strip(), now
    major.save(update_fields=["customer_reply", "replied_at"])
    timeline_append(order=major.order, actor=actor, kind="major_replied", note=major.customer_reply, at=now)
    _clock_event(order=major.order, event=MajorEvent.REPLIED, at=now)
    return major
