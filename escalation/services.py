"""Every write of the escalation app (STYLE.md): lock → check state (TransitionRefused → 409) → check role and
the person fixed for the step (PermissionDenied → 403) → change → the order's append-only timeline (R-AUD-1)
→ clock events (SPEC §3.2, R-CLK-MAJ-*) → notifications on commit.

Lock order: the order (only where a tickets service locks it) → the major complaint → its declaration →
its clocks. Two people acting on one declaration at once serialise on the declaration row; the second
sees the new state and is refused (409)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from deadlines.clocks import clocks_on_event
from notifications.services import notification_enqueue
from org.models import OrgUnit
from tickets.models import OrderState, OrderType, WorkOrder
from tickets.permissions import order_visible_to
from tickets.services import TransitionRefused, work_order_flags_update
from tickets.services.timeline import timeline_append

from .models import (
    CONTENT_FIELDS,
    Criterion,
    Decision,
    Declaration,
    DeclarationDecision,
    DeclarationOpinion,
    DeclarationRound,
    DeclarationState,
    Interface,
    MajorComplaint,
    OpinionKind,
    Step,
)
from .selectors import (
    chief_all,
    chief_current,
    interface_for_unit,
    interface_list,
    major_visible_to,
    may_give_opinion,
    opinions_missing,
    role_holder_near,
)

D = DeclarationState


class MajorEvent:
    """Events this app sends to the clocks (deadlines' policy table refers to them by name)."""

    REPORTED = "maj_reported"  # R-CLK-MAJ-OPINION starts
    OPINION_GIVEN = "maj_opinion_given"  # … and stops
    CLASSIFIED = "maj_classified"  # R-CLK-MAJ-DECLARE starts
    DECLARED = "maj_declared"  # … and stops (first submission)
    ACCEPTED = "maj_accepted"  # R-CLK-MAJ-REPLY starts (at the order's accepted_at)
    REPLIED = "maj_replied"  # … and stops (or the order's customer_replied)


def require(errors: dict[str, list[str]]) -> None:
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def _blank(value) -> bool:
    return not (value or "").strip()


def _notify_on_commit(*, recipients, key: str, order: WorkOrder, subject: str, body: str = "", urgent=False) -> None:
    """R-MAJ-5: level-by-level reporting goes out at once (urgent, outside quiet hours too, R-NT-2)."""
    ids = sorted({user.id for user in recipients if user is not None})
    order_id = order.id

    def send() -> None:
        User = get_user_model()
        fresh = WorkOrder.objects.get(pk=order_id)
        for user in User.objects.filter(pk__in=ids, is_active=True):
            for channel in ("in_app", "sms") if urgent else ("in_app",):
                notification_enqueue(
                    channel=channel, idempotency_key=f"{key}-{user.id}-{channel}", recipient=user, order=fresh,
                    kind="major_complaint", subject=subject, body=body or subject, urgent=urgent,
                )  # fmt: skip

    transaction.on_commit(send)


def _clock_event(*, order: WorkOrder, event: str, at: datetime) -> None:
    clocks_on_event(order=order, event=event, at=at)


def _criteria(criterion_ids) -> tuple[list[Criterion], list[str]]:
    ids = [int(i) for i in criterion_ids or []]
    found = list(Criterion.objects.filter(pk__in=ids, is_active=True))
    if not ids:
        return [], [_("Tick at least one major-complaint criterion.")]
    if len(found) != len(set(ids)):
        return found, [_("Unknown or retired criterion.")]
    return found, []


def _user_or_error(user_id, field_errors: list[str]):
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        field_errors.append(_("No such active user."))
    return user


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
    replier = _user_or_error(replier_id, replier_errors) or major.order.accepted_by
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


# --- the declaration (R-MAJ-2 … R-MAJ-4) ------------------------------------------------------------------
def _content_errors(values: dict) -> dict[str, list[str]]:
    return {name: [_("This part of the declaration is required.")] for name in CONTENT_FIELDS if _blank(values[name])}


def _support_unit(support_unit_id, errors: dict) -> OrgUnit | None:
    if support_unit_id is None:
        return None
    unit = OrgUnit.objects.filter(pk=support_unit_id, is_active=True).first()
    if unit is None:
        errors["support_unit_id"] = [_("Unknown unit.")]
    return unit


def _declarer_check(major: MajorComplaint, actor) -> None:
    role = major.interface.declaring_role
    if not (actor.groups.filter(name=role).exists() and order_visible_to(major.order, actor)):
        raise PermissionDenied(
            _("Declarations through “%(interface)s” are made by its declaring role.") % {"interface": major.interface}
        )


def _round_current(declaration: Declaration) -> DeclarationRound:
    return declaration.rounds.get(number=declaration.round_number)


def _decision(declaration: Declaration, *, step: str, decision: str, actor, text: str, at) -> DeclarationDecision:
    return DeclarationDecision.objects.create(
        round=_round_current(declaration), declaration=declaration, step=step, decision=decision, author=actor,
        text=text, at=at,
    )  # fmt: skip


def _timeline(declaration: Declaration, *, actor, kind: str, before: str, note: str = "", at=None, **data):
    timeline_append(
        order=declaration.major.order, actor=actor, kind=kind, note=note, at=at,
        data={"declaration_id": declaration.id, "round": declaration.round_number, "state_before": before,
              "state": declaration.state, **data},
    )  # fmt: skip


@transaction.atomic
def declaration_create(
    *, major_id: int, actor, support_unit_id: int | None = None, criterion_ids=None, **content: str
) -> Declaration:
    """Draft the declaration (申告表) through the major complaint's interface; round 1 opens."""
    major = _major_lock(major_id, actor)
    existing = Declaration.objects.filter(major=major).first()
    if existing is not None:
        raise TransitionRefused(existing, "declaration_create", _("This major complaint has a declaration."))
    _declarer_check(major, actor)
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(content) - set(CONTENT_FIELDS))
    errors.update({name: [_("Unknown field.")] for name in unknown})
    support_unit = _support_unit(support_unit_id, errors)
    criteria, criteria_errors = _criteria(criterion_ids) if criterion_ids else (list(major.criteria.all()), [])
    errors["criterion_ids"] = criteria_errors
    require(errors)
    now = timezone.now()
    declaration = Declaration(
        major=major, interface=major.interface, declarer=actor,
        support_unit=support_unit or major.order.handling_unit,
        created_at=now, **{name: (content.get(name) or "").strip() for name in CONTENT_FIELDS},
    )  # fmt: skip
    _ladder_start(declaration, now)
    declaration.save()
    declaration.criteria.set(criteria)
    DeclarationRound.objects.create(declaration=declaration, number=1, opened_at=now)
    _timeline(declaration, actor=actor, kind="declaration_created", before="", at=now)
    return declaration


