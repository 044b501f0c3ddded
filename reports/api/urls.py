"""/api/v1/reports/… (mounted by config/urls.py)."""

from django.urls import path

from .views import ReportView

urlpatterns = [path("", ReportView.as_view(), name="api-report")]
