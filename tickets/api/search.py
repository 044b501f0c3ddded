"""The search and a customer's history in the API (issue 13 §1), with the rules of the browser's:

- `POST /search/` takes the term in the body (`q`), never in the URL: a number typed there must not reach an
  access log (R-SEC-2, like `POST /customers/lookup/`). `GET /search/?q=` is refused with a 400 naming `q` and
  the POST to use — whatever the term, since a name or the last digits are customer data too and a GET that
  accepted some terms would teach clients to put the others in URLs as well.
- `GET /customers/{id}/orders/` lists the customer's orders the caller may see, every state, open first; a
  customer reachable only through an order the caller may see (or the number lookup) — any other id answers
  404, like one that does not exist (R-SEC-1, issue 8 §1).
Both paged like every list (count, next, previous, results)."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from deadlines.clock_models import ClockState

from ..search import (
    SEARCH_TERM_MAX,
    customer_order_list,
    customer_visible_exists,
    order_search_best,
    order_search_rows,
    search_term_errors,
    search_term_parse,
)
from . import serializers as s
from .fields import BIGINT_MAX, TextField
from .schema import FIELD_ERRORS

MATCHES = ("exact_number", "number_part", "customer_name", "content")
TERM_IN_BODY = _("Send the search term in the body of a POST to /api/v1/search/: a URL reaches the logs.")
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1; a page past the last is a 404."),
    OpenApiParameter("page_size", int, description="Rows per page: 25 unless given; more than 100 gives 100."),
]


class SearchInput(serializers.Serializer):
    q = TextField(
        max_length=SEARCH_TERM_MAX,
        help_text="An order number, a full accepted or contact number or its last 4–10 digits, a customer's name, "
        "or words of the request (any language, substring).",
    )


class NextDueMixin(serializers.Serializer):
    next_due_at = serializers.SerializerMethodField(help_text="The nearest due time of the order's running clocks.")

    def get_next_due_at(self, order) -> str | None:
        clocks = getattr(order, "live_clocks", [])
        return serializers.DateTimeField().to_representation(clocks[0].due_at) if clocks else None


class SearchHitSerializer(NextDueMixin, s.WorkOrderListSerializer):
    match = serializers.SerializerMethodField(
        help_text="How the order was found, best first: exact_number (an order or customer number), number_part "
        "(its end, or an order number's start), customer_name, content."
    )

    class Meta(s.WorkOrderListSerializer.Meta):
        fields = [*s.WorkOrderListSerializer.Meta.fields, "match", "next_due_at"]
        read_only_fields = fields

    def get_match(self, order) -> str:
        return MATCHES[order.rank]


class CustomerOrderSerializer(NextDueMixin, s.WorkOrderListSerializer):
    content = serializers.CharField(read_only=True)
    final_reply = serializers.SerializerMethodField(help_text="The reply sent to the customer (last one), if any.")
    urges = serializers.IntegerField(read_only=True, help_text="How often the customer urged it (催办).")

    class Meta(s.WorkOrderListSerializer.Meta):
        fields = [*s.WorkOrderListSerializer.Meta.fields, "content", "final_reply", "urges", "next_due_at"]
        read_only_fields = fields

    def get_final_reply(self, order) -> str | None:
        replies = getattr(order, "sent_replies", [])
        return replies[0].content if replies else (order.direct_reply or None)


def _paged_schema(name: str, serializer) -> serializers.Serializer:
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer(many=True),
        },
    )


def _mark_clocks(orders) -> None:
    now = timezone.now()
    for order in orders:
        order.is_overdue = any(c.state == ClockState.OVERDUE or c.due_at <= now for c in order.live_clocks)
        order.is_at_risk = any(c.warned_at for c in order.live_clocks)


class OrderSearchView(generics.GenericAPIView):
    """Orders in any state you may see, ranked: exact number, then number part, then name, then content; open
    orders first within each, then the newest. The best 500 hits at most (`count` stops there): a longer
    list asks for a sharper term."""

    serializer_class = SearchHitSerializer

    @extend_schema(
        summary="Refused: search with POST search/",
        description="Always 400 naming `q`: a search term in a URL reaches access logs (R-SEC-2).",
        parameters=[OpenApiParameter("q", str, description="Refused (400): POST it to search/.")],
        responses={400: OpenApiResponse(FIELD_ERRORS, description="Always: `q` names the POST to use.")},
        operation_id="search_refused",
        tags=["search"],
    )
    def get(self, request):
        raise ValidationError({"q": [TERM_IN_BODY]})

    @extend_schema(
        request=SearchInput,
        responses={200: _paged_schema("PaginatedSearchHits", SearchHitSerializer)},
        parameters=PAGE_PARAMETERS,
        operation_id="search",
        tags=["search"],
    )
    def post(self, request):
        data = SearchInput(data=request.data)
        data.is_valid(raise_exception=True)
        raw = data.validated_data["q"]
        errors = search_term_errors(raw)
        if errors or not raw.strip():
            raise ValidationError({"q": errors or [_("Type what to search for.")]})
        hits = self.paginate_queryset(order_search_best(user=request.user, term=search_term_parse(raw)))
        rows = order_search_rows(user=request.user, hits=list(hits))
        _mark_clocks(rows)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class CustomerOrdersView(generics.GenericAPIView):
    """A customer's whole history as far as you may see it."""

    serializer_class = CustomerOrderSerializer

    @extend_schema(
        responses={200: _paged_schema("PaginatedCustomerOrders", CustomerOrderSerializer)},
        parameters=PAGE_PARAMETERS,
        description="Every order of the customer you may see, in any state, open first, then the newest. A customer "
        "with no order you may see answers 404, like one that does not exist.",
        operation_id="customers_orders",
        tags=["customers"],
    )
    def get(self, request, pk: int):
        if not 1 <= pk <= BIGINT_MAX or not customer_visible_exists(user=request.user, customer_id=pk):
            raise Http404
        page = self.paginate_queryset(customer_order_list(user=request.user, customer_id=pk))
        _mark_clocks(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
