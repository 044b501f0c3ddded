"""Reference data for the back office (R-API-1): categories, call reasons, business items, skill groups,
the reply scripts of a category (R-KB-1), and the customer card's serializer (its endpoints are
tickets/api/lookups.py)."""

from django.db.models import Exists, OuterRef
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from .models import BusinessItem, CallReason, ComplaintCategory, Customer, ReplyScript, SkillGroup
from .numbers import mask_number
from .selectors import reply_script_list, reply_scripts_for_category


class CategorySerializer(serializers.ModelSerializer):
    is_leaf = serializers.BooleanField(read_only=True)
    path_label = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintCategory
        fields = ["id", "name", "parent", "is_active", "is_leaf", "path_label"]

    def get_path_label(self, category) -> str:
        names = self.context.get("names", {})
        parts, node_id, depth = [], category.id, 0
        while node_id is not None and depth < 20:
            name, node_id = names.get(node_id, ("?", None))
            parts.append(name)
            depth += 1
        return " → ".join(reversed(parts))


@extend_schema(
    parameters=[
        OpenApiParameter("leaf_only", bool, description="Only active leaves (what a new complaint may use)."),
        OpenApiParameter("q", str, description="Text search in names."),
    ]
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        active_child = ComplaintCategory.objects.filter(parent=OuterRef("pk"), is_active=True)
        qs = ComplaintCategory.objects.annotate(is_leaf=~Exists(active_child)).order_by("sort_order", "id")
        params = self.request.query_params
        if params.get("leaf_only") in {"1", "true", "True"}:
            qs = qs.filter(is_active=True, is_leaf=True)
        if params.get("q"):
            qs = qs.filter(name__icontains=params["q"])
        return qs

    def get_serializer_context(self):
        names = {
            pk: (name, parent) for pk, name, parent in ComplaintCategory.objects.values_list("id", "name", "parent")
        }
        return {**super().get_serializer_context(), "names": names}


class CallReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallReason
        fields = ["id", "name"]


class CallReasonViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CallReason.objects.filter(is_active=True)
    serializer_class = CallReasonSerializer
    pagination_class = None


class BusinessItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessItem
        fields = ["id", "name"]


class BusinessItemViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = BusinessItem.objects.filter(is_active=True)
    serializer_class = BusinessItemSerializer
    pagination_class = None


class SkillGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SkillGroup
        fields = ["id", "name", "city"]


class SkillGroupViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = SkillGroup.objects.filter(is_active=True)
    serializer_class = SkillGroupSerializer
    pagination_class = None


class CustomerSerializer(serializers.ModelSerializer):
    """A customer card, the number masked (R-SEC-2). Served by tickets/api/lookups.py: a customer is reached by
    the number lookup or through an order the caller may see, which needs the order visibility rule."""

    number = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "number", "name", "tier", "brand", "home_city"]

    def get_number(self, customer) -> str:
        return mask_number(customer.number)


class ReplyScriptSerializer(serializers.ModelSerializer):
    categories = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    is_general = serializers.BooleanField(read_only=True, help_text="Attached to no category: shown for every one.")

    class Meta:
        model = ReplyScript
        fields = ["id", "title", "scenario", "body", "guidance", "categories", "applies_to_descendants", "is_general",
                  "source", "sort_order", "updated_at"]  # fmt: skip


@extend_schema(
    parameters=[
        OpenApiParameter(
            "category", int,
            description="A category id: the scripts attached to it or inherited from an upper level, then the "
            "general ones. Without it, every active script.",
        )
    ]
)  # fmt: skip
class ReplyScriptViewSet(viewsets.ReadOnlyModelViewSet):
    """解释口径 (R-KB-1): the standard wording to show once a category is chosen. Read-only; editors
    maintain the scripts in admin."""

    serializer_class = ReplyScriptSerializer
    pagination_class = None

    def get_queryset(self):
        category = self.request.query_params.get("category")
        if self.action != "list" or not category:
            return reply_script_list()
        try:
            category_id = int(category)
        except ValueError:
            raise ValidationError({"category": ["Give a category id."]}) from None
        return reply_scripts_for_category(category_id=category_id)
