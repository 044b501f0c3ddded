"""Shapes of the work-order API. Serializers check types; the services check the rules (SPEC §2)."""

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
from ..selectors import work_order_allowed_transitions
from .clocks import ClockSerializer

FLAGS = ("is_major", "is_repeat", "is_batch", "is_escalated", "escalation_tendency", "is_collective", "is_media")


class WorkOrderListSerializer(serializers.ModelSerializer):
    accepted_number = serializers.SerializerMethodField(help_text=_("Masked (R-SEC-2); unmask via POST …/unmask/."))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    customer_tier = serializers.CharField(source="customer.tier", read_only=True)
    category_label = serializers.SerializerMethodField()
    accepting_unit_name = serializers.CharField(source="accepting_unit.name", read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True, default="")
    accepted_by_name = serializers.CharField(source="accepted_by.get_full_name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.get_full_name", read_only=True, default="")
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
    recorded_by_name = serializers.CharField(source="recorded_by.get_full_name", read_only=True)

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
    actor_name = serializers.CharField(source="actor.get_full_name", read_only=True, default="")

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


class WorkOrderDetailSerializer(WorkOrderListSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    department_replies = DepartmentReplySerializer(many=True, read_only=True)
    final_replies = FinalReplySerializer(many=True, read_only=True)
    callbacks = CallbackSerializer(many=True, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    clocks = ClockSerializer(many=True, read_only=True)
    extension_requests = serializers.SerializerMethodField()
    customer_brand = serializers.CharField(source="customer.brand", read_only=True)
    customer_home_city = serializers.CharField(source="customer.home_city", read_only=True)
    contact_number = serializers.SerializerMethodField(help_text=_("Masked (R-SEC-2); unmask via POST …/unmask/."))

    class Meta(WorkOrderListSerializer.Meta):
        fields = [
            *WorkOrderListSerializer.Meta.fields, "customer", "customer_brand", "customer_home_city", "external_source",
            "call_reason", "business_item", "appointed_at", "content", "findings", "evidence_note", "visit_confirmed",
            "direct_reply", "journalist", "previous_order", "repeat_reason", "origin", "skill_group", "dispatched_by",
            "contact_number", "contacts", "attachments", "department_replies", "final_replies", "callbacks",
            "allowed_transitions", "clocks", "extension_requests",
        ]  # fmt: skip
        read_only_fields = fields

    def get_contact_number(self, order: WorkOrder) -> str:
        return mask_number(order.contact_number)

    @extend_schema_field(ExtensionRequestSerializer(many=True))
    def get_extension_requests(self, order: WorkOrder) -> list[dict]:
        return ExtensionRequestSerializer(order.extension_requests.all(), many=True).data

    def get_allowed_transitions(self, order: WorkOrder) -> list[str]:
        return work_order_allowed_transitions(order=order, user=self.context["request"].user)


class CustomerInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    tier = serializers.CharField(required=False, allow_blank=True)
    brand = serializers.CharField(required=False, allow_blank=True, max_length=40)
    home_city = serializers.CharField(required=False, allow_blank=True, max_length=30)


class JournalistInput(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    outlet = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)


class WorkOrderCreateSerializer(serializers.Serializer):
    """Input of POST /orders/. Types only; the rules of SPEC §2 are checked by work_order_create."""

    order_type = serializers.ChoiceField(choices=OrderType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    handling_method = serializers.ChoiceField(choices=HandlingMethod.choices)
    accepted_number = serializers.CharField(max_length=20, allow_blank=True)
    content = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    category = serializers.IntegerField(required=False, allow_null=True, source="category_id")
    call_reason = serializers.IntegerField(required=False, allow_null=True, source="call_reason_id")
    business_item = serializers.IntegerField(required=False, allow_null=True, source="business_item_id")
    appointed_at = serializers.DateTimeField(required=False, allow_null=True)
    contact_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    findings = serializers.CharField(required=False, allow_blank=True)
    evidence_note = serializers.CharField(required=False, allow_blank=True)
    visit_confirmed = serializers.BooleanField(required=False, default=False)
    direct_reply = serializers.CharField(required=False, allow_blank=True)
    external_source = serializers.ChoiceField(choices=ExternalSource.choices, required=False, allow_blank=True)
    is_major = serializers.BooleanField(required=False, default=False)
    is_repeat = serializers.BooleanField(required=False, default=False)
    is_batch = serializers.BooleanField(required=False, default=False)
    is_escalated = serializers.BooleanField(required=False, default=False)
    escalation_tendency = serializers.BooleanField(required=False, default=False)
    is_collective = serializers.BooleanField(required=False, default=False)
    is_media = serializers.BooleanField(required=False, default=False)
    journalist = JournalistInput(required=False)
    previous_order = serializers.IntegerField(required=False, allow_null=True, source="previous_order_id")
    repeat_reason = serializers.CharField(required=False, allow_blank=True)
    accepting_unit = serializers.IntegerField(required=False, allow_null=True, source="accepting_unit_id")
    customer = CustomerInput(required=False)
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text="Files attached at acceptance (multipart/form-data). A fax/letter order (channel `letter`) "
        "needs the letter here (R-WO-7).",
    )  # fmt: skip
    attachment_kind = serializers.ChoiceField(
        choices=Attachment.Kind.choices, required=False, default=Attachment.Kind.OTHER,
        help_text="The kind of every file in `attachments`.",
    )  # fmt: skip


class DispatchInput(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RedispatchInput(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    reason = serializers.CharField(allow_blank=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CloseInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DeptReplyInput(serializers.Serializer):
    cause = serializers.CharField(required=False, allow_blank=True, default="")
    cause_unknown = serializers.BooleanField(required=False, default=False)
    process = serializers.CharField(allow_blank=True)
    is_final = serializers.BooleanField(required=False, default=True)
    result = serializers.CharField(allow_blank=True)
    service_restored = serializers.BooleanField(required=False, allow_null=True, default=None)
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    expected_recovery_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    coordinating_unit = serializers.IntegerField(
        required=False, allow_null=True, default=None, source="coordinating_unit_id"
    )
    customer_attitude = serializers.CharField(allow_blank=True)


class FinalReplyInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=FinalReplyMethod.choices)
    process = serializers.CharField(required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_blank=True, default="")
    replied_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    draft_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class FinalReplyDraftInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=FinalReplyMethod.choices)
    process = serializers.CharField(allow_blank=True)
    content = serializers.CharField(allow_blank=True)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_blank=True, default="")


class FinalReplyApprovalInput(serializers.Serializer):
    draft_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ApprovalKind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CallbackInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallbackOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    customer_unreasonable = serializers.BooleanField(required=False, allow_null=True, default=None)


class ContactInput(serializers.Serializer):
    direction = serializers.ChoiceField(choices=ContactDirection.choices)
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    reached = serializers.BooleanField()
    summary = serializers.CharField(allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class UrgeInput(serializers.Serializer):
    note = serializers.CharField(help_text="What the customer said (R-SP-1 催办).")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.PHONE)
    accepted_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20,
        help_text="The customer's accepted number, as on the intake card. Needed to urge an order of another "
        "unit, which you may not otherwise see; it must be the order's (else 404).",
    )  # fmt: skip


class AttachmentInput(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, required=False, default=Attachment.Kind.OTHER)


class FlagsInput(serializers.Serializer):
    is_major = serializers.BooleanField(required=False)
    is_repeat = serializers.BooleanField(required=False)
    is_batch = serializers.BooleanField(required=False)
    is_escalated = serializers.BooleanField(required=False)
    escalation_tendency = serializers.BooleanField(required=False)
    is_collective = serializers.BooleanField(required=False)
    is_media = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class UnmaskInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class UnmaskOutput(serializers.Serializer):
    accepted_number = serializers.CharField()
    contact_number = serializers.CharField()


class ExtensionRequestInput(serializers.Serializer):
    progress = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    requested_due_at = serializers.DateTimeField(allow_null=True)


class ExtensionDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
