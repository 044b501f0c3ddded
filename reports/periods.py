"""Report periods (R-RP-1): week, month, quarter, half year, year, or any date range, in local dates
(Asia/Shanghai), both ends inclusive; and the period before, for the trend."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

KINDS = {
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "half": _("Half year"),
    "year": _("Year"),
    "range": _("Date range"),
}
# A report longer than this is refused (400): ten years of days is already more than anyone reads.
MAX_DAYS = 3660


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _months_later(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m-%d} – {self.last:%Y-%m-%d}"

    def previous(self) -> "Period":
        """The period just before: the previous calendar week/month/quarter/half/year; for a range, as many
        days right before it."""
        if self.kind in MONTHS:
            start = _month_start(self.first, MONTHS[self.kind])
            return Period(self.kind, start, self.first - timedelta(days=1))
        length = timedelta(days=self.days)
        return Period(self.kind, self.first - length, self.first - timedelta(days=1))

    def params(self) -> dict[str, str]:
        if self.kind == "range":
            return {"period": "range", "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"period": self.kind, "date": self.first.isoformat()}


MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def period_containing(kind: str, day: date) -> Period:
    """The week (Monday first), month, quarter, half year or year that contains `day`."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind not in MONTHS:
        raise ValueError(kind)
    span = MONTHS[kind]
    month0 = (day.month - 1) // span * span
    first = date(day.year, month0 + 1, 1)
    return Period(kind, first, _months_later(first, span) - timedelta(days=1))


def period_range(first: date, last: date) -> Period:
    if last < first:
        raise ValueError("to < from")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError("too long")
    return Period("range", first, last)
