from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HolidayDutyConfig(AppConfig):
    name = "holiday_duty"
    verbose_name = _("Holiday duty")

    def ready(self) -> None:
        # Above tickets (pyproject's layer contract): tickets knows nothing of this app. An order dispatched to a
        # covered group on a duty day lands in the duty hall's queue in the dispatch's own transaction (R-HD-1).
        from django.db.models.signals import post_delete, post_save, pre_save

        from deadlines.clock_models import ClockKind
        from deadlines.models import HolidayDate
        from deadlines.notices import clock_recipients_register
        from tickets.events import order_event, orders_event
        from tickets.selectors import order_visibility_grant_register
        from tickets.signals import demo_data_loaded, reference_data_loaded
        from tickets.templatetags.workspace import TIMELINE_LABELS
        from tickets.views.order import order_panel_register

        from . import receivers
        from .selectors import duty_orders_granted, holiday_clock_recipients
        from .services import duty_order_on_order_event, duty_orders_on_orders_event
        from .views import TIMELINE_KIND_LABELS, order_panel

        order_event.connect(duty_order_on_order_event, dispatch_uid="holiday-duty-order-event")
        orders_event.connect(duty_orders_on_orders_event, dispatch_uid="holiday-duty-orders-event")  # a batch
        TIMELINE_LABELS.update(TIMELINE_KIND_LABELS)
        order_panel_register(order_panel)
        # The loaders of tickets load this app's reference and demo data through their hooks.
        reference_data_loaded.connect(receivers.reference_on_reference_data_loaded, dispatch_uid="holiday-duty-ref")
        demo_data_loaded.connect(receivers.demo_on_demo_data_loaded, dispatch_uid="holiday-duty-demo")
        # R-CLK-HOLIDAY's warning and breach go to the duty people, not the first-contact owner.
        clock_recipients_register(ClockKind.HOLIDAY, holiday_clock_recipients)
        # Duty staff open the orders of their duty queue, which were accepted and are handled elsewhere (R-HD-1).
        order_visibility_grant_register(duty_orders_granted)
        # R-HD-6: a day added to (or changed in, removed from) the holiday table is rostered again.
        pre_save.connect(receivers.holiday_date_before_save, sender=HolidayDate, dispatch_uid="holiday-duty-hd-pre")
        post_save.connect(receivers.holiday_date_changed, sender=HolidayDate, dispatch_uid="holiday-duty-hd-save")
        post_delete.connect(receivers.holiday_date_changed, sender=HolidayDate, dispatch_uid="holiday-duty-hd-delete")
