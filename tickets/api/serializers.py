"""Shapes of the work-order API. Serializers check types; the services check the rules (SPEC §2)."""

import threading

from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.numbers import mask_number
from complaints.selectors import category_path_labels

from ..models import (
    Attachment,
    Callback,
    Contact,
    DepartmentReply,
    ExtensionRequest,
    FinalReply,
    FinalReplyApproval,
    TimelineEntry,
    WorkOrder,
)
from ..models.choices import (
    ApprovalKind,
    CallbackOutcome,
    Channel,
    ContactChannel,
    ContactDirection,
    ExternalSource,
    FinalReplyMethod,
    HandlingMethod,
    OrderType,
    Satisfaction,
    Urgency,
)
from ..selectors import final_reply_previous, work_order_allowed_transitions
from .clocks import ClockSerializer
from .fields import IdField, InstantField, TextField
from .labels import PersonNameField

FLAGS = ("is_major", "is_repeat", "is_batch", "is_escalated", "escalation_tendency", "is_collective", "is_media")
FLAG_HELP = {
    "is_major": "Major complaint (重大投诉, §4).",
    "is_repeat": "Repeat complaint (重复投诉).",
    "is_batch": "Batch complaint (批量投诉, R-SP-2).",
    "is_escalated": "Escalated over our head (越级投诉).",
    "escalation_tendency": "Tends to go over our head (越级倾向).",
    "is_collective": "Collective problem (集中性问题).",
    "is_media": "Media involved (媒体曝光); give the journalist.",
}


class WorkOrderListSerializer(serializers.ModelSerializer):
    accepted_number = serializers.SerializerMethodField(help_text=_("Masked (R-SEC-2); unmask via POST …/unmask/."))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_tier = serializers.CharField(source="customer.tier", read_only=True)
    category_label = serializers.SerializerMethodField()
    accepting_unit_name = serializers.CharField(source="accepting_unit.name", read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True, default="")
    accepted_by_name = PersonNameField(source="accepted_by")
    assignee_name = PersonNameField(source="assignee")
    is_overdue = serializers.BooleanField(read_only=True, default=False)
    is_at_risk = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = WorkOrder
        fields = [
            "id", "number", "order_type", "state", "urgency", "priority", "channel", "handling_method",
            "accepted_number", "customer_name", "customer_tier", "category", "category_label", *FLAGS,
            "accepting_unit", "accepting_unit_name", "handling_unit", "handling_unit_name", "accepted_by",
            "accepted_by_name", "assignee", "assignee_name", "received_at", "accepted_at", "dispatched_at",
            "handling_due_at", "closed_at", "cycle", "is_overdue", "is_at_risk",
        ]  # fmt: skip
        read_only_fields = fields

    def get_accepted_number(self, order: WorkOrder) -> str:
        return mask_number(order.accepted_number)

    def get_category_label(self, order: WorkOrder) -> str:
        """From one map of labels per response: walking `category.parent` would cost a query per row."""
        if order.category_id is None:
            return ""
        labels = self.context.get("category_labels")
        if labels is None:
            labels = self.context["category_labels"] = category_path_labels()
        return labels.get(order.category_id, "")


class ContactSerializer(serializers.ModelSerializer):
    recorded_by_name = PersonNameField(source="recorded_by")

    class Meta:
        model = Contact
        fields = [
            "id", "direction", "channel", "reached", "summary", "occurred_at", "recorded_at", "recorded_by",
            "recorded_by_name",
        ]  # fmt: skip
        read_only_fields = ["id", "recorded_at", "recorded_by", "recorded_by_name"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "size", "content_type", "uploaded_by", "uploaded_at", "file"]
        read_only_fields = fields


class DepartmentReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = DepartmentReply
        exclude = ["order"]


class FinalReplyApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = FinalReplyApproval
        fields = ["kind", "approver", "approved_at", "note"]


class FinalReplySerializer(serializers.ModelSerializer):
    approvals = FinalReplyApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = FinalReply
        exclude = ["order"]


class CallbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Callback
        exclude = ["order"]


class TimelineEntrySerializer(serializers.ModelSerializer):
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "actor", "actor_name", "kind", "state_before", "state_after", "note", "data"]


class ExtensionRequestSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id", "order", "order_number", "cycle", "requested_by", "requested_at", "progress", "reason",
            "current_due_at", "requested_due_at", "status", "decided_by", "decided_at", "approved_due_at",
            "decision_note",
        ]  # fmt: skip
        read_only_fields = fields


class ReplyVoiceSerializer(serializers.ModelSerializer):
    """The wording a repeat complaint's reply starts from (R-FL-4, R-SP-1 (b))."""

    order = serializers.IntegerField(source="order_id", read_only=True, help_text="The previous order.")

    class Meta:
        model = FinalReply
        fields = ["order", "process", "content", "method", "satisfaction", "sent_at"]
        read_only_fields = fields


class WorkOrderDetailSerializer(WorkOrderListSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    department_replies = DepartmentReplySerializer(many=True, read_only=True)
    final_replies = FinalReplySerializer(many=True, read_only=True)
    callbacks = CallbackSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    clocks = ClockSerializer(many=True, read_only=True)
    extension_requests = ExtensionRequestSerializer(many=True, read_only=True)
    customer_brand = serializers.CharField(source="customer.brand", read_only=True)
    customer_home_city = serializers.CharField(source="customer.home_city", read_only=True)
    contact_number = serializers.SerializerMethodField(help_text=_("Masked (R-SEC-2); unmask via POST …/unmask/."))
    reply_voice = serializers.SerializerMethodField(
        help_text="A repeat complaint: the final reply sent on the previous order, whose wording the reply to "
        "this one reuses (R-FL-4 one reply voice); null otherwise."
    )

    class Meta(WorkOrderListSerializer.Meta):
        fields = [
            *WorkOrderListSerializer.Meta.fields, "customer", "customer_brand", "customer_home_city", "external_source",
            "call_reason", "business_item", "appointed_at", "content", "findings", "evidence_note", "visit_confirmed",
            "direct_reply", "journalist", "previous_order", "repeat_reason", "origin", "skill_group", "dispatched_by",
            "contact_number", "contacts", "attachments", "department_replies", "final_replies", "callbacks",
            "allowed_transitions", "clocks", "extension_requests", "reply_voice",
        ]  # fmt: skip
        read_only_fields = fields

    def get_contact_number(self, order: WorkOrder) -> str:
        return mask_number(order.contact_number)

    @extend_schema_field(ReplyVoiceSerializer(allow_null=True))
    def get_reply_voice(self, order: WorkOrder) -> dict | None:
        """R-FL-4 "one reply voice": a repeat complaint's reply starts from the previous order's sent reply."""
        previous = final_reply_previous(order=order)
        if previous is None:
            return None
        return ReplyVoiceSerializer(previous).data

    def get_allowed_transitions(self, order: WorkOrder) -> list[str]:
        return work_order_allowed_transitions(order=order, user=self.context["request"].user)


class CustomerInput(serializers.Serializer):
    name = TextField(required=False, allow_blank=True, max_length=60, help_text="The customer's name as they give it.")
    tier = TextField(
        required=False, allow_blank=True, max_length=20,
        help_text="A new customer's tier: ordinary, gold, platinum, diamond (club tiers lock urgency to 特急, "
        "R-WO-4); unknown is a 400 (`customer.tier`).",
    )  # fmt: skip
    brand = TextField(required=False, allow_blank=True, max_length=40, help_text="Brand of the number, e.g. 全球通.")
    home_city = TextField(
        required=False, allow_blank=True, max_length=30,
        help_text="The number's home city; routes the order (needed for a new customer).",
    )  # fmt: skip


class JournalistInput(serializers.Serializer):
    name = TextField(required=False, allow_blank=True, max_length=60, help_text="The journalist's name.")
    outlet = TextField(required=False, allow_blank=True, max_length=100, help_text="Newspaper, station or site.")
    phone = TextField(required=False, allow_blank=True, max_length=30, help_text="How to reach the journalist.")


class FieldsBuiltOncePerThread:
    """A serializer whose fields are built once per thread and handed to each new instance, instead of deep-copied
    from the declarations for every instance (DRF's way; for the order create's ~30 fields that copy cost more than
    all the checks, issue 12 §3). The first instance binds them (names, labels, sources); each later one becomes
    their parent, so `root` and `context` are its own. Safe for input serializers, whose fields keep no state
    between validations (DRF's fields raise their errors; the data and the result live on the serializer
    instance); one set per thread, as a field has one parent at a time."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._fields_built = threading.local()

    @cached_property
    def fields(self):
        built = getattr(self._fields_built, "fields", None)
        if built is None:
            built = self._fields_built.fields = super().fields
        built.serializer = self
        for field in built.values():
            field.parent = self
        return built


class WorkOrderCreateSerializer(FieldsBuiltOncePerThread, serializers.Serializer):
    """Input of POST /orders/. Types only; the rules of SPEC §2 are checked by work_order_create."""

    order_type = serializers.ChoiceField(choices=OrderType.choices, help_text="The kind of work order (R-WO-1).")
    channel = serializers.ChoiceField(choices=Channel.choices, help_text="How the customer came to us (R-WO-5).")
    handling_method = serializers.ChoiceField(
        choices=HandlingMethod.choices, help_text="Answered on the spot, or transferred to the back office (R-WO-6)."
    )
    accepted_number = TextField(
        max_length=20, allow_blank=True, help_text="The number the complaint is about, in full (R-WO-2)."
    )
    content = TextField(allow_blank=True, help_text="What the customer says, in their words.")
    received_at = InstantField(help_text="When the customer contacted us (R-WO-10: back-dating is limited).")
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, default=Urgency.NORMAL, help_text="Urgency; a club customer's is always 特急 (R-WO-4)."
    )
    category = IdField(
        required=False,
        allow_null=True,
        source="category_id",
        help_text="A leaf category (R-WO-3); complaints need one.",
    )
    call_reason = IdField(
        required=False, allow_null=True, source="call_reason_id", help_text="Call reason of a consultation."
    )
    business_item = IdField(
        required=False, allow_null=True, source="business_item_id", help_text="Business item of back-office business."
    )
    appointed_at = InstantField(required=False, allow_null=True, help_text="The appointment's time (appointments).")
    contact_number = TextField(
        required=False, allow_blank=True, max_length=20, help_text="Where to call back, when not the accepted number."
    )
    findings = TextField(required=False, allow_blank=True, help_text="What the clerk found checking.")
    evidence_note = TextField(required=False, allow_blank=True, help_text="Evidence the customer showed.")
    visit_confirmed = serializers.BooleanField(
        required=False, default=False, help_text="The customer confirmed a visit is needed."
    )
    direct_reply = TextField(
        required=False, allow_blank=True, help_text="The answer given on the spot (handling method `direct_reply`)."
    )
    external_source = serializers.ChoiceField(
        choices=ExternalSource.choices, required=False, allow_blank=True,
        help_text="The outside body that forwarded the complaint, if any (blank: none).",
    )  # fmt: skip
    is_major = serializers.BooleanField(required=False, default=False, help_text=FLAG_HELP["is_major"])
    is_repeat = serializers.BooleanField(required=False, default=False, help_text=FLAG_HELP["is_repeat"])
    is_batch = serializers.BooleanField(required=False, default=False, help_text=FLAG_HELP["is_batch"])
    is_escalated = serializers.BooleanField(required=False, default=False, help_text=FLAG_HELP["is_escalated"])
    escalation_tendency = serializers.BooleanField(
        required=False, default=False, help_text=FLAG_HELP["escalation_tendency"]
    )
    is_collective = serializers.BooleanField(required=False, default=False, help_text=FLAG_HELP["is_collective"])
    is_media = serializers.BooleanField(required=False, default=False, help_text=FLAG_HELP["is_media"])
    journalist = JournalistInput(required=False, help_text="The journalist, for a media complaint.")
    previous_order = IdField(
        required=False, allow_null=True, source="previous_order_id",
        help_text="The earlier order of a repeat complaint (R-SP-1 (b)): of the same number and top-level "
        "category, closed within the repeat window (30 days); else a 400 naming `previous_order`. One you may "
        "not see answers like a missing one.",
    )  # fmt: skip
    repeat_reason = TextField(
        required=False, allow_blank=True,
        help_text="Why the customer is unhappy with the previous result (required for a repeat complaint).",
    )  # fmt: skip
    same_matter = serializers.ChoiceField(
        choices=[("repeat", "repeat"), ("different", "different")], required=False, allow_blank=True, default="",
        help_text="R-SP-1 (b): when this number's complaint of the same top-level category was closed within the "
        "repeat window (30 days), a complaint without `is_repeat` is refused with a 400 naming `same_matter` and "
        "the candidate's id in `same_matter.candidate`; answer `repeat` (a repeat complaint of that order, or of "
        "`previous_order`; needs `repeat_reason`) or `different` (a new matter, recorded on the timeline).",
    )  # fmt: skip
    accepting_unit = IdField(
        required=False, allow_null=True, source="accepting_unit_id", help_text="Accepting unit; default: your own."
    )
    customer = CustomerInput(required=False, help_text="A new customer's card (ignored for a known number).")
    attachments = serializers.ListField(
        child=serializers.FileField(help_text="One file."), required=False, default=list,
        help_text="Files attached at acceptance (multipart/form-data). A fax/letter order (channel `letter`) "
        "needs the letter here (R-WO-7).",
    )  # fmt: skip
    attachment_kind = serializers.ChoiceField(
        choices=Attachment.Kind.choices, required=False, default=Attachment.Kind.OTHER,
        help_text="The kind of every file in `attachments`.",
    )  # fmt: skip


class DispatchInput(serializers.Serializer):
    unit = IdField(source="unit_id", help_text="The handling unit to send the order to.")
    due_at = InstantField(
        required=False, allow_null=True, help_text="Handling due time; default: the clock policy's (R-CLK-*)."
    )
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the handlers.")


class RedispatchInput(serializers.Serializer):
    unit = IdField(source="unit_id", help_text="The handling unit of the new cycle.")
    reason = TextField(allow_blank=True, help_text="Why the order goes round again (R-FL-6).")
    due_at = InstantField(required=False, allow_null=True, help_text="Handling due time of the new cycle.")


class NoteInput(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the timeline.")


class ReasonInput(serializers.Serializer):
    reason = TextField(allow_blank=True, help_text="Why the reply goes back to the department (R-FL-3).")


class CloseInput(serializers.Serializer):
    reason = TextField(required=False, allow_blank=True, default="", help_text="A closing note.")


class DeptReplyInput(serializers.Serializer):
    """回单 (R-FL-2): cause, process, result, and the customer's attitude."""

    cause = TextField(required=False, allow_blank=True, default="", help_text="The cause found.")
    cause_unknown = serializers.BooleanField(
        required=False, default=False, help_text="The cause could not be found (then `cause` may be blank)."
    )
    process = TextField(allow_blank=True, help_text="What was done.")
    is_final = serializers.BooleanField(
        required=False, default=True, help_text="The final reply of the department, not an interim one."
    )
    result = TextField(allow_blank=True, help_text="The outcome.")
    service_restored = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="The service works again (null: not applicable)."
    )
    measures = TextField(
        required=False, allow_blank=True, default="", help_text="Measures taken to keep it from recurring."
    )
    expected_recovery_at = InstantField(
        required=False, allow_null=True, default=None, help_text="When the service is expected back."
    )
    coordinating_unit = IdField(
        required=False, allow_null=True, default=None, source="coordinating_unit_id",
        help_text="A unit that helped, if any.",
    )  # fmt: skip
    customer_attitude = TextField(allow_blank=True, help_text="How the customer took it.")


