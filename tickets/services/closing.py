"""From an approved department reply to the archive: the final reply to the customer (R-FL-4, R-FL-5),
the callback (R-FL-6) and closing."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import OrderEvent
from ..models import (
    Callback,
    FinalReply,
    FinalReplyApproval,
    FinalReplyMethod,
    Satisfaction,
    WorkOrder,
    WorkOrderRules,
)
from ..models.choices import APPROVAL_PERMISSION, ApprovalKind, CallbackOutcome, OrderState
from ..selectors import work_order_rules
from .base import order_lock, require, transition_check, transition_finish
from .errors import TransitionRefused
from .timeline import timeline_append


def _hours(duration: timedelta) -> str:
    return f"{duration.total_seconds() / 3600:g}"


def unreachable_attempts_missing(
    *, order: WorkOrder, since: datetime | None, rules: WorkOrderRules | None = None
) -> int:
    """How many more spaced failed attempts R-FL-5 still needs before "unreachable" may be recorded: after a
    failed attempt, three more within 48 h at least 3 h apart (the numbers are the rules row's)."""
    rules = rules or work_order_rules()
    failed = list(
        order.contacts.filter(reached=False, direction="outbound", **({"occurred_at__gte": since} if since else {}))
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
    )
    best = 0
    for i, first in enumerate(failed):
        counted, last = 0, first
        for at in failed[i + 1 :]:
            if at - first > rules.unreachable_window:
                break
            if at - last >= rules.unreachable_spacing:
                counted, last = counted + 1, at
        best = max(best, counted)
    return max(0, rules.unreachable_attempts - best)


def final_reply_five_elements_check(*, method, process, content, satisfaction, replied_at, now, draft=False) -> None:
    missing = _("Required element of the final reply (R-FL-4).")
    errors = {
        "method": [] if method in FinalReplyMethod.values else [_("Choose how the customer was answered.")],
        "process": [] if process.strip() else [missing],
        "content": [] if content.strip() else [missing],
    }
    if not draft and method != FinalReplyMethod.UNREACHABLE and satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("Record the customer's satisfaction (满意/基本满意/不满意).")]
    if replied_at is not None and replied_at > now + timedelta(minutes=5):
        errors["replied_at"] = [_("The reply time cannot be in the future.")]
    require(errors)


@transaction.atomic
def final_reply_draft_create(
    *, order_id: int, actor, method: str, process: str, content: str, satisfaction: str = ""
) -> FinalReply:
    """A written or email reply is drafted first and sent only after three approvals (R-FL-4)."""
    order = order_lock(order_id=order_id, actor=actor)
    transition_check(order=order, name="reply_customer", actor=actor)
    if method not in FinalReplyMethod.needing_approval():
        require({"method": [_("Only written and email replies are drafted for approval.")]})
    now = timezone.now()
    final_reply_five_elements_check(
        method=method, process=process, content=content, satisfaction=satisfaction, replied_at=None, now=now,
        draft=True,
    )  # fmt: skip
    reply = FinalReply.objects.create(
        order=order, cycle=order.cycle, method=method, process=process, content=content, satisfaction=satisfaction,
        replier=actor, replied_at=now,
    )  # fmt: skip
    timeline_append(order=order, actor=actor, kind="final_reply_drafted", data={"reply_id": reply.id}, note=content)
    return reply


@transaction.atomic
def final_reply_approve(*, reply_id: int, actor, kind: str, note: str = "") -> FinalReplyApproval:
    """One of the three approvals of a written reply; each needs its own permission, once per kind."""
    reply = FinalReply.objects.select_related("order").get(pk=reply_id)
    order = order_lock(order_id=reply.order_id, actor=actor)
    require({"kind": [] if kind in ApprovalKind.values else [_("Unknown approval kind.")]})
    if not actor.has_perm(APPROVAL_PERMISSION[kind]):
        raise PermissionDenied(_("You may not give this approval."))
    if reply.sent_at is not None or order.state != OrderState.REPLY_APPROVED:
        raise TransitionRefused(order, "approve_final_reply", _("This reply is no longer waiting for approval."))
    try:
        with transaction.atomic():
            approval = FinalReplyApproval.objects.create(reply=reply, kind=kind, approver=actor, note=note)
    except IntegrityError:
        raise TransitionRefused(order, "approve_final_reply", _("This approval has already been given.")) from None
    timeline_append(
        order=order,
        actor=actor,
        kind="final_reply_approved",
        note=note,
        data={"reply_id": reply.id, "approval": kind},
    )
    return approval


