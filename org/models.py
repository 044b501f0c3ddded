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


class ApiToken(models.Model):
    """An API key of one user (issue 8 §4). Only the key's SHA-256 is stored; the key itself is shown once,
    when it is issued. A user may hold several (one per script or device); each expires, and a password
    change or deactivation revokes them all (`auth_hash` ties the token to the password it was issued under)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(_("key hash (SHA-256)"), max_length=64, unique=True, editable=False)
    auth_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="org_apitoken_user_expires")]

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.pk}"
