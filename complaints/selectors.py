from django.db.models import Exists, OuterRef, QuerySet

from .models import ComplaintCategory, Customer


def category_leaf_list() -> QuerySet[ComplaintCategory]:
    """Active categories with no active children: the only ones a new complaint may use (R-WO-3)."""
    active_child = ComplaintCategory.objects.filter(parent=OuterRef("pk"), is_active=True)
    return ComplaintCategory.objects.filter(is_active=True).exclude(Exists(active_child))


def category_is_leaf(*, category: ComplaintCategory) -> bool:
    return not category.children.filter(is_active=True).exists()


def customer_get_by_number(*, number: str) -> Customer | None:
    return Customer.objects.filter(number=number).first()
