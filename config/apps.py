"""Project-level app configs: third-party apps given a name in the admin's language (issue 13 §8)."""

from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in protection")


class WorkOrderAdminConfig(AdminConfig):
    default_site = "config.admin_site.WorkOrderAdminSite"
