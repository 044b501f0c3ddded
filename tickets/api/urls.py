from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from complaints.api import BusinessItemViewSet, CallReasonViewSet, CategoryViewSet, CustomerViewSet, SkillGroupViewSet
from org.api import OrgUnitViewSet

from .views import WorkOrderViewSet

router = DefaultRouter()
router.register("orders", WorkOrderViewSet, basename="order")
router.register("categories", CategoryViewSet, basename="category")
router.register("call-reasons", CallReasonViewSet, basename="call-reason")
router.register("business-items", BusinessItemViewSet, basename="business-item")
router.register("skill-groups", SkillGroupViewSet, basename="skill-group")
router.register("customers", CustomerViewSet, basename="customer")
router.register("units", OrgUnitViewSet, basename="unit")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include(router.urls)),
]
