"""Browser side of tariff disputes (issue 10 §2): the dispute page (evidence, verification, cause, the refund
with its formula, approval, execution state, history; only the actions this user may do now), the form that
opens a dispute (pre-filled from a fee complaint's order page), the list and the approval queue. Each POST is
one service call; a refused one (400/403/409) shows its message and changes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import ConcurrentTransition

from tickets.models import OrderState
from tickets.permissions import order_visible_to
from tickets.selectors import work_order_visible_list
from tickets.services import TransitionRefused

from . import selectors, services
from .models import ConsentChannel, ConsentResult, Dispute, Evidence, Outcome, OutcomeKind, RemedyForm

TIMELINE_KIND_LABELS = {
    "tariff_dispute_registered": gettext_lazy("Tariff dispute registered"),
    "tariff_verification_started": gettext_lazy("Tariff dispute: verification started"),
    "tariff_evidence": gettext_lazy("Tariff dispute: evidence attached"),
    "tariff_verified": gettext_lazy("Tariff dispute: verified"),
    "tariff_amount_changed": gettext_lazy("Tariff dispute: amount changed"),
    "tariff_approval_requested": gettext_lazy("Tariff dispute: approval requested"),
    "tariff_approved": gettext_lazy("Tariff dispute: refund approved"),
    "tariff_rejected": gettext_lazy("Tariff dispute: refund rejected"),
    "tariff_refund_executed": gettext_lazy("Tariff dispute: refund executed"),
    "tariff_refund_failed": gettext_lazy("Tariff dispute: refund failed"),
    "tariff_refund_retried": gettext_lazy("Tariff dispute: refund retried"),
    "tariff_refund_mismatch": gettext_lazy("Tariff dispute: disagrees with billing"),
    "tariff_closed": gettext_lazy("Tariff dispute closed"),
}

# The dispute's own history (DisputeEvent.kind) shown translated on its page: the same wording as the order's
# timeline, whose kinds are these with a "tariff_" prefix (services.common.history).
EVENT_KIND_LABELS = {kind.removeprefix("tariff_"): label for kind, label in TIMELINE_KIND_LABELS.items()}


def event_rows(events) -> list:
    """The history with `label` (the kind, translated) and `state_label` (the state after, translated)."""
    states = dict(Dispute._meta.get_field("state").choices)
    rows = list(events)
    for event in rows:
        event.label = EVENT_KIND_LABELS.get(event.kind, event.kind)
        event.state_label = states.get(event.state_after, event.state_after)
    return rows


ACTIONS = {
    "start_verification": (services.dispute_verification_start, []),
    "outcome": (
        services.dispute_outcome_record,
        [
            "outcome",
            "explanation",
            "cause_id",
            "outcome_kind",
            "confirmed_amount",
            "remedy_form",
            "cash_reason",
            "remedy_note",
        ],
    ),  # fmt: skip
    "amount": (services.dispute_amount_change, ["confirmed_amount", "reason"]),
    "request_approval": (services.dispute_approval_request, ["note"]),
    "approve": (services.dispute_approve, ["note"]),
    "reject": (services.dispute_reject, ["reason"]),
    "close": (services.dispute_close, ["consent_result", "consent_channel", "consent_note"]),
}


def order_panel(request, order) -> dict | None:
    """On the order page (registered with tickets in apps.py): the order's disputes and a link to open one."""
    disputes = selectors.disputes_of_order(order_id=order.id, user=request.user)
    # Only a fee complaint (under 通信费用) opens a dispute here; an internal check starts from the list.
    may_open = (
        request.user.has_perm(selectors.WORK)
        and order.state != OrderState.CLOSED
        and selectors.order_is_fee_complaint(order=order)
    )
    if not disputes and not may_open:
        return None
    return {"template": "tariff_disputes/order_panel.html", "disputes": disputes, "may_open": may_open, "order": order}


def _dispute_or_404(request, pk: int) -> Dispute:
    dispute = selectors.dispute_visible_list(user=request.user).filter(pk=pk).first()
    if dispute is None:
        raise Http404
    return dispute


@login_required
def dispute_page(request, pk: int):
    dispute = _dispute_or_404(request, pk)
    context = {
        "dispute": dispute,
        "allowed": selectors.dispute_allowed_actions(dispute=dispute, user=request.user),
        "formula": selectors.refund_formula(dispute=dispute),
        "evidence": dispute.evidence.all(),
        "approvals": dispute.approvals.select_related("requested_by", "decided_by"),
        "refunds": dispute.refunds.all(),
        "events": event_rows(selectors.dispute_event_list(dispute=dispute)),
        "causes": selectors.cause_list(),
        "outcomes": Outcome.choices,
        "outcome_kinds": OutcomeKind.choices,
        "remedy_forms": RemedyForm.choices,
        "evidence_kinds": Evidence.Kind.choices,
        "consent_results": ConsentResult.choices,
        "consent_channels": ConsentChannel.choices,
        "script": selectors.recharge_card_script(dispute=dispute),
    }
    return render(request, "tariff_disputes/dispute.html", context)


