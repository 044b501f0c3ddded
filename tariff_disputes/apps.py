from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TariffDisputesConfig(AppConfig):
    name = "tariff_disputes"
    verbose_name = _("Tariff disputes")

    def ready(self) -> None:
        # Above tickets (pyproject's layer contract): tickets knows nothing of this app, so the order page's
        # panel and the timeline's labels are hung on through tickets' registries.
        from tickets.templatetags.workspace import TIMELINE_LABELS
        from tickets.views.order import order_panel_register

        from .views import TIMELINE_KIND_LABELS, order_panel

        TIMELINE_LABELS.update(TIMELINE_KIND_LABELS)
        order_panel_register(order_panel)
