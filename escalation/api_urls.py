"""/api/v1/escalation/… (mounted by config/urls.py; tickets' API knows nothing of it)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .api import (
    CriterionViewSet,
    DeclarationViewSet,
    EscalatedOrderViewSet,
    InterfaceViewSet,
    MajorComplaintViewSet,
    QueueCountsView,
    QueueView,
)

router = DefaultRouter()
router.register("majors", MajorComplaintViewSet, basename="escalation-major")
router.register("declarations", DeclarationViewSet, basename="escalation-declaration")
router.register("interfaces", InterfaceViewSet, basename="escalation-interface")
router.register("criteria", CriterionViewSet, basename="escalation-criterion")
router.register("escalated", EscalatedOrderViewSet, basename="escalation-escalated")

urlpatterns = [
    path("queues/", QueueCountsView.as_view(), name="escalation-queue-counts"),
    path("queues/<slug:name>/", QueueView.as_view(), name="escalation-queue-list"),
    path("", include(router.urls)),
]
