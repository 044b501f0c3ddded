"""Customers (R-WO-2, R-WO-4) and the reference data an order is filed under: the complaint category
tree (R-WO-3), call reasons for consultations and back-office business items (R-WO-1), skill groups
(R-WO-6), and the reply scripts (解释口径, R-KB-1) shown for a category. All of it is data maintained in
admin."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .numbers import mask_number, validate_phone_number


class Customer(models.Model):
    class Tier(models.TextChoices):
        CLUB = "club", _("Club customer (俱乐部客户)")
        ORDINARY = "ordinary", _("Ordinary customer (普通客户)")
        POINTS_CARD = "points_card", _("Points-card customer (积分卡客户)")
        PREPAID = "prepaid", _("Prepaid-brand customer (预付费品牌客户)")

    number = models.CharField(_("number"), max_length=20, unique=True, validators=[validate_phone_number])
    name = models.CharField(_("name"), max_length=60, blank=True)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.ORDINARY)
    brand = models.CharField(_("brand"), max_length=40, blank=True)
    home_city = models.CharField(_("home city (用户地市)"), max_length=30, blank=True)
    contact_numbers = models.JSONField(_("other contact numbers"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.name or '-'} {mask_number(self.number)}"

    @property
    def is_club(self) -> bool:
        return self.tier == self.Tier.CLUB


class ComplaintCategory(models.Model):
    """A node of the complaint category tree (投诉工单目录树). Only leaves take new complaints; a node
    is retired, never deleted while orders use it (WorkOrder.category is PROTECT)."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired categories are hidden."))
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True,
        help_text=_("The customers' own words for it, separated by commas (e.g. 乱扣费, 多扣钱): the intake's category "
                    "search finds the category by them too."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_under_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="category_unique_top_level_name"
            ),
        ]

    def __str__(self) -> str:
        return self.path_label

    @property
    def path_label(self) -> str:
        parts, node, depth = [], self, 0
        while node is not None and depth < 20:
            parts.append(node.name)
            node, depth = node.parent, depth + 1
        return " → ".join(reversed(parts))

    def top_level(self) -> "ComplaintCategory":
        node = self
        while node.parent_id is not None:
            node = node.parent
        return node

    def clean(self) -> None:
        node, depth = self.parent, 0
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("A category cannot be its own ancestor.")})
            node, depth = node.parent, depth + 1


class CallReason(models.Model):
    """来电原因: required on consultations for statistics [004 §4.2.6]."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("call reason")
        verbose_name_plural = _("call reasons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessItem(models.Model):
    """Business the front line lacks permission for; only these may be filed as business acceptance."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("back-office business item")
        verbose_name_plural = _("back-office business items")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SkillGroup(models.Model):
    """技能组 selected by the customer's city (R-WO-6)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    city = models.CharField(_("city"), max_length=30, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("skill group")
        verbose_name_plural = _("skill groups")
        ordering = ["city"]

    def __str__(self) -> str:
        return f"{self.city} · {self.name}"


class ReplyScript(models.Model):
    """解释口径 (R-KB-1): the standard wording staff say in one scenario, shown on the order form for the
    categories it is attached to. A script attached to no category is general: it is shown for every
    category, after the specific ones. Editors retire a script rather than delete it (the seed would bring
    a deleted one back)."""

    title = models.CharField(_("title"), max_length=120, unique=True)
    scenario = models.CharField(_("scenario"), max_length=60, help_text=_("A short label, e.g. 充值卡-本厅购买."))
    body = models.TextField(_("wording (解释口径)"), help_text=_("What staff say to the customer."))
    guidance = models.TextField(
        _("handling notes (工作指引)"), blank=True, help_text=_("What staff do alongside the wording; not read out.")
    )
    categories = models.ManyToManyField(
        ComplaintCategory, verbose_name=_("categories"), blank=True, related_name="reply_scripts",
        help_text=_("Leave empty for a general script, shown for every category."),
    )  # fmt: skip
    applies_to_descendants = models.BooleanField(
        _("applies to sub-categories"), default=False,
        help_text=_("A script on an upper-level category is also shown for the categories under it."),
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=120, blank=True, help_text=_("Source document and section."))
    seed_key = models.SlugField(
        _("seed key"), max_length=60, unique=True, null=True, blank=True, editable=False,
        help_text=_("Set on scripts loaded from fixtures/reply_scripts.json, so a renamed one is not seeded again."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired scripts are hidden."))
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("reply script (解释口径)")
        verbose_name_plural = _("reply scripts (解释口径)")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.title
