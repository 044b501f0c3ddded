"""REST API of tariff disputes under /api/v1/tariff-disputes/ (R-API-1): disputes and their transitions,
evidence, refunds, the approval queues per level (R-UI-2) and the cause taxonomy. Thin: parse → one service →
serialise. Errors go through tickets' exception handler: 400 names each field, 403 role or amount authority
(naming the level), 404 what you may not see, 409 a transition not allowed now or lost to a concurrent one.
Amounts are strings of yuan with at most two decimals (R-TD-6: never a float)."""

from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api.errors import ApiErrorSerializer
from tickets.api.fields import IdField, InstantField, TextField
from tickets.api.pagination import StandardPagination
from tickets.api.parsers import FormParser, JSONParser, MultiPartParser  # depth-limited (R-API-1)

from . import selectors, services
from .models import (
    ApprovalRequest,
    Cause,
    ConsentChannel,
    ConsentResult,
    Dispute,
    DisputeEvent,
    DisputeState,
    Evidence,
    Outcome,
    OutcomeKind,
    Refund,
    RemedyForm,
    Source,
)


class DisputeConflictSerializer(serializers.Serializer):
    """409 of the dispute endpoints: the shape of tickets' (tickets.api.errors), with the dispute's state."""

    detail = serializers.CharField(help_text="Names the refused transition and why; nothing changed.")
    code = serializers.ChoiceField(choices=["transition_refused", "concurrent_transition"])
    transition = serializers.CharField(required=False, help_text="The refused transition, e.g. `approve`.")
    state = serializers.ChoiceField(choices=DisputeState.choices, required=False, help_text="The dispute's state.")


CONFLICT = {409: OpenApiResponse(DisputeConflictSerializer, description="Not allowed in the dispute's state now.")}


MONEY_PATTERN = RegexValidator(
    r"^[0-9]{1,7}(\.[0-9]{1,2})?$", message="Give yuan with at most two decimals, e.g. 45.50."
)
PERIOD_PATTERN = RegexValidator(r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$", message="Give the period as YYYY-MM.")


def money(help_text: str, **kwargs) -> TextField:
    """A string, never a JSON number (R-TD-6); the service checks the rest (more than zero, at most ¥1,000,000)."""
    return TextField(
        max_length=20, validators=[MONEY_PATTERN],
        help_text=help_text + ' Yuan as a string, at most two decimals, e.g. "45.50".', **kwargs,
    )  # fmt: skip


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- output ------------------------------------------------------------------------------------------------
class CauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cause
        fields = ["id", "code", "name", "parent", "is_company_cause"]


class EvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(
        help_text="Where the file is downloaded (the dispute's visibility applies; R-SEC-2)."
    )

    class Meta:
        model = Evidence
        fields = ["id", "kind", "original_name", "size", "content_type", "uploaded_by", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, evidence) -> str:
        return reverse("td-evidence", args=[evidence.dispute_id, evidence.pk])


class ApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalRequest
        fields = [
            "id", "dispute", "amount", "remedy_form", "level_required", "level_name", "status", "requested_by",
            "requested_at", "decided_by", "decided_at", "note",
        ]  # fmt: skip
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id", "dispute", "approval", "amount", "form", "idempotency_key", "state", "gateway_reference",
            "failure_reason", "attempts", "created_at", "executed_at", "reconciled_at", "mismatch",
        ]  # fmt: skip
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeEvent
        fields = ["id", "kind", "actor", "state_before", "state_after", "note", "data", "at"]
        read_only_fields = fields


class DisputeSerializer(serializers.ModelSerializer):
    refund_formula = serializers.SerializerMethodField(help_text="How the refund was computed (R-TD-4).")
    allowed_actions = serializers.SerializerMethodField(help_text="What the requesting user may do now.")
    evidence = EvidenceSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id", "source", "order", "customer", "unit", "state", "billing_period", "disputed_amount", "charge_items",
            "description", "recharge_card", "card_bought_here", "outcome", "outcome_kind", "confirmed_amount",
            "cause", "explanation", "remedy_form", "cash_reason", "remedy_note", "multiplier", "refund_amount",
            "refund_formula", "consent_result", "consent_channel", "consent_note", "consent_at",
            "consent_recorded_by", "created_by", "created_at", "verified_by", "verified_at", "closed_at",
            "evidence", "approvals", "refunds", "allowed_actions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_refund_formula(self, dispute) -> str:
        return selectors.refund_formula(dispute=dispute)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, dispute) -> list[str]:
        request = self.context.get("request")
        return selectors.dispute_allowed_actions(dispute=dispute, user=request.user) if request else []


