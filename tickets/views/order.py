"""The order page (R-UI-1, R-NT-3): header, customer (masked, R-SEC-2), every clock, the timeline, contacts,
attachments, and a form for each thing this user may do to the order now — nothing else."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from complaints.numbers import mask_number
from complaints.selectors import category_path_labels, reply_scripts_for_category

from .. import services
from ..forms import ACTION_FORMS
from ..forms.unmask import UnmaskForm
from ..models import FinalReplyMethod, OrderState, WorkOrder
from ..models.choices import APPROVAL_PERMISSION, ApprovalKind
from ..permissions import can_log_contact, can_reply_department, can_unmask
from ..selectors import (
    final_reply_previous,
    timeline_list,
    work_order_allowed_transitions,
    work_order_detail_list,
    work_order_visible_list,
)
from ..services.extension import HANDLING_STATES
from .clocks import clock_rows
from .supervise import supervise_kept_pop

ACTION_LABELS = {
    "dispatch": gettext_lazy("Dispatch"),
    "claim": gettext_lazy("Claim"),
    "dept_reply": gettext_lazy("Department reply"),
    "return_reply": gettext_lazy("Return the reply"),
    "approve_reply": gettext_lazy("Approve the reply"),
    "reply_customer": gettext_lazy("Final reply to the customer"),
    "reply_draft": gettext_lazy("Written or email reply: draft for approval"),
    "reply_send": gettext_lazy("Send the approved reply"),
    "callback": gettext_lazy("Callback"),
    "close": gettext_lazy("Close"),
    "redispatch": gettext_lazy("Redispatch"),
    "extension_request": gettext_lazy("Ask for an extension"),
    "extension_decide": gettext_lazy("Decide the extension request"),
    "contact": gettext_lazy("Log a contact"),
    "attachment": gettext_lazy("Add an attachment"),
}


@dataclass
class ActionPanel:
    name: str
    form: Form
    label: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.label = self.label or ACTION_LABELS.get(self.name, self.name)

    @property
    def templates(self) -> list[str]:
        return [f"tickets/actions/{self.name}.html", "tickets/actions/_generic.html"]


@dataclass
class ApprovalSlot:
    kind: str
    label: str
    approval: object | None
    form: Form | None  # only for a user holding this approval's permission, while it is missing


def _form(name: str, order: WorkOrder, bound: dict, **initial) -> Form:
    return bound.get(name) or ACTION_FORMS[name](order=order, prefix=name, initial=initial)


def _pending_draft(order: WorkOrder):
    drafts = [r for r in order.final_replies.all() if r.sent_at is None and r.cycle == order.cycle]
    return drafts[-1] if drafts else None


def _reply_panels(order: WorkOrder, bound: dict, draft) -> list[ActionPanel]:
    """R-FL-4: a direct reply, or a written/email draft that needs three approvals before it is sent.
    A repeat complaint starts from the previous order's reply ("one reply voice")."""
    previous = final_reply_previous(order=order)
    voice = {"process": previous.process, "content": previous.content} if previous else {}
    panels = [
        ActionPanel("reply_customer", _form("reply_customer", order, bound, **voice), extra={"previous": previous})
    ]
    if draft is None:
        panels.append(ActionPanel("reply_draft", _form("reply_draft", order, bound, **voice)))
    elif {a.kind for a in draft.approvals.all()} >= set(ApprovalKind.values):
        panels.append(
            ActionPanel("reply_send", _form("reply_send", order, bound, draft=draft.id), extra={"draft": draft})
        )
    return panels


def _approval_slots(order: WorkOrder, user, bound: dict, draft) -> list[ApprovalSlot]:
    given = {a.kind: a for a in draft.approvals.all()}
    slots = []
    for kind, label in ApprovalKind.choices:
        form = None
        if kind not in given and user.has_perm(APPROVAL_PERMISSION[kind]):
            form = bound.get(f"final_approval-{kind}") or ACTION_FORMS["final_approval"](
                order=order, prefix="final_approval", initial={"draft": draft.id, "kind": kind}
            )
        slots.append(ApprovalSlot(kind=kind, label=label, approval=given.get(kind), form=form))
    return slots


