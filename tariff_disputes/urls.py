"""Browser pages of tariff disputes, mounted at "tariff-disputes/" by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dispute_list, name="td-list"),
    path("new/", views.dispute_new, name="td-new"),
    path("<int:pk>/", views.dispute_page, name="td-dispute"),
    path("<int:pk>/do/<slug:name>/", views.dispute_action, name="td-action"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_download, name="td-evidence"),
]
