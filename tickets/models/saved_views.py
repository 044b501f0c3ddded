"""Saved views of the work queues (issue 13 §3, like Zendesk's / Zammad's overviews): a queue with conditions and a
sort, kept under a name. A user saves their own; an administrator shares one with roles (groups) or units. The
conditions come from a whitelist of fields and operators (`VIEW_FIELDS`, `VIEW_OPERATORS`) and only narrow the
queue, which starts from the visibility rule (SPEC §1): a view never shows an order its user could not see."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, OrderState, OrderType, Urgency

# field → (label, kind, allowed values or None); kinds: choice, flag, id
VIEW_FIELDS: dict[str, tuple] = {
    "order_type": (_("Type"), "choice", OrderType.values),
    "state": (_("State"), "choice", OrderState.values),
    "urgency": (_("Urgency"), "choice", Urgency.values),
    "channel": (_("Channel"), "choice", Channel.values),
    "is_major": (_("Major complaint"), "flag", None),
    "is_repeat": (_("Repeat complaint"), "flag", None),
    "is_batch": (_("Batch complaint"), "flag", None),
    "is_escalated": (_("Escalated complaint"), "flag", None),
    "handling_unit": (_("Handling unit"), "id", None),
    "category": (_("Category"), "id", None),
}
VIEW_OPERATORS = {"choice": ("eq", "in"), "flag": ("eq",), "id": ("eq", "in")}
VIEW_CONDITIONS_MAX = 10


def view_conditions_errors(conditions) -> list[str]:
    """What is wrong with a view's conditions: each must be {"field", "op", "value"} from the whitelist."""
    if not isinstance(conditions, list):
        return [_("Conditions are a list.")]
    if len(conditions) > VIEW_CONDITIONS_MAX:
        return [_("At most %(n)d conditions.") % {"n": VIEW_CONDITIONS_MAX}]
    errors = []
    for i, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict) or set(condition) != {"field", "op", "value"}:
            errors.append(_("Condition %(i)d: give field, op and value.") % {"i": i})
            continue
        spec = VIEW_FIELDS.get(condition["field"])
        if spec is None:
            errors.append(_("Condition %(i)d: this field cannot be filtered on.") % {"i": i})
            continue
        _label, kind, allowed = spec
        if condition["op"] not in VIEW_OPERATORS[kind]:
            errors.append(_("Condition %(i)d: this operator is not allowed here.") % {"i": i})
            continue
        values = condition["value"] if condition["op"] == "in" else [condition["value"]]
        if not isinstance(values, list) or not values or len(values) > 50:
            errors.append(_("Condition %(i)d: give one to 50 values.") % {"i": i})
        elif kind == "choice" and not all(v in allowed for v in values):
            errors.append(_("Condition %(i)d: a value is not one of the choices.") % {"i": i})
        elif kind == "flag" and not all(isinstance(v, bool) for v in values):
            errors.append(_("Condition %(i)d: give true or false.") % {"i": i})
        elif kind == "id" and not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63 for v in values):
            errors.append(_("Condition %(i)d: give ids.") % {"i": i})
    return errors


class SavedView(models.Model):
    name = models.CharField(_("name"), max_length=60)
    queue = models.CharField(_("queue"), max_length=30, help_text=_("The queue the view narrows (its name)."))
    conditions = models.JSONField(
        _("conditions"), default=list, blank=True,
        help_text=_('A list of {"field", "op", "value"} from a fixed list of fields and operators.'),
    )  # fmt: skip
    sort = models.CharField(_("sort"), max_length=20, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views"
    )
    shared_roles = models.ManyToManyField(
        "auth.Group", verbose_name=_("shared with roles"), blank=True, related_name="+"
    )
    shared_units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("shared with units"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "queue"], name="saved_view_owner_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = view_conditions_errors(self.conditions)
        if errors:
            raise ValidationError({"conditions": errors})