def _declaration_lock(declaration_id: int) -> Declaration:
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("major__order", "interface", "declarer")
        .get(pk=declaration_id)
    )


def _editable_check(declaration: Declaration, actor, what: str) -> None:
    if declaration.state not in (D.DRAFT, D.RETURNED):
        raise TransitionRefused(declaration, what)


@transaction.atomic
def declaration_update(
    *, declaration_id: int, actor, support_unit_id: int | None = None, criterion_ids=None, **content: str
) -> Declaration:
    """Edit a draft or returned declaration (its declarer). A change of content makes earlier opinions stale:
    a submission then needs opinions on the new content (R-MAJ-3, rounds)."""
    declaration = _declaration_lock(declaration_id)
    _editable_check(declaration, actor, "declaration_update")
    if actor.id != declaration.declarer_id:
        raise PermissionDenied(_("Only the declarer edits the declaration."))
    errors: dict[str, list[str]] = {name: [_("Unknown field.")] for name in sorted(set(content) - set(CONTENT_FIELDS))}
    support_unit = _support_unit(support_unit_id, errors)
    criteria, criteria_errors = _criteria(criterion_ids) if criterion_ids is not None else (None, [])
    errors["criterion_ids"] = criteria_errors
    require(errors)
    changed = [
        name
        for name in CONTENT_FIELDS
        if name in content and (content[name] or "").strip() != getattr(declaration, name)
    ]
    for name in changed:
        setattr(declaration, name, (content[name] or "").strip())
    if criteria is not None and {c.id for c in criteria} != set(declaration.criteria.values_list("id", flat=True)):
        declaration.criteria.set(criteria)
        changed.append("criteria")
    if support_unit is not None and support_unit.id != declaration.support_unit_id:
        declaration.support_unit = support_unit
        changed.append("support_unit")
    if not changed:
        return declaration
    declaration.content_version += 1
    declaration.save(
        update_fields=[*[n for n in changed if n in CONTENT_FIELDS or n == "support_unit"], "content_version"]
    )
    _timeline(declaration, actor=actor, kind="declaration_edited", before=declaration.state, changed=changed)
    return declaration


