from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TariffDisputesConfig(AppConfig):
    name = "tariff_disputes"
    verbose_name = _("Tariff disputes")
