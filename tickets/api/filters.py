import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.numbers import normalize_number
from org.selectors import unit_subtree_ids

from ..models import Channel, HandlingMethod, OrderState, OrderType, Urgency, WorkOrder
from ..selectors import order_units_q
from .fields import INSTANT_HELP, IdFormField, InstantFormField, StrictBooleanFormField


# --- strict filters (R-API-1: a bad value is a 400 naming the parameter, never ignored, never a 500) ----------
class InstantFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 with an offset within ±15:59 (PostgreSQL's limit) and a year in 1900–2199."""

    field_class = InstantFormField


class IdFilter(django_filters.NumberFilter):
    """A row id: a positive integer within bigint (a decimal, 1e400 or a 30-digit number is a 400)."""

    field_class = IdFormField


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false/1/0; anything else is a 400 (django-filter's own BooleanFilter ignores a bad value)."""

    field_class = StrictBooleanFormField


NUMBER_IN_BODY = _(
    "Send the number in the body of a POST to /api/v1/orders/search/: a number in a URL reaches the logs."
)


def refuse_number_in_url(value: str) -> None:
    """The old `?accepted_number=` answers 400 naming itself: the number goes in a POST body instead."""
    if value:
        raise ValidationError(NUMBER_IN_BODY)


class WorkOrderFilter(django_filters.FilterSet):
    """R-API-1 filters: state, type, flags, category, number, unit, date."""

    state = django_filters.MultipleChoiceFilter(choices=OrderState.choices)
    open = StrictBooleanFilter(method="filter_open", label="open (not closed)")
    order_type = django_filters.MultipleChoiceFilter(choices=OrderType.choices)
    urgency = django_filters.MultipleChoiceFilter(choices=Urgency.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    handling_method = django_filters.MultipleChoiceFilter(choices=HandlingMethod.choices)
    number = django_filters.CharFilter(
        field_name="number", lookup_expr="istartswith", max_length=20, label="order number (工单号) or its start"
    )
    # R-SEC-2: a number in a URL reaches access logs; search by number with POST /api/v1/orders/search/.
    accepted_number = django_filters.CharFilter(
        method="filter_accepted_number", validators=[refuse_number_in_url],
        label="refused (400): POST the number to /api/v1/orders/search/",
    )  # fmt: skip
    category = IdFilter(field_name="category_id", label="category id (exactly this category)")
    unit = IdFilter(method="filter_unit", label="accepting or handling unit (with sub-units)")
    accepted_after = InstantFilter(
        field_name="accepted_at", lookup_expr="gte", label=f"accepted at or after; {INSTANT_HELP}"
    )
    accepted_before = InstantFilter(
        field_name="accepted_at", lookup_expr="lt", label=f"accepted before; {INSTANT_HELP}"
    )
    accepted_on = django_filters.DateFilter(
        field_name="accepted_at", lookup_expr="date", label="accepted on this day (YYYY-MM-DD, local time)"
    )
    mine = StrictBooleanFilter(method="filter_mine", label="accepted by me (my follow-ups)")
    overdue = StrictBooleanFilter(field_name="is_overdue", label="has an overdue clock (R-CLK-BREACH)")
    at_risk = StrictBooleanFilter(field_name="is_at_risk", label="has a warned clock (R-CLK-WARN)")

    is_major = StrictBooleanFilter(label="major complaint (重大投诉)")
    is_repeat = StrictBooleanFilter(label="repeat complaint (重复投诉)")
    is_batch = StrictBooleanFilter(label="batch complaint (批量投诉)")
    is_escalated = StrictBooleanFilter(label="escalated (越级投诉)")
    is_collective = StrictBooleanFilter(label="collective complaint (群体投诉)")
    is_media = StrictBooleanFilter(label="media involved (媒体曝光)")
    assignee = IdFilter(field_name="assignee_id", label="the assigned handler's user id")

    class Meta:
        model = WorkOrder
        fields: list[str] = []

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(state=OrderState.CLOSED) if value else queryset.filter(state=OrderState.CLOSED)

    def filter_accepted_number(self, queryset, name, value):
        return queryset.filter(accepted_number=normalize_number(value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(order_units_q(unit_ids=unit_subtree_ids(root_ids=[value])))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(accepted_by=self.request.user) if value else queryset
