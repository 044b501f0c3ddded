from django.urls import path

from . import views

urlpatterns = [
    path("", views.report_page, name="reports"),
    path("export.<str:file_format>", views.report_export, name="reports-export"),
    path("orders/", views.order_list, name="reports-orders"),
    path("orders/export.<str:file_format>", views.order_list_export, name="reports-orders-export"),
]