# --- input -------------------------------------------------------------------------------------------------
class DisputeCreateSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=Source.choices, default=Source.COMPLAINT, help_text="A customer complaint, or an internal check."
    )
    order_id = IdField(required=False, allow_null=True, help_text="The complaint order (required for a complaint).")
    customer_number = TextField(
        required=False, allow_blank=True, default="", max_length=20,
        help_text="The customer's number (internal checks; a complaint takes the order's customer).",
    )  # fmt: skip
    unit_id = IdField(required=False, allow_null=True, help_text="Your unit registering an internal check.")
    billing_period = TextField(
        max_length=7, validators=[PERIOD_PATTERN], help_text="The disputed billing period, YYYY-MM."
    )
    disputed_amount = money("The amount the customer questions.")
    charge_items = TextField(max_length=2000, help_text="The charge items questioned.")
    description = TextField(required=False, allow_blank=True, default="", max_length=4000, help_text="Account.")
    recharge_card = serializers.BooleanField(default=False, help_text="A recharge card whose password was obtained.")
    card_bought_here = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="The card was bought at our hall (R-TD-7)."
    )


class EvidenceAddSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Bill details, call records, ID copy… (the attachment rules of R-FL-8).")
    kind = serializers.ChoiceField(choices=Evidence.Kind.choices, default=Evidence.Kind.BILL, help_text="Kind.")


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices, help_text="Justified or not justified (R-TD-2).")
    explanation = TextField(max_length=4000, help_text="What the verification found (shown to the customer).")
    cause_id = IdField(required=False, allow_null=True, help_text="A leaf cause (GET …/causes/); R-TD-3.")
    outcome_kind = serializers.ChoiceField(
        choices=OutcomeKind.choices, required=False, default="", help_text="误收/错收/多收 (justified only)."
    )
    confirmed_amount = money("The confirmed amount (justified only).", required=False, allow_blank=True, default="")
    remedy_form = serializers.ChoiceField(
        choices=RemedyForm.choices, required=False, default="", help_text="Form of compensation (R-FL-9)."
    )
    cash_reason = TextField(required=False, allow_blank=True, default="", max_length=2000, help_text="Why cash.")
    remedy_note = TextField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="The non-monetary remedy given."
    )


class AmountSerializer(serializers.Serializer):
    confirmed_amount = money("The new confirmed amount; voids an open or unexecuted approval.")
    reason = TextField(max_length=2000, help_text="Why the amount changes.")


class DisputeNoteSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="", max_length=2000, help_text="A note.")


class DisputeReasonSerializer(serializers.Serializer):
    reason = TextField(max_length=2000, help_text="The reason for rejecting.")


class CloseSerializer(serializers.Serializer):
    consent_result = serializers.ChoiceField(choices=ConsentResult.choices, help_text="The customer's response.")
    consent_channel = serializers.ChoiceField(choices=ConsentChannel.choices, help_text="How it was given.")
    consent_note = TextField(required=False, allow_blank=True, default="", max_length=2000, help_text="Their words.")
    consent_at = InstantField(required=False, allow_null=True, default=None, help_text="When (default: now).")


