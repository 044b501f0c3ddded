"""The work-order rules an administrator may tune (STYLE: every rule is data where an administrator would
want to change it). One row; `work_order_rules()` returns it, or the SPEC defaults while it is missing.
The clocks' limits are in the clock policy table (`deadlines.ClockPolicy`), not here."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderRules(models.Model):
    backdate_limit_days = models.PositiveSmallIntegerField(
        _("back-dating limit (days)"),
        default=30,
        help_text=_("R-WO-10: how many days before now the time of receipt may be."),
    )
    unreachable_attempts = models.PositiveSmallIntegerField(
        _("further attempts before 'unreachable'"),
        default=3,
        help_text=_(
            "R-FL-5: failed attempts needed after the first before a reply may record the customer unreachable."
        ),
    )
    unreachable_spacing = models.DurationField(
        _("least time between attempts"),
        default=timedelta(hours=3),
        help_text=_("R-FL-5. The retry reminder clock (R-CLK-RETRY) should use the same interval."),
    )
    unreachable_window = models.DurationField(
        _("window for the attempts"),
        default=timedelta(hours=48),
        help_text=_("R-FL-5: the further attempts count within this time of the first."),
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat window (days)"),
        default=30,
        help_text=_("R-SP-1 (b): a complaint closed this many days ago or less may be followed by a repeat complaint."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("work-order rules (工单规则)")
        verbose_name_plural = _("work-order rules (工单规则)")

    def __str__(self) -> str:
        return str(_("Work-order rules"))

    def clean(self) -> None:
        errors = {}
        if not self.repeat_window_days:
            errors["repeat_window_days"] = _("At least one day.")
        if not self.backdate_limit_days:
            errors["backdate_limit_days"] = _("At least one day: a paper form is entered after the visit.")
        if self.unreachable_spacing is not None and self.unreachable_spacing <= timedelta(0):
            errors["unreachable_spacing"] = _("The spacing must be longer than zero.")
        if (
            self.unreachable_spacing is not None
            and self.unreachable_window is not None
            and self.unreachable_spacing * self.unreachable_attempts > self.unreachable_window
        ):
            errors["unreachable_window"] = _("The attempts at this spacing do not fit in this window.")
        if errors:
            raise ValidationError(errors)

    @property
    def backdate_limit(self) -> timedelta:
        return timedelta(days=self.backdate_limit_days)


class RoutingRule(models.Model):
    """The usual handling unit of a category (issue 13 §7): the dispatch form suggests it. A rule on a parent
    category serves its sub-categories that have none of their own. A suggestion only: the dispatcher decides."""

    category = models.OneToOneField(
        "complaints.ComplaintCategory", verbose_name=_("category"), on_delete=models.CASCADE, related_name="routing"
    )
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("usual handling unit"), on_delete=models.PROTECT)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routing rule (派单规则)")
        verbose_name_plural = _("routing rules (派单规则)")

    def __str__(self) -> str:
        return f"{self.category} → {self.unit}"