@transaction.atomic
def declaration_opinion_give(
    *, declaration_id: int, actor, kind: str, text: str, attachment=None
) -> DeclarationOpinion:
    """R-MAJ-3: the support department's (`handler`) or the legal office's (`legal`) opinion, in the current
    round, on the current content; with author and time, on the timeline; the declarer is told."""
    declaration = _declaration_lock(declaration_id)
    _editable_check(declaration, actor, "opinion")
    require({"kind": [] if kind in OpinionKind.values else [_("Choose support or legal.")]})
    if not may_give_opinion(declaration=declaration, user=actor, kind=kind):
        raise PermissionDenied(_("You may not give this opinion on this declaration."))
    require({"text": [_("Write the opinion.")] if _blank(text) else []})
    now = timezone.now()
    opinion = DeclarationOpinion.objects.create(
        round=_round_current(declaration), declaration=declaration, kind=kind, author=actor, text=text.strip(),
        content_version=declaration.content_version, given_at=now, attachment=attachment or "",
    )  # fmt: skip
    label = OpinionKind(kind).label
    _timeline(
        declaration,
        actor=actor,
        kind=f"declaration_opinion_{kind}",
        before=declaration.state,
        note=opinion.text,
        at=now,
    )
    _notify_on_commit(
        recipients=[declaration.declarer], key=f"declaration-opinion-{opinion.id}", order=declaration.major.order,
        subject=f"{declaration.major.order.number} · {label}", body=opinion.text,
    )  # fmt: skip
    return opinion


def _transition(declaration: Declaration, name: str, actor, refusal: str):
    """State first (409), then the person and role (403)."""
    method = getattr(declaration, name)
    if not can_proceed(method):
        raise TransitionRefused(declaration, name)
    if not has_transition_perm(method, actor):
        raise PermissionDenied(refusal)
    return method


WAITING_STATES = (D.DRAFT, D.RETURNED, D.SUBMITTED, D.APPROVED, D.ACCEPTED, D.REFERRED)


def _ladder_start(declaration: Declaration, now) -> None:
    """A step starts: the timeout ladder starts again from nothing (reset, not carried over)."""
    declaration.step_started_at = now
    declaration.reminders_sent = 0
    declaration.escalated_at = None
    waiting = declaration.state in WAITING_STATES
    declaration.next_reminder_at = now + declaration.interface.remind_every if waiting else None


LADDER_FIELDS = ["step_started_at", "reminders_sent", "escalated_at", "next_reminder_at"]


def _save(declaration: Declaration, now, *fields: str) -> None:
    _ladder_start(declaration, now)
    declaration.save(update_fields=["state", *LADDER_FIELDS, *fields])