@transaction.atomic
def work_order_reply_customer(
    *, order_id: int, actor, method: str, process: str = "", content: str = "", satisfaction: str = "",
    replied_at: datetime | None = None, draft_id: int | None = None,
) -> FinalReply:  # fmt: skip
    """The final reply with its five elements (R-FL-4). A written/email reply must be an approved draft;
    "unreachable" needs the attempts of R-FL-5 first."""
    now = timezone.now()
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="reply_customer", actor=actor)
    if method in FinalReplyMethod.needing_approval():
        reply = _approved_draft(order=order, draft_id=draft_id)
        reply.satisfaction = satisfaction or reply.satisfaction
        final_reply_five_elements_check(
            method=method, process=reply.process, content=reply.content, satisfaction=reply.satisfaction,
            replied_at=replied_at, now=now,
        )  # fmt: skip
        reply.replied_at, reply.sent_at = replied_at or now, now
        reply.save(update_fields=["satisfaction", "replied_at", "sent_at"])
    else:
        final_reply_five_elements_check(
            method=method,
            process=process,
            content=content,
            satisfaction=satisfaction,
            replied_at=replied_at,
            now=now,
        )
        if method == FinalReplyMethod.UNREACHABLE:
            rules = work_order_rules()
            still = unreachable_attempts_missing(order=order, since=order.dispatched_at, rules=rules)
            if still:
                refusal = _(
                    "The customer may be recorded as unreachable only after %(attempts)d more attempts at least "
                    "%(spacing)s hours apart within %(window)s hours (R-FL-5); %(n)d still missing."
                ) % {
                    "attempts": rules.unreachable_attempts, "spacing": _hours(rules.unreachable_spacing),
                    "window": _hours(rules.unreachable_window), "n": still,
                }  # fmt: skip
                require({"method": [refusal]})
        reply = FinalReply.objects.create(
            order=order, cycle=order.cycle, method=method, process=process, content=content,
            satisfaction=satisfaction, replier=actor, replied_at=replied_at or now, sent_at=now,
        )  # fmt: skip
    before = order.state
    move()
    transition_finish(
        order=order, actor=actor, kind="reply_customer", before=before, event=OrderEvent.CUSTOMER_REPLIED, at=now,
        update_fields=[], note=reply.content, data={"reply_id": reply.id, "method": method},
    )  # fmt: skip
    return reply


def _approved_draft(*, order: WorkOrder, draft_id: int | None) -> FinalReply:
    reply = order.final_replies.filter(pk=draft_id, sent_at=None, cycle=order.cycle).first() if draft_id else None
    if reply is None:
        require({"draft_id": [_("A written or email reply is sent from an approved draft; give its id.")]})
    have = set(reply.approvals.values_list("kind", flat=True))
    missing = [str(ApprovalKind(k).label) for k in ApprovalKind.values if k not in have]
    if missing:
        require({"approvals": [_("Approvals still missing: %(missing)s.") % {"missing": "、".join(missing)}]})
    return reply


@transaction.atomic
def work_order_callback(
    *, order_id: int, actor, outcome: str, note: str = "", customer_unreasonable: bool | None = None
) -> Callback:
    """回访 (R-FL-6): one per dispatch cycle. An unsatisfied customer needs the analysis recorded."""
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="callback", actor=actor)
    errors = {"outcome": [] if outcome in CallbackOutcome.values else [_("Choose the callback result.")]}
    if outcome == CallbackOutcome.UNSATISFIED and customer_unreasonable is None:
        errors["customer_unreasonable"] = [_("Analyse the dissatisfaction: is the customer's demand unreasonable?")]
    require(errors)
    try:
        with transaction.atomic():
            callback = Callback.objects.create(
                order=order, cycle=order.cycle, outcome=outcome, note=note, customer_unreasonable=customer_unreasonable,
                by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise TransitionRefused(order, "callback", _("This cycle already has its callback.")) from None
    before = order.state
    move()
    transition_finish(
        order=order, actor=actor, kind="callback", before=before, event=OrderEvent.CALLBACK_DONE, update_fields=[],
        note=note, data={"outcome": outcome, "customer_unreasonable": customer_unreasonable},
    )  # fmt: skip
    return callback


@transaction.atomic
def work_order_close(*, order_id: int, actor, reason: str = "") -> WorkOrder:
    """Archive after the callback. Closing over an unsatisfied callback needs the reason (R-FL-6)."""
    now = timezone.now()
    order = order_lock(order_id=order_id, actor=actor)
    move = transition_check(order=order, name="close", actor=actor)
    last = order.callbacks.filter(cycle=order.cycle).first()
    if last is not None and last.outcome == CallbackOutcome.UNSATISFIED and not reason.strip():
        require({"reason": [_("The customer was unsatisfied: say why the order is closed anyway.")]})
    before = order.state
    move(at=now)
    transition_finish(
        order=order, actor=actor, kind="close", before=before, event=OrderEvent.CLOSED, update_fields=["closed_at"],
        note=reason, at=now,
    )  # fmt: skip
    return order