@login_required
@require_GET
def evidence_download(request, pk: int, evidence_id: int):
    """Evidence is as confidential as the dispute (R-SEC-2, R-FL-8): only for users who see the dispute; the id of
    another dispute's evidence, or of one you may not see, is the same 404 as an id that does not exist."""
    dispute = _dispute_or_404(request, pk)
    evidence = dispute.evidence.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)


# What the page says once an action went through: what was done, not a bare "Done."
DONE = {
    "evidence": gettext_lazy("Evidence attached."),
    "retry_refund": gettext_lazy("Refund sent again."),
    "start_verification": gettext_lazy("Verification started."),
    "outcome": gettext_lazy("Verification outcome recorded."),
    "amount": gettext_lazy("Confirmed amount changed."),
    "request_approval": gettext_lazy("Sent for approval."),
    "approve": gettext_lazy("Approved."),
    "reject": gettext_lazy("Rejected."),
    "close": gettext_lazy("Dispute closed."),
}


def _refused(request, error) -> None:
    if isinstance(error, ValidationError):
        for field, errors in (error.message_dict if hasattr(error, "error_dict") else {"": error.messages}).items():
            messages.error(request, f"{field}: {'；'.join(errors)}" if field else "；".join(errors))
    elif isinstance(error, TransitionRefused):
        messages.error(request, error.detail)
    elif isinstance(error, ConcurrentTransition):
        messages.error(request, _("The dispute changed meanwhile; reload it and try again."))
    else:
        messages.error(request, str(error) or _("You may not do this."))


@require_POST
@login_required
def dispute_action(request, pk: int, name: str):
    dispute = _dispute_or_404(request, pk)
    page = reverse("td-dispute", args=[dispute.pk])
    try:
        if name == "evidence":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": [_("Choose a file.")]})
            services.dispute_evidence_add(
                dispute_id=dispute.pk, actor=request.user, uploaded_file=upload, kind=request.POST.get("kind", "bill")
            )
        elif name == "retry_refund":
            refund = dispute.refunds.filter(state="failed").first()
            if refund is None:
                raise Http404
            services.refund_retry(refund_id=refund.pk, actor=request.user)
        elif name in ACTIONS:
            service, fields = ACTIONS[name]
            data = {field: request.POST.get(field, "") for field in fields}
            if "cause_id" in data:
                raw = data["cause_id"]
                data["cause_id"] = int(raw) if raw.isdigit() and len(raw) < 10 else None
            service(dispute_id=dispute.pk, actor=request.user, **data)
        else:
            raise Http404
    except (ValidationError, TransitionRefused, ConcurrentTransition, PermissionDenied) as error:
        _refused(request, error)
        return HttpResponseRedirect(page)
    except ObjectDoesNotExist:
        raise Http404 from None
    messages.success(request, DONE.get(name, _("Done.")))
    return HttpResponseRedirect(page)


@require_http_methods(["GET", "POST"])
@login_required
def dispute_new(request):
    """Open a dispute; `?order=<id>` pre-fills the customer and order of a fee complaint."""
    order = None
    order_id = request.GET.get("order") or request.POST.get("order_id") or ""
    if order_id:
        order = work_order_visible_list(user=request.user).filter(pk=order_id if order_id.isdigit() else 0).first()
        if order is None or not order_visible_to(order, request.user):
            raise Http404
    values = {key: request.POST.get(key, "") for key in ("billing_period", "disputed_amount", "charge_items",
                                                         "description", "customer_number")}  # fmt: skip
    if request.method == "POST":
        try:
            dispute = services.dispute_create(
                actor=request.user, order_id=order.pk if order else None,
                source="complaint" if order else "internal_check",
                recharge_card=bool(request.POST.get("recharge_card")),
                card_bought_here={"yes": True, "no": False}.get(request.POST.get("card_bought_here", "")), **values,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Dispute registered: verify it next."))
            return HttpResponseRedirect(reverse("td-dispute", args=[dispute.pk]))
    return render(request, "tariff_disputes/new.html", {"order": order, "values": values})


@login_required
def dispute_list(request):
    rows = selectors.dispute_visible_list(user=request.user)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    queue = list(selectors.approval_queue(user=request.user)[:100])
    return render(request, "tariff_disputes/list.html", {"page": page, "queue": queue})
