"""REST API of major complaints under /api/v1/escalation/ (R-API-1): major complaints, declarations and their
transitions, opinions, the queues (R-MAJ-6) and the reference data. Thin: parse → one service → serialise.
Errors go through tickets' exception handler: 400 names each field, 403 role or person, 404 what you may not
see, 409 a transition not allowed now or lost to a concurrent one."""

from django.db import models
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api.errors import ApiErrorSerializer
from tickets.api.fields import IdField, InstantField, TextField
from tickets.api.parsers import FormParser, JSONParser, MultiPartParser
from tickets.api.schema import FIELD_ERRORS
from tickets.models import WorkOrder
from tickets.selectors import work_order_visible_list

from . import selectors, services
from .models import (
    CONTENT_FIELDS,
    Criterion,
    Declaration,
    DeclarationDecision,
    DeclarationOpinion,
    DeclarationRound,
    DeclarationState,
    EscalatedCase,
    EscalatedReply,
    Interface,
    MajorComplaint,
    OpinionKind,
)
from .views import allowed_transitions


class DeclarationConflictSerializer(serializers.Serializer):
    """409 of the escalation endpoints: like the orders' (tickets.api.errors), but `state` is the declaration's
    state (or the order's, for the major complaint's own steps)."""

    detail = serializers.CharField(help_text="Why the transition is not allowed now; nothing changed.")
    code = serializers.ChoiceField(choices=["transition_refused", "concurrent_transition"])
    transition = serializers.CharField(required=False, help_text="The refused transition, e.g. `submit`.")
    state = serializers.CharField(required=False, help_text="The declaration's (or order's) state now.")


def errors(*codes: int) -> dict:
    """The answers tickets' contract schema (tickets/api/schema.py) does not add by itself: 409 with the
    declaration's state, and 403 on a GET. 400, 401, 404, 413 and 415 come from the contract schema."""
    described = {
        403: OpenApiResponse(ApiErrorSerializer, description="Your role does not have this queue."),
        409: OpenApiResponse(
            DeclarationConflictSerializer, description="Not allowed now, or lost to a concurrent change."
        ),
    }
    return {code: described[code] for code in codes if code in described and (code != 403 or 409 not in codes)}


def errors_without_body() -> dict:
    """An action without a body that still answers 400 naming what is missing (submit: R-MAJ-3)."""
    return {
        400: OpenApiResponse(FIELD_ERRORS, description="What is missing, by name (parts, criteria, opinions)."),
        **errors(409),
    }


# --- serializers -----------------------------------------------------------------------------------------
class InterfaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Interface
        fields = ["id", "code", "name", "declaring_role", "reviewing_role", "admins"]


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "code", "name", "description"]


class MajorClockSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.CharField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    remaining_seconds = serializers.SerializerMethodField()

    def get_remaining_seconds(self, clock) -> int | None:
        if clock.state not in ("running", "overdue"):
            return None
        return int((clock.due_at - timezone.now()).total_seconds())


class MajorComplaintSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    criteria = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    declaration_id = serializers.SerializerMethodField()
    clocks = serializers.SerializerMethodField()

    class Meta:
        model = MajorComplaint
        fields = [
            "id", "order", "order_number", "interface", "criteria", "classified_by", "classified_at", "accepted_at",
            "reported_by", "supervisor", "reported_at", "supervisor_opinion", "opinion_at", "plan", "reply_script",
            "replier", "customer_reply", "replied_at", "declaration_id", "clocks",
        ]  # fmt: skip
        read_only_fields = fields

    def get_declaration_id(self, major) -> int | None:
        declaration = getattr(major, "declaration", None)
        return declaration.id if declaration else None

    @extend_schema_field(MajorClockSerializer(many=True))
    def get_clocks(self, major) -> list[dict]:
        clocks = getattr(major.order, "major_clocks", None)
        if clocks is None:
            clocks = major.order.clocks.filter(kind__in=selectors.MAJOR_CLOCK_KINDS)
        return MajorClockSerializer(clocks, many=True).data


class ClassifySerializer(serializers.Serializer):
    order_id = IdField(help_text="The complaint order to classify as major.")
    criterion_ids = serializers.ListField(
        child=IdField(),
        allow_empty=True,
        help_text="Ids of the major-complaint criteria met (at least one; GET …/criteria/).",
    )
    interface_id = IdField(
        required=False,
        allow_null=True,
        help_text="The declaration interface (GET …/interfaces/); default from the accepting unit.",
    )
    note = TextField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="A note for the timeline."
    )


