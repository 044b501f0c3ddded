from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HolidayDutyConfig(AppConfig):
    name = "holiday_duty"
    verbose_name = _("Holiday duty")

    def ready(self) -> None:
        # Above tickets (pyproject's layer contract): tickets knows nothing of this app. An order dispatched to a
        # covered group on a duty day lands in the duty hall's queue in the dispatch's own transaction (R-HD-1).
        from tickets.events import order_event
        from tickets.templatetags.workspace import TIMELINE_LABELS
        from tickets.views.order import order_panel_register

        from .services import duty_order_on_order_event
        from .views import TIMELINE_KIND_LABELS, order_panel

        order_event.connect(duty_order_on_order_event, dispatch_uid="holiday-duty-order-event")
        TIMELINE_LABELS.update(TIMELINE_KIND_LABELS)
        order_panel_register(order_panel)
