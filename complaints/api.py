"""Reference data for the back office (R-API-1): categories, call reasons, business items, skill groups,
the reply scripts of a category (R-KB-1), and the customer card's serializer (its endpoints are
tickets/api/lookups.py)."""

from django.db.models import Exists, OuterRef
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

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


class CategoryQuery(serializers.Serializer):
    """The list's query (R-API-1): a bad value is a 400 naming it; NUL in `q` too (PostgreSQL cannot take it)."""

    leaf_only = serializers.BooleanField(
        required=False, default=False, help_text="Only active leaves (what a new complaint may use)."
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Text search in names.")


@extend_schema_view(list=extend_schema(parameters=[CategoryQuery]))
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        active_child = ComplaintCategory.objects.filter(parent=OuterRef("pk"), is_active=True)
        qs = ComplaintCategory.objects.annotate(is_leaf=~Exists(active_child)).order_by("sort_order", "id")
        if self.action != "list":
            return qs
        query = CategoryQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data["leaf_only"]:
            qs = qs.filter(is_active=True, is_leaf=True)
        if query.validated_data.get("q"):
            qs = qs.filter(name__icontains=query.validated_data["q"])
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


class ReplyScriptQuery(serializers.Serializer):
    category = serializers.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1,
        help_text="A category id: the scripts attached to it or inherited from an upper level, then the general "
        "ones. Without it, every active script.",
    )  # fmt: skip


@extend_schema_view(list=extend_schema(parameters=[ReplyScriptQuery]))
class ReplyScriptViewSet(viewsets.ReadOnlyModelViewSet):
    """解释口径 (R-KB-1): the standard wording to show once a category is chosen. Read-only; editors
    maintain the scripts in admin."""

    serializer_class = ReplyScriptSerializer
    pagination_class = None

    def get_queryset(self):
        if self.action != "list":
            return reply_script_list()
        query = ReplyScriptQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if query.validated_data.get("category") is None:
            return reply_script_list()
        return reply_scripts_for_category(category_id=query.validated_data["category"])
