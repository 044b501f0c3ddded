from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import ComplaintCategory, Customer, ReplyScript


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


def category_ancestor_ids(*, category_id: int) -> list[int]:
    """The ids above a category, nearest first, from one query over the whole (small) tree."""
    parents = dict(ComplaintCategory.objects.values_list("id", "parent_id"))
    ancestors, node, depth = [], parents.get(category_id), 0
    while node is not None and depth < 20:
        ancestors.append(node)
        node, depth = parents.get(node), depth + 1
    return ancestors


def reply_scripts_for_category(*, category_id: int | None) -> QuerySet[ReplyScript]:
    """The active scripts to show for a category (R-KB-1), in this order:

    1. scripts attached to the category itself, or to one of its ancestors with `applies_to_descendants`;
    2. then the general scripts (attached to no category), which are shown for every category.

    Each group is ordered by `sort_order`, then id. Without a category (none chosen yet) only the general
    scripts. Three queries whatever the depth of the tree: the tree, the scripts, their categories."""
    attached = ReplyScript.categories.through.objects.filter(replyscript_id=OuterRef("pk"))
    matches = Q(is_general=True)
    if category_id is not None:
        ancestors = category_ancestor_ids(category_id=category_id)
        matches |= Q(Exists(attached.filter(complaintcategory_id=category_id)))
        if ancestors:
            matches |= Q(applies_to_descendants=True) & Q(Exists(attached.filter(complaintcategory_id__in=ancestors)))
    return reply_script_list().filter(matches)


def reply_script_list() -> QuerySet[ReplyScript]:
    """Every active script, for browsing the knowledge base: specific ones first, then the general ones."""
    attached = ReplyScript.categories.through.objects.filter(replyscript_id=OuterRef("pk"))
    return (
        ReplyScript.objects.filter(is_active=True)
        .annotate(is_general=~Exists(attached))
        .order_by("is_general", "sort_order", "id")
        .prefetch_related("categories")
    )
