from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Major complaints")

    def ready(self) -> None:
        # Escalation sits above tickets (pyproject's layer contract): tickets knows nothing of it, so this
        # app hangs its panel on the order page and its labels on the timeline through tickets' registries.
        from deadlines.notices import order_followers_register
        from tickets.events import order_event
        from tickets.signals import demo_data_loaded
        from tickets.templatetags.workspace import TIMELINE_LABELS
        from tickets.views.order import order_panel_register

        from .receivers import demo_on_demo_data_loaded
        from .selectors import escalated_trackers
        from .services import escalated_on_order_event, major_on_order_event, media_on_order_event
        from .views import TIMELINE_KIND_LABELS, escalated_panel, order_panel

        # An order that becomes major (at intake or by a flag change) gets its record in that transaction.
        order_event.connect(major_on_order_event, dispatch_uid="escalation-order-event")
        order_event.connect(media_on_order_event, dispatch_uid="escalation-media-event")  # R-SP-6
        # R-SP-4: an escalated complaint's customer reply needs its escalated-reply form (refused in that transaction).
        order_event.connect(escalated_on_order_event, dispatch_uid="escalation-escalated-event")
        # R-SP-3: the dedicated tracker hears of the order's clocks as the person responsible does.
        order_followers_register("escalated-tracker", escalated_trackers)
        TIMELINE_LABELS.update(TIMELINE_KIND_LABELS)
        order_panel_register(order_panel)
        order_panel_register(escalated_panel)
        # `load_demo_data` adds the demo major complaints through tickets' hook once the demo users exist.
        demo_data_loaded.connect(demo_on_demo_data_loaded, dispatch_uid="escalation-demo-data")
