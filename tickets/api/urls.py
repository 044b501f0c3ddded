from django.urls import include, path
from rest_framework.routers import DefaultRouter

from complaints.api import (
    BusinessItemViewSet,
    CallReasonViewSet,
    CategoryViewSet,
    ReplyScriptViewSet,
    SkillGroupViewSet,
)
from deadlines.api import DueTimeView
from notifications.api import NotificationViewSet
from org.api import ApiTokenViewSet, OrgUnitViewSet, TokenObtainView

from .batch import BatchCandidateViewSet, BatchViewSet
from .clocks import ClockViewSet
from .lookups import CustomerViewSet, OrderNumberSearchView
from .search import CustomerOrdersView, OrderSearchView
from .supervise import (
    OrderEscalateView,
    OrderReassignView,
    OrderRemindView,
    OrdersEscalateView,
    OrdersReassignView,
    OrdersRemindView,
)
from .views import ExtensionViewSet, WorkOrderViewSet

router = DefaultRouter()
router.register("orders", WorkOrderViewSet, basename="order")
router.register("categories", CategoryViewSet, basename="category")
router.register("call-reasons", CallReasonViewSet, basename="call-reason")
router.register("business-items", BusinessItemViewSet, basename="business-item")
router.register("skill-groups", SkillGroupViewSet, basename="skill-group")
router.register("customers", CustomerViewSet, basename="customer")
router.register("reply-scripts", ReplyScriptViewSet, basename="reply-script")
router.register("units", OrgUnitViewSet, basename="unit")
router.register("clocks", ClockViewSet, basename="clock")
router.register("extensions", ExtensionViewSet, basename="extension")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("auth/tokens", ApiTokenViewSet, basename="api-tokens")
router.register("batch-candidates", BatchCandidateViewSet, basename="batch-candidate")  # R-SP-2
router.register("batches", BatchViewSet, basename="batch")

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("due-time/", DueTimeView.as_view(), name="due-time"),
    path("orders/search/", OrderNumberSearchView.as_view(), name="order-search"),  # by number, POSTed (R-SEC-2)
    path("search/", OrderSearchView.as_view(), name="search"),  # the term POSTed (R-SEC-2)
    path("customers/<int:pk>/orders/", CustomerOrdersView.as_view(), name="customer-orders"),
    # issue 13 §4: the supervisor's actions, on one order or on many (all or none)
    path("orders/<int:pk>/remind/", OrderRemindView.as_view(), name="order-remind"),
    path("orders/<int:pk>/reassign/", OrderReassignView.as_view(), name="order-reassign"),
    path("orders/<int:pk>/escalate/", OrderEscalateView.as_view(), name="order-escalate"),
    path("supervise/remind/", OrdersRemindView.as_view(), name="orders-remind"),
    path("supervise/reassign/", OrdersReassignView.as_view(), name="orders-reassign"),
    path("supervise/escalate/", OrdersEscalateView.as_view(), name="orders-escalate"),
    path("", include(router.urls)),
]
