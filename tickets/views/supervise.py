"""The supervisor's actions in the browser (issue 13 §4): one form POST (CSRF, no script) from a queue page with
the chosen rows, or from the order page's supervisor panel with its one order. Thin: parse → one service → back
to where the user was, saying what happened — or, when the service refused, which order and why (nothing
changed: the service is all-or-nothing). A refusal keeps what the user entered: the chosen orders, the person or
unit, the note and the deadline go back to the page they came from (through the session, read once by the
view of that page, `supervise_kept_pop`), with the errors at their fields."""

import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
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


KEPT = "supervise_kept"  # the session key of a refused form's input, read once by the page it returns to
KEPT_FOR_SECONDS = 300  # a refusal's input is offered again on the page it came back to, not days later
KEPT_FIELDS = ("action", "note", "assignee", "unit", "due_at")
ANCHORS = {"supervise-form", "supervise"}  # the queue's bulk form, the order page's panel


def supervise_kept_pop(request) -> dict | None:
    """What the user entered in a supervisor's form the service refused, once, for the page the form came from
    (the queue's bulk form, the order page's panel): the chosen orders, person, unit, note, deadline and the errors
    by field, and `message` (the errors' text, which names the refused order) to mark its row. Taken from the
    session by the view that renders that page (a template only reads)."""
    session = getattr(request, "session", None)
    kept = session.get(KEPT) if session is not None else None
    if not kept or kept.get("next") != request.get_full_path():
        return None
    del session[KEPT]
    if time.time() - kept.get("at", 0) > KEPT_FOR_SECONDS:
        return None
    errors = kept.get("errors", {})
    return {
        **kept,
        "form_errors": errors.get("", []),
        "message": " ".join(m for messages_ in errors.values() for m in messages_),
    }


def _field_errors(exc) -> dict[str, list[str]]:
    """The refusal as {field: [messages]} ("" for the form as a whole), each message naming its order when the
    service said which."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return {("" if f == "non_field_errors" else f): list(m) for f, m in exc.message_dict.items()}
        return {"": list(exc.messages)}
    if isinstance(exc, TransitionRefused):
        return {"orders": [exc.detail]}
    return {"orders": [str(exc) or _("You may not do this.")]}


def _error_text(errors: dict[str, list[str]]) -> str:
    form = SuperviseForm()
    parts = []
    for name, messages_ in errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(m) for m in messages_)
        parts.append(f"{label}：{text}" if label and name != "orders" else text)
    return "；".join(parts)


def _refused(request, errors: dict[str, list[str]], *, refused_ids=()) -> HttpResponseRedirect:
    """Say why nothing changed and keep what was entered for the page the user returns to."""
    messages.error(request, _("Nothing changed: %(reason)s") % {"reason": _error_text(errors)})
    back = _back(request)
    request.session[KEPT] = {
        "next": back,
        "orders": [int(v) for v in request.POST.getlist("orders") if v.isdigit()][: BULK_MAX * 2],
        **{name: request.POST.get(name, "")[:2000] for name in KEPT_FIELDS},
        "errors": {name: [str(m) for m in messages_] for name, messages_ in errors.items()},
        "refused": [int(pk) for pk in refused_ids],
        "at": time.time(),
    }
    # Back at the form itself, whose errors and kept input are what the user looks at next (on a phone the bulk
    # form is below the whole list).
    anchor = request.POST.get("at", "")
    return redirect(back + (f"#{anchor}" if anchor in ANCHORS else ""))


@login_required
@require_POST
def supervise(request):
    form = SuperviseForm(request.POST)
    if not form.is_valid():
        errors = {("" if n == "__all__" else n): list(errs) for n, errs in form.errors.items()}
        if "orders" in errors and not request.POST.getlist("orders"):
            errors["orders"] = [_("Choose at least one order.")]
        return _refused(request, errors)
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
        refused = [exc.order.pk] if isinstance(exc, TransitionRefused) else []
        return _refused(request, _field_errors(exc), refused_ids=refused)
    messages.success(
        request,
        _("%(action)s: done for %(n)d order(s).") % {"action": ACTIONS[action], "n": len(done)},
    )
    return redirect(_back(request))
