"""Daily tallies behind the reports (R-RP-1), the export audit and the monthly mail's claims.

A finished day (Asia/Shanghai, 00:00–24:00 local) is counted once into these rows by beat
(`reports.services.tallies`); the current day, and any day not counted yet, is counted live from the raw rows
in the same shape, so a report is the sum of both. The rows keep the two unit columns of the visibility rule
(SPEC §1: accepted at or handled by a unit of the user's subtree); the two person columns of that rule
(orders the user accepted or handles outside their units) are few and counted live (`reports.selectors`).

An order counts on the day it was accepted, as it stood when its day was counted. Orders still change after
that day (dispatched to a unit, flagged major): a counted day whose orders changed since (`updated_at`) is
counted again by beat (`daily_tallies_refresh`), so the tallies stay equal to a direct count. A clock counts
on the day it stopped (met or breached: final), a callback on the day it was made, an urge on the day it was
logged.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deadlines.clock_models import ClockKind
from tickets.models.append_only import AppendOnlyModel, append_only_triggers
from tickets.models.choices import CallbackOutcome


def _unit(name: str, null: bool = False):
    return models.ForeignKey(
        "org.OrgUnit", verbose_name=name, null=null, on_delete=models.PROTECT, related_name="+", db_index=False
    )


class TallyDay(models.Model):
    """One row per counted day: its presence says the day's tallies exist (a quiet day has no tally rows)."""

    day = models.DateField(_("day"), primary_key=True)
    counted_at = models.DateTimeField(_("counted at"))
    orders = models.PositiveIntegerField(_("orders counted"), default=0)
    clocks = models.PositiveIntegerField(_("clocks counted"), default=0)

    class Meta:
        verbose_name = _("counted day (日报统计)")
        verbose_name_plural = _("counted days (日报统计)")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class Span(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month (sum of its days)")


def _span():
    return models.CharField(_("span"), max_length=5, choices=Span.choices, default=Span.DAY)


class TallyMonth(models.Model):
    """A month whose every day is counted has its rows summed once more into `span=month` rows (built when its
    last day is counted, rebuilt when one of its days is counted again): a year report reads twelve months of
    those instead of 365 days of day rows."""

    month = models.DateField(_("month"), primary_key=True, help_text=_("The first day of the month reported."))
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("counted month (月汇总)")
        verbose_name_plural = _("counted months (月汇总)")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class DayTally(models.Model):
    """What every tally row has: the day it counts (the month's first day for span=month) and the two unit
    columns of the visibility rule. Abstract: each tally keeps its own table, columns and indexes."""

    day = models.DateField(_("day"))
    span = _span()
    accepting_unit = _unit(_("accepting unit"))
    handling_unit = _unit(_("handling unit"), null=True)

    class Meta:
        abstract = True


class OrderDayTally(DayTally):
    """Orders accepted on one day (or in one month), one dimension at a time: `dim` names it (type, on-the-spot
    per type, category level 1 and 2, channel, city, urgency, flag, repeat complaints) and `value` its value.
    Counting every dimension on its own, not every combination, keeps a month of a branch to a few thousand
    rows per unit pair; a figure crossing two dimensions has its own `dim` (`spot`: closed on the spot per type,
    `crep`: repeat complaints)."""

    dim = models.CharField(_("dimension"), max_length=10)
    value = models.CharField(_("value"), max_length=40, blank=True)
    n = models.PositiveIntegerField(_("orders"))

    class Meta:
        verbose_name = _("order tally (日)")
        verbose_name_plural = _("order tallies (日)")
        indexes = [models.Index(fields=["span", "day"], name="report_order_span_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.dim}={self.value} {self.n}"


class ClockDayTally(DayTally):
    """Clocks stopped on one day (met or breached; cancelled ones are neither), by kind and unit."""

    kind = models.CharField(_("kind"), max_length=20, choices=ClockKind.choices)
    met = models.PositiveIntegerField(_("met"))
    breached = models.PositiveIntegerField(_("breached"))

    class Meta:
        verbose_name = _("clock tally (日)")
        verbose_name_plural = _("clock tallies (日)")
        indexes = [models.Index(fields=["span", "day"], name="report_clock_span_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.met}/{self.met + self.breached}"


class LatenessDayTally(DayTally):
    """How late the breached clocks of one day stopped: one row per distinct lateness in whole seconds, with the
    number of clocks that late. The median over any period and units is then exact (to the second), not an
    estimate from buckets: sort the values of the period, walk the counts to the middle."""

    kind = models.CharField(_("kind"), max_length=20, choices=ClockKind.choices)
    seconds = models.PositiveIntegerField(_("lateness (seconds)"))
    n = models.PositiveIntegerField(_("clocks"))

    class Meta:
        verbose_name = _("lateness tally (日)")
        verbose_name_plural = _("lateness tallies (日)")
        indexes = [models.Index(fields=["span", "day"], name="report_lateness_span_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.seconds}s ×{self.n}"


class CallbackDayTally(DayTally):
    """Callbacks made on one day, by outcome, the order's category and units."""

    category = models.ForeignKey(
        "complaints.ComplaintCategory", verbose_name=_("category"), null=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )  # fmt: skip
    outcome = models.CharField(_("outcome"), max_length=30, choices=CallbackOutcome.choices)
    n = models.PositiveIntegerField(_("callbacks"))

    class Meta:
        verbose_name = _("callback tally (日)")
        verbose_name_plural = _("callback tallies (日)")
        indexes = [models.Index(fields=["span", "day"], name="report_callback_span_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.outcome} {self.n}"


class UrgeDayTally(DayTally):
    """Urges (催办, R-SP-1) logged on one day, by the order's units."""

    n = models.PositiveIntegerField(_("urges"))

    class Meta:
        verbose_name = _("urge tally (日)")
        verbose_name_plural = _("urge tallies (日)")
        indexes = [models.Index(fields=["span", "day"], name="report_urge_span_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.n}"


class ReportExport(AppendOnlyModel):
    """Who exported what (an export carries customer data): written before the file is sent, never changed."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Report")
        ORDERS = "orders", _("Order list")

    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT)
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    file_format = models.CharField(_("format"), max_length=10)
    parameters = models.JSONField(_("parameters"), default=dict)
    numbers_unmasked = models.BooleanField(_("numbers unmasked"), default=False)

    class Meta:
        verbose_name = _("report export (导出记录)")
        verbose_name_plural = _("report exports (导出记录)")
        ordering = ["-at", "-id"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.kind}.{self.file_format}"


class MonthlyReportRecipient(models.Model):
    """An address the monthly report of a unit is mailed to (configured in the admin)."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("e-mail"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("monthly report recipient (月报收件人)")
        verbose_name_plural = _("monthly report recipients (月报收件人)")
        ordering = ["unit", "email"]
        constraints = [models.UniqueConstraint(fields=["unit", "email"], name="report_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.unit} → {self.email}"


class MonthlyReportMail(models.Model):
    """The claim of one unit's monthly report: inserted before the mail is sent, unique per unit and month, so a
    second beat run (or a second worker) finds the claim and sends nothing."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    claimed_at = models.DateTimeField(_("claimed at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list)

    class Meta:
        verbose_name = _("monthly report mail (月报邮件)")
        verbose_name_plural = _("monthly report mails (月报邮件)")
        ordering = ["-month", "unit"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="report_monthly_mail_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"