# --- views -------------------------------------------------------------------------------------------------
def _dispute_action(name: str, input_serializer, service, doc: str, *, parsers=None):
    def view(self, request, pk=None):
        dispute = self.get_object()
        data = _validated(input_serializer, request) if input_serializer else {}
        service(dispute_id=dispute.id, actor=request.user, **data)
        return self._detail(dispute.id)

    view.__name__ = name
    view.__doc__ = doc
    options = {"detail": True, "methods": ["post"], "url_path": name.replace("_", "-")}
    if parsers:
        options["parser_classes"] = parsers
    view = action(**options)(view)
    return extend_schema(request=input_serializer, responses={200: DisputeSerializer, **CONFLICT})(view)


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DisputeSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dispute.objects.none()
        rows = selectors.dispute_visible_list(user=self.request.user)
        if self.action == "list":
            state = self.request.query_params.get("state", "")
            if state and state not in DisputeState.values:
                raise ValidationError({"state": ["Unknown state."]})
            if state:
                rows = rows.filter(state=state)
        return rows.prefetch_related("evidence", "approvals", "refunds")

    def _detail(self, dispute_id: int, status: int = 200):
        dispute = self.get_queryset().get(pk=dispute_id)
        return Response(DisputeSerializer(dispute, context={"request": self.request}).data, status=status)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "state",
                enum=DisputeState.values,
                required=False,
                allow_blank=True,
                description="Only disputes in this state.",
            )
        ],
    )
    def list(self, request, *args, **kwargs):
        """Disputes you may see (their order's visibility; internal checks by unit), newest first."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One dispute with its evidence, approvals, refunds, the refund's formula and your allowed actions."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=DisputeCreateSerializer,
        responses={
            201: DisputeSerializer,
            404: OpenApiResponse(ApiErrorSerializer, description="No such order, or not one you may see."),
        },
    )
    def create(self, request):
        """Register a dispute (R-TD-1) from a complaint order, or from an internal check."""
        dispute = services.dispute_create(actor=request.user, **_validated(DisputeCreateSerializer, request))
        return self._detail(dispute.id, status=201)

    @extend_schema(responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """The dispute's append-only history (R-AUD-1), oldest first."""
        dispute = self.get_object()
        page = self.paginate_queryset(selectors.dispute_event_list(dispute=dispute))
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    start_verification = _dispute_action(
        "start_verification", None, services.dispute_verification_start, "registered → verifying."
    )
    outcome = _dispute_action(
        "outcome", OutcomeSerializer, services.dispute_outcome_record,
        "verifying → verified: the outcome; needs bill details or call records attached (R-TD-2).",
    )  # fmt: skip
    amount = _dispute_action(
        "amount", AmountSerializer, services.dispute_amount_change,
        "Change the confirmed amount; voids the open request or an approval not executed yet.",
    )  # fmt: skip
    request_approval = _dispute_action(
        "request_approval", DisputeNoteSerializer, services.dispute_approval_request,
        "verified → pending approval at the level the amount requires (R-TD-5).",
    )  # fmt: skip
    approve = _dispute_action(
        "approve", DisputeNoteSerializer, services.dispute_approve,
        "Approve (403 names the level required); writes the refund, executed once (R-TD-6).",
    )  # fmt: skip
    reject = _dispute_action("reject", DisputeReasonSerializer, services.dispute_reject, "Reject with a reason.")
    close = _dispute_action(
        "close", CloseSerializer, services.dispute_close, "Close with the customer's response recorded (R-TD-8)."
    )

    @extend_schema(
        request={"multipart/form-data": EvidenceAddSerializer},
        responses={201: EvidenceSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        """Attach evidence (R-TD-2, R-FL-8); never deleted through the API."""
        dispute = self.get_object()
        data = _validated(EvidenceAddSerializer, request)
        evidence = services.dispute_evidence_add(
            dispute_id=dispute.id, actor=request.user, uploaded_file=data["file"], kind=data["kind"]
        )
        return Response(EvidenceSerializer(evidence).data, status=201)


class RefundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RefundSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Refund.objects.none()
        return selectors.refund_visible_list(user=self.request.user).order_by("-created_at", "-id")

    def list(self, request, *args, **kwargs):
        """Refunds of the disputes you may see, with their execution state (R-TD-6)."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One refund: pending, executing, unknown, executed with the gateway's reference, or failed."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: RefundSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """A person retries a failed refund with the same idempotency key."""
        refund = self.get_object()
        services.refund_retry(refund_id=refund.id, actor=request.user)
        return Response(RefundSerializer(Refund.objects.get(pk=refund.id)).data)


class CauseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CauseSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.cause_list()

    def list(self, request, *args, **kwargs):
        """The cause taxonomy (R-TD-3), two levels; record a leaf."""
        return super().list(request, *args, **kwargs)


class QueueCountsSerializer(serializers.Serializer):
    levels = serializers.DictField(child=serializers.IntegerField(), help_text="Open requests per level.")


class QueueCountsView(APIView):
    @extend_schema(responses={200: QueueCountsSerializer})
    def get(self, request):
        """Open approval requests per level you may decide (R-UI-2)."""
        return Response({"levels": selectors.approval_queue_counts(user=request.user)})


class QueueView(generics.ListAPIView):
    """One level's approval queue, oldest first (R-UI-2). 404 for a level you do not hold."""

    serializer_class = ApprovalSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        level = self.kwargs["level"]
        if level < 1 or level > selectors.user_approval_level(user=self.request.user):
            raise NotFound()
        return selectors.approval_queue(user=self.request.user, level=level)

    @extend_schema(
        parameters=[OpenApiParameter("level", int, OpenApiParameter.PATH, description="The approval level (1–3).")]
    )
    def get(self, request, *args, **kwargs):
        """One level's approval queue, oldest first (R-UI-2). 404 for a level you do not hold."""
        return super().get(request, *args, **kwargs)