@transaction.atomic
def declaration_submit(*, declaration_id: int, actor) -> Declaration:
    """Submit (or resubmit) the declaration. Refused (400, naming each) without every part of the form, a
    ticked criterion and both opinions on the current content (R-MAJ-2, R-MAJ-3). The reviewer is fixed at
    the first submission; a resubmission goes back to the step that returned it, to the same person."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "submit", actor, _("Only the declarer submits the declaration."))
    errors = _content_errors({name: getattr(declaration, name) for name in CONTENT_FIELDS})
    if not declaration.criteria.exists():
        errors["criterion_ids"] = [_("Tick at least one major-complaint criterion.")]
    missing = opinions_missing(declaration=declaration)
    if OpinionKind.SUPPORT in missing:
        errors["support_opinion"] = [_("The support department's professional opinion is missing.")]
    if OpinionKind.LEGAL in missing:
        errors["legal_opinion"] = [_("The legal office's opinion is missing.")]
    reviewer = declaration.reviewer
    if reviewer is None:
        order = declaration.major.order
        reviewer = role_holder_near(role=declaration.interface.reviewing_role, unit_id=order.accepting_unit_id)
        if reviewer is None:
            errors["reviewer"] = [_("Nobody holds this interface's reviewing role for the order's unit.")]
    require(errors)
    now = timezone.now()
    before = declaration.state
    first = declaration.first_submitted_at is None
    declaration.reviewer = reviewer
    declaration.first_submitted_at = declaration.first_submitted_at or now
    method()
    _save(declaration, now, "reviewer", "first_submitted_at")
    _decision(declaration, step="", decision=Decision.SUBMIT, actor=actor, text="", at=now)
    _timeline(declaration, actor=actor, kind="declaration_submitted", before=before, at=now)
    if first:
        _clock_event(order=declaration.major.order, event=MajorEvent.DECLARED, at=now)
    waiting = {
        D.SUBMITTED: declaration.reviewer,
        D.APPROVED: declaration.interface_admin,
        D.REFERRED: declaration.chief,
    }
    _notify_step(
        declaration, waiting[declaration.state], f"declaration-{declaration.id}-r{declaration.round_number}-submit"
    )
    return declaration


def _notify_step(declaration: Declaration, user, key: str) -> None:
    order = declaration.major.order
    subject = _("Declaration %(number)s waits for you: %(state)s") % {
        "number": order.number, "state": declaration.get_state_display()
    }  # fmt: skip
    _notify_on_commit(recipients=[user], key=key, order=order, subject=subject)


@transaction.atomic
def declaration_approve(*, declaration_id: int, actor, note: str = "") -> Declaration:
    """The interface reviewer approves; the interface administrator is fixed now (R-MAJ-2 'then goes to')."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "approve", actor, _("Only this declaration's reviewer approves it."))
    admin = declaration.interface_admin or declaration.interface.admins.filter(is_active=True).order_by("id").first()
    require({"interface_admin": [] if admin else [_("This interface has no administrator.")]})
    now = timezone.now()
    before = declaration.state
    declaration.interface_admin = admin
    method()
    _save(declaration, now, "interface_admin")
    _decision(declaration, step=Step.REVIEW, decision=Decision.APPROVE, actor=actor, text=note.strip(), at=now)
    _timeline(declaration, actor=actor, kind="declaration_approved", before=before, note=note.strip(), at=now)
    _notify_step(declaration, admin, f"declaration-{declaration.id}-r{declaration.round_number}-approve")
    return declaration


