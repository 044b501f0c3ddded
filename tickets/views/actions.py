"""POST endpoints of the order page: one per transition or record, each calling exactly one service.

The view never decides whether the user may act: a button the page did not offer, posted anyway, reaches
the service, which refuses it (403 role/unit, 409 state) and nothing changes (R-SEC-1, R-REL-1). On
success: redirect to the order page (POST-redirect-GET). On refusal: the order page again, with the
submitted form and its errors where the user typed, and the status code of the refusal."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from .. import services as s
from ..forms import ACTION_FORMS, form_add_service_errors
from ..selectors import work_order_visible_list
from ..services import TransitionRefused
from .order import order_for_page, order_page_context


def _unit_id(data, name="unit"):
    return data[name].id if data.get(name) else None


@dataclass(frozen=True)
class Action:
    run: Callable  # (order_id, actor, cleaned_data) → anything
    done: str
    anchor: str = "actions"


ACTIONS: dict[str, Action] = {
    "dispatch": Action(
        lambda pk, user, d: s.work_order_dispatch(
            order_id=pk, actor=user, unit_id=_unit_id(d), due_at=d.get("due_at"), note=d.get("note", "")
        ),
        _("Dispatched."),
    ),
    "claim": Action(lambda pk, user, d: s.work_order_claim(order_id=pk, actor=user), _("Claimed.")),
    "dept_reply": Action(
        lambda pk, user, d: s.work_order_dept_reply(
            order_id=pk,
            actor=user,
            cause=d["cause"],
            cause_unknown=d["cause_unknown"],
            process=d["process"],
            is_final=d["is_final"],
            result=d["result"],
            service_restored=d.get("service_restored"),
            measures=d.get("measures", ""),
            expected_recovery_at=d.get("expected_recovery_at"),
            coordinating_unit_id=_unit_id(d, "coordinating_unit"),
            customer_attitude=d["customer_attitude"],
        ),
        _("Department reply submitted."),
    ),  # fmt: skip
    "return_reply": Action(
        lambda pk, user, d: s.work_order_return_reply(order_id=pk, actor=user, reason=d["reason"]),
        _("Reply returned to the department."),
    ),
    "approve_reply": Action(
        lambda pk, user, d: s.work_order_approve_reply(order_id=pk, actor=user, note=d["note"]),
        _("Department reply approved."),
    ),
    "reply_customer": Action(
        lambda pk, user, d: s.work_order_reply_customer(
            order_id=pk,
            actor=user,
            method=d["method"],
            process=d["process"],
            content=d["content"],
            satisfaction=d["satisfaction"],
            replied_at=d.get("replied_at"),
        ),
        _("Final reply recorded."),
    ),  # fmt: skip
    "reply_draft": Action(
        lambda pk, user, d: s.final_reply_draft_create(
            order_id=pk,
            actor=user,
            method=d["method"],
            process=d["process"],
            content=d["content"],
            satisfaction=d["satisfaction"],
        ),
        _("Draft saved; it waits for three approvals."),
    ),  # fmt: skip
    "reply_send": Action(
        lambda pk, user, d: s.work_order_reply_customer(
            order_id=pk,
            actor=user,
            method=d["draft"].method,
            draft_id=d["draft"].id,
            satisfaction=d["satisfaction"],
            replied_at=d.get("replied_at"),
        ),
        _("Approved reply sent."),
    ),  # fmt: skip
    "final_approval": Action(
        lambda pk, user, d: s.final_reply_approve(reply_id=d["draft"].id, actor=user, kind=d["kind"], note=d["note"]),
        _("Approval given."),
    ),
    "callback": Action(
        lambda pk, user, d: s.work_order_callback(
            order_id=pk,
            actor=user,
            outcome=d["outcome"],
            note=d["note"],
            customer_unreasonable=d.get("customer_unreasonable"),
        ),
        _("Callback recorded."),
    ),  # fmt: skip
    "close": Action(
        lambda pk, user, d: s.work_order_close(order_id=pk, actor=user, reason=d["reason"]), _("Order closed.")
    ),
    "redispatch": Action(
        lambda pk, user, d: s.work_order_redispatch(
            order_id=pk, actor=user, unit_id=_unit_id(d), reason=d["reason"], due_at=d.get("due_at")
        ),
        _("Dispatched again."),
    ),
    "extension_request": Action(
        lambda pk, user, d: s.extension_request(
            order_id=pk,
            actor=user,
            progress=d["progress"],
            reason=d["reason"],
            requested_due_at=d.get("requested_due_at"),
        ),
        _("Extension requested."),
    ),  # fmt: skip
    "extension_decide": Action(
        lambda pk, user, d: s.extension_decide(
            extension_id=d["extension"].id, actor=user, approve=d["approve"], note=d["note"], due_at=d.get("due_at")
        ),
        _("Extension request decided."),
    ),
    "contact": Action(
        lambda pk, user, d: s.contact_log(
            order_id=pk,
            actor=user,
            direction=d["direction"],
            channel=d["channel"],
            reached=d["reached"],
            summary=d["summary"],
            occurred_at=d.get("occurred_at"),
        ),
        _("Contact logged."),
        anchor="contacts",
    ),  # fmt: skip
    "attachment": Action(
        lambda pk, user, d: s.attachment_add(order_id=pk, actor=user, uploaded_file=d["file"], kind=d["kind"]),
        _("Attachment added."),
        anchor="attachments",
    ),
}
assert set(ACTIONS) <= set(ACTION_FORMS)

FIELD_MAP = {"reply_send": {"draft_id": "draft"}, "final_approval": {"kind": None}}


def _refused(request, order_id: int, name: str, form, message: str, status: int):
    order = order_for_page(request.user, order_id)
    if message:
        form.add_error(None, message)
    context = order_page_context(request, order, failed=(name, form))
    context["refusal"] = message
    return render(request, "tickets/order.html", context, status=status)


@login_required
@require_POST
def order_action(request, pk: int, name: str):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    order = get_object_or_404(work_order_visible_list(user=request.user), pk=pk)
    form = ACTION_FORMS[name](request.POST, request.FILES, order=order, prefix=name)
    if not form.is_valid():
        return _refused(request, order.id, name, form, "", status=400)
    try:
        action.run(order.id, request.user, form.cleaned_data)
    except ValidationError as exc:
        form_add_service_errors(form, exc, FIELD_MAP.get(name))
        return _refused(request, order.id, name, form, "", status=400)
    except PermissionDenied as exc:
        return _refused(request, order.id, name, form, str(exc) or _("You may not do this."), status=403)
    except TransitionRefused as exc:
        return _refused(request, order.id, name, form, exc.detail, status=409)
    except (ConcurrentTransition, TransitionNotAllowed):
        message = _("The order changed meanwhile; reload it and try again.")
        return _refused(request, order.id, name, form, message, status=409)
    messages.success(request, action.done)
    return HttpResponseRedirect(reverse("order-detail", args=[order.id]) + f"#{action.anchor}")
