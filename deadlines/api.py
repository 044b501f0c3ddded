"""The due-time calculator the back office uses to promise times to customers (§3.1, R-API-1).

The clocks of orders are served by `tickets.api.clocks`: which clocks a user may see follows the visibility
of orders, which this layer does not know."""

from datetime import UTC, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .engine import CalendarError
from .models import BusinessCalendar
from .selectors import calendar_add, calendar_span_provisional


class DueTimeInput(serializers.Serializer):
    calendar = serializers.CharField(help_text="Calendar code, e.g. CAL-WORKDAY")
    start = serializers.DateTimeField(help_text="ISO 8601 with offset, e.g. 2026-11-20T16:00:00+08:00")
    limit = serializers.DurationField(help_text="ISO 8601 duration (PT3H30M) or [DD] HH:MM:SS")

    def validate_calendar(self, value):
        if not BusinessCalendar.objects.filter(code=value).exists():
            raise serializers.ValidationError(f"Unknown calendar “{value}”.")
        return value

    def validate_start(self, value):
        """R-API-1: an offset PostgreSQL refuses (beyond ±15:59) or a year deadlines cannot reach is a 400 here,
        not an overflow in the arithmetic. DRF has already moved the instant into local time, so the offset
        as sent is read again from the raw value."""
        raw = self.initial_data.get("start", "")
        try:
            given = parse_datetime(str(raw).strip())
        except ValueError:
            given = None
        offset = given.utcoffset() if given is not None else None
        if offset is not None and abs(offset) > timedelta(hours=15, minutes=59):
            raise serializers.ValidationError(_("The time-zone offset must lie within ±15:59."))
        try:
            year = value.astimezone(UTC).year
        except OverflowError:
            year = 0
        if not 1900 <= year < 2200:
            raise serializers.ValidationError(_("Give a date and time between 1900 and 2199."))
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
    provisional = serializers.BooleanField(
        help_text="True when the answer rests on a year whose holiday schedule is not confirmed (R-CAL-YEAR): "
        "counted on the Monday–Friday rule; it may move once the year is confirmed."
    )


class DueTimeView(APIView):
    """“When is start S plus limit L on calendar C?” — for promising times to customers (§3.1)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("calendar", str, required=True, description="Calendar code, e.g. CAL-WORKDAY"),
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
        provisional = calendar_span_provisional(v["calendar"], v["start"], due)
        return Response(DueTimeOutput({**v, "due_at": timezone.localtime(due), "provisional": provisional}).data)
