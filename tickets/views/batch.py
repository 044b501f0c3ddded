"""Batch complaints in the browser (R-SP-2, R-UI-2): the "batch candidates" queue, the batch page with its
children and the moves the user may make now, the intake hint and the order page's panel. Thin: a form,
one service, a redirect; a refused move shows the page again with the errors (400 / 403 / 409)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from complaints.models import SkillGroup
from complaints.numbers import mask_number
from org.models import OrgUnit

from ..batch_selectors import (
    batch_candidate_list,
    batch_candidate_orders,
    batch_memberships,
    batch_of_order,
    batch_open_for_scope,
    batch_scope_waiting,
    batch_visible_list,
)
from ..forms.widgets import LocalDateTimeInput
from ..models import Batch, BatchCandidate, Satisfaction
from ..selectors import HANDLING_UNIT_KINDS, work_order_visible_base
from ..services import batch as batch_services
from ..services.errors import TransitionRefused

S = Batch.State

LOG_LABELS = {
    "formed": gettext_lazy("Batch formed"), "dispatch": gettext_lazy("Dispatched to the dedicated handler"),
    "dept_reply": gettext_lazy("Department replied"), "approve_reply": gettext_lazy("Reply approved"),
    "return_reply": gettext_lazy("Reply returned"), "reply_customers": gettext_lazy("Customers replied"),
    "attach": gettext_lazy("Complaint attached"), "detach": gettext_lazy("Complaint detached"),
}  # fmt: skip


class DispatchForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Handling unit"), queryset=OrgUnit.objects.none())
    handler = forms.ModelChoiceField(label=gettext_lazy("Dedicated handler"), queryset=get_user_model().objects.none())
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(is_active=True, kind__in=HANDLING_UNIT_KINDS)
        self.fields["handler"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__permissions__codename="reply_department")
            .distinct()
            .prefetch_related("org_units")
            .order_by("username")
        )
        # The unit first (tried as the dispatcher: a list of names alone hid who belongs to the unit chosen above).
        self.fields["handler"].label_from_instance = lambda u: "{units} · {name}（{username}）".format(
            units="、".join(unit.name for unit in u.org_units.all()) or "—",
            name=u.get_full_name() or u.username,
            username=u.username,
        )


class DeptReplyForm(forms.Form):
    cause = forms.CharField(label=gettext_lazy("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    cause_unknown = forms.BooleanField(label=gettext_lazy("Cause unknown"), required=False)
    process = forms.CharField(label=gettext_lazy("Handling process"), widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.CharField(label=gettext_lazy("Result"), widget=forms.Textarea(attrs={"rows": 2}))
    service_restored = forms.TypedChoiceField(
        label=gettext_lazy("Service restored"), choices=[("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))],
        coerce=lambda v: v == "true", widget=forms.RadioSelect,
    )  # fmt: skip
    measures = forms.CharField(label=gettext_lazy("Measures"), widget=forms.Textarea(attrs={"rows": 2}))
    expected_recovery_at = forms.DateTimeField(
        label=gettext_lazy("Expected recovery"), widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    coordinating_unit = forms.ModelChoiceField(
        label=gettext_lazy("Coordinating department"), queryset=OrgUnit.objects.filter(is_active=True)
    )
    customer_attitude = forms.CharField(
        label=gettext_lazy("Customer attitude"), widget=forms.Textarea(attrs={"rows": 2})
    )


class FinalReplyForm(forms.Form):
    method = forms.ChoiceField(
        label=gettext_lazy("Reply method"),
        choices=[("sms", gettext_lazy("SMS (短信)")), ("phone", gettext_lazy("Phone (电话)")),
                 ("in_person", gettext_lazy("In person (当面)"))],
    )  # fmt: skip
    process = forms.CharField(label=gettext_lazy("Handling process"), widget=forms.Textarea(attrs={"rows": 2}))
    content = forms.CharField(label=gettext_lazy("Reply content"), widget=forms.Textarea(attrs={"rows": 3}))
    satisfaction = forms.ChoiceField(label=gettext_lazy("Customer satisfaction"), choices=Satisfaction.choices)


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachForm(forms.Form):
    order_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


class DetachForm(forms.Form):
    order_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=gettext_lazy("Why alone"), widget=forms.TextInput())


# name → (form, service, the service's keyword for each form field)
MOVES = {
    "dispatch": (DispatchForm, batch_services.batch_dispatch, {"unit": "unit_id", "handler": "handler_id"}),
    "dept_reply": (DeptReplyForm, batch_services.batch_dept_reply, {"coordinating_unit": "coordinating_unit_id"}),
    "approve_reply": (NoteForm, batch_services.batch_approve_reply, {}),
    "return_reply": (ReasonForm, batch_services.batch_return_reply, {}),
    "reply_customers": (FinalReplyForm, batch_services.batch_reply_customers, {}),
    "attach": (AttachForm, batch_services.batch_attach, {}),
    "detach": (DetachForm, batch_services.batch_detach, {}),
}


def _moves_for(*, batch: Batch, user) -> list[str]:
    """The moves this user may make now (the services check again; this only hides what would be refused)."""
    dispatcher = user.has_perm("tickets.dispatch_workorder")
    moves = []
    if batch.state == S.FORMED and dispatcher:
        moves.append("dispatch")
    if batch.state == S.DISPATCHED and batch.handler_id == user.id:
        moves.append("dept_reply")
    if batch.state == S.DEPT_REPLIED and user.has_perm("tickets.review_reply"):
        moves += ["approve_reply", "return_reply"]
    if batch.state == S.REPLY_APPROVED and user.has_perm("tickets.reply_customer"):
        moves.append("reply_customers")
    if batch.state in S.attachable() and dispatcher:
        moves.append("attach")
    if batch.state in S.open_states() and dispatcher:
        moves.append("detach")
    return moves


def _batch_for(user, pk: int) -> Batch:
    try:
        return batch_visible_list(user=user).get(pk=pk)
    except Batch.DoesNotExist:
        raise Http404 from None


def _page(request, batch: Batch, *, failed: tuple[str, forms.Form] | None = None, status: int = 200):
    user = request.user
    memberships = list(batch_memberships(batch=batch))
    for membership in memberships:
        membership.masked_number = mask_number(membership.order.accepted_number)
    moves = _moves_for(batch=batch, user=user)
    forms_by_move = {name: MOVES[name][0]() for name in moves}
    if failed:
        forms_by_move[failed[0]] = failed[1]
    joinable = []
    if "attach" in moves and batch.category_id and batch.skill_group_id:
        waiting = batch_scope_waiting(category_id=batch.category_id, skill_group_id=batch.skill_group_id)
        joinable = list(waiting.filter(pk__in=work_order_visible_base(user=user).values("pk")).order_by("id")[:20])
    log = list(batch.log.select_related("actor").order_by("at", "id"))
    for entry in log:
        entry.label = str(LOG_LABELS.get(entry.kind, entry.kind))
    reply = next((entry for entry in reversed(log) if entry.kind == "dept_reply"), None)
    context = {
        "batch": batch, "memberships": memberships, "moves": moves, "forms": forms_by_move, "log": log,
        "reply": reply, "joinable": joinable, "failed_move": failed[0] if failed else "",
    }  # fmt: skip
    return render(request, "tickets/batch.html", context, status=status)


@login_required
@require_GET
def batch_detail(request, pk: int):
    return _page(request, _batch_for(request.user, pk))


@login_required
@require_POST
def batch_move(request, pk: int, name: str):
    batch = _batch_for(request.user, pk)
    if name not in MOVES:
        raise Http404
    form_class, service, renames = MOVES[name]
    form = form_class(request.POST)
    if not form.is_valid():
        return _page(request, batch, failed=(name, form), status=400)
    values = {renames.get(key, key): getattr(value, "pk", value) for key, value in form.cleaned_data.items()}
    try:
        service(batch_id=batch.id, actor=request.user, **values)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _page(request, _batch_for(request.user, pk), failed=(name, form), status=400)
    except (PermissionDenied, TransitionRefused) as exc:
        form.add_error(None, getattr(exc, "detail", None) or str(exc) or _("You may not do this."))
        status = 409 if isinstance(exc, TransitionRefused) else 403
        return _page(request, _batch_for(request.user, pk), failed=(name, form), status=status)
    messages.success(request, _("Done for the whole batch."))
    return redirect("batch-detail", pk=batch.pk)


@login_required
@require_GET
def candidate_queue(request, name: str = "batch_candidates"):
    """The "batch candidates" queue (R-UI-2): offers waiting for a dispatcher, and the open batches."""
    if not request.user.has_perm("tickets.dispatch_workorder"):
        raise PermissionDenied
    page = Paginator(batch_candidate_list(user=request.user), 25).get_page(request.GET.get("page"))
    for candidate in page.object_list:
        candidate.orders = list(batch_candidate_orders(candidate=candidate, user=request.user)[:6])
    open_batches = batch_visible_list(user=request.user).filter(state__in=S.open_states())[:25]
    return render(request, "tickets/batch_candidates.html", {"page": page, "open_batches": open_batches})


@login_required
@require_POST
def candidate_confirm(request, pk: int):
    try:
        batch = batch_services.batch_candidate_confirm(
            candidate_id=pk, actor=request.user, title=request.POST.get("title", "")[:120]
        )
    except BatchCandidate.DoesNotExist:
        raise Http404 from None
    except (TransitionRefused, ValidationError) as exc:
        messages.error(request, getattr(exc, "detail", None) or "；".join(exc.messages))
        return redirect("batch-candidates")
    messages.success(request, _("Batch %(batch)s formed: dispatch it now.") % {"batch": batch.label})
    return redirect("batch-detail", pk=batch.pk)


@login_required
@require_POST
def candidate_dismiss(request, pk: int):
    try:
        batch_services.batch_candidate_dismiss(candidate_id=pk, actor=request.user, note=request.POST.get("note", ""))
    except BatchCandidate.DoesNotExist:
        raise Http404 from None
    except TransitionRefused as exc:
        messages.error(request, exc.detail)
    return redirect("batch-candidates")


@login_required
@require_GET
def intake_hint(request):
    """htmx, from the intake screen: "this looks like batch X" when an open batch has the picked leaf category
    and the customer's city (R-SP-2). Empty when none."""
    category = request.GET.get("category", "")
    city = request.GET.get("customer_home_city", "").strip()[:30]
    group = SkillGroup.objects.filter(city=city).values_list("id", flat=True).first() if city else None
    batch = (
        batch_open_for_scope(user=request.user, category_id=int(category), skill_group_id=group)
        if category.isdigit() and len(category) < 18
        else None
    )
    return render(request, "tickets/partials/batch_hint.html", {"batch": batch})


def order_batch_panel(request, order) -> dict | None:
    """The order page's panel (registered in tickets.apps): this complaint is a child of a batch; act there."""
    batch = batch_of_order(order_id=order.id)
    if batch is None:
        return None
    return {"template": "tickets/partials/batch_panel.html", "batch": batch}
