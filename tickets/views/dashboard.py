"""The landing page after login (R-RP-1, first slice): today's intake, open orders, overdue clocks and this
week's timeliness, as server-rendered SVG bar charts with their numbers beside them."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from deadlines.selectors import holiday_coverage_warning

from .. import reports

ROW_HEIGHT = 26
LABEL_WIDTH = 190
BAR_WIDTH = 230


@dataclass(frozen=True)
class ChartRow:
    label: str
    value: float
    note: str
    y: int
    width: float

    @property
    def text_y(self) -> int:
        return self.y + 13


@dataclass(frozen=True)
class Chart:
    title: str
    rows: list[ChartRow]
    unit: str = ""
    empty: str = ""

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * ROW_HEIGHT

    @property
    def total(self) -> float:
        return sum(row.value for row in self.rows)


def chart(title, bars: list[reports.Bar], *, unit: str = "", scale_max: float | None = None, empty="") -> Chart:
    top = scale_max or max((bar.value for bar in bars), default=0) or 1
    rows = [
        ChartRow(
            label=bar.label,
            value=bar.value,
            note=bar.note,
            y=i * ROW_HEIGHT,
            width=round(BAR_WIDTH * bar.value / top, 1),
        )
        for i, bar in enumerate(bars)
    ]
    return Chart(title=title, rows=rows, unit=unit, empty=empty)


@login_required
@require_GET
def dashboard(request):
    user, now = request.user, timezone.now()
    charts = [
        chart(_("Today's intake by type"), reports.intake_today_by_type(user=user, now=now)),
        chart(_("Today's intake by channel"), reports.intake_today_by_channel(user=user, now=now)),
        chart(_("Open orders by state"), reports.open_by_state(user=user)),
        chart(_("Overdue clocks by kind"), reports.overdue_by_clock_kind(user=user), empty=_("Nothing is overdue.")),
        chart(
            _("Timeliness this week by clock kind"), reports.timeliness_this_week(user=user, now=now), unit="%",
            scale_max=100, empty=_("No clock has stopped this week yet."),
        ),
    ]  # fmt: skip
    context = {
        "charts": charts,
        "label_width": LABEL_WIDTH,
        "bar_x": LABEL_WIDTH + 10,
        "chart_width": LABEL_WIDTH + BAR_WIDTH + 130,
        "today": timezone.localdate(),
        # SPEC §3.1 R-CAL-YEAR: administrators see the holiday-year warning here too, not only in the admin.
        "calendar_warning": holiday_coverage_warning(timezone.localdate()) if user.is_staff else None,
    }
    return render(request, "tickets/dashboard.html", context)
