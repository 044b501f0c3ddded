"""Accepting a customer in one screen (R-UI-1): the fields of `OrderIntake`, typed. Which fields a type
needs, the club customer's urgency and every other rule are the service's (`work_order_create`)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from complaints.models import BusinessItem, CallReason, Customer
from org.models import OrgUnit

from ..models import Attachment, Channel, HandlingMethod, OrderType, Urgency
from ..models.choices import ExternalSource
from ..selectors import work_order_rules
from ..services import OrderIntake
from .widgets import MultipleFileField, local_datetime_field, now_local_minute

FLAG_FIELDS = ("is_major", "is_repeat", "is_batch", "is_escalated", "escalation_tendency", "is_collective", "is_media")

# Service error keys that the form names differently.
SERVICE_FIELD_MAP = {
    "journalist": "journalist_name", "home_city": "customer_home_city", "customer.home_city": "customer_home_city",
    "customer.tier": "customer_tier", "file": "attachments",
}  # fmt: skip


def _text(label, *, required=False, max_length=None, rows=None, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=widget, help_text=help_text, strip=True
    )


class IntakeForm(forms.Form):
    order_type = forms.ChoiceField(
        label=_("Order type"), choices=OrderType.choices, initial=OrderType.COMPLAINT, widget=forms.RadioSelect
    )
    accepted_number = _text(_("Accepted number"), required=True, max_length=20)
    contact_number = _text(_("Contact number"), max_length=20)
    # A new customer's card; an existing customer's record is never overwritten, only completed.
    customer_name = _text(_("Customer name"), max_length=60)
    customer_tier = forms.ChoiceField(
        label=_("Customer tier"), required=False, choices=[("", "—"), *Customer.Tier.choices]
    )
    customer_brand = _text(_("Brand"), max_length=40)
    customer_home_city = _text(_("Home city"), max_length=30)

    category = forms.IntegerField(label=_("Complaint category"), required=False, widget=forms.HiddenInput)
    call_reason = forms.ModelChoiceField(
        label=_("Call reason"), required=False, queryset=CallReason.objects.filter(is_active=True)
    )
    business_item = forms.ModelChoiceField(
        label=_("Business item"), required=False, queryset=BusinessItem.objects.filter(is_active=True)
    )
    appointed_at = local_datetime_field(label=_("Appointed time"))

    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    handling_method = forms.ChoiceField(
        label=_("Handling method"), choices=HandlingMethod.choices, initial=HandlingMethod.TRANSFER,
        widget=forms.RadioSelect,
    )  # fmt: skip
    received_at = local_datetime_field(label=_("Received at"), required=True)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    visit_confirmed = forms.BooleanField(label=_("The customer confirmed the visit record"), required=False)
    external_source = forms.ChoiceField(
        label=_("Transferred by"), required=False, choices=[("", "—"), *ExternalSource.choices]
    )

    is_major = forms.BooleanField(label=_("Major complaint"), required=False)
    is_repeat = forms.BooleanField(label=_("Repeat complaint"), required=False)
    is_batch = forms.BooleanField(label=_("Batch complaint"), required=False)
    is_escalated = forms.BooleanField(label=_("Escalated complaint"), required=False)
    escalation_tendency = forms.BooleanField(label=_("Threatens to go over our head"), required=False)
    is_collective = forms.BooleanField(label=_("Collective problem"), required=False)
    is_media = forms.BooleanField(label=_("Media involved"), required=False)
    journalist_name = _text(_("Journalist's name"), max_length=60)
    journalist_outlet = _text(_("Media outlet"), max_length=100)
    journalist_phone = _text(_("Journalist's phone"), max_length=30)
    previous_order = forms.ModelChoiceField(
        label=_("Previous order number"), required=False, queryset=None, to_field_name="number",
        widget=forms.TextInput, error_messages={"invalid_choice": _("No order you can see has this number.")},
    )  # fmt: skip
    repeat_reason = _text(_("Why the customer is unhappy with the previous result"), rows=2)
    # R-SP-1 (b): the clerk's answer when the same matter was closed recently (buttons of the intake page).
    same_matter = forms.ChoiceField(
        label=_("Same matter as a recent order"), required=False,
        choices=[("", "—"), ("repeat", _("Repeat of it")), ("different", _("A different matter"))],
    )  # fmt: skip

    content = _text(_("Customer's request"), rows=4)
    findings = _text(_("Learnt while talking"), rows=2)
    evidence_note = _text(_("Initial evidence"), rows=2)
    direct_reply = _text(_("Reply given on the spot"), rows=2)
    accepting_unit = forms.ModelChoiceField(label=_("Accepting unit"), required=False, queryset=None)
    attachments = MultipleFileField(
        label=_("Attachments"), required=False, help_text=_("A fax/letter order needs the letter here (R-WO-7).")
    )
    attachment_kind = forms.ChoiceField(
        label=_("Attachment kind"), choices=Attachment.Kind.choices, initial=Attachment.Kind.OTHER
    )

    def __init__(self, *args, user, visible_orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = now_local_minute
        self.fields["received_at"].help_text = _("When the customer contacted us; up to %(days)d days back.") % {
            "days": work_order_rules().backdate_limit_days
        }
        self.fields["previous_order"].queryset = visible_orders
        units = user.org_units.filter(is_active=True).order_by("id")
        self.fields["accepting_unit"].queryset = units
        self.fields["accepting_unit"].empty_label = None
        # Defaults from the user's unit (issue 13 §2): at a hall or outlet the customer is at the counter (来人来访,
        # whose confirmation is then shown at once), and most customers belong to the hall's own city.
        unit = units.first()
        if unit is not None and unit.kind in (OrgUnit.Kind.HALL, OrgUnit.Kind.PARTNER):
            self.fields["channel"].initial = Channel.VISIT
        if unit is not None and unit.city:
            self.fields["customer_home_city"].initial = unit.city
        # Required where they show (marked * on the page): the type's own field, the on-the-spot reply, the repeat's
        # link and reason, the receipt's time and channel, the visit's confirmation, the transferring body.
        for name in (
            "call_reason", "appointed_at", "business_item", "direct_reply", "previous_order", "repeat_reason",
            "received_at", "channel", "visit_confirmed", "external_source",
        ):  # fmt: skip
            self.fields[name].widget.attrs["aria-required"] = "true"
        extensions = ", ".join(f".{ext}" for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS)
        self.fields["attachments"].widget.attrs["accept"] = extensions
        self.fields["accepted_number"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        # The customer look-up re-renders these fields while the clerk may be typing in them: htmx keeps the
        # element already on the page (and what was typed) when the new content has the same id.
        for name in ("customer_name", "customer_tier", "customer_brand"):
            self.fields[name].widget.attrs["hx-preserve"] = "true"

    def to_intake(self) -> OrderIntake:
        data = self.cleaned_data
        previous, unit = data.get("previous_order"), data.get("accepting_unit")
        journalist = {k: data[f"journalist_{k}"] for k in ("name", "outlet", "phone") if data.get(f"journalist_{k}")}
        customer = {
            k: data[f"customer_{k}"] for k in ("name", "tier", "brand", "home_city") if data.get(f"customer_{k}")
        }
        return OrderIntake(
            order_type=data["order_type"], channel=data["channel"], handling_method=data["handling_method"],
            accepted_number=data["accepted_number"], content=data.get("content", ""),
            received_at=data["received_at"], urgency=data["urgency"], category_id=data.get("category"),
            call_reason_id=data["call_reason"].id if data.get("call_reason") else None,
            business_item_id=data["business_item"].id if data.get("business_item") else None,
            appointed_at=data.get("appointed_at"), contact_number=data.get("contact_number", ""),
            findings=data.get("findings", ""), evidence_note=data.get("evidence_note", ""),
            visit_confirmed=data.get("visit_confirmed", False), direct_reply=data.get("direct_reply", ""),
            external_source=data.get("external_source", ""), journalist=journalist,
            previous_order_id=previous.id if previous else None, repeat_reason=data.get("repeat_reason", ""),
            accepting_unit_id=unit.id if unit else None, customer=customer,
            same_matter=data.get("same_matter", ""),
            **{flag: data.get(flag, False) for flag in FLAG_FIELDS},
        )  # fmt: skip