@transaction.atomic
def declaration_return(*, declaration_id: int, actor, reason: str) -> Declaration:
    """Return to the declarer with a reason (R-MAJ-4), from whichever step holds it. The round closes with
    its opinions and decisions; the next opens. Clocks keep running (a return stops nothing)."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(
        declaration, "return_to_declarer", actor, _("Only the person this declaration waits for returns it.")
    )
    require({"reason": [_("Give the reason for the return.")] if _blank(reason) else []})
    now = timezone.now()
    before, step = declaration.state, declaration.step
    method()
    _save(declaration, now, "returned_from")
    _decision(declaration, step=step, decision=Decision.RETURN, actor=actor, text=reason.strip(), at=now)
    closing = _round_current(declaration)
    closing.closed_at, closing.returned_by, closing.returned_from = now, actor, step
    closing.return_reason = reason.strip()
    closing.save(update_fields=["closed_at", "returned_by", "returned_from", "return_reason"])
    declaration.round_number += 1
    declaration.save(update_fields=["round_number"])
    DeclarationRound.objects.create(declaration=declaration, number=declaration.round_number, opened_at=now)
    _timeline(
        declaration, actor=actor, kind="declaration_returned", before=before, note=reason.strip(), at=now, step=step
    )
    _notify_on_commit(
        recipients=[declaration.declarer], key=f"declaration-{declaration.id}-r{closing.number}-return",
        order=declaration.major.order, body=reason.strip(),
        subject=_("Declaration %(number)s returned") % {"number": declaration.major.order.number},
    )  # fmt: skip
    return declaration


@transaction.atomic
def declaration_accept(*, declaration_id: int, actor, note: str = "") -> Declaration:
    """The interface administrator fixed at approval accepts the declaration to work it."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "accept", actor, _("Only this declaration's interface administrator accepts it."))
    now = timezone.now()
    before = declaration.state
    method()
    _save(declaration, now)
    _decision(declaration, step=Step.INTERFACE, decision=Decision.ACCEPT, actor=actor, text=note.strip(), at=now)
    _timeline(declaration, actor=actor, kind="declaration_accepted", before=before, note=note.strip(), at=now)
    return declaration


@transaction.atomic
def declaration_refer(*, declaration_id: int, actor, reason: str) -> Declaration:
    """R-MAJ-4: what the interface cannot solve goes to the branch major-complaint chief, fixed now."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "refer", actor, _("Only this declaration's interface administrator refers it."))
    chief = declaration.chief or chief_current()
    require(
        {
            "reason": [_("Say why the interface cannot solve it.")] if _blank(reason) else [],
            "chief": [] if chief else [_("Nobody holds the branch chief's role.")],
        }
    )
    now = timezone.now()
    before = declaration.state
    declaration.chief = chief
    method()
    _save(declaration, now, "chief")
    _decision(declaration, step=Step.INTERFACE, decision=Decision.REFER, actor=actor, text=reason.strip(), at=now)
    _timeline(declaration, actor=actor, kind="declaration_referred", before=before, note=reason.strip(), at=now)
    _notify_on_commit(
        recipients=[chief], key=f"declaration-{declaration.id}-refer", order=declaration.major.order,
        subject=_("Declaration %(number)s referred to you") % {"number": declaration.major.order.number},
        body=reason.strip(), urgent=True,
    )  # fmt: skip
    return declaration


@transaction.atomic
def declaration_resolve(*, declaration_id: int, actor, resolution: str) -> Declaration:
    """Resolved at the interface (its administrator) or by the branch chief (a referred declaration)."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "resolve", actor, _("Only the person this declaration waits for resolves it."))
    require({"resolution": [_("Describe the resolution.")] if _blank(resolution) else []})
    now = timezone.now()
    before, step = declaration.state, declaration.step
    declaration.resolution, declaration.resolved_by, declaration.resolved_at = resolution.strip(), actor, now
    method()
    _save(declaration, now, "resolution", "resolved_by", "resolved_at", "resolved_step")
    _decision(declaration, step=step, decision=Decision.RESOLVE, actor=actor, text=declaration.resolution, at=now)
    _timeline(declaration, actor=actor, kind="declaration_resolved", before=before, note=declaration.resolution, at=now)
    _notify_on_commit(
        recipients=[declaration.declarer, declaration.major.replier], key=f"declaration-{declaration.id}-resolve",
        order=declaration.major.order, body=declaration.resolution,
        subject=_("Declaration %(number)s resolved") % {"number": declaration.major.order.number},
    )  # fmt: skip
    return declaration


