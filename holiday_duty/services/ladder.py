"""R-HD-4: a handler unreachable or late is escalated level by level up the org tree — the covered group's
supervisor, then the supervisor above, … — each level with its wait (EscalationWait, data). The escalation is
a row (current level, next check) swept by beat like a clock, with the ladder snapshotted when it started;
every level reached is a step row and a duty-log line; a daily summary goes to 综合管理部's service group.

Idempotent: the sweep claims rows with SKIP LOCKED and moves each by one compare-and-set step in the same
transaction; steps are unique per (escalation, level); notices and log lines carry keys."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import OrgUnit

from ..models import (
    CallTask,
    DutyEscalation,
    DutyHall,
    DutyOrder,
    DutyPhone,
    DutyState,
    EscalationReason,
    EscalationState,
    EscalationStep,
    EscalationWait,
    LogKind,
)
from ..selectors import day_bounds
from .common import DutyRefused, duty_order_lock, log_append, notify_on_commit, require_duty_staff

DEFAULT_WAIT = timedelta(minutes=30)


def _name(user) -> str:
    return user.get_full_name() or user.username


def ladder_build(*, duty_order: DutyOrder) -> list[dict]:
    """The people above the handler, nearest first: each unit's supervisor from the covered group up to the
    root, once each, never the handler; as many levels as the hall has waits (at least one)."""
    waits = list(EscalationWait.objects.filter(hall=duty_order.hall).order_by("level"))
    tree = {u: (p, s) for u, p, s in OrgUnit.objects.values_list("id", "parent_id", "supervisor_id")}
    names = dict(OrgUnit.objects.values_list("id", "name"))
    seen, people = {duty_order.handler_id}, []
    node, depth = duty_order.group.unit_id, 0
    while node is not None and depth < 50:
        parent, supervisor = tree.get(node, (None, None))
        if supervisor and supervisor not in seen:
            seen.add(supervisor)
            people.append((supervisor, names.get(node, "")))
        node, depth = parent, depth + 1
    levels = max(len(waits), 1)
    users = {u.id: u for u in get_user_model().objects.filter(pk__in=[p for p, _ in people])}
    ladder = []
    for index, (person_id, unit_name) in enumerate(people[:levels]):
        wait = waits[index].wait if index < len(waits) else DEFAULT_WAIT
        user = users.get(person_id)
        ladder.append({"level": index + 1, "person": person_id, "name": _name(user) if user else "",
                       "unit": unit_name, "wait": int(wait.total_seconds())})  # fmt: skip
    return ladder


def _step(*, escalation: DutyEscalation, level: int, now: datetime, by=None) -> EscalationStep | None:
    """Reach one level: the step row, the notices (SMS + in-app, at once), a call task for duty staff, the log."""
    duty_order = escalation.duty_order
    rung = escalation.ladder[level - 1]
    person = get_user_model().objects.filter(pk=rung["person"]).first()
    if person is None:
        return None
    step, created = EscalationStep.objects.get_or_create(
        escalation=escalation, level=level, defaults=dict(person=person, at=now, by=by)
    )
    if not created:
        return step
    order = duty_order.order
    subject = _("【节假日值班·逐级上报】%(number)s: no feedback from %(handler)s — level %(level)s, please act") % {
        "number": order.number, "handler": duty_order.feedback_from_name or _handler_name(duty_order), "level": level,
    }  # fmt: skip
    phone = DutyPhone.objects.filter(user=person).values_list("phone", flat=True).first() or ""
    key = f"hd-esc-{escalation.id}-L{level}"
    items = [dict(channel="in_app", key=f"{key}-in_app", recipient_id=person.id, order=order, subject=subject)]
    if phone:
        items.append(dict(channel="sms", key=f"{key}-sms", recipient_id=person.id, address=phone, order=order,
                          subject=subject))  # fmt: skip
    caller = duty_order.owner or by
    if phone and caller is not None:
        task, _created = CallTask.objects.get_or_create(
            duty_order=duty_order, level=level,
            defaults=dict(number=phone, callee=person, callee_name=_name(person), assigned_to=caller, created_at=now),
        )  # fmt: skip
        items.append(dict(channel="phone_task", key=f"hd-call-{task.id}", recipient_id=caller.id, order=order,
                          subject=_("Call %(name)s on %(number)s about %(order)s") % {
                              "name": task.callee_name, "number": phone, "order": order.number}))  # fmt: skip
    log_append(
        hall=duty_order.hall, key=f"{key}", kind=LogKind.ESCALATION, at=now, actor=by, duty_order=duty_order,
        text=_("%(order)s escalated to level %(level)s: %(name)s (%(unit)s) — %(reason)s.") % {
            "order": order.number, "level": level, "name": rung["name"], "unit": rung["unit"],
            "reason": escalation.get_reason_display()},
    )  # fmt: skip
    notify_on_commit(items=items)
    return step


def _handler_name(duty_order: DutyOrder) -> str:
    if duty_order.handler_id:
        return _name(duty_order.handler)
    return duty_order.contact.name if duty_order.contact_id else ""


def _advance(*, escalation: DutyEscalation, now: datetime, by=None) -> bool:
    """One level up, or the end of the ladder. Returns whether a level was reached."""
    nxt = escalation.level + 1
    if nxt > len(escalation.ladder):
        escalation.state, escalation.next_check_at, escalation.ended_at = EscalationState.EXHAUSTED, None, now
        escalation.save(update_fields=["state", "next_check_at", "ended_at"])
        hall, order = escalation.duty_order.hall, escalation.duty_order.order
        text = _("%(order)s: the top of the escalation ladder is reached without feedback.") % {"order": order.number}
        log_append(hall=hall, key=f"hd-esc-{escalation.id}-top", kind=LogKind.ESCALATION, at=now, actor=by,
                   duty_order=escalation.duty_order, text=text)  # fmt: skip
        if hall.shift_leader_id:  # nobody above answered (or nobody is above): the shift leader takes it up
            notify_on_commit(items=[dict(channel="in_app", key=f"hd-esc-{escalation.id}-top-{hall.shift_leader_id}",
                                         recipient_id=hall.shift_leader_id, order=order, subject=text)])  # fmt: skip
        return False
    _step(escalation=escalation, level=nxt, now=now, by=by)
    escalation.level = nxt
    escalation.next_check_at = now + timedelta(seconds=escalation.ladder[nxt - 1]["wait"])
    escalation.save(update_fields=["level", "next_check_at"])
    return True


def _start(*, duty_order: DutyOrder, reason: str, now: datetime, by=None) -> DutyEscalation:
    escalation = DutyEscalation.objects.create(
        duty_order=duty_order, reason=reason, ladder=ladder_build(duty_order=duty_order), started_at=now,
        started_by=by,
    )  # fmt: skip
    _advance(escalation=escalation, now=now, by=by)
    return escalation


@transaction.atomic
def duty_order_escalate_now(*, duty_order_id: int, actor) -> DutyEscalation:
    """ "Escalate now": start the ladder (the handler unreachable, R-HD-4) or go one level up at once. 409 once
    the feedback is in, before the handler was told, or at the top of the ladder; 403 unless duty staff."""
    now = timezone.now()
    duty_order = duty_order_lock(duty_order_id=duty_order_id, actor=actor)
    require_duty_staff(actor, duty_order.hall)
    if duty_order.state != DutyState.NOTIFIED:
        raise DutyRefused(duty_order, "escalate")
    escalation = DutyEscalation.objects.select_for_update().filter(duty_order=duty_order).first()
    if escalation is None:
        return _start(duty_order=duty_order, reason=EscalationReason.UNREACHABLE, now=now, by=actor)
    if escalation.state != EscalationState.ACTIVE:
        raise DutyRefused(duty_order, "escalate", _("the top of the escalation ladder is reached."))
    _advance(escalation=escalation, now=now, by=actor)
    return escalation


def holiday_duty_sweep(*, now: datetime | None = None, batch: int = 500) -> int:
    """Beat, every minute: (1) notified orders past their 4-hour feedback time with no escalation start the
    ladder (R-HD-4 "late"; the clock's breach itself is recorded by the deadlines sweep, R-CLK-HOLIDAY);
    (2) escalations whose wait ran out go one level up. Returns the levels reached."""
    now = now or timezone.now()
    moved = 0
    with transaction.atomic():
        late = (
            DutyOrder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("hall", "group", "order", "handler", "contact", "owner")
            .filter(state=DutyState.NOTIFIED, feedback_due_at__lte=now, escalation__isnull=True)
            .order_by("feedback_due_at")[:batch]
        )
        for duty_order in late:
            _start(duty_order=duty_order, reason=EscalationReason.LATE, now=now)
            moved += 1
    with transaction.atomic():
        due = (
            DutyEscalation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("duty_order__hall", "duty_order__order", "duty_order__owner", "duty_order__handler")
            .filter(state=EscalationState.ACTIVE, next_check_at__lte=now)
            .order_by("next_check_at")[:batch]
        )
        for escalation in due:
            moved += _advance(escalation=escalation, now=now)
    return moved


def escalation_daily_summary(*, day: date) -> int:
    """R-HD-4: the day's escalations, summarised to each hall's summary unit (综合管理部's service group): its
    members and supervisor, in-app and by email. Once per hall, day and person (keys). Returns notices queued."""
    start, end = day_bounds(day)
    queued = 0
    User = get_user_model()
    for hall in DutyHall.objects.filter(is_active=True, summary_unit__isnull=False).select_related("summary_unit"):
        steps = list(
            EscalationStep.objects.filter(escalation__duty_order__hall=hall, at__gte=start, at__lt=end)
            .select_related("escalation__duty_order__order", "person")
            .order_by("at")
        )
        if not steps:
            continue
        lines = [
            f"{timezone.localtime(s.at):%H:%M} {s.escalation.duty_order.order.number} "
            f"L{s.level} → {_name(s.person)} ({s.escalation.get_reason_display()})"
            for s in steps
        ]
        orders = len({s.escalation.duty_order_id for s in steps})
        subject = _("Holiday duty %(day)s: %(orders)s orders escalated, %(steps)s levels reached (%(hall)s)") % {
            "day": day.isoformat(), "orders": orders, "steps": len(steps), "hall": hall,
        }  # fmt: skip
        unit = hall.summary_unit
        people = set(User.objects.filter(org_units=unit, is_active=True).values_list("id", flat=True))
        if unit.supervisor_id:
            people.add(unit.supervisor_id)
        items = [
            dict(channel=channel, key=f"hd-summary-{hall.id}-{day:%Y%m%d}-{person}-{channel}", recipient_id=person,
                 subject=subject, body="\n".join(lines), kind="holiday_duty_summary")
            for person in sorted(people) for channel in ("in_app", "email")
        ]  # fmt: skip
        with transaction.atomic():
            notify_on_commit(items=items)
        queued += len(items)
    return queued
