from rest_framework import serializers, viewsets

from .models import OrgUnit


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent", "city", "is_active"]


class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    """The org tree (SPEC §1): dispatch targets and unit filters."""

    queryset = OrgUnit.objects.filter(is_active=True).order_by("code")
    serializer_class = OrgUnitSerializer
    pagination_class = None
