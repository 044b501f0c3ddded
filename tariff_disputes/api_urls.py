"""/api/v1/tariff-disputes/… (mounted by config/urls.py; tickets' API knows nothing of it)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import CauseViewSet, DisputeViewSet, QueueCountsView, QueueView, RefundViewSet

router = DefaultRouter()
router.register("disputes", DisputeViewSet, basename="td-dispute")
router.register("refunds", RefundViewSet, basename="td-refund")
router.register("causes", CauseViewSet, basename="td-cause")

urlpatterns = [
    path("queues/", QueueCountsView.as_view(), name="td-queue-counts"),
    path("queues/<int:level>/", QueueView.as_view(), name="td-queue-list"),
    path("", include(router.urls)),
]
