"""Hourly totals of stopped clocks for the dashboard's weekly timeliness rate (R-RP-1).

Counting every clock stopped this week through the visibility join grows with the week's volume. A
finished hour never changes (a stopped clock is final: met, breached or cancelled), so each past hour is
counted once into these rows and only the current hour is counted live (`tickets.services.tallies`).

The rows keep the four columns of the visibility rule (SPEC §1) under the order's own field names, so
`order_visibility_q` filters them exactly as it filters orders. They record the order as it stood when
the hour was counted (minutes later): a later redispatch does not move clocks already counted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deadlines.clock_models import ClockKind


class ClockTallyHour(models.Model):
    """One row per counted hour: its presence says the hour's tallies exist (a quiet hour has no tally rows)."""

    hour = models.DateTimeField(_("hour"), primary_key=True, help_text=_("The start of the hour."))
    counted_at = models.DateTimeField(_("counted at"), auto_now_add=True)
    clocks = models.PositiveIntegerField(_("clocks counted"), default=0)

    class Meta:
        verbose_name = _("counted hour (时限统计)")
        verbose_name_plural = _("counted hours (时限统计)")
        ordering = ["-hour"]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00}"


class ClockHourTally(models.Model):
    """Met and total (met + breached) clocks stopped in one hour, by kind and by the order's visibility columns."""

    hour = models.DateTimeField(_("hour"))
    kind = models.CharField(_("kind"), max_length=20, choices=ClockKind.choices)
    accepting_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("accepting unit"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    handling_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("handling unit"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("first-contact owner (首问责任人)"), null=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    met = models.PositiveIntegerField(_("met"))
    total = models.PositiveIntegerField(_("met or breached"))

    class Meta:
        verbose_name = _("clock tally")
        verbose_name_plural = _("clock tallies")
        indexes = [models.Index(fields=["hour", "kind"], name="clock_tally_hour_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} {self.kind} {self.met}/{self.total}"
