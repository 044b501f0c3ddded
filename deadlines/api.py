"""Clocks in the API (R-NT-3, R-API-1): each order's clocks, the supervisors' overdue and at-risk lists,
and the due-time calculator the back office uses to promise times to customers."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .clock_models import Clock, ClockKind, ClockState
from .engine import CalendarError
from .models import BusinessCalendar
from .selectors import calendar_add, calendar_remaining, clock_visible_list


class ClockSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    remaining_seconds = serializers.SerializerMethodField(
        help_text="Open time left on the clock's calendar (running clocks), else null."
    )
    overdue_seconds = serializers.SerializerMethodField(help_text="Wall-clock time past the due time, else null.")
    at_risk = serializers.SerializerMethodField(help_text="Running and past its warning time (R-CLK-WARN).")

    class Meta:
        model = Clock
        fields = [
            "id", "order", "order_number", "kind", "kind_label", "state", "calendar_code", "started_at", "due_at",
            "warn_at", "warned_at", "breached_at", "stopped_at", "sequence", "remaining_seconds", "overdue_seconds",
            "at_risk",
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

    def get_at_risk(self, clock) -> bool:
        return clock.state == ClockState.RUNNING and clock.warned_at is not None


class ClockFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=ClockKind.choices)
    state = django_filters.MultipleChoiceFilter(choices=ClockState.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue now (supervisors' queue)")
    at_risk = django_filters.BooleanFilter(method="filter_at_risk", label="warned, not yet due")
    unit = django_filters.NumberFilter(method="filter_unit", label="accepting or handling unit (with sub-units)")
    order = django_filters.NumberFilter(field_name="order_id")

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
        from org.selectors import unit_subtree_ids
        from tickets.selectors import order_units_q

        ids = unit_subtree_ids(root_ids=[int(value)])
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


class DueTimeInput(serializers.Serializer):
    calendar = serializers.CharField(help_text="Calendar code, e.g. CAL-WORKDAY")
    start = serializers.DateTimeField(help_text="ISO 8601 with offset, e.g. 2026-11-20T16:00:00+08:00")
    limit = serializers.DurationField(help_text="ISO 8601 duration (PT3H30M) or [DD] HH:MM:SS")

    def validate_calendar(self, value):
        if not BusinessCalendar.objects.filter(code=value).exists():
            raise serializers.ValidationError(f"Unknown calendar “{value}”.")
        return value

    def validate_limit(self, value):
        if value.total_seconds() < 0:
            raise serializers.ValidationError("The limit cannot be negative.")
        return value


class DueTimeOutput(serializers.Serializer):
    calendar = serializers.CharField()
    start = serializers.DateTimeField()
    limit = serializers.DurationField()
    due_at = serializers.DateTimeField()


class DueTimeView(APIView):
    """“When is start S plus limit L on calendar C?” — for promising times to customers (§3.1)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("calendar", str, required=True),
            OpenApiParameter("start", str, required=True, description="ISO 8601 instant with offset"),
            OpenApiParameter("limit", str, required=True, description="ISO 8601 duration, e.g. PT3H30M"),
        ],
        responses={200: DueTimeOutput},
    )
    def get(self, request):
        data = DueTimeInput(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            due = calendar_add(v["calendar"], v["start"], v["limit"])
        except (CalendarError, ValueError, OverflowError) as exc:
            raise serializers.ValidationError({"limit": [str(exc)]}) from exc
        return Response(DueTimeOutput({**v, "due_at": timezone.localtime(due)}).data)
