"""The admin titled for the people who use it: 工单系统管理, not "Django administration" (issue 13 §8)."""

from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class WorkOrderAdminSite(AdminSite):
    site_header = _("Work-order system administration")
    site_title = _("Work-order system administration")
    index_title = _("Reference data, rules and records")
