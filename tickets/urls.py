"""The browser workspace (R-UI-1, R-UI-2), mounted at "/" by config/urls.py. Every view needs a login."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import actions, batch, call, clocks, dashboard, intake, notifications, order, queues, search
from .views import supervise as supervise_views

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orders/new/", intake.intake, name="intake"),
    path("orders/new/customer/", intake.intake_customer, name="intake-customer"),
    path("orders/new/categories/", intake.intake_categories, name="intake-categories"),
    path("orders/new/category/", intake.intake_category_pick, name="intake-category-pick"),
    path("orders/<int:pk>/urge/", intake.intake_urge, name="intake-urge"),
    path("orders/<int:pk>/", order.order_detail, name="order-detail"),
    path("orders/<int:pk>/clocks/", clocks.order_clocks, name="order-clocks"),
    path("orders/<int:pk>/unmask/", order.order_unmask, name="order-unmask"),
    path("orders/<int:pk>/call/", call.order_call, name="order-call"),
    path("orders/<int:pk>/attachments/<int:attachment_id>/", order.attachment_download, name="attachment-download"),
    path("orders/<int:pk>/do/<slug:name>/", actions.order_action, name="order-action"),
    path("queues/counts/", queues.nav_counts, name="nav-counts"),
    # Before queues/<name>/: the batch-candidates queue lists candidates, not orders (R-SP-2, R-UI-2).
    path("queues/batch_candidates/", batch.candidate_queue, {"name": "batch_candidates"}, name="batch-candidates"),
    path("batch-candidates/<int:pk>/confirm/", batch.candidate_confirm, name="batch-candidate-confirm"),
    path("batch-candidates/<int:pk>/dismiss/", batch.candidate_dismiss, name="batch-candidate-dismiss"),
    path("batches/<int:pk>/", batch.batch_detail, name="batch-detail"),
    path("batches/<int:pk>/do/<slug:name>/", batch.batch_move, name="batch-move"),
    path("orders/new/batch-hint/", batch.intake_hint, name="batch-hint"),
    path("orders/supervise/", supervise_views.supervise, name="supervise"),
    path("queues/views/<int:pk>/delete/", queues.queue_view_delete, name="queue-view-delete"),
    path("queues/<slug:name>/views/", queues.queue_view_save, name="queue-view-save"),
    path("queues/<slug:name>/", queues.queue, name="queue"),
    path("search/", search.search, name="search"),
    path("customers/<int:pk>/history/", search.customer_history, name="customer-history"),
    path("notifications/", notifications.inbox, name="inbox"),
    path("notifications/read-all/", notifications.inbox_mark_all_read, name="inbox-read-all"),
    path("notifications/<int:notification_id>/read/", notifications.inbox_mark_read, name="inbox-read"),
    path("notifications/orders/<int:order_id>/read/", notifications.inbox_mark_order_read, name="inbox-read-order"),
]
