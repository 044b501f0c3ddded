"""Shapes of the holiday-duty API (R-API-1): strict input fields (tickets.api.fields), read-only output."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.api.fields import IdField, InstantField, TextField

from ..models import (
    CallOutcome,
    CallTask,
    DutyEscalation,
    DutyLogEntry,
    DutyOrder,
    EscalationStep,
    FeedbackChannel,
    Handover,
    HandoverItem,
    OverrideKind,
    RosterOverride,
    Shift,
    ShiftSwap,
)


# --- output --------------------------------------------------------------------------------------------------
class EscalationStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalationStep
        fields = ["level", "person", "at", "by"]
        read_only_fields = fields


class RungSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    person = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    wait = serializers.IntegerField(help_text="Seconds before the next level.")


class EscalationSerializer(serializers.ModelSerializer):
    ladder = RungSerializer(many=True, read_only=True, help_text="The ladder as it was when the escalation started.")
    steps = EscalationStepSerializer(many=True, read_only=True)

    class Meta:
        model = DutyEscalation
        fields = ["reason", "state", "level", "ladder", "started_at", "started_by", "next_check_at", "ended_at",
                  "steps"]  # fmt: skip
        read_only_fields = fields


class CallTaskSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="duty_order.order.number", read_only=True)

    class Meta:
        model = CallTask
        fields = ["id", "duty_order", "order_number", "number", "callee", "callee_name", "assigned_to", "level",
                  "created_at", "outcome", "outcome_at", "outcome_by", "note"]  # fmt: skip
        read_only_fields = fields


class DutyOrderSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    group_name = serializers.CharField(source="group.unit.name", read_only=True)
    group_kind = serializers.CharField(source="group.kind", read_only=True)
    escalation = serializers.SerializerMethodField()
    calls = CallTaskSerializer(many=True, read_only=True)

    class Meta:
        model = DutyOrder
        fields = [
            "id", "order", "order_number", "cycle", "hall", "group", "group_name", "group_kind", "duty_day",
            "landed_at", "state", "owner", "owner_is_fallback", "handler", "contact", "handler_phone",
            "confirmed_by", "notified_at", "feedback_due_at", "feedback_at", "feedback_by", "feedback_from_name",
            "feedback_channel", "feedback_note", "recorded_by", "archived_at", "escalation", "calls",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(EscalationSerializer(allow_null=True))
    def get_escalation(self, duty_order) -> dict | None:
        try:
            escalation = duty_order.escalation
        except DutyEscalation.DoesNotExist:
            return None
        return EscalationSerializer(escalation).data


class LogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyLogEntry
        fields = ["id", "hall", "day", "at", "kind", "actor", "duty_order", "text"]
        read_only_fields = fields


class HandoverItemSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="duty_order.order.number", read_only=True)

    class Meta:
        model = HandoverItem
        fields = ["duty_order", "order_number", "state", "feedback_due_at"]
        read_only_fields = fields


class HandoverSerializer(serializers.ModelSerializer):
    items = HandoverItemSerializer(many=True, read_only=True)

    class Meta:
        model = Handover
        fields = ["id", "hall", "outgoing", "incoming", "written_at", "open_problems", "diary", "signed_at",
                  "signed_by", "items"]  # fmt: skip
        read_only_fields = fields


class ShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["id", "hall", "person", "starts_at", "ends_at", "source"]
        read_only_fields = fields


class OverrideSerializer(serializers.ModelSerializer):
    class Meta:
        model = RosterOverride
        fields = ["id", "hall", "kind", "person", "replaces", "starts_at", "ends_at", "reason", "swap", "created_by",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class SwapSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShiftSwap
        fields = ["id", "shift", "hall", "starts_at", "ends_at", "from_person", "to_person",
                  "state", "requested_by", "requested_at", "agreed_by",
                  "answered_at"]  # fmt: skip
        read_only_fields = fields


# --- input ---------------------------------------------------------------------------------------------------
class ConfirmSerializer(serializers.Serializer):
    handler_id = IdField(required=False, allow_null=True, default=None,
                         help_text="The manager who handles the order (manager groups).")  # fmt: skip
    contact_id = IdField(required=False, allow_null=True, default=None,
                         help_text="The distributor's holiday contact (distributor groups).")  # fmt: skip
    phone = TextField(required=False, allow_blank=True, default="", max_length=20,
                      help_text="The number to call; default: the manager's duty phone.")  # fmt: skip


class FeedbackSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=FeedbackChannel.choices, help_text="How the feedback came.")
    note = TextField(max_length=4000, help_text="What the handler reported about the customer contact.")
    from_user_id = IdField(required=False, allow_null=True, default=None, help_text="Who fed back (a user).")
    from_name = TextField(required=False, allow_blank=True, default="", max_length=100,
                          help_text="Who fed back (a name, e.g. a distributor contact).")  # fmt: skip


class DutyNoteSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="", max_length=500, help_text="A note.")


class CallOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices, help_text="Reached, not reached, wrong number.")
    note = TextField(required=False, allow_blank=True, default="", max_length=500, help_text="A note.")


class LogEntryCreateSerializer(serializers.Serializer):
    hall = IdField(help_text="The duty hall.")
    text = TextField(max_length=4000, help_text="The entry.")
    duty_order = IdField(required=False, allow_null=True, default=None, help_text="The duty order it is about.")


class HandoverCreateSerializer(serializers.Serializer):
    hall = IdField(help_text="The duty hall.")
    incoming_id = IdField(help_text="The incoming duty staff member.")
    open_problems = TextField(required=False, allow_blank=True, default="", max_length=4000,
                              help_text="Open problems passed on.")  # fmt: skip
    diary = TextField(required=False, allow_blank=True, default="", max_length=4000, help_text="The duty diary.")


class HandoverUpdateSerializer(serializers.Serializer):
    open_problems = TextField(required=False, max_length=4000, help_text="Open problems passed on.")
    diary = TextField(required=False, max_length=4000, help_text="The duty diary.")


class OverrideCreateSerializer(serializers.Serializer):
    hall = IdField(help_text="The duty hall.")
    kind = serializers.ChoiceField(choices=OverrideKind.choices, help_text="Add, remove or replace a person.")
    person_id = IdField(help_text="The person added, removed, or coming in.")
    replaces_id = IdField(required=False, allow_null=True, default=None, help_text="The person replaced.")
    starts_at = InstantField()
    ends_at = InstantField()
    reason = TextField(required=False, allow_blank=True, default="", max_length=200, help_text="Why.")


class SwapCreateSerializer(serializers.Serializer):
    shift = IdField(help_text="Your future shift.")
    to_person_id = IdField(help_text="The colleague asked to take it.")


class SwapAnswerSerializer(serializers.Serializer):
    agree = serializers.BooleanField(help_text="Agree (you take the shift) or decline.")
