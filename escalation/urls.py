"""Browser pages of major complaints, mounted at "escalation/" by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("queues/<slug:name>/", views.queue, name="escalation-queue"),
    path("orders/<int:pk>/", views.major_page, name="escalation-major"),
    path("orders/<int:pk>/escalated-reply/", views.escalated_reply_document, name="escalation-escalated-reply"),
    path("orders/<int:pk>/do/<slug:name>/", views.order_action, name="escalation-action"),
    path(
        "declarations/<int:pk>/files/<slug:kind>/<int:row_id>/",
        views.declaration_file_download,
        name="escalation-declaration-file",
    ),
]
