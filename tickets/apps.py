from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        # The layers below know nothing of orders: this layer hands them what they need (layer rule in
        # pyproject's import-linter contract). Imported here because models must be loaded first.
        from deadlines.clocks import clocks_follow_order_event
        from deadlines.notices import order_facts_register

        from .events import order_event
        from .selectors import clock_order_facts

        order_event.connect(clocks_follow_order_event, dispatch_uid="deadlines-order-event")
        order_facts_register(clock_order_facts)