class FinalReplyInput(serializers.Serializer):
    """The final reply to the customer (R-FL-4): its five elements, or an approved draft."""

    method = serializers.ChoiceField(choices=FinalReplyMethod.choices, help_text="How the customer was answered.")
    process = TextField(required=False, allow_blank=True, default="", help_text="How the matter was handled.")
    content = TextField(required=False, allow_blank=True, default="", help_text="What was said.")
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_blank=True, default="",
        help_text="The customer's satisfaction (blank: not asked).",
    )  # fmt: skip
    replied_at = InstantField(required=False, allow_null=True, default=None, help_text="When; default: now.")
    draft_id = IdField(
        required=False, allow_null=True, default=None, help_text="Send this approved written/email draft (R-FL-4)."
    )


class FinalReplyDraftInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=FinalReplyMethod.choices, help_text="Written or email reply.")
    process = TextField(allow_blank=True, help_text="How the matter was handled.")
    content = TextField(allow_blank=True, help_text="The reply's text.")
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_blank=True, default="",
        help_text="The customer's satisfaction (blank: not asked).",
    )  # fmt: skip


class FinalReplyApprovalInput(serializers.Serializer):
    draft_id = IdField(help_text="The draft of this order to approve.")
    kind = serializers.ChoiceField(choices=ApprovalKind.choices, help_text="Which approval this is.")
    note = TextField(required=False, allow_blank=True, default="", help_text="The approver's note.")


class CallbackInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices, help_text="What the customer said (R-FL-6).")
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the timeline.")
    customer_unreasonable = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="Unsatisfied but unreasonable: close instead of redispatching (null: not judged).",
    )  # fmt: skip


class ContactInput(serializers.Serializer):
    direction = serializers.ChoiceField(choices=ContactDirection.choices, help_text="We called, or they did.")
    channel = serializers.ChoiceField(choices=ContactChannel.choices, help_text="How.")
    reached = serializers.BooleanField(help_text="The customer was reached (R-FL-5 counts the attempts that were not).")
    summary = TextField(allow_blank=True, help_text="What was said.")
    occurred_at = InstantField(required=False, allow_null=True, default=None, help_text="When; default: now.")


class UrgeInput(serializers.Serializer):
    note = TextField(help_text="What the customer said (R-SP-1 催办).")
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, default=Channel.PHONE, help_text="How the customer urged."
    )
    accepted_number = TextField(
        required=False, allow_blank=True, default="", max_length=20,
        help_text="The customer's accepted number, as on the intake card. Needed to urge an order of another "
        "unit, which you may not otherwise see; it must be the order's (else 404).",
    )  # fmt: skip


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField(help_text="The file (multipart/form-data); limits of R-FL-8 apply.")
    kind = serializers.ChoiceField(
        choices=Attachment.Kind.choices, required=False, default=Attachment.Kind.OTHER, help_text="What the file is."
    )


