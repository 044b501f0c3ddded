from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import BusinessItem, CallReason, ComplaintCategory, Customer, ReplyScript, SkillGroup
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
                   skill_groups: list[dict], category_keywords: dict[str, str] | None = None) -> None:  # fmt: skip
    """Create missing reference rows (R-WO-1, R-WO-3, R-WO-6). Idempotent; never overwrites admin edits: keywords
    ("top → leaf": "词, 词") are written only on a category that has none."""
    for position, top in enumerate(categories):
        parent, _ = ComplaintCategory.objects.get_or_create(
            name=top["name"], parent=None, defaults={"sort_order": position}
        )
        for child_position, child in enumerate(top.get("children", [])):
            ComplaintCategory.objects.get_or_create(name=child, parent=parent, defaults={"sort_order": child_position})
    for path, words in (category_keywords or {}).items():
        top, _sep, leaf = path.partition(CATEGORY_PATH_SEPARATOR)
        ComplaintCategory.objects.filter(name=leaf or top, parent__name=top if leaf else None, keywords="").update(
            keywords=words
        )
    for name in call_reasons:
        CallReason.objects.get_or_create(name=name)
    for name in business_items:
        BusinessItem.objects.get_or_create(name=name)
    for row in skill_groups:
        SkillGroup.objects.get_or_create(city=row["city"], defaults={"name": row["name"]})


CATEGORY_PATH_SEPARATOR = " → "


def _category_ids_by_path(paths: set[str]) -> dict[str, int]:
    """Resolve "top → … → leaf" paths (the form of `ComplaintCategory.path_label`) from one query."""
    rows = ComplaintCategory.objects.values_list("id", "parent_id", "name")
    by_parent_and_name = {(parent, name): pk for pk, parent, name in rows}
    resolved, unknown = {}, []
    for path in sorted(paths):
        node = None
        for name in path.split(CATEGORY_PATH_SEPARATOR):
            node = by_parent_and_name.get((node, name.strip()))
            if node is None:
                break
        if node is None:
            unknown.append(path)
        else:
            resolved[path] = node
    if unknown:
        raise ValueError(f"Reply scripts name unknown categories: {', '.join(unknown)}")
    return resolved


@transaction.atomic
def reply_scripts_seed(*, scripts: list[dict]) -> int:
    """Create the missing reply scripts of fixtures/reply_scripts.json (R-KB-1); returns how many.

    Idempotent: a script counts as present when one has its `key` or its `title`, and a present script is
    never touched, so an editor's wording, categories, order or retirement survive a re-run (and a renamed
    seeded script is not created again). Categories are paths as in `path_label`
    ("信息安全 → 分销商充值卡/储值卡被盗用/遗失"); an empty list makes a general script. An unknown path
    raises ValueError before anything is written."""
    keys = set(ReplyScript.objects.exclude(seed_key=None).values_list("seed_key", flat=True))
    titles = set(ReplyScript.objects.values_list("title", flat=True))
    missing = [row for row in scripts if row["key"] not in keys and row["title"] not in titles]
    category_ids = _category_ids_by_path({path for row in missing for path in row.get("categories", [])})
    position = {row["key"]: index for index, row in enumerate(scripts)}
    for row in missing:
        script = ReplyScript.objects.create(
            seed_key=row["key"], title=row["title"], scenario=row["scenario"], body=row["body"],
            guidance=row.get("guidance", ""), source=row.get("source", ""),
            applies_to_descendants=row.get("applies_to_descendants", False),
            sort_order=row.get("sort_order", (position[row["key"]] + 1) * 10),
        )  # fmt: skip
        script.categories.set([category_ids[path] for path in row.get("categories", [])])
    return len(missing)
