"""Work-order endpoints (R-API-1). Thin: parse → service → serialize. Every POST action is one service."""

import threading
from dataclasses import fields as dataclass_fields

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from notifications.api import NotificationSerializer
from notifications.selectors import notification_list_for_order

from .. import selectors, services
from ..models import Attachment, ExtensionRequest, WorkOrder
from ..reference import category_labels
from . import serializers as s
from .filters import WorkOrderFilter
from .schema import conflicts

INTAKE_FIELDS = {f.name for f in dataclass_fields(services.OrderIntake)}
# What a newly created order has none of yet (the detail's prefetched relations but its clocks).
NEW_ORDER_EMPTY_RELATIONS = ("contacts", "attachments", "department_replies", "final_replies", "callbacks",
                             "extension_requests")  # fmt: skip


def _transition_action(name: str, input_serializer, service):
    """A POST action that runs one transition service and answers with the order. `name` is the attribute
    name on the viewset; the URL uses dashes (…/orders/{id}/dept-reply/)."""

    def view(self, request, pk=None):
        order = self.get_object()
        data = self.validated(input_serializer, request) if input_serializer else {}
        service(order_id=order.id, actor=request.user, **data)
        return Response(self.detail_of(order.id))

    view.__name__ = name
    view.__doc__ = service.__doc__
    view = conflicts(
        action(detail=True, methods=["post"], url_path=name.removesuffix("_order").replace("_", "-"))(view)
    )
    return extend_schema(request=input_serializer, responses={200: s.WorkOrderDetailSerializer})(view)


_created_serializers = threading.local()


def _created_detail_serializer(*, request) -> s.WorkOrderDetailSerializer:
    """The detail serializer the creating requests of this thread share, with this request's context: DRF builds a
    serializer's ~60 fields anew for each instance, which cost a create more than all its SQL (issue 12 §3); built
    once per thread, every create then only converts the values. The fields keep no state between calls (each
    reads the user and the labels from the context given here); one per thread, as a serializer is not shared."""
    serializer = getattr(_created_serializers, "detail", None)
    if serializer is None:
        serializer = _created_serializers.detail = s.WorkOrderDetailSerializer(context={})
    serializer._context = {"request": request, "category_labels": category_labels()}
    return serializer


class WorkOrderViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    filterset_class = WorkOrderFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, OrderingFilter]
    ordering_fields = ["priority", "accepted_at", "received_at", "handling_due_at", "number"]
    ordering = ["-priority", "accepted_at", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return WorkOrder.objects.none()
        if self.action == "list":
            return selectors.work_order_visible_list(user=self.request.user)
        return selectors.work_order_detail_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return s.WorkOrderListSerializer
        if self.action == "create":
            return s.WorkOrderCreateSerializer
        return s.WorkOrderDetailSerializer

    def validated(self, serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def paged(self, queryset, serializer_class) -> Response:
        """An order's sub-list, paged like every list of the API (count, next, previous, results)."""
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True, context={"request": self.request}).data)

    def detail_of(self, order_id: int) -> dict:
        order = selectors.work_order_detail_list(user=self.request.user).get(pk=order_id)
        return s.WorkOrderDetailSerializer(order, context={"request": self.request}).data

    @extend_schema(request=s.WorkOrderCreateSerializer, responses={201: s.WorkOrderDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(s.WorkOrderCreateSerializer, request)
        data["journalist"] = dict(data.get("journalist") or {})
        data["customer"] = dict(data.get("customer") or {})
        intake = services.OrderIntake(**{k: v for k, v in data.items() if k in INTAKE_FIELDS})
        order = services.work_order_accept(
            actor=request.user, intake=intake, files=data.get("attachments") or [],
            attachment_kind=data.get("attachment_kind") or Attachment.Kind.OTHER,
        )  # fmt: skip
        detail = self.created_detail(order, with_files=bool(data.get("attachments")))
        return Response(detail, status=status.HTTP_201_CREATED)

    def created_detail(self, order: WorkOrder, *, with_files: bool) -> dict:
        """The detail of the order this request created, from the objects the creation holds rather than read
        back (issue 12 §3: nine queries fewer per creation); the same body as GET …/orders/{id}/. An order with
        more than its first clocks (files, a closing on the spot) is read back."""
        clocks = getattr(order, "created_clocks", None)
        if clocks is None or with_files:
            return self.detail_of(order.id)
        order._prefetched_objects_cache = {
            **dict.fromkeys(NEW_ORDER_EMPTY_RELATIONS, []),
            "clocks": sorted(clocks, key=lambda c: (c.started_at, c.id)),
        }
        serializer = _created_detail_serializer(request=self.request)
        try:
            return serializer.to_representation(order)
        finally:
            serializer._context = {}  # keeps nothing of this request until the next one

    dispatch_order = _transition_action("dispatch_order", s.DispatchInput, services.work_order_dispatch)
    claim = _transition_action("claim", None, services.work_order_claim)
    dept_reply = _transition_action("dept_reply", s.DeptReplyInput, services.work_order_dept_reply)
    return_reply = _transition_action("return_reply", s.ReasonInput, services.work_order_return_reply)
    approve_reply = _transition_action("approve_reply", s.NoteInput, services.work_order_approve_reply)
    reply_customer = _transition_action("reply_customer", s.FinalReplyInput, services.work_order_reply_customer)
    callback = _transition_action("callback", s.CallbackInput, services.work_order_callback)
    close = _transition_action("close", s.CloseInput, services.work_order_close)
    redispatch = _transition_action("redispatch", s.RedispatchInput, services.work_order_redispatch)
    flags = _transition_action("flags", s.FlagsInput, services.work_order_flags_update)
    # R-CLK-APPT: the appointment clock's due time moves with the appointment.
    appointment = _transition_action("appointment", s.AppointmentMoveInput, services.work_order_appointment_move)

    @extend_schema(request=s.FinalReplyDraftInput, responses={201: s.FinalReplySerializer})
    @conflicts
    @action(detail=True, methods=["post"], url_path="reply-drafts")
    def reply_drafts(self, request, pk=None):
        order = self.get_object()
        data = self.validated(s.FinalReplyDraftInput, request)
        reply = services.final_reply_draft_create(order_id=order.id, actor=request.user, **data)
        return Response(s.FinalReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.FinalReplyApprovalInput, responses={201: s.FinalReplyApprovalSerializer})
    @conflicts
    @action(detail=True, methods=["post"], url_path="approve-final-reply")
    def approve_final_reply(self, request, pk=None):
        order = self.get_object()
        data = self.validated(s.FinalReplyApprovalInput, request)
        if not order.final_replies.filter(pk=data["draft_id"]).exists():
            return Response({"draft_id": ["No such draft on this order."]}, status=status.HTTP_400_BAD_REQUEST)
        approval = services.final_reply_approve(
            reply_id=data["draft_id"], actor=request.user, kind=data["kind"], note=data["note"]
        )
        return Response(s.FinalReplyApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], filters=False, responses={200: s.ContactSerializer(many=True)})
    @extend_schema(methods=["post"], request=s.ContactInput, responses={201: s.ContactSerializer})
    @conflicts
    @action(detail=True, methods=["get", "post"])
    def contacts(self, request, pk=None):
        order = self.get_object()
        if request.method == "GET":
            return self.paged(order.contacts.all(), s.ContactSerializer)
        data = self.validated(s.ContactInput, request)
        contact = services.contact_log(order_id=order.id, actor=request.user, **data)
        return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.UrgeInput, responses={201: s.TimelineEntrySerializer})
    @conflicts
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        """The customer urges (催办) this open order instead of complaining anew (R-SP-1 (a)): logged on the
        timeline, its dispatcher and handler notified. 409 on a closed order.

        One rule with the browser's customer card (R-SEC-1): an order the caller may not otherwise see (another
        hall's) is urged only by intake staff and only with the customer's `accepted_number`, which must be the
        order's; an id alone or a wrong number answers 404, like an order that does not exist."""
        data = self.validated(s.UrgeInput, request)
        try:
            order_id = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        entry = services.work_order_urge(order_id=order_id, actor=request.user, **data)
        return Response(s.TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], filters=False, responses={200: s.AttachmentSerializer(many=True)})
    @extend_schema(methods=["post"], request=s.AttachmentInput, responses={201: s.AttachmentSerializer})
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        order = self.get_object()
        if request.method == "GET":
            return self.paged(order.attachments.all(), s.AttachmentSerializer)
        data = self.validated(s.AttachmentInput, request)
        attachment = services.attachment_add(
            order_id=order.id, actor=request.user, uploaded_file=data["file"], kind=data["kind"]
        )
        # With the request, so `file` is an absolute URL as the schema says (format uri) and the list gives.
        data = s.AttachmentSerializer(attachment, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], filters=False, responses={200: s.ExtensionRequestSerializer(many=True)})
    @extend_schema(methods=["post"], request=s.ExtensionRequestInput, responses={201: s.ExtensionRequestSerializer})
    @conflicts
    @action(detail=True, methods=["get", "post"])
    def extensions(self, request, pk=None):
        """延期 requests of this order (R-FL-7); POST asks for one (the handler)."""
        order = self.get_object()
        if request.method == "GET":
            return self.paged(order.extension_requests.all(), s.ExtensionRequestSerializer)
        data = self.validated(s.ExtensionRequestInput, request)
        extension = services.extension_request(order_id=order.id, actor=request.user, **data)
        return Response(s.ExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(filters=False, responses={200: NotificationSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def notifications(self, request, pk=None):
        """Every notification about this order with its delivery state (R-NT-1)."""
        order = self.get_object()
        return self.paged(notification_list_for_order(order=order), NotificationSerializer)

    @extend_schema(filters=False, responses={200: s.TimelineEntrySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        order = self.get_object()
        return self.paged(selectors.timeline_list(order=order), s.TimelineEntrySerializer)

    @extend_schema(request=s.UnmaskInput, responses={200: s.UnmaskOutput})
    @action(detail=True, methods=["post"])
    def unmask(self, request, pk=None):
        """The full accepted and contact numbers, given a reason; every attempt is audit-logged, a refused one
        (403) too (R-SEC-2)."""
        order = self.get_object()
        data = self.validated(s.UnmaskInput, request)
        # Not in transaction.atomic(): a refusal's audit row must outlive its PermissionDenied.
        number = services.number_unmask(
            order_id=order.id, actor=request.user, reason=data["reason"], ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response({"accepted_number": number, "contact_number": order.contact_number})


WorkOrder.api_viewset = None  # the viewset is not attached to the model; kept explicit for readers


class ExtensionViewSet(viewsets.ReadOnlyModelViewSet):
    """Extension requests waiting for a decision (the approvals queue), and the decision itself."""

    serializer_class = s.ExtensionRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        return selectors.extension_pending_list(user=self.request.user)

    @extend_schema(request=s.ExtensionDecisionInput, responses={200: s.ExtensionRequestSerializer})
    @conflicts
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        extension = self.get_object()
        serializer = s.ExtensionDecisionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.extension_decide(extension_id=extension.id, actor=request.user, **serializer.validated_data)
        return Response(s.ExtensionRequestSerializer(decided).data)
