from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        # The layers below know nothing of orders: this layer hands them what they need (layer rule in
        # pyproject's import-linter contract). Imported here because models must be loaded first.
        from deadlines.bulk import clocks_follow_orders_event
        from deadlines.clocks import clocks_follow_order_event
        from deadlines.notices import order_facts_register

        from .events import order_event, orders_event
        from .selectors import clock_order_facts
        from .services.batch import BATCH_TIMELINE_LABELS, batch_on_order_event
        from .templatetags.workspace import TIMELINE_LABELS
        from .views.batch import order_batch_panel
        from .views.order import order_panel_register

        order_event.connect(clocks_follow_order_event, dispatch_uid="deadlines-order-event")
        # R-SP-2: a batch move's event for all its children at once (the clocks of all in a few statements).
        orders_event.connect(clocks_follow_orders_event, dispatch_uid="deadlines-orders-event")
        # R-SP-2: a complaint's creation may offer a batch candidate (one query, in the creating transaction).
        order_event.connect(batch_on_order_event, dispatch_uid="tickets-batch-detection")
        TIMELINE_LABELS.update(BATCH_TIMELINE_LABELS)
        order_panel_register(order_batch_panel)
        order_facts_register(clock_order_facts)
