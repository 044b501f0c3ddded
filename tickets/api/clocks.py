"""Clocks in the API (R-NT-3, R-API-1): each order's clocks and the supervisors' overdue and at-risk lists."""

import django_filters
from django.utils import timezone
from rest_framework import serializers, viewsets

from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.selectors import calendar_remaining, clock_provisional
from org.selectors import unit_subtree_ids

from ..selectors import clock_visible_list, order_units_q
from .filters import IdFilter, StrictBooleanFilter
from .labels import ChoiceLabelField


class ClockSerializer(serializers.ModelSerializer):
    kind_label = ChoiceLabelField(ClockKind, source="kind")
    order_number = serializers.CharField(source="order.number", read_only=True)
    remaining_seconds = serializers.SerializerMethodField(
        help_text="Open time left on the clock's calendar (running clocks), else null."
    )
    overdue_seconds = serializers.SerializerMethodField(help_text="Wall-clock time past the due time, else null.")
    at_risk = serializers.SerializerMethodField(help_text="Running and past its warning time (R-CLK-WARN).")
    provisional = serializers.SerializerMethodField(
        help_text="True while this live clock's due time rests on a year whose holiday schedule is not confirmed "
        "(R-CAL-YEAR): computed on the Monday–Friday rule, it is recomputed when the year is confirmed."
    )

    class Meta:
        model = Clock
        fields = [
            "id", "order", "order_number", "kind", "kind_label", "state", "calendar_code", "started_at", "due_at",
            "warn_at", "warned_at", "breached_at", "stopped_at", "sequence", "remaining_seconds", "overdue_seconds",
            "at_risk", "provisional",
        ]  # fmt: skip
        read_only_fields = fields

    def _now(self):
        return self.context.get("now") or timezone.now()

    def get_remaining_seconds(self, clock) -> int | None:
        if clock.state != ClockState.RUNNING:
            return None
        return int(calendar_remaining(clock.calendar_code, self._now(), clock.due_at).total_seconds())

    def get_overdue_seconds(self, clock) -> int | None:
        now = self._now()
        end = clock.stopped_at or now
        if clock.breached_at is None and end <= clock.due_at:
            return None
        return int((end - clock.due_at).total_seconds())

    def get_provisional(self, clock) -> bool:
        return clock_provisional(clock)

    def get_at_risk(self, clock) -> bool:
        return clock.state == ClockState.RUNNING and clock.warned_at is not None


class ClockFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ClockKind.choices)
    state = django_filters.MultipleChoiceFilter(choices=ClockState.choices)
    # R-API-1: strict filters (tickets/api/filters.py): a bad value is a 400 naming it, never ignored.
    overdue = StrictBooleanFilter(method="filter_overdue", label="overdue now (supervisors' queue)")
    at_risk = StrictBooleanFilter(method="filter_at_risk", label="warned, not yet due")
    unit = IdFilter(method="filter_unit", label="accepting or handling unit (with sub-units)")
    order = IdFilter(field_name="order_id", label="the clocks of this order")

    class Meta:
        model = Clock
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(state=ClockState.OVERDUE) if value else queryset.exclude(state=ClockState.OVERDUE)

    def filter_at_risk(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(state=ClockState.RUNNING, warned_at__isnull=False)

    def filter_unit(self, queryset, name, value):
        ids = unit_subtree_ids(root_ids=[value])
        return queryset.filter(order_units_q(unit_ids=ids, prefix="order__"))


class ClockViewSet(viewsets.ReadOnlyModelViewSet):
    """Clocks of the orders the user may see; `?overdue=true` and `?at_risk=true` are the supervisors'
    queues, oldest due first."""

    serializer_class = ClockSerializer
    filterset_class = ClockFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Clock.objects.none()
        return clock_visible_list(user=self.request.user).order_by("due_at", "id")
