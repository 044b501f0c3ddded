"""REST API of batch complaints (R-SP-2, R-API-1): the candidates offered to dispatchers, batches and their
moves. Thin: parse → one service → serialise. Ids in bodies (`order_ids`, `order_id`, `satisfactions`) are
checked by the services against what the user may see: an invisible order answers like a missing one (400)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from complaints.numbers import mask_number

from ..batch_selectors import batch_candidate_list, batch_children, batch_visible_list
from ..models import Batch, BatchCandidate, OrderState, Satisfaction, WorkOrder
from ..services import batch as batch_services
from .fields import BIGINT_MAX, IdField, InstantField, TextField
from .serializers import DeptReplyInput, DispatchInput

BATCH_STATES = [*Batch.State.values, *OrderState.values]


class BatchConflictSerializer(serializers.Serializer):
    """409 of a batch move: the batch (or candidate) is not in a state that allows it, or one of its children
    refuses (then `state` is that child's order state); nothing of the batch or its children changed."""

    detail = serializers.CharField(help_text="Names the refused move, and the child that refused, if one did.")
    code = serializers.ChoiceField(choices=["transition_refused", "concurrent_transition"])
    transition = serializers.CharField(required=False, help_text="The refused move.")
    state = serializers.CharField(
        required=False, help_text="The batch's state, the candidate's status, or the child's."
    )


CONFLICT = {409: OpenApiResponse(BatchConflictSerializer, description="Not allowed now; nothing changed.")}


class BatchCandidateSerializer(serializers.ModelSerializer):
    city = serializers.CharField(source="skill_group.city", read_only=True, help_text="The complaints' city.")
    category_label = serializers.CharField(source="category.name", read_only=True, help_text="The leaf category.")
    waiting = serializers.IntegerField(read_only=True, help_text="Its complaints you see, waiting for dispatch now.")

    class Meta:
        model = BatchCandidate
        fields = ["id", "city", "category", "category_label", "since", "offered_at", "count_at_offer", "waiting",
                  "status"]  # fmt: skip
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="PL and the id.")
    city = serializers.CharField(source="skill_group.city", read_only=True, allow_null=True, default=None)
    child_count = serializers.IntegerField(read_only=True, help_text="Current children.")

    class Meta:
        model = Batch
        fields = ["id", "label", "title", "state", "category", "city", "candidate", "created_by", "created_at",
                  "handling_unit", "handler", "dispatched_at", "replied_at", "child_count"]  # fmt: skip
        read_only_fields = fields


class BatchChildSerializer(serializers.ModelSerializer):
    accepted_number = serializers.SerializerMethodField(help_text="Masked (R-SEC-2).")

    class Meta:
        model = WorkOrder
        fields = ["id", "number", "state", "accepted_number", "category", "accepted_at", "assignee", "handling_due_at"]
        read_only_fields = fields

    def get_accepted_number(self, order) -> str:
        return mask_number(order.accepted_number)


class ConfirmInput(serializers.Serializer):
    title = TextField(required=False, allow_blank=True, default="", max_length=120, help_text="Default: city · leaf.")
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the batch's history.")


class BatchNoteInput(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the batch's history.")


class BatchCreateInput(serializers.Serializer):
    order_ids = serializers.ListField(child=IdField(), min_length=1, max_length=500, help_text="The complaints.")
    title = TextField(allow_blank=True, max_length=120, help_text="What the batch is about (the fault).")
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the batch's history.")


class BatchDispatchInput(DispatchInput):
    handler = IdField(source="handler_id", help_text="The dedicated handler, a member of the unit.")


class BatchDeptReplyInput(DeptReplyInput):
    """回单 of the whole batch (R-FL-2): the collective-problem parts are required here."""


class BatchReasonInput(serializers.Serializer):
    reason = TextField(allow_blank=True, help_text="Why (R-FL-3 return, or why a child is handled alone).")


class BatchFinalReplyInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=["phone", "sms", "in_person"], help_text="How every customer is told.")
    process = TextField(allow_blank=True, help_text="How the matter was handled.")
    content = TextField(allow_blank=True, help_text="What every customer is told.")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, help_text="The customers' satisfaction.")
    satisfactions = serializers.DictField(
        child=serializers.ChoiceField(choices=Satisfaction.choices), required=False, default=dict,
        help_text="A child's own answer where it differs: {order id: satisfaction}.",
    )  # fmt: skip
    replied_at = InstantField(required=False, allow_null=True, default=None, help_text="When; default: now.")


