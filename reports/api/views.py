"""/api/v1/reports/ (R-RP-1, R-API-1): the same figures as the report pages, as JSON. Thin: the report form
validates the query (400 names each parameter; a unit the caller may not see is worded like one that does not
exist), the selectors count."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api.fields import BIGINT_MAX

from ..forms import ReportForm
from ..periods import KINDS
from ..selectors import AUDIENCES, report_build

MAX_PARAMETER = 40  # a date or an id is short: anything longer is a 400 before any parsing


class RowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    values = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="The row's numbers, in the order of the table's `columns`; null where there is nothing to divide by.",
    )
    filter = serializers.DictField(
        help_text="Query parameters of the order list behind the row (`/reports/orders/`), with the table's `basis`."
    )


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    definition = serializers.CharField(help_text="How the figure is counted (Chinese).")
    columns = serializers.ListField(child=serializers.CharField())
    rows = RowSerializer(many=True)


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    missing = serializers.CharField(help_text="Why a section has no tables (empty when it has).", allow_blank=True)
    tables = TableSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(KINDS), required=False)
    first = serializers.DateField()
    last = serializers.DateField()


class ReportSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=list(AUDIENCES))
    period = PeriodSerializer()
    previous = PeriodSerializer(help_text="The period the trend compares against.")
    unit = serializers.IntegerField(allow_null=True, help_text="The unit chosen; null: everything the caller sees.")
    scope = serializers.CharField()
    as_of = serializers.DateTimeField()
    sections = SectionSerializer(many=True)


PARAMETERS = [
    OpenApiParameter("audience", str, enum=list(AUDIENCES), description="shift, branch or qa (default by role)."),
    OpenApiParameter("period", str, enum=list(KINDS), description="Default month."),
    OpenApiParameter("date", OpenApiTypes.DATE, description="A day inside the week/month/… (default today)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day of a `range` (inclusive)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day of a `range` (inclusive), within 3660 days."),
    OpenApiParameter(
        "unit",
        {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
        description="A unit id: its subtree. Omitted: everything the caller sees. One the caller may not see: 400.",
    ),
]
for _parameter in PARAMETERS:
    _parameter.allow_blank = True


class ReportView(APIView):
    @extend_schema(parameters=PARAMETERS, responses={200: ReportSerializer})
    def get(self, request):
        """Every figure of the audience's report for a period and unit subtree (the report page's numbers)."""
        query = request.query_params
        too_long = {name: ["Too long."] for name in ("audience", "period", "date", "from", "to", "unit")
                    if len(query.get(name, "")) > MAX_PARAMETER}  # fmt: skip
        if too_long:
            raise ValidationError(too_long)
        # R-API-1: a date or unit parameter that is present must hold a value (the page's form reads "" as "not
        # given"; an API client sending `from=` has made a mistake it should hear of).
        empty = {name: ["Give a value or leave the parameter out."] for name in ("date", "from", "to", "unit")
                 if name in query and not query.get(name, "").strip()}  # fmt: skip
        if empty:
            raise ValidationError(empty)
        form = ReportForm(query, user=request.user)
        if not form.is_valid():
            raise ValidationError({("from" if k == "from_" else k): v for k, v in form.errors.items()})
        report = report_build(
            user=request.user, period=form.period, scope=form.scope, audience=form.cleaned_data["audience"]
        )
        return Response(ReportSerializer(report.as_dict()).data)