def _action_panels(order: WorkOrder, user, bound: dict) -> tuple[list[ActionPanel], list[ApprovalSlot], object]:
    panels: list[ActionPanel] = []
    draft = _pending_draft(order)
    for name in work_order_allowed_transitions(order=order, user=user):
        if name == "reply_customer":
            panels.extend(_reply_panels(order, bound, draft))
        else:
            panels.append(ActionPanel(name, _form(name, order, bound)))
    pending = next((e for e in order.extension_requests.all() if e.status == "pending"), None)
    if pending is None and order.state in HANDLING_STATES and can_reply_department(order, user):
        panels.append(ActionPanel("extension_request", _form("extension_request", order, bound)))
    if pending is not None and user.has_perm("tickets.decide_extension"):
        form = _form("extension_decide", order, bound, extension=pending.id)
        panels.append(ActionPanel("extension_decide", form, extra={"request": pending}))
    slots = []
    if draft is not None and order.state == OrderState.REPLY_APPROVED:
        slots = _approval_slots(order, user, bound, draft)
    return panels, slots, draft


# Panels that apps above tickets (escalation) add to the order page: each provider gets (request, order) and
# returns {"template": …, **context} or None. Registered in the provider's AppConfig.ready(); tickets never
# imports them (pyproject's layer contract).
order_panels: list[Callable] = []


def order_panel_register(provider: Callable) -> None:
    if provider not in order_panels:
        order_panels.append(provider)


def order_page_context(request, order: WorkOrder, *, failed: tuple[str, Form] | None = None) -> dict:
    """Everything the order page shows. `failed` is a submitted form that the service refused: it is
    shown again, bound, with its errors, in place of the empty one."""
    user = request.user
    bound = {}
    if failed:
        name, form = failed
        key = f"{name}-{form.data.get('final_approval-kind')}" if name == "final_approval" else name
        bound[key] = form
    panels, approval_slots, draft = _action_panels(order, user, bound)
    may_log = can_log_contact(order, user) and order.state != OrderState.CLOSED
    return {
        "order": order,
        "masked_number": mask_number(order.accepted_number),
        "category_label": category_path_labels().get(order.category_id, "") if order.category_id else "",
        "masked_contact": mask_number(order.contact_number),
        "may_unmask": can_unmask(order, user),
        "clock_rows": clock_rows(order.clocks.all()),
        "timeline": timeline_list(order=order),
        "panels": panels,
        "draft": draft,
        "approval_slots": approval_slots,
        "contact_form": _form("contact", order, bound) if may_log else None,
        "attachment_form": _form("attachment", order, bound) if can_log_contact(order, user) else None,
        "failed_action": failed[0] if failed else "",
        "needs_approval": FinalReplyMethod.needing_approval(),
        "extra_panels": [panel for panel in (provider(request, order) for provider in order_panels) if panel],
        # R-KB-1 on the order page too (issue 13 §2): the category's scripts beside a reply form
        "reply_scripts": _reply_scripts(order, panels),
        "kept": supervise_kept_pop(request),  # the supervisor panel's refused input, once
    }


REPLY_FORMS = frozenset({"dept_reply", "reply_customer", "reply_draft"})


def _reply_scripts(order: WorkOrder, panels: list) -> list:
    if not REPLY_FORMS & {panel.name for panel in panels}:
        return []
    return list(reply_scripts_for_category(category_id=order.category_id))


def order_for_page(user, pk: int) -> WorkOrder:
    return get_object_or_404(work_order_detail_list(user=user), pk=pk)


@login_required
@require_GET
def order_detail(request, pk: int):
    order = order_for_page(request.user, pk)
    return render(request, "tickets/order.html", order_page_context(request, order))


@login_required
@require_POST
def order_unmask(request, pk: int):
    """The full number, for users allowed to see it, given a reason (400 naming `reason` without one). Every
    attempt is audit-logged by the service, a refused one (403) too — so no transaction.atomic() here, which
    would roll the refusal's row back with the PermissionDenied (R-SEC-2)."""
    order = get_object_or_404(work_order_visible_list(user=request.user), pk=pk)
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return render(request, "tickets/partials/unmasked.html", {"form": form}, status=400)
    try:
        number = services.number_unmask(
            order_id=order.id, actor=request.user, reason=form.cleaned_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )  # fmt: skip
    except PermissionDenied as exc:
        return render(request, "tickets/partials/unmasked.html", {"error": str(exc)}, status=403)
    return render(request, "tickets/partials/unmasked.html", {"number": number})


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_id: int):
    """Evidence is as confidential as the order (R-SEC-2): only for users who see the order."""
    order = get_object_or_404(work_order_visible_list(user=request.user), pk=pk)
    attachment = order.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
