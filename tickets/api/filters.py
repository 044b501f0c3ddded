import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from complaints.numbers import normalize_number
from org.selectors import unit_subtree_ids

from ..models import Channel, HandlingMethod, OrderState, OrderType, Urgency, WorkOrder
from ..selectors import order_units_q

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
    open = django_filters.BooleanFilter(method="filter_open", label="open (not closed)")
    order_type = django_filters.MultipleChoiceFilter(choices=OrderType.choices)
    urgency = django_filters.MultipleChoiceFilter(choices=Urgency.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    handling_method = django_filters.MultipleChoiceFilter(choices=HandlingMethod.choices)
    number = django_filters.CharFilter(field_name="number", lookup_expr="istartswith")
    # R-SEC-2: a number in a URL reaches access logs; search by number with POST /api/v1/orders/search/.
    accepted_number = django_filters.CharFilter(
        method="filter_accepted_number", validators=[refuse_number_in_url],
        label="refused (400): POST the number to /api/v1/orders/search/",
    )  # fmt: skip
    category = django_filters.NumberFilter(field_name="category_id")
    unit = django_filters.NumberFilter(method="filter_unit", label="accepting or handling unit (with sub-units)")
    accepted_after = django_filters.IsoDateTimeFilter(field_name="accepted_at", lookup_expr="gte")
    accepted_before = django_filters.IsoDateTimeFilter(field_name="accepted_at", lookup_expr="lt")
    accepted_on = django_filters.DateFilter(field_name="accepted_at", lookup_expr="date")
    mine = django_filters.BooleanFilter(method="filter_mine", label="accepted by me (my follow-ups)")
    overdue = django_filters.BooleanFilter(field_name="is_overdue", label="has an overdue clock (R-CLK-BREACH)")
    at_risk = django_filters.BooleanFilter(field_name="is_at_risk", label="has a warned clock (R-CLK-WARN)")

    class Meta:
        model = WorkOrder
        fields = ["is_major", "is_repeat", "is_batch", "is_escalated", "is_collective", "is_media", "assignee"]

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(state=OrderState.CLOSED) if value else queryset.filter(state=OrderState.CLOSED)

    def filter_accepted_number(self, queryset, name, value):
        return queryset.filter(accepted_number=normalize_number(value))

    def filter_unit(self, queryset, name, value):
        return queryset.filter(order_units_q(unit_ids=unit_subtree_ids(root_ids=[int(value)])))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(accepted_by=self.request.user) if value else queryset
