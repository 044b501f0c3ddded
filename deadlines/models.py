"""Business calendars (SPEC §3.1): data, editable in the Django admin.

A calendar is open during its weekly periods. A calendar that uses working days is open only on
working days: Monday–Friday that are not a statutory holiday or closure, or a make-up working day
(one `HolidayDate` table shared by all such calendars). The arithmetic lives in `deadlines.engine`;
these rows are compiled into it by `deadlines.selectors.calendar_compiled`.

Every row carries `updated_at`; the cross-process cache check relies on it, so change these rows
through `save()` / the admin / the seed services, not through `QuerySet.update()`.
"""

from datetime import time

from django.conf import settings
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


class Festival(models.TextChoices):
    """The seven statutory festivals (SPEC §3.1, R-CAL-YEAR); a rest or make-up day says which one it belongs to."""

    NEW_YEAR = "new_year", _("New Year's Day (元旦)")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival (春节)")
    TOMB_SWEEPING = "tomb_sweeping", _("Tomb-sweeping Day (清明)")
    LABOUR_DAY = "labour_day", _("Labour Day (劳动节)")
    DRAGON_BOAT = "dragon_boat", _("Dragon Boat Festival (端午)")
    MID_AUTUMN = "mid_autumn", _("Mid-autumn Festival (中秋)")
    NATIONAL_DAY = "national_day", _("National Day (国庆)")
    OTHER = "other", _("Other (其他)")

    @classmethod
    def statutory(cls) -> list["Festival"]:
        return [festival for festival in cls if festival != cls.OTHER]


# What people (and the chinese-calendar package) call each festival: code, English, Chinese with and without 节.
FESTIVAL_NAMES = {
    Festival.NEW_YEAR: ("new_year", "new_years_day", "new year's day", "new year", "元旦", "元旦节"),
    Festival.SPRING_FESTIVAL: ("spring_festival", "spring festival", "春节"),
    Festival.TOMB_SWEEPING: ("tomb_sweeping", "tomb_sweeping_day", "tomb-sweeping day", "qingming", "清明", "清明节"),
    Festival.LABOUR_DAY: ("labour_day", "labour day", "labor day", "劳动节", "五一"),
    Festival.DRAGON_BOAT: ("dragon_boat", "dragon_boat_festival", "dragon boat festival", "端午", "端午节"),
    Festival.MID_AUTUMN: ("mid_autumn", "mid_autumn_festival", "mid-autumn festival", "中秋", "中秋节"),
    Festival.NATIONAL_DAY: ("national_day", "national day", "国庆", "国庆节"),
    Festival.OTHER: ("other", "anti_fascist_70th_day", "anti-fascist 70th day", "其他"),
}
_FESTIVAL_BY_NAME = {name: festival for festival, names in FESTIVAL_NAMES.items() for name in names}


def festival_from_text(text: str) -> Festival | None:
    """The festival a name means ("春节", "Spring Festival", "spring_festival", "National Day (国庆节)"), or None."""
    cleaned = (text or "").strip().lower()
    if cleaned in _FESTIVAL_BY_NAME:
        return _FESTIVAL_BY_NAME[cleaned]
    for part in cleaned.replace("（", "(").replace("）", ")").replace(")", "(").split("("):
        if part.strip() in _FESTIVAL_BY_NAME:
            return _FESTIVAL_BY_NAME[part.strip()]
    return None


class HolidayDate(models.Model):
    """A dated exception to Monday–Friday for calendars that use working days (SPEC §3.1)."""

    class Kind(models.TextChoices):
        STATUTORY_HOLIDAY = "statutory_holiday", _("Statutory holiday (法定节假日)")
        MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day (调休上班)")
        CLOSURE = "closure", _("One-off closure (临时休息)")

    class Source(models.TextChoices):
        PACKAGE = "package", _("chinese-calendar package")
        MANUAL = "manual", _("Entered by an administrator")
        IMPORT = "import", _("Imported from a file by an administrator")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    festival = models.CharField(
        _("festival"),
        max_length=20,
        choices=Festival.choices,
        blank=True,
        help_text=_(
            "Which statutory festival this rest or make-up day belongs to (R-CAL-YEAR). Empty for one-off closures; "
            "guessed from the name when left empty."
        ),
    )
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

    def clean(self) -> None:
        if self.kind == self.Kind.CLOSURE or self.festival:
            return
        festival = festival_from_text(self.name)
        if festival is None:
            raise ValidationError(
                {"festival": _("Say which festival this rest or make-up day belongs to (R-CAL-YEAR).")}
            )
        self.festival = festival

    def save(self, *args, **kwargs) -> None:
        if not self.festival and self.kind != self.Kind.CLOSURE:
            self.festival = festival_from_text(self.name) or ""  # "元旦" is 元旦, however it was written
            if self.festival and kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "festival"}
        super().save(*args, **kwargs)


class HolidayYear(models.Model):
    """One year's holiday schedule and whether it is complete (SPEC §3.1, R-CAL-YEAR, Decision).

    A year counts as known only when an administrator has confirmed it (who, when); confirmation needs rest
    days for the seven statutory festivals and the make-up days entered, or `makeup_days_none`. Years the
    chinese-calendar package covers are confirmed by its seed (no person; the note says which version). A due
    time in a year that is not confirmed is provisional, and confirming (or changing) a year recomputes the
    running working-day clocks that touch it (`deadlines.recompute`). Change it through `deadlines.services`.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (草稿)")
        CONFIRMED = "confirmed", _("Confirmed (已确认)")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    makeup_days_none = models.BooleanField(
        _("no make-up days this year"),
        default=False,
        help_text=_("Tick only when the State Council's schedule for this year has no make-up working days (调休)."),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for a year confirmed by the chinese-calendar seed."),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("Holiday year (节假日年度)")
        verbose_name_plural = _("Holiday years (节假日年度)")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                name="holiday_year_confirmed_has_time",
                condition=models.Q(state="draft") | models.Q(confirmed_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_state_display()}"

    @property
    def is_confirmed(self) -> bool:
        return self.state == self.State.CONFIRMED


# Clock policies and clocks live in their own module; imported here so Django registers them.
from deadlines.clock_models import Clock, ClockKind, ClockPolicy, ClockState, LimitSource  # noqa: E402, F401
