"""Look-ups by a customer's number (R-SEC-1, R-SEC-2, issue 8 §1).

A customer is reachable only by the number lookup or through an order the caller may see: `GET
/customers/{id}/` does not enumerate customers. Full numbers never travel in a URL (URLs reach access logs,
proxies and browser history): the number is POSTed — `POST /customers/lookup/` and `POST /orders/search/` —
and the old `GET ?number=` refuses it with a 400 naming the field. Every answer is `no-store`
(`tickets.middleware.private_no_store`) and shows the number masked.

Here rather than in complaints/api.py: reaching a customer through a visible order needs the order
visibility rule, and `complaints` sits below `tickets` (it must not import it)."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from complaints import selectors as complaint_selectors
from complaints.api import CustomerSerializer
from complaints.models import Customer
from complaints.numbers import normalize_number

from .. import selectors
from . import serializers as s
from .fields import TextField
from .parsers import JSONParser
from .schema import FIELD_ERRORS

NUMBER_IN_BODY = _("Send the number in the body of a POST to %(path)s: a number in a URL reaches the logs.")
# The error answers (400 FieldErrors, 401, 404 Error, 413, 415) are added to each operation by
# tickets/api/schema.py; only what is particular to these endpoints is described here.


class NumberInput(serializers.Serializer):
    number = TextField(max_length=20, help_text="The accepted number, in full (mobile or fixed line).")


class OrderNumberSearchInput(serializers.Serializer):
    accepted_number = TextField(max_length=20, help_text="The accepted number, in full.")
    open = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only open (true) or only closed (false) orders."
    )


class CustomerViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The customer card (R-SEC-2): no browsing. By number with `POST lookup/`; by id only for a customer of an
    order you may see (else 404, like an id that does not exist)."""

    serializer_class = CustomerSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        visible = selectors.work_order_visible_base(user=self.request.user).values("customer_id")
        return Customer.objects.filter(pk__in=visible)

    @extend_schema(
        description="A customer of an order you may see; any other id answers 404 like one that does not exist."
    )
    def retrieve(self, request, *args, **kwargs):
        if not str(kwargs.get("pk", "")).isdigit():
            raise Http404
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Refused: look a number up with POST customers/lookup/",
        description="Always 400 naming `number`: a number in a URL reaches access logs (R-SEC-2).",
        parameters=[OpenApiParameter("number", str, description="Refused (400): POST it to customers/lookup/.")],
        responses={400: OpenApiResponse(FIELD_ERRORS, description="Always: `number` names the POST to use.")},
    )
    def list(self, request, *args, **kwargs):
        raise ValidationError({"number": [NUMBER_IN_BODY % {"path": "/api/v1/customers/lookup/"}]})

    @extend_schema(
        request=NumberInput,
        responses={200: CustomerSerializer(many=True)},
        description="The customer of one accepted number: a list of none or one, the number masked.",
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser])  # see OrderNumberSearchView
    def lookup(self, request):
        data = NumberInput(data=request.data)
        data.is_valid(raise_exception=True)
        customer = complaint_selectors.customer_get_by_number(number=normalize_number(data.validated_data["number"]))
        return Response(self.get_serializer([customer] if customer else [], many=True).data)


class OrderNumberSearchView(generics.GenericAPIView):
    """Orders you may see with one accepted number, paginated like `GET /orders/`, ordered by priority.
    The number is POSTed (R-SEC-2): `GET /orders/?accepted_number=` refuses it."""

    serializer_class = s.WorkOrderListSerializer
    # JSON only (415 otherwise): a form cannot say null or false, so `open=` or `accepted_number=null` from a form
    # would be read as "not given" or as the text "null" where the schema says boolean or null (schemathesis).
    parser_classes = [JSONParser]

    @extend_schema(
        request=OrderNumberSearchInput,
        responses={
            200: inline_serializer(
                "PaginatedOrderSearch",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": s.WorkOrderListSerializer(many=True),
                },
            ),
        },
        parameters=[
            OpenApiParameter("page", int, description="A page number within the paginated result set."),
            OpenApiParameter("page_size", int, description="Number of results to return per page (up to 100)."),
        ],
        operation_id="orders_search",
        tags=["orders"],
    )  # fmt: skip
    def post(self, request):
        data = OrderNumberSearchInput(data=request.data)
        data.is_valid(raise_exception=True)
        orders = selectors.work_order_visible_list(user=request.user).filter(
            accepted_number=normalize_number(data.validated_data["accepted_number"])
        )
        if data.validated_data["open"] is not None:
            orders = orders.exclude(state="closed") if data.validated_data["open"] else orders.filter(state="closed")
        page = self.paginate_queryset(orders.order_by("-priority", "accepted_at", "id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