@transaction.atomic
def declaration_close(*, declaration_id: int, actor, note: str = "") -> Declaration:
    """The person who resolved it closes the declaration."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "close", actor, _("Only the person who resolved the declaration closes it."))
    now = timezone.now()
    before = declaration.state
    declaration.closed_at = now
    method()
    _save(declaration, now, "closed_at")
    _decision(
        declaration, step=declaration.resolved_step, decision=Decision.CLOSE, actor=actor, text=note.strip(), at=now
    )
    _timeline(declaration, actor=actor, kind="declaration_closed", before=before, note=note.strip(), at=now)
    return declaration


# --- the timeout ladder (issue 9 §1) ---------------------------------------------------------------------
def _waiting_for(declaration: Declaration) -> list:
    state = declaration.state
    if state in (D.DRAFT, D.RETURNED):
        return [declaration.declarer]
    return [{D.SUBMITTED: declaration.reviewer, D.APPROVED: declaration.interface_admin,
             D.ACCEPTED: declaration.interface_admin, D.REFERRED: declaration.chief}[state]]  # fmt: skip


def _level_above(declaration: Declaration) -> list:
    state = declaration.state
    if state in (D.DRAFT, D.RETURNED):
        return [declaration.major.supervisor or declaration.reviewer]
    if state == D.SUBMITTED:
        return list(declaration.interface.admins.filter(is_active=True))
    if state in (D.APPROVED, D.ACCEPTED):
        return list(chief_all())
    return []  # the chief is the last level


def declaration_reminders_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Remind the person a declaration waits for every `remind_every`, at most `remind_max` times, then tell
    the level above once (interface admins above the reviewer, the chief above the interface). It moves no
    declaration. Idempotent and safe in parallel: rows are claimed with SKIP LOCKED and advanced in the same
    transaction; notifications carry keys per step and count. Returns the notices queued."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = (
            Declaration.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("interface", "major__order", "major__supervisor", "declarer", "reviewer",
                            "interface_admin", "chief")
            .filter(next_reminder_at__lte=now)
            .order_by("next_reminder_at")[:batch]
        )  # fmt: skip
        for declaration in due:
            order = declaration.major.order
            step_key = f"declaration-{declaration.id}-{declaration.step_started_at:%Y%m%d%H%M%S}"
            if declaration.reminders_sent < declaration.interface.remind_max:
                declaration.reminders_sent += 1
                declaration.next_reminder_at = declaration.next_reminder_at + declaration.interface.remind_every
                recipients, kind = _waiting_for(declaration), "declaration_reminded"
                key = f"{step_key}-remind-{declaration.reminders_sent}"
                subject = _("Reminder: declaration %(number)s still waits for you (%(state)s)")
            else:
                declaration.next_reminder_at = None
                declaration.escalated_at = now
                recipients, kind = _level_above(declaration), "declaration_escalated"
                key = f"{step_key}-escalate"
                subject = _("Declaration %(number)s waits too long at “%(state)s”: escalated to you")
            declaration.save(update_fields=["reminders_sent", "next_reminder_at", "escalated_at"])
            subject = subject % {"number": order.number, "state": declaration.get_state_display()}
            timeline_append(
                order=order, actor=None, kind=kind, note=subject, at=now,
                data={"declaration_id": declaration.id, "state": declaration.state,
                      "recipients": [u.id for u in recipients if u is not None]},
            )  # fmt: skip
            _notify_on_commit(
                recipients=recipients, key=key, order=order, subject=subject, urgent=kind.endswith("escalated")
            )
            sent += len([u for u in recipients if u is not None])
    return sent
