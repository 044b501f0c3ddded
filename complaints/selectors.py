from django.db.models import Exists, OuterRef, QuerySet

from .models import ComplaintCategory, Customer


def category_leaf_list() -> QuerySet[ComplaintCategory]:
    """Active categories with no active children: the only ones a new complaint may use (R-WO-3)."""
    active_child = ComplaintCategory.objects.filter(parent=OuterRef("pk"), is_active=True)
    return ComplaintCategory.objects.filter(is_active=True).exclude(Exists(active_child))


def category_is_leaf(*, category: ComplaintCategory) -> bool:
    return not category.children.filter(is_active=True).exists()


def category_path_labels() -> dict[int, str]:
    """Every category's "top → … → leaf" label from one query (the tree is small), so that a list of
    orders shows its categories without one query per row whatever the depth of the tree."""
    rows = {pk: (name, parent) for pk, name, parent in ComplaintCategory.objects.values_list("id", "name", "parent")}
    labels = {}
    for pk in rows:
        parts, node, depth = [], pk, 0
        while node is not None and depth < 20:
            name, node = rows.get(node, ("?", None))
            parts.append(name)
            depth += 1
        labels[pk] = " → ".join(reversed(parts))
    return labels


def customer_get_by_number(*, number: str) -> Customer | None:
    return Customer.objects.filter(number=number).first()
