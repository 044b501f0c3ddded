"""The forms of the order page: one per transition or record (R-UI-1). Text parts are optional here on
purpose: the services name each missing part with its rule (R-FL-2, R-FL-4, …), in one answer."""

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import OrgUnit

from ..models import Attachment, FinalReplyMethod, Satisfaction
from ..models.choices import ApprovalKind, CallbackOutcome, ContactChannel, ContactDirection
from ..selectors import handling_unit_list, routing_suggestion
from .widgets import local_datetime_field, yes_no_field


def _text(label, *, rows=3, required=False):
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class OrderActionForm(forms.Form):
    """A form about one order; `order` narrows the choices that belong to it (drafts, extension requests)."""

    def __init__(self, *args, order, **kwargs):
        self.order = order
        super().__init__(*args, **kwargs)


class DispatchForm(OrderActionForm):
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=OrgUnit.objects.none())
    due_at = local_datetime_field(label=_("Handling deadline"), help_text=_("Empty: the policy default (48 h)."))
    note = _text(_("Note"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = list(handling_unit_list().select_related("parent"))
        field = self.fields["unit"]
        field.queryset = handling_unit_list()
        # Issue 13 §7: the units as the org tree has them (grouped under their parent: 分公司, 南区, 北区 …), and the
        # category's usual unit (RoutingRule) chosen and marked; the dispatcher may pick any other.
        suggested = routing_suggestion(category_id=self.order.category_id) if self.order is not None else None
        if suggested and not self.is_bound:
            self.initial.setdefault("unit", suggested)
        groups: dict[str, list] = {}
        for unit in units:
            label = _("%(unit)s (usual for this category)") % {"unit": unit.name} if unit.pk == suggested else unit.name
            groups.setdefault(unit.parent.name if unit.parent_id else "—", []).append((unit.pk, label))
        field.choices = [("", "---------"), *groups.items()]


class RedispatchForm(DispatchForm):
    reason = _text(_("Why it is dispatched again"), rows=2)
    note = None


class ClaimForm(OrderActionForm):
    pass


class DeptReplyForm(OrderActionForm):
    cause = _text(_("Cause"))
    cause_unknown = forms.BooleanField(label=_("Cause unknown"), required=False)
    process = _text(_("Handling process (what was done, current state)"))
    is_final = forms.BooleanField(label=_("Handling is final"), required=False, initial=True)
    result = _text(_("Result (current usage)"))
    service_restored = yes_no_field(label=_("Service restored"), yes=_("Yes"), no=_("No"))
    measures = _text(_("Measures (collective problem)"), rows=2)
    expected_recovery_at = local_datetime_field(label=_("Expected recovery time"))
    coordinating_unit = forms.ModelChoiceField(
        label=_("Coordinating department"), required=False, queryset=OrgUnit.objects.none()
    )
    customer_attitude = _text(_("Customer attitude"), rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coordinating_unit"].queryset = handling_unit_list()
        if not self.order.is_collective:
            for name in ("measures", "expected_recovery_at", "coordinating_unit"):
                del self.fields[name]


class ReasonForm(OrderActionForm):
    reason = _text(_("Reason"), rows=2)


class NoteForm(OrderActionForm):
    note = _text(_("Note"), rows=2)


DIRECT_METHODS = [(v, label) for v, label in FinalReplyMethod.choices if v not in FinalReplyMethod.needing_approval()]
WRITTEN_METHODS = [(v, label) for v, label in FinalReplyMethod.choices if v in FinalReplyMethod.needing_approval()]
SATISFACTION = [("", "—"), *Satisfaction.choices]


class FinalReplyForm(OrderActionForm):
    """R-FL-4's five elements: process, content, satisfaction here; replier and time from the request."""

    method = forms.ChoiceField(label=_("How the customer was answered"), choices=DIRECT_METHODS)
    process = _text(_("Handling process"))
    content = _text(_("Reply content"), rows=4)
    satisfaction = forms.ChoiceField(label=_("Customer satisfaction"), choices=SATISFACTION, required=False)
    replied_at = local_datetime_field(label=_("Reply time"), help_text=_("Empty: now."))


class ReplyDraftForm(OrderActionForm):
    method = forms.ChoiceField(label=_("Written reply by"), choices=WRITTEN_METHODS)
    process = _text(_("Handling process"))
    content = _text(_("Reply content"), rows=5)
    satisfaction = forms.ChoiceField(label=_("Customer satisfaction"), choices=SATISFACTION, required=False)


class _DraftForm(OrderActionForm):
    draft = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["draft"].queryset = self.order.final_replies.filter(sent_at=None)


class ReplySendForm(_DraftForm):
    satisfaction = forms.ChoiceField(label=_("Customer satisfaction"), choices=SATISFACTION, required=False)
    replied_at = local_datetime_field(label=_("Reply time"), help_text=_("Empty: now."))


class FinalApprovalForm(_DraftForm):
    kind = forms.ChoiceField(choices=ApprovalKind.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False)


class CallbackForm(OrderActionForm):
    outcome = forms.ChoiceField(label=_("Callback result"), choices=[("", "—"), *CallbackOutcome.choices])
    customer_unreasonable = yes_no_field(
        label=_("Is the customer's demand unreasonable?"), yes=_("Yes, unreasonable"), no=_("No, reasonable")
    )
    note = _text(_("Note"), rows=2)


class ExtensionRequestForm(OrderActionForm):
    progress = _text(_("Progress so far"), rows=2)
    reason = _text(_("Why the deadline cannot be met"), rows=2)
    requested_due_at = local_datetime_field(label=_("New due time"))


class ExtensionDecideForm(OrderActionForm):
    extension = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    due_at = local_datetime_field(label=_("Approved due time"), help_text=_("Empty: the requested time."))
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extension"].queryset = self.order.extension_requests.all()


class ContactForm(OrderActionForm):
    direction = forms.ChoiceField(label=_("Direction"), choices=ContactDirection.choices, initial="outbound")
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    reached = yes_no_field(label=_("Customer reached"), required=True, yes=_("Reached"), no=_("Not reached"))
    summary = _text(_("Summary"), rows=2)
    occurred_at = local_datetime_field(label=_("Occurred at"), help_text=_("Empty: now."))


class AttachmentForm(OrderActionForm):
    file = forms.FileField(label=_("File"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices, initial=Attachment.Kind.OTHER)


ACTION_FORMS: dict[str, type[OrderActionForm]] = {
    "dispatch": DispatchForm,
    "claim": ClaimForm,
    "dept_reply": DeptReplyForm,
    "return_reply": ReasonForm,
    "approve_reply": NoteForm,
    "reply_customer": FinalReplyForm,
    "reply_draft": ReplyDraftForm,
    "reply_send": ReplySendForm,
    "final_approval": FinalApprovalForm,
    "callback": CallbackForm,
    "close": ReasonForm,
    "redispatch": RedispatchForm,
    "extension_request": ExtensionRequestForm,
    "extension_decide": ExtensionDecideForm,
    "contact": ContactForm,
    "attachment": AttachmentForm,
}
