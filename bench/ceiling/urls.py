"""The project's URLs plus POST /bench/ceiling/ (a plain ModelViewSet, the project's DRF defaults: token
authentication, IsAuthenticated, its parsers and exception handler)."""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.routers import SimpleRouter

from .models import CeilingRow


class CeilingRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = CeilingRow
        fields = "__all__"


class CeilingRowViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = CeilingRow.objects.all()
    serializer_class = CeilingRowSerializer


router = SimpleRouter()
router.register("bench/ceiling", CeilingRowViewSet, basename="bench-ceiling")

urlpatterns = [path("", include(router.urls)), path("", include("config.urls"))]
