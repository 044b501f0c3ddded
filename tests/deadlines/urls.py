"""A URLconf for these tests only, so they do not depend on the rest of config/urls.py."""

from django.contrib import admin
from django.urls import path

from deadlines.views import health_calendar

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/calendar/", health_calendar, name="health-calendar"),
]