class OrderIdInput(serializers.Serializer):
    order_id = IdField(help_text="The complaint.")
    note = TextField(required=False, allow_blank=True, default="", help_text="A note for the batch's history.")


class DetachInput(serializers.Serializer):
    order_id = IdField(help_text="The child to handle alone.")
    reason = TextField(allow_blank=True, help_text="Why it is handled alone.")


def _pk(pk) -> int:
    value = int(pk)  # the router's pattern lets digits only through
    if value > BIGINT_MAX:
        raise Http404
    return value


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class BatchCandidateViewSet(viewsets.ReadOnlyModelViewSet):
    """Batch candidates offered to you (R-SP-2, the "batch candidates" queue): newest first."""

    serializer_class = BatchCandidateSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BatchCandidate.objects.none()
        if not self.request.user.has_perm("tickets.dispatch_workorder"):
            return BatchCandidate.objects.none()
        return batch_candidate_list(user=self.request.user)

    @extend_schema(request=ConfirmInput, responses={201: BatchSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Make the candidate's waiting complaints one batch (exactly one, even when two confirm at once)."""
        batch = batch_services.batch_candidate_confirm(
            candidate_id=_pk(pk), actor=request.user, **_valid(ConfirmInput, request)
        )
        return Response(BatchSerializer(batch_visible_list(user=request.user).get(pk=batch.pk)).data, status=201)

    @extend_schema(request=BatchNoteInput, responses={200: BatchCandidateSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Not a batch: the offer is withdrawn and not made again for these complaints."""
        candidate = batch_services.batch_candidate_dismiss(candidate_id=_pk(pk), actor=request.user,
                                                           **_valid(BatchNoteInput, request))  # fmt: skip
        candidate.waiting = 0
        return Response(BatchCandidateSerializer(candidate).data)


def _move(name: str, input_serializer, service, doc: str):
    def view(self, request, pk=None):
        batch = self.get_object()
        service(batch_id=batch.id, actor=request.user, **_valid(input_serializer, request))
        return Response(BatchSerializer(self.get_queryset().get(pk=batch.pk)).data)

    view.__name__, view.__doc__ = name, doc
    view = action(detail=True, methods=["post"], url_path=name.replace("_", "-"))(view)
    return extend_schema(request=input_serializer, responses={200: BatchSerializer, **CONFLICT})(view)


class BatchViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Batches you may see (one of their complaints is visible to you, or you are the dedicated handler)."""

    serializer_class = BatchSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Batch.objects.none()
        return batch_visible_list(user=self.request.user)

    @extend_schema(request=BatchCreateInput, responses={201: BatchSerializer})
    def create(self, request, *args, **kwargs):
        """A batch by hand: the dispatcher selects the complaints (each must wait for dispatch, in no batch)."""
        batch = batch_services.batch_create(actor=request.user, **_valid(BatchCreateInput, request))
        return Response(BatchSerializer(self.get_queryset().get(pk=batch.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(filters=False, responses={200: BatchChildSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def children(self, request, pk=None):
        """The batch's current children, in id order (paged)."""
        page = self.paginate_queryset(batch_children(batch=self.get_object()))
        return self.get_paginated_response(BatchChildSerializer(page, many=True).data)

    dispatch_batch = _move("dispatch_batch", BatchDispatchInput, batch_services.batch_dispatch,
                           "Dispatch every child to one unit and one dedicated handler.")  # fmt: skip
    dept_reply = _move("dept_reply", BatchDeptReplyInput, batch_services.batch_dept_reply,
                       "The department reply, once, for every child (collective parts required, R-FL-2).")  # fmt: skip
    approve_reply = _move("approve_reply", BatchNoteInput, batch_services.batch_approve_reply,
                          "Accept the batch's department reply for every child.")  # fmt: skip
    return_reply = _move("return_reply", BatchReasonInput, batch_services.batch_return_reply,
                         "Return the batch's department reply to its handler (R-FL-3).")  # fmt: skip
    reply_customers = _move("reply_customers", BatchFinalReplyInput, batch_services.batch_reply_customers,
                            "One final reply to every child (each its own record and callback clock).")  # fmt: skip
    attach = _move("attach", OrderIdInput, batch_services.batch_attach, "A later complaint joins the batch.")
    detach = _move("detach", DetachInput, batch_services.batch_detach, "A child leaves, to be handled alone.")
