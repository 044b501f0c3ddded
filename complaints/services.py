from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Customer
from .numbers import normalize_number, validate_phone_number


def customer_get_or_create(*, number: str, defaults: dict | None = None) -> Customer:
    """Find the customer of an accepted number or create one (R-WO-2). Race-safe: a concurrent insert of
    the same number is caught by the unique constraint and re-read."""
    number = normalize_number(number)
    try:
        validate_phone_number(number)
    except ValidationError as exc:
        raise ValidationError({"accepted_number": exc.messages}) from exc
    customer = Customer.objects.filter(number=number).first()
    if customer:
        # What the clerk learnt fills what the record lacks; it never overwrites what is there.
        missing = {k: v for k, v in (defaults or {}).items() if v and not getattr(customer, k)}
        if missing:
            for field, value in missing.items():
                setattr(customer, field, value)
            customer.save(update_fields=list(missing))
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(number=number, **(defaults or {}))
    except IntegrityError:
        customer = Customer.objects.filter(number=number).first()
        if customer is None:
            raise ValidationError({"accepted_number": [_("Could not register this customer.")]}) from None
        return customer


@transaction.atomic
def reference_seed(*, categories: list[dict], call_reasons: list[str], business_items: list[str],
                   skill_groups: list[dict]) -> None:  # fmt: skip
    """Create missing reference rows (R-WO-1, R-WO-3, R-WO-6). Idempotent; never overwrites admin edits."""
    from .models import BusinessItem, CallReason, ComplaintCategory, SkillGroup

    for position, top in enumerate(categories):
        parent, _ = ComplaintCategory.objects.get_or_create(
            name=top["name"], parent=None, defaults={"sort_order": position}
        )
        for child_position, child in enumerate(top.get("children", [])):
            ComplaintCategory.objects.get_or_create(name=child, parent=parent, defaults={"sort_order": child_position})
    for name in call_reasons:
        CallReason.objects.get_or_create(name=name)
    for name in business_items:
        BusinessItem.objects.get_or_create(name=name)
    for row in skill_groups:
        SkillGroup.objects.get_or_create(city=row["city"], defaults={"name": row["name"]})