class FlagsInput(serializers.Serializer):
    is_major = serializers.BooleanField(required=False, help_text=FLAG_HELP["is_major"])
    is_repeat = serializers.BooleanField(required=False, help_text=FLAG_HELP["is_repeat"])
    is_batch = serializers.BooleanField(required=False, help_text=FLAG_HELP["is_batch"])
    is_escalated = serializers.BooleanField(required=False, help_text=FLAG_HELP["is_escalated"])
    escalation_tendency = serializers.BooleanField(required=False, help_text=FLAG_HELP["escalation_tendency"])
    is_collective = serializers.BooleanField(required=False, help_text=FLAG_HELP["is_collective"])
    is_media = serializers.BooleanField(required=False, help_text=FLAG_HELP["is_media"])
    note = TextField(required=False, allow_blank=True, default="", help_text="Why the flags change.")


class AppointmentMoveInput(serializers.Serializer):
    appointed_at = InstantField(help_text="The new appointed time (ISO 8601 with offset); must be in the future.")
    note = TextField(required=False, allow_blank=True, default="", help_text="What was agreed with the customer.")


class UnmaskInput(serializers.Serializer):
    # Required (R-SEC-2): blank or with a NUL character is a 400 naming `reason`.
    reason = TextField(
        max_length=200,
        help_text="Why you need the full number (required; audited).",
    )


class UnmaskOutput(serializers.Serializer):
    accepted_number = serializers.CharField()
    contact_number = serializers.CharField()


class ExtensionRequestInput(serializers.Serializer):
    progress = TextField(allow_blank=True, help_text="Where the handling stands (R-FL-7).")
    reason = TextField(allow_blank=True, help_text="Why more time is needed.")
    requested_due_at = InstantField(allow_null=True, help_text="The due time asked for.")


class ExtensionDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField(help_text="Grant (true) or refuse (false).")
    note = TextField(required=False, allow_blank=True, default="", help_text="The decision's note.")
    due_at = InstantField(
        required=False, allow_null=True, default=None, help_text="The due time granted; default: the one asked for."
    )
