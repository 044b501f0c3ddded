from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deadlines.views import health_calendar

# R-API-1: an /api/ URL that matches no route answers JSON too (tickets.api.errors); elsewhere the 404 page.
handler404 = "tickets.api.errors.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/calendar/", health_calendar, name="health-calendar"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/escalation/", include("escalation.api_urls")),
    path("api/v1/tariff-disputes/", include("tariff_disputes.api_urls")),
    path("api/v1/reports/", include("reports.api.urls")),
    path("api/v1/holiday-duty/", include("holiday_duty.api.urls")),
    path("api/v1/", include("tickets.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from a URL, not inline: CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("escalation/", include("escalation.urls")),
    path("tariff-disputes/", include("tariff_disputes.urls")),
    path("reports/", include("reports.urls")),
    path("holiday-duty/", include("holiday_duty.urls")),
    path("", include("tickets.urls")),
]