class MajorOpinionSerializer(serializers.Serializer):
    opinion = TextField(allow_blank=True, max_length=5000, help_text="The supervisor's handling opinion (required).")
    plan = TextField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="The pre-handling plan (R-MAJ-5)."
    )
    reply_script = TextField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="The emergency reply script (R-MAJ-5)."
    )
    replier_id = IdField(
        required=False, allow_null=True, help_text="The designated replier; default the first-contact owner."
    )


class MajorReplySerializer(serializers.Serializer):
    content = TextField(allow_blank=True, max_length=5000, help_text="What the customer was told (required).")


class FileLinkMixin(serializers.Serializer):
    """`attachment`: where the row's file is downloaded (GET, the declaration's visibility applies: R-SEC-2), or
    null without one. Not the storage's own URL, which no rule guards."""

    file_kind = ""
    attachment = serializers.SerializerMethodField()

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "Download path of the file (GET), or null."}
    )
    def get_attachment(self, row) -> str | None:
        if not row.attachment:
            return None
        return reverse(
            "escalation-declaration-file-download", kwargs={"pk": row.declaration_id, "kind": self.file_kind,
                                                            "row_id": row.pk}
        )  # fmt: skip


class OpinionSerializer(FileLinkMixin, serializers.ModelSerializer):
    file_kind = "opinion"
    round = serializers.IntegerField(source="round.number", read_only=True)

    class Meta:
        model = DeclarationOpinion
        fields = ["id", "round", "kind", "author", "text", "content_version", "attachment", "given_at"]
        read_only_fields = fields


class DecisionSerializer(FileLinkMixin, serializers.ModelSerializer):
    file_kind = "decision"

    class Meta:
        model = DeclarationDecision
        fields = ["id", "step", "decision", "author", "text", "attachment", "at"]
        read_only_fields = fields


class RoundSerializer(serializers.ModelSerializer):
    opinions = OpinionSerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = DeclarationRound
        fields = [
            "number",
            "opened_at",
            "closed_at",
            "returned_by",
            "returned_from",
            "return_reason",
            "opinions",
            "decisions",
        ]
        read_only_fields = fields


class DeclarationSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="major.order_id", read_only=True)
    order_number = TextField(source="major.order.number", read_only=True)
    criteria = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    opinions_missing = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    rounds = RoundSerializer(many=True, read_only=True)

    class Meta:
        model = Declaration
        fields = [
            "id", "major", "order", "order_number", "interface", "state", "declarer", "support_unit",
            *CONTENT_FIELDS, "criteria", "content_version", "round_number", "returned_from", "reviewer",
            "interface_admin", "chief", "resolved_by", "resolved_step", "resolution", "created_at",
            "first_submitted_at", "step_started_at", "resolved_at", "closed_at", "opinions_missing",
            "allowed_transitions", "rounds",
        ]  # fmt: skip
        read_only_fields = fields

    def get_opinions_missing(self, declaration) -> list[str]:
        return selectors.opinions_missing(declaration=declaration)

    def get_allowed_transitions(self, declaration) -> list[str]:
        return allowed_transitions(declaration=declaration, user=self.context["request"].user)


class DeclarationWriteSerializer(serializers.Serializer):
    support_unit_id = IdField(
        required=False,
        allow_null=True,
        help_text="The support department asked for its opinion; default the order's handling unit.",
    )
    criterion_ids = serializers.ListField(
        child=IdField(),
        required=False,
        help_text="Ids of the criteria met; default those of the classification.",
    )
    problem = TextField(required=False, allow_blank=True, max_length=10000, help_text="The problem.")
    cause_trace = TextField(
        required=False, allow_blank=True, max_length=10000, help_text="The trace of its cause (溯源结果)."
    )
    resources_used = TextField(required=False, allow_blank=True, max_length=10000, help_text="The resources used.")
    communication = TextField(required=False, allow_blank=True, max_length=10000, help_text="The communication so far.")
    unresolved_reason = TextField(
        required=False, allow_blank=True, max_length=10000, help_text="Why the resources used did not solve it."
    )


class DeclarationCreateSerializer(DeclarationWriteSerializer):
    major_id = IdField(help_text="The major complaint declared.")


class OpinionGiveSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=OpinionKind.choices,
        help_text="`support` (a handler of the department asked) or `legal` (the legal office).",
    )
    text = TextField(allow_blank=True, max_length=10000, help_text="The opinion (required).")
    attachment = serializers.FileField(
        required=False, allow_null=True, help_text="Evidence, within the attachment limits (R-FL-8)."
    )


