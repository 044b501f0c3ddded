"""The supervisor's actions in the API (issue 13 §4, R-API-1): remind, reassign and escalate, for one order
(`/orders/{id}/remind/` …) or many (`/supervise/remind/` … with `{"orders": [ids], …}`). Thin: parse → one
service → the orders as they are now. Every id in the body is checked like the path's: one the caller may not see
answers 404 exactly like a missing one, and nothing changes (the services are all-or-nothing)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import WorkOrder
from ..selectors import work_order_visible_base
from ..services.supervise import (
    BULK_MAX,
    KEY_MAX,
    NOTE_MAX,
    Reassignment,
    orders_escalate,
    orders_reassign,
    orders_remind,
)
from .errors import ApiErrorSerializer
from .fields import BIGINT_MAX, IdField, InstantField, TextField
from .schema import FIELD_ERRORS, conflicts


class RemindInput(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX, help_text="Said to the person reminded.")
    key = TextField(
        required=False, allow_blank=True, max_length=KEY_MAX,
        help_text="Idempotency of one click: the same key (else the same minute) reminds once.",
    )  # fmt: skip


class EscalateInput(RemindInput):
    note = TextField(max_length=NOTE_MAX, help_text="Why it is escalated (required).")


class ReassignInput(serializers.Serializer):
    assignee = IdField(required=False, help_text="Another member of the handling unit (who may claim orders).")
    unit = IdField(required=False, help_text="Or another handling unit (dispatchers only): back to dispatched.")
    due_at = InstantField(required=False, help_text="A new handling deadline; omitted: the deadline is kept.")
    note = TextField(max_length=NOTE_MAX, help_text="Why it is reassigned (required).")


def _bulk(serializer_class, name: str):
    orders = serializers.ListField(
        child=IdField(), min_length=1, max_length=BULK_MAX, help_text="The orders, all changed or none."
    )
    return type(name, (serializer_class,), {"orders": orders})


BulkRemindInput = _bulk(RemindInput, "BulkRemindInput")
BulkEscalateInput = _bulk(EscalateInput, "BulkEscalateInput")
BulkReassignInput = _bulk(ReassignInput, "BulkReassignInput")


class SupervisedOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrder
        fields = ["id", "number", "state", "handling_unit", "assignee", "handling_due_at"]
        read_only_fields = fields


class SupervisedResultSerializer(serializers.Serializer):
    orders = SupervisedOrderSerializer(many=True, read_only=True)


NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description="An order (path or body) missing or not yours to see.")
RESPONSES = {200: SupervisedResultSerializer, 400: OpenApiResponse(FIELD_ERRORS), 404: NOT_FOUND}


def _run(action: str, actor, ids: list[int], data: dict):
    if action == "remind":
        return orders_remind(order_ids=ids, actor=actor, note=data.get("note", ""), key=data.get("key", ""))
    if action == "escalate":
        return orders_escalate(order_ids=ids, actor=actor, note=data["note"], key=data.get("key", ""))
    ask = Reassignment(
        assignee_id=data.get("assignee"), unit_id=data.get("unit"), due_at=data.get("due_at"), note=data["note"]
    )
    return orders_reassign(order_ids=ids, actor=actor, request=ask)


class _SuperviseView(APIView):
    action_name = ""
    input_class: type = RemindInput

    def answer(self, request, ids: list[int]) -> Response:
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        ids = data.pop("orders", ids)
        _run(self.action_name, request.user, ids, data)
        rows = work_order_visible_base(user=request.user).filter(id__in=ids).order_by("id")
        return Response({"orders": SupervisedOrderSerializer(rows, many=True).data})


def _single(action: str, input_class, summary: str):
    class View(_SuperviseView):
        action_name = action

        @extend_schema(request=input_class, responses=RESPONSES, summary=summary, operation_id=f"order_{action}")
        @conflicts
        def post(self, request, pk: int):
            if not 0 < pk <= BIGINT_MAX:
                raise NotFound
            return self.answer(request, [pk])

    View.input_class = input_class

    View.__name__ = f"Order{action.title()}View"
    return View


def _many(action: str, input_class, summary: str):
    class View(_SuperviseView):
        action_name = action

        @extend_schema(request=input_class, responses=RESPONSES, summary=summary, operation_id=f"orders_{action}")
        @conflicts
        def post(self, request):
            return self.answer(request, [])

    View.input_class = input_class

    View.__name__ = f"Orders{action.title()}View"
    return View


OrderRemindView = _single("remind", RemindInput, "Remind whoever must act on the order now")
OrderReassignView = _single("reassign", ReassignInput, "Reassign the order (another handler or unit)")
OrderEscalateView = _single("escalate", EscalateInput, "Escalate the order to its unit's supervisor")
OrdersRemindView = _many("remind", BulkRemindInput, "Remind, for many orders at once (all or none)")
OrdersReassignView = _many("reassign", BulkReassignInput, "Reassign many orders at once (all or none)")
OrdersEscalateView = _many("escalate", BulkEscalateInput, "Escalate many orders at once (all or none)")
