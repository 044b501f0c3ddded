"""/api/v1/holiday-duty/… (mounted by config/urls.py; tickets' API knows nothing of it)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import (
    CallTaskViewSet,
    DutyOrderViewSet,
    HandoverViewSet,
    LogEntryViewSet,
    OverrideViewSet,
    ShiftViewSet,
    SwapViewSet,
)

router = DefaultRouter()
router.register("duty-orders", DutyOrderViewSet, basename="hd-duty-order")
router.register("call-tasks", CallTaskViewSet, basename="hd-call-task")
router.register("log-entries", LogEntryViewSet, basename="hd-log-entry")
router.register("handovers", HandoverViewSet, basename="hd-handover")
router.register("shifts", ShiftViewSet, basename="hd-shift")
router.register("overrides", OverrideViewSet, basename="hd-override")
router.register("swaps", SwapViewSet, basename="hd-swap")

urlpatterns = [path("", include(router.urls))]
