"""REST API of holiday duty under /api/v1/holiday-duty/ (R-API-1): duty orders and their actions (confirm the
handler, feedback, escalate now, archive), call tasks and their outcome, the duty log (manual entries), handovers
(write, correct until signed, sign), the roster (shifts, overrides, swaps). Thin: parse → one service →
serialise. 400 names each field, 403 the person, 404 what you may not see (ids in a body too), 409 a state
that does not allow it (a signed handover, an answered call)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from tickets.api.errors import ApiErrorSerializer
from tickets.api.fields import StrictBooleanFormField

from .. import selectors, services
from ..models import CallTask, DutyLogEntry, DutyOrder, DutyState, Handover, RosterOverride, Shift, ShiftSwap
from . import serializers as s


class DutyConflictSerializer(serializers.Serializer):
    """409 of the holiday-duty endpoints: tickets' shape (tickets.api.errors) with the row's state."""

    detail = serializers.CharField(help_text="Names the refused action and why; nothing changed.")
    code = serializers.ChoiceField(choices=["transition_refused", "concurrent_transition"])
    transition = serializers.CharField(required=False, help_text="The refused action, e.g. `handover_sign`.")
    state = serializers.CharField(
        required=False, help_text="The state: a duty order's, a swap's, or signed / unsigned for a handover."
    )


CONFLICT = {409: OpenApiResponse(DutyConflictSerializer, description="Not allowed in its state now.")}
NOT_FOUND = {404: OpenApiResponse(ApiErrorSerializer, description="No such row, or not one you may see.")}


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _hall_param():
    return OpenApiParameter("hall", int, required=False, description="Only this duty hall.")


def _hall_filter(request, rows, field: str = "hall"):
    raw = request.query_params.get("hall", "")
    if not raw:
        return rows
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationError({"hall": ["Give the id of a duty hall."]})
    return rows.filter(**{f"{field}_id": int(raw)})


class DutyOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DutyOrderSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DutyOrder.objects.none()
        rows = selectors.duty_order_visible_list(user=self.request.user).select_related("escalation")
        rows = rows.prefetch_related("escalation__steps", "calls__duty_order__order")
        if self.action == "list":
            rows = _hall_filter(self.request, rows)
            state = self.request.query_params.get("state", "")
            if state and state not in DutyState.values:
                raise ValidationError({"state": ["Unknown state."]})
            if state:
                rows = rows.filter(state=state)
        return rows

    def _detail(self, pk: int):
        return Response(s.DutyOrderSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(parameters=[
        _hall_param(),
        OpenApiParameter(
            "state", enum=DutyState.values, required=False, allow_blank=True, description="Only this state."
        ),
    ])  # fmt: skip
    def list(self, request, *args, **kwargs):
        """The duty queue you may see (your hall's; or the orders you handle or were escalated to)."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One duty order with its 4-hour feedback time, call tasks and escalation ladder."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.ConfirmSerializer, responses={200: s.DutyOrderSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="confirm-handler")
    def confirm_handler(self, request, pk=None):
        """R-HD-2: confirm the handler; SMS + a call task (managers) or SMS + email (distributor contact) go out
        at once, and the 4-hour feedback clock starts (R-CLK-HOLIDAY)."""
        duty_order = self.get_object()
        services.duty_order_handler_confirm(duty_order_id=duty_order.id, actor=request.user,
                                            **_validated(s.ConfirmSerializer, request))  # fmt: skip
        return self._detail(duty_order.id)

    @extend_schema(request=s.FeedbackSerializer, responses={200: s.DutyOrderSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """R-HD-3: the handler's feedback (who, how); stops the clock and the escalation."""
        duty_order = self.get_object()
        services.duty_order_feedback_record(duty_order_id=duty_order.id, actor=request.user,
                                            **_validated(s.FeedbackSerializer, request))  # fmt: skip
        return self._detail(duty_order.id)

    @extend_schema(request=None, responses={200: s.DutyOrderSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """R-HD-4 "escalate now": start the ladder, or go one level up at once."""
        duty_order = self.get_object()
        services.duty_order_escalate_now(duty_order_id=duty_order.id, actor=request.user)
        return self._detail(duty_order.id)

    @extend_schema(request=s.DutyNoteSerializer, responses={200: s.DutyOrderSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Archive (归档) a duty order handled by the hall, or whose feedback is in."""
        duty_order = self.get_object()
        services.duty_order_archive(duty_order_id=duty_order.id, actor=request.user,
                                    **_validated(s.DutyNoteSerializer, request))  # fmt: skip
        return self._detail(duty_order.id)


class CallTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CallTaskSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CallTask.objects.none()
        rows = selectors.call_task_visible_list(user=self.request.user).order_by("created_at", "id")
        # R-API-1: an `open` that is no boolean is a 400, not silently "all"
        if self.action == "list" and _flag(self.request, "open"):
            rows = rows.filter(outcome="")
        return rows

    @extend_schema(parameters=[OpenApiParameter("open", bool, required=False, description="Only calls not made.")])
    def list(self, request, *args, **kwargs):
        """Phone-call tasks of the duty orders you may see (R-HD-2), oldest first."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One call task: the number to call and its outcome."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.CallOutcomeSerializer, responses={200: s.CallTaskSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        """Record the call's outcome: reached, not reached, wrong number (once)."""
        task = self.get_object()
        services.call_task_outcome_record(call_task_id=task.id, actor=request.user,
                                          **_validated(s.CallOutcomeSerializer, request))  # fmt: skip
        return Response(s.CallTaskSerializer(self.get_queryset().get(pk=task.id)).data)


class LogEntryViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.LogEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DutyLogEntry.objects.none()
        rows = selectors.log_visible_list(user=self.request.user).order_by("at", "id")
        rows = _hall_filter(self.request, rows)
        day = self.request.query_params.get("day", "")
        if day:
            field = serializers.DateField()
            try:
                rows = rows.filter(day=field.to_internal_value(day))
            except serializers.ValidationError as error:
                raise ValidationError({"day": error.detail}) from None
        return rows

    @extend_schema(parameters=[
        _hall_param(), OpenApiParameter("day", str, required=False, description="Only this day, YYYY-MM-DD."),
    ])  # fmt: skip
    def list(self, request, *args, **kwargs):
        """The holiday duty log (节假日工单处理日志, R-HD-5) of your halls, oldest first; append-only."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.LogEntryCreateSerializer, responses={201: s.LogEntrySerializer, **NOT_FOUND})
    def create(self, request, *args, **kwargs):
        """A manual entry in today's log."""
        data = _validated(s.LogEntryCreateSerializer, request)
        entry = services.duty_log_manual_add(
            hall_id=data["hall"], actor=request.user, text=data["text"], duty_order_id=data["duty_order"]
        )
        return Response(s.LogEntrySerializer(entry).data, status=201)


def _flag(request, name: str) -> bool:
    """A boolean query parameter: true/false (1/0), or absent (empty counts as absent), as every filter of the API
    parses it (`StrictBooleanFormField`); anything else, or the parameter twice, is a 400 naming it (R-API-1)."""
    values = request.query_params.getlist(name)
    field = StrictBooleanFormField(required=False)
    if len(values) > 1:
        raise ValidationError({name: [field.error_messages["invalid"]]})
    try:
        return bool(field.clean(values[0] if values else ""))
    except DjangoValidationError as error:
        raise ValidationError({name: error.messages}) from None


class HandoverViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.HandoverSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Handover.objects.none()
        rows = selectors.handover_visible_list(user=self.request.user)
        if self.action == "list":
            rows = _hall_filter(self.request, rows)
            if _flag(self.request, "unsigned"):
                rows = rows.filter(signed_at__isnull=True)
        return rows

    def _detail(self, pk: int, status: int = 200):
        return Response(s.HandoverSerializer(self.get_queryset().get(pk=pk)).data, status=status)

    @extend_schema(parameters=[
        _hall_param(), OpenApiParameter("unsigned", bool, required=False, description="Only those not signed yet."),
    ])  # fmt: skip
    def list(self, request, *args, **kwargs):
        """Handovers (交接班, R-HD-7) of your halls, and those you wrote or must sign; newest first."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One handover with the orders passed on and their clocks."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.HandoverCreateSerializer, responses={201: s.HandoverSerializer, **NOT_FOUND})
    def create(self, request):
        """The outgoing writes the handover; the hall's open duty orders they follow are attached."""
        data = _validated(s.HandoverCreateSerializer, request)
        handover = services.handover_write(hall_id=data.pop("hall"), actor=request.user, **data)
        return self._detail(handover.id, status=201)

    @extend_schema(request=s.HandoverUpdateSerializer, responses={200: s.HandoverSerializer, **CONFLICT})
    def partial_update(self, request, pk=None):
        """The outgoing corrects the text; 409 once signed (a signed handover never changes)."""
        handover = self.get_object()
        services.handover_update(handover_id=handover.id, actor=request.user,
                                 **_validated(s.HandoverUpdateSerializer, request))  # fmt: skip
        return self._detail(handover.id)

    @extend_schema(request=None, responses={200: s.HandoverSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """The incoming signs; the orders handed over become theirs. 409 once signed."""
        handover = self.get_object()
        services.handover_sign(handover_id=handover.id, actor=request.user)
        return self._detail(handover.id)


class ShiftViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ShiftSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Shift.objects.none()
        rows = Shift.objects.filter(hall__in=selectors.halls_of(user=self.request.user)).order_by("starts_at", "id")
        return _hall_filter(self.request, rows) if self.action == "list" else rows

    @extend_schema(parameters=[_hall_param()])
    def list(self, request, *args, **kwargs):
        """The roster of your halls (R-HD-6): who is on duty when."""
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        """One shift."""
        return super().retrieve(request, *args, **kwargs)


class OverrideViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.OverrideSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RosterOverride.objects.none()
        halls = selectors.halls_of(user=self.request.user)
        return RosterOverride.objects.filter(hall__in=halls).order_by("starts_at", "id")

    def list(self, request, *args, **kwargs):
        """Roster overrides (add / remove / replace a person for a period) of your halls."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.OverrideCreateSerializer, responses={201: s.OverrideSerializer, **NOT_FOUND})
    def create(self, request, *args, **kwargs):
        """The shift leader changes the future roster; overlapping overrides of one person are refused."""
        data = _validated(s.OverrideCreateSerializer, request)
        if not selectors.halls_of(user=request.user).filter(pk=data["hall"]).exists():
            raise NotFound()
        override = services.roster_override_add(hall_id=data.pop("hall"), actor=request.user, **data)
        return Response(s.OverrideSerializer(override).data, status=201)


class SwapViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.SwapSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ShiftSwap.objects.none()
        user = self.request.user
        halls = selectors.halls_of(user=user)
        return (ShiftSwap.objects.filter(hall__in=halls) | ShiftSwap.objects.filter(to_person=user)).distinct()

    def list(self, request, *args, **kwargs):
        """Shift swaps (换班) of your halls, with who agreed and when (seed 003 一.7)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.SwapCreateSerializer, responses={201: s.SwapSerializer, **NOT_FOUND, **CONFLICT})
    def create(self, request, *args, **kwargs):
        """Ask a colleague to take your future shift; it changes only once they agree."""
        data = _validated(s.SwapCreateSerializer, request)
        if not Shift.objects.filter(pk=data["shift"], hall__in=selectors.halls_of(user=request.user)).exists():
            raise NotFound()
        swap = services.shift_swap_request(
            shift_id=data["shift"], actor=request.user, to_person_id=data["to_person_id"]
        )
        return Response(s.SwapSerializer(swap).data, status=201)

    @extend_schema(request=s.SwapAnswerSerializer, responses={200: s.SwapSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """The colleague agrees (and takes the shift) or declines."""
        swap = self.get_object()
        data = _validated(s.SwapAnswerSerializer, request)
        swap = services.shift_swap_answer(swap_id=swap.id, actor=request.user, agree=data["agree"])
        return Response(s.SwapSerializer(swap).data)
