"""Business calendars (SPEC §3.1): data, editable in the Django admin.

A calendar is open during its weekly periods. A calendar that uses working days is open only on
working days: Monday–Friday that are not a statutory holiday or closure, or a make-up working day
(one `HolidayDate` table shared by all such calendars). The arithmetic lives in `deadlines.engine`;
these rows are compiled into it by `deadlines.selectors.calendar_compiled`.

Every row carries `updated_at`; the cross-process cache check relies on it, so change these rows
through `save()` / the admin / the seed services, not through `QuerySet.update()`.
"""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessCalendar(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True, help_text=_("e.g. CAL-WORKDAY"))
    name = models.CharField(_("name"), max_length=100)
    is_24x7 = models.BooleanField(
        _("24×7 (全天候)"), default=False, help_text=_("Every instant counts; weekly periods are ignored.")
    )
    uses_workdays = models.BooleanField(
        _("working days only (仅工作日)"),
        default=False,
        help_text=_(
            "Open only on working days: Monday–Friday that are not a statutory holiday or closure, "
            "plus make-up working days. Off: the weekly periods apply to every day."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Calendar (日历)")
        verbose_name_plural = _("Calendars (日历)")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WeeklyPeriod(models.Model):
    """An open period of a calendar, in local time (Asia/Shanghai).

    `weekday` empty = every day (on a working-days calendar: every working day, make-up days
    included). A weekday-specific period applies on that weekday in addition. An end time of 00:00
    means midnight at the end of the day. Overlapping periods are merged.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="periods"
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=Weekday.choices,
        null=True,
        blank=True,
        help_text=_("Empty: every day (every working day on a working-days calendar)."),
    )
    start_time = models.TimeField(_("opens at"))
    end_time = models.TimeField(_("closes at"), help_text=_("00:00 means midnight at the end of the day."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Open period (营业时段)")
        verbose_name_plural = _("Open periods (营业时段)")
        ordering = ["calendar", "weekday", "start_time"]

    def __str__(self) -> str:
        day = self.get_weekday_display() if self.weekday is not None else _("every day")
        return f"{day} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        if self.start_time is None or self.end_time is None:
            return
        if self.end_time != time(0) and self.end_time <= self.start_time:
            raise ValidationError({"end_time": _("A period must close after it opens.")})
        if self.start_time.microsecond or self.end_time.microsecond:
            raise ValidationError(_("Periods are whole seconds."))


class HolidayDate(models.Model):
    """A dated exception to Monday–Friday for calendars that use working days (SPEC §3.1)."""

    class Kind(models.TextChoices):
        STATUTORY_HOLIDAY = "statutory_holiday", _("Statutory holiday (法定节假日)")
        MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day (调休上班)")
        CLOSURE = "closure", _("One-off closure (临时休息)")

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        MANUAL = "manual", _("Entered by an administrator")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=Source.choices,
        default=Source.MANUAL,
        help_text=_("Rows entered by an administrator are never overwritten by the package seed."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Holiday or make-up day (节假日/调休)")
        verbose_name_plural = _("Holidays and make-up days (节假日/调休)")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".rstrip()


# Clock policies and clocks live in their own module; imported here so Django registers them.
from deadlines.clock_models import Clock, ClockKind, ClockPolicy, ClockState, LimitSource  # noqa: E402, F401
