"""The supervisor's actions in the browser (issue 13 §4): one form POST (CSRF, no script) from a queue page with
the chosen rows, or from the order page's supervisor panel with its one order. Thin: parse → one service → back
to where the user was, saying what happened — or, when the service refused, which order and why (nothing
changed: the service is all-or-nothing)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..api.fields import IdFormField
from ..forms.widgets import local_datetime_field
from ..models import WorkOrder
from ..services.errors import TransitionRefused
from ..services.supervise import BULK_MAX, Reassignment, orders_escalate, orders_reassign, orders_remind

ACTIONS = {
    "remind": gettext_lazy("Remind"),
    "reassign": gettext_lazy("Reassign"),
    "escalate": gettext_lazy("Escalate"),
}


class SuperviseForm(forms.Form):
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    orders = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    note = forms.CharField(label=gettext_lazy("Note / reason"), required=False, max_length=2000)
    key = forms.CharField(required=False, max_length=64)
    assignee = IdFormField(label=gettext_lazy("Another handler"), required=False)
    unit = IdFormField(label=gettext_lazy("Another unit"), required=False)
    due_at = local_datetime_field(label=gettext_lazy("New handling deadline"))

    def clean_orders(self) -> list[int]:
        ids = self.cleaned_data["orders"]
        if len(ids) > BULK_MAX:
            raise ValidationError(_("At most %(n)d orders at a time.") % {"n": BULK_MAX})
        return ids

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any whole number is accepted here; whether the order exists and is visible is the service's check.
        raw = self.data.getlist("orders") if hasattr(self.data, "getlist") else []
        self.fields["orders"].choices = [(value, value) for value in raw if str(value).isdigit()]


def _back(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "；".join(f"{m}" for messages_ in exc.message_dict.values() for m in messages_)
        return "；".join(exc.messages)
    if isinstance(exc, TransitionRefused):
        return exc.detail
    return str(exc) or _("You may not do this.")


@login_required
@require_POST
def supervise(request):
    form = SuperviseForm(request.POST)
    if not form.is_valid():
        problems = "；".join(f"{form.fields[n].label or n}: {' '.join(errs)}" for n, errs in form.errors.items())
        messages.error(request, _("Nothing changed: %(problems)s") % {"problems": problems})
        return redirect(_back(request))
    data = form.cleaned_data
    ids, action, note = data["orders"], data["action"], data["note"]
    try:
        if action == "remind":
            done = orders_remind(order_ids=ids, actor=request.user, note=note, key=data["key"])
        elif action == "escalate":
            done = orders_escalate(order_ids=ids, actor=request.user, note=note, key=data["key"])
        else:
            ask = Reassignment(assignee_id=data["assignee"], unit_id=data["unit"], due_at=data["due_at"], note=note)
            done = orders_reassign(order_ids=ids, actor=request.user, request=ask)
    except (TransitionRefused, PermissionDenied, ValidationError, WorkOrder.DoesNotExist) as exc:
        messages.error(request, _("Nothing changed: %(reason)s") % {"reason": _error_text(exc)})
        return redirect(_back(request))
    messages.success(
        request,
        _("%(action)s: done for %(n)d order(s).") % {"action": ACTIONS[action], "n": len(done)},
    )
    return redirect(_back(request))