class DecisionFileSerializer(serializers.Serializer):
    """A decision may carry one file (issue 9: a round's decisions are rows with attachments), sent as
    multipart/form-data, under the evidence limits of the orders' attachments (R-FL-8)."""

    attachment = serializers.FileField(
        required=False,
        allow_null=True,
        help_text="Evidence of the decision (multipart/form-data), within the attachment limits (R-FL-8): "
        "a type not accepted, too large, empty, or content that is not what its extension says is a 400 "
        "naming `attachment`, with nothing changed.",
    )


class NoteSerializer(DecisionFileSerializer):
    note = TextField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="A note for the decision and the timeline.",
    )


class ReasonSerializer(DecisionFileSerializer):
    reason = TextField(allow_blank=True, max_length=5000, help_text="The reason (required).")


class ResolutionSerializer(DecisionFileSerializer):
    resolution = TextField(allow_blank=True, max_length=10000, help_text="The resolution (required).")


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- views -----------------------------------------------------------------------------------------------
class MajorComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MajorComplaintSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MajorComplaint.objects.none()
        return selectors.major_visible_list(user=self.request.user)

    def _detail(self, major_id: int):
        return Response(MajorComplaintSerializer(self.get_queryset().get(pk=major_id)).data)

    @extend_schema(responses={200: MajorComplaintSerializer, **errors(401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: MajorComplaintSerializer, **errors(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=ClassifySerializer, responses={201: MajorComplaintSerializer, **errors(400, 401, 403, 404, 409)}
    )
    def create(self, request):
        """Classify a complaint as major with the checklist (R-MAJ-2); opens the record, reports to the
        supervisor and starts the clocks (R-MAJ-1, R-MAJ-5)."""
        data = _validated(ClassifySerializer, request)
        try:
            major = services.major_complaint_classify(actor=request.user, **data)
        except WorkOrder.DoesNotExist:  # an id in the body: bad input naming it, not a missing page
            raise ValidationError({"order_id": [_("No such order, or not one you may see.")]}) from None
        return Response(MajorComplaintSerializer(major).data, status=201)

    @extend_schema(
        request=MajorOpinionSerializer, responses={200: MajorComplaintSerializer, **errors(400, 401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def opinion(self, request, pk=None):
        """The supervisor's handling opinion, plan, emergency script and designated replier (R-MAJ-1, R-MAJ-5)."""
        major = self.get_object()
        services.major_complaint_opinion(
            major_id=major.id, actor=request.user, **_validated(MajorOpinionSerializer, request)
        )
        return self._detail(major.id)

    @extend_schema(
        request=MajorReplySerializer, responses={200: MajorComplaintSerializer, **errors(400, 401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """The designated replier records the reply to the customer (R-CLK-MAJ-REPLY)."""
        major = self.get_object()
        services.major_complaint_reply(
            major_id=major.id, actor=request.user, **_validated(MajorReplySerializer, request)
        )
        return self._detail(major.id)


def _declaration_action(name: str, input_serializer, service, doc: str):
    def view(self, request, pk=None):
        declaration = self.get_object()
        data = _validated(input_serializer, request) if input_serializer else {}
        service(declaration_id=declaration.id, actor=request.user, **data)
        return self._detail(declaration.id)

    view.__name__ = name
    view.__doc__ = doc
    view = action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(view)
    documented = errors(400, 401, 403, 404, 409) if input_serializer else errors_without_body()
    # A decision with a body takes a file too: multipart/form-data, or JSON (form) without one.
    request = (
        {"multipart/form-data": input_serializer, "application/json": input_serializer,
         "application/x-www-form-urlencoded": input_serializer}
        if input_serializer else None
    )  # fmt: skip
    return extend_schema(request=request, responses={200: DeclarationSerializer, **documented})(view)


class DeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeclarationSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Declaration.objects.none()
        rows = selectors.declaration_visible_list(user=self.request.user)
        state = self.request.query_params.get("state", "")
        if state and state not in DeclarationState.values and self.action == "list":
            raise ValidationError({"state": ["Unknown state."]})  # R-API-1: not silently every state
        if state in DeclarationState.values:
            rows = rows.filter(state=state)
        return rows.prefetch_related("rounds__opinions", "rounds__decisions")

    def _detail(self, declaration_id: int, status: int = 200):
        declaration = self.get_queryset().get(pk=declaration_id)
        return Response(DeclarationSerializer(declaration, context={"request": self.request}).data, status=status)

    @extend_schema(responses={200: DeclarationSerializer, **errors(401)})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: DeclarationSerializer, **errors(401, 404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=DeclarationCreateSerializer, responses={201: DeclarationSerializer, **errors(400, 401, 403, 404, 409)}
    )
    def create(self, request):
        """Draft the declaration (申告表) of a major complaint through its interface (R-MAJ-2)."""
        data = _validated(DeclarationCreateSerializer, request)
        try:
            declaration = services.declaration_create(actor=request.user, **data)
        except MajorComplaint.DoesNotExist:
            raise ValidationError({"major_id": [_("No such major complaint, or not one you may see.")]}) from None
        return self._detail(declaration.id, status=201)

    @extend_schema(
        request=DeclarationWriteSerializer, responses={200: DeclarationSerializer, **errors(400, 401, 403, 404, 409)}
    )
    def partial_update(self, request, pk=None):
        """Edit a draft or returned declaration (its declarer); a change of content needs fresh opinions."""
        declaration = self.get_object()
        services.declaration_update(
            declaration_id=declaration.id, actor=request.user, **_validated(DeclarationWriteSerializer, request)
        )
        return self._detail(declaration.id)

    @extend_schema(
        request={"multipart/form-data": OpinionGiveSerializer, "application/json": OpinionGiveSerializer},
        responses={201: OpinionSerializer, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def opinions(self, request, pk=None):
        """R-MAJ-3: the support department's (`handler`) or the legal office's (`legal`) opinion."""
        declaration = self.get_object()
        opinion = services.declaration_opinion_give(
            declaration_id=declaration.id, actor=request.user, **_validated(OpinionGiveSerializer, request)
        )
        return Response(OpinionSerializer(opinion).data, status=201)

    submit = _declaration_action(
        "submit", None, services.declaration_submit,
        "Submit or resubmit. 400 names each missing part, criterion and opinion (R-MAJ-3).",
    )  # fmt: skip
    approve = _declaration_action("approve", NoteSerializer, services.declaration_approve, "The reviewer approves.")
    return_to_declarer = _declaration_action(
        "return_to_declarer", ReasonSerializer, services.declaration_return,
        "Return with a reason (R-MAJ-4); the round closes and the next opens.",
    )  # fmt: skip
    accept = _declaration_action(
        "accept", NoteSerializer, services.declaration_accept, "The interface administrator accepts."
    )
    refer = _declaration_action(
        "refer", ReasonSerializer, services.declaration_refer, "Refer to the branch chief (R-MAJ-4)."
    )
    resolve = _declaration_action(
        "resolve", ResolutionSerializer, services.declaration_resolve, "Resolve at the interface or as chief."
    )
    close = _declaration_action("close", NoteSerializer, services.declaration_close, "The resolver closes it.")

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            **errors(401, 404),
        }
    )
    @action(detail=True, methods=["get"], url_path=r"files/(?P<kind>opinion|decision)/(?P<row_id>[0-9]+)")
    def file_download(self, request, pk=None, kind=None, row_id=None):
        """The file of an opinion or a decision of this declaration (R-FL-8): only for who sees the declaration;
        a declaration you may not see, another declaration's row or a row without a file is a 404 (R-SEC-2)."""
        declaration = self.get_object()
        row = selectors.declaration_file(
            declaration_id=declaration.id, kind=kind, row_id=int(row_id), user=request.user
        )
        if row is None:
            raise NotFound()
        return FileResponse(row.attachment.open("rb"), as_attachment=True, filename=row.attachment_name)


class QueueRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    order = serializers.IntegerField()
    order_number = serializers.CharField()
    state = serializers.CharField()
    waiting_since = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True)


def _queue_row(name: str, row, now) -> dict:
    order = row.order if name == "supervisor" else row.major.order
    remaining = int((row.due_at - now).total_seconds()) if row.due_at else None
    return {
        "id": row.id, "kind": "major" if name == "supervisor" else "declaration", "order": order.id,
        "order_number": order.number, "state": "opinion_due" if name == "supervisor" else row.state,
        "waiting_since": row.reported_at if name == "supervisor" else row.step_started_at, "due_at": row.due_at,
        "remaining_seconds": remaining,
    }  # fmt: skip


class QueueCountsView(APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(
                {"type": "object", "additionalProperties": {"type": "integer"}},
                description="Queue name → how many wait in it, for the queues this user has.",
            ),
            **errors(401),
        }
    )
    def get(self, request):
        """R-MAJ-6: the size of each major-complaint queue this user has."""
        return Response(selectors.queue_counts(user=request.user))


class QueueView(APIView):
    @extend_schema(responses={200: QueueRowSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, name: str):
        """R-MAJ-6: what waits for this user, oldest due first, with the remaining time."""
        if name not in selectors.QUEUE_NAMES:
            raise NotFound()
        if name not in selectors.queues_for_user(user=request.user):
            raise PermissionDenied()
        now = timezone.now()
        rows = selectors.queue_rows(name=name, user=request.user)[:200]
        return Response([_queue_row(name, row, now) for row in rows])


class InterfaceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InterfaceSerializer
    queryset = Interface.objects.filter(is_active=True).prefetch_related("admins")


class CriterionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CriterionSerializer
    queryset = Criterion.objects.filter(is_active=True)


# --- escalated complaints (R-SP-3, R-SP-4) -------------------------------------------------------------------
class EscalatedCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalatedCase
        fields = ["order", "tracker", "due_at", "set_by", "set_at"]
        read_only_fields = fields


class EscalatedCaseWriteSerializer(serializers.Serializer):
    tracker_id = IdField(allow_null=True, help_text="The dedicated tracker (a user id; required).")
    due_at = InstantField(allow_null=True, help_text="The handling deadline (in the future; required).")


class EscalatedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = EscalatedReply
        fields = "__all__"


def _reply_field_kwargs() -> dict:
    """Every text part may be blank here (the service names each missing one); each documented by its label."""
    kwargs = {}
    for field in EscalatedReply._meta.fields:
        if field.name in ("id", "order", "author", "created_at"):
            continue
        options = {"required": False, "help_text": str(field.verbose_name)}
        if isinstance(field, models.TextField | models.CharField):
            options["allow_blank"] = True
        if isinstance(field, models.DateTimeField):
            options["allow_null"] = True
        kwargs[field.name] = options
    return kwargs


class EscalatedReplyWriteSerializer(serializers.ModelSerializer):
    """Every part optional here so that the service names each missing one (400)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TextField: TextField,
        models.CharField: TextField,
        models.DateTimeField: InstantField,
    }

    liable = serializers.BooleanField(
        allow_null=True, default=None, help_text="Whether the company is liable (required)."
    )
    complained_to_body_before = serializers.BooleanField(
        allow_null=True,
        default=None,
        help_text="Whether the customer complained to a government body or the consumer association before (required).",
    )

    class Meta:
        model = EscalatedReply
        exclude = ["order", "author", "created_at"]
        extra_kwargs = _reply_field_kwargs()


class EscalatedOrderViewSet(viewsets.GenericViewSet):
    """/escalated/{order id}/…: an escalated order's tracker and deadline, and its escalated-reply form."""

    serializer_class = EscalatedReplySerializer  # (OPTIONS describes it)
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WorkOrder.objects.none()
        return work_order_visible_list(user=self.request.user)

    @extend_schema(
        request=EscalatedCaseWriteSerializer,
        responses={200: EscalatedCaseSerializer, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def tracker(self, request, pk=None):
        """R-SP-3: the dispatcher names the dedicated tracker and sets the handling deadline."""
        order = self.get_object()
        case = services.escalated_case_set(
            order_id=order.id, actor=request.user, **_validated(EscalatedCaseWriteSerializer, request)
        )
        return Response(EscalatedCaseSerializer(case).data)

    @extend_schema(
        methods=["post"], request=EscalatedReplyWriteSerializer,
        responses={201: EscalatedReplySerializer, **errors(400, 401, 403, 404, 409)},
    )  # fmt: skip
    @extend_schema(methods=["get"], responses={200: EscalatedReplySerializer, **errors(401, 404)})
    @action(detail=True, methods=["get", "post"], url_path="reply")
    def reply(self, request, pk=None):
        """R-SP-4: the escalated-reply form (用户申诉处理反馈单): GET the latest version, POST a new one."""
        order = self.get_object()
        if request.method == "GET":
            latest = EscalatedReply.objects.filter(order=order).first()
            if latest is None:
                raise NotFound()
            return Response(EscalatedReplySerializer(latest).data)
        data = _validated(EscalatedReplyWriteSerializer, request)
        reply = services.escalated_reply_record(order_id=order.id, actor=request.user, **data)
        return Response(EscalatedReplySerializer(reply).data, status=201)
