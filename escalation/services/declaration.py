"""The declaration (申告表, R-MAJ-2 … R-MAJ-4) and its rounds; the spine of each service is in __init__."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from org.models import OrgUnit
from tickets.permissions import order_visible_to
from tickets.services import TransitionRefused, attachment_file_errors
from tickets.services.timeline import timeline_append

from ..models import (
    CONTENT_FIELDS,
    Decision,
    Declaration,
    DeclarationDecision,
    DeclarationOpinion,
    DeclarationRound,
    MajorComplaint,
    OpinionKind,
    Step,
)
from ..selectors import (
    chief_current,
    may_give_opinion,
    opinions_missing,
    role_holder_near,
)
from .common import (
    D,
    MajorEvent,
    _blank,
    _clock_event,
    _criteria,
    _notify_on_commit,
    require,
)
from .major import _major_lock


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


def _decision(
    declaration: Declaration, *, step: str, decision: str, actor, text: str, at, attachment=None
) -> DeclarationDecision:
    return DeclarationDecision.objects.create(
        round=_round_current(declaration), declaration=declaration, step=step, decision=decision, author=actor,
        text=text, at=at, attachment=attachment or "",
    )  # fmt: skip


def _attachment_errors(attachment) -> list[str]:
    """Evidence limits of the orders' attachments (R-FL-8: type, size, content matching the extension — a renamed
    program is refused), for an opinion's or a decision's file; [] without one. Checked with the other fields,
    before anything is written."""
    return attachment_file_errors(uploaded_file=attachment) if attachment else []


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
    require(
        {
            "text": [_("Write the opinion.")] if _blank(text) else [],
            "attachment": _attachment_errors(attachment),
        }
    )
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
def declaration_approve(*, declaration_id: int, actor, note: str = "", attachment=None) -> Declaration:
    """The interface reviewer approves; the interface administrator is fixed now (R-MAJ-2 'then goes to')."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "approve", actor, _("Only this declaration's reviewer approves it."))
    admin = declaration.interface_admin or declaration.interface.admins.filter(is_active=True).order_by("id").first()
    require(
        {
            "interface_admin": [] if admin else [_("This interface has no administrator.")],
            "attachment": _attachment_errors(attachment),
        }
    )
    now = timezone.now()
    before = declaration.state
    declaration.interface_admin = admin
    method()
    _save(declaration, now, "interface_admin")
    _decision(
        declaration, step=Step.REVIEW, decision=Decision.APPROVE, actor=actor, text=note.strip(), at=now,
        attachment=attachment,
    )  # fmt: skip
    _timeline(declaration, actor=actor, kind="declaration_approved", before=before, note=note.strip(), at=now)
    _notify_step(declaration, admin, f"declaration-{declaration.id}-r{declaration.round_number}-approve")
    return declaration


@transaction.atomic
def declaration_return(*, declaration_id: int, actor, reason: str, attachment=None) -> Declaration:
    """Return to the declarer with a reason (R-MAJ-4), from whichever step holds it. The round closes with
    its opinions and decisions; the next opens. Clocks keep running (a return stops nothing)."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(
        declaration, "return_to_declarer", actor, _("Only the person this declaration waits for returns it.")
    )
    require(
        {
            "reason": [_("Give the reason for the return.")] if _blank(reason) else [],
            "attachment": _attachment_errors(attachment),
        }
    )
    now = timezone.now()
    before, step = declaration.state, declaration.step
    method()
    _save(declaration, now, "returned_from")
    _decision(
        declaration, step=step, decision=Decision.RETURN, actor=actor, text=reason.strip(), at=now,
        attachment=attachment,
    )  # fmt: skip
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
def declaration_accept(*, declaration_id: int, actor, note: str = "", attachment=None) -> Declaration:
    """The interface administrator fixed at approval accepts the declaration to work it."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "accept", actor, _("Only this declaration's interface administrator accepts it."))
    require({"attachment": _attachment_errors(attachment)})
    now = timezone.now()
    before = declaration.state
    method()
    _save(declaration, now)
    _decision(
        declaration, step=Step.INTERFACE, decision=Decision.ACCEPT, actor=actor, text=note.strip(), at=now,
        attachment=attachment,
    )  # fmt: skip
    _timeline(declaration, actor=actor, kind="declaration_accepted", before=before, note=note.strip(), at=now)
    return declaration


