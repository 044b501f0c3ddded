"""Reference data of holiday duty (R-HD-1, R-HD-2, R-HD-4, R-HD-6), edited in the admin (history: the admin's
LogEntry, with the old and new value of every changed field, holiday_duty/admin.py).

- `DutyHall`: the hall whose duty staff watch the holiday queue (seed: 北区服务营销中心竹子林服营厅), its
  fallback person (an order is never left with nobody), its shift leader, the unit the daily escalation
  summary goes to (综合管理部), and whether ordinary weekends count as duty days.
- `CoveredGroup`: a handling unit whose orders go to the duty hall's queue on duty days, and how its handlers
  are told (R-HD-2): a manager group by SMS and a phone call, a distributor group by SMS and email to the
  distributor's holiday contact.
- `EscalationWait`: the ladder's waits, level by level (R-HD-4).
- `DutyPhone`, `DistributorContact`: the numbers and addresses that must answer on holidays (R-HD-6)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DutyHall(models.Model):
    unit = models.OneToOneField(
        "org.OrgUnit", verbose_name=_("hall"), on_delete=models.PROTECT, related_name="duty_hall"
    )
    fallback_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fallback person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("Takes the duty orders of any hour nobody is rostered for (the gap is reported)."),
    )  # fmt: skip
    shift_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("shift leader"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Warned of roster gaps; sees unsigned handovers."),
    )  # fmt: skip
    summary_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("escalation summary to"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The service group of 综合管理部 (R-HD-4): the daily summary of escalations."),
    )  # fmt: skip
    weekends_are_duty_days = models.BooleanField(
        _("weekends are duty days"), default=True,
        help_text=_("Off: only statutory holidays are duty days; ordinary Saturdays and Sundays are not."),
    )  # fmt: skip
    roster_warning_days = models.PositiveSmallIntegerField(_("warn of roster gaps this many days ahead"), default=14)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("duty hall")
        verbose_name_plural = _("duty halls")
        ordering = ["unit__code"]
        permissions = [
            ("work_duty", _("Work holiday duty (节假日值班)")),
            ("lead_shift", _("Lead the duty shift (值班长)")),
        ]

    def __str__(self) -> str:
        return str(self.unit)


class GroupKind(models.TextChoices):
    MANAGER = "manager", _("Account / channel managers: SMS and a phone call")
    DISTRIBUTOR = "distributor", _("Distributor contact: SMS and email")


class CoveredGroup(models.Model):
    unit = models.OneToOneField(
        "org.OrgUnit", verbose_name=_("handling group"), on_delete=models.PROTECT, related_name="duty_cover"
    )
    hall = models.ForeignKey(DutyHall, verbose_name=_("duty hall"), on_delete=models.PROTECT, related_name="groups")
    kind = models.CharField(_("how handlers are told"), max_length=20, choices=GroupKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("covered group")
        verbose_name_plural = _("covered groups")
        ordering = ["unit__code"]

    def __str__(self) -> str:
        return str(self.unit)


class EscalationWait(models.Model):
    """How long the ladder waits at a level before it goes one level up (R-HD-4). The ladder is as long as
    the waits given (and the supervisors above the group)."""

    hall = models.ForeignKey(DutyHall, verbose_name=_("duty hall"), on_delete=models.CASCADE, related_name="waits")
    level = models.PositiveSmallIntegerField(_("level"))
    wait = models.DurationField(_("wait before the next level"), default=timedelta(minutes=30))

    class Meta:
        verbose_name = _("escalation wait")
        verbose_name_plural = _("escalation waits")
        ordering = ["hall", "level"]
        constraints = [models.UniqueConstraint(fields=["hall", "level"], name="hd_wait_level_unique")]

    def __str__(self) -> str:
        return f"{self.hall} · {self.level}"


class DutyPhone(models.Model):
    """A handler's phone that is on 24 h on holidays (R-HD-6: managers keep their phones on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="duty_phone"
    )
    phone = models.CharField(_("duty phone"), max_length=20)

    class Meta:
        verbose_name = _("duty phone")
        verbose_name_plural = _("duty phones")

    def __str__(self) -> str:
        return f"{self.user} · {self.phone}"


class DistributorContact(models.Model):
    """The holiday contact a distributor names (R-HD-6), told by SMS and email (R-HD-2)."""

    group = models.ForeignKey(
        CoveredGroup, verbose_name=_("covered group"), on_delete=models.PROTECT, related_name="contacts"
    )
    distributor = models.CharField(_("distributor"), max_length=100)
    name = models.CharField(_("contact"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("distributor holiday contact")
        verbose_name_plural = _("distributor holiday contacts")
        ordering = ["group", "distributor", "name"]

    def __str__(self) -> str:
        return f"{self.distributor} · {self.name}"
