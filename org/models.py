"""Org units (SPEC §1): branch → region → unit. Users belong to one or more units."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        BRANCH = "branch", _("Branch (分公司)")
        REGION = "region", _("Region (区域)")
        HALL = "hall", _("Service hall (服营厅)")
        PARTNER = "partner", _("Partner outlet (合作渠道)")
        SERVICE_CENTRE = "service_centre", _("Customer-service centre (客服中心)")
        DEPARTMENT = "department", _("Handling department (职能部门)")
        GROUP = "group", _("Handling group (处理组)")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )  # fmt: skip
    city = models.CharField(_("city"), max_length=30, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="org_units"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="supervised_units",
        help_text=_("Receives breaches of the unit's clocks (逐级上报, R-CLK-BREACH)."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
