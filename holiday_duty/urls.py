"""Browser pages of holiday duty, mounted at "holiday-duty/" by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.duty_screen, name="holiday-duty"),
    path("do/<slug:name>/", views.duty_action, name="holiday-duty-action"),
    path("log.<slug:fmt>", views.log_export, name="holiday-duty-log-export"),
]