@transaction.atomic
def declaration_refer(*, declaration_id: int, actor, reason: str, attachment=None) -> Declaration:
    """R-MAJ-4: what the interface cannot solve goes to the branch major-complaint chief, fixed now."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "refer", actor, _("Only this declaration's interface administrator refers it."))
    chief = declaration.chief or chief_current()
    require(
        {
            "reason": [_("Say why the interface cannot solve it.")] if _blank(reason) else [],
            "chief": [] if chief else [_("Nobody holds the branch chief's role.")],
            "attachment": _attachment_errors(attachment),
        }
    )
    now = timezone.now()
    before = declaration.state
    declaration.chief = chief
    method()
    _save(declaration, now, "chief")
    _decision(
        declaration, step=Step.INTERFACE, decision=Decision.REFER, actor=actor, text=reason.strip(), at=now,
        attachment=attachment,
    )  # fmt: skip
    _timeline(declaration, actor=actor, kind="declaration_referred", before=before, note=reason.strip(), at=now)
    _notify_on_commit(
        recipients=[chief], key=f"declaration-{declaration.id}-refer", order=declaration.major.order,
        subject=_("Declaration %(number)s referred to you") % {"number": declaration.major.order.number},
        body=reason.strip(), urgent=True,
    )  # fmt: skip
    return declaration


@transaction.atomic
def declaration_resolve(*, declaration_id: int, actor, resolution: str, attachment=None) -> Declaration:
    """Resolved at the interface (its administrator) or by the branch chief (a referred declaration)."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "resolve", actor, _("Only the person this declaration waits for resolves it."))
    require(
        {
            "resolution": [_("Describe the resolution.")] if _blank(resolution) else [],
            "attachment": _attachment_errors(attachment),
        }
    )
    now = timezone.now()
    before, step = declaration.state, declaration.step
    declaration.resolution, declaration.resolved_by, declaration.resolved_at = resolution.strip(), actor, now
    method()
    _save(declaration, now, "resolution", "resolved_by", "resolved_at", "resolved_step")
    _decision(
        declaration, step=step, decision=Decision.RESOLVE, actor=actor, text=declaration.resolution, at=now,
        attachment=attachment,
    )  # fmt: skip
    _timeline(declaration, actor=actor, kind="declaration_resolved", before=before, note=declaration.resolution, at=now)
    _notify_on_commit(
        recipients=[declaration.declarer, declaration.major.replier], key=f"declaration-{declaration.id}-resolve",
        order=declaration.major.order, body=declaration.resolution,
        subject=_("Declaration %(number)s resolved") % {"number": declaration.major.order.number},
    )  # fmt: skip
    return declaration


@transaction.atomic
def declaration_close(*, declaration_id: int, actor, note: str = "", attachment=None) -> Declaration:
    """The person who resolved it closes the declaration."""
    declaration = _declaration_lock(declaration_id)
    method = _transition(declaration, "close", actor, _("Only the person who resolved the declaration closes it."))
    require({"attachment": _attachment_errors(attachment)})
    now = timezone.now()
    before = declaration.state
    declaration.closed_at = now
    method()
    _save(declaration, now, "closed_at")
    _decision(
        declaration, step=declaration.resolved_step, decision=Decision.CLOSE, actor=actor, text=note.strip(), at=now,
        attachment=attachment,
    )  # fmt: skip
    _timeline(declaration, actor=actor, kind="declaration_closed", before=before, note=note.strip(), at=now)
    return declaration
