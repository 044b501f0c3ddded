from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Deadlines and calendars")

    def ready(self) -> None:
        # Compiled calendars are cached in memory; edits to calendar rows must drop them (§3.1).
        from deadlines import signals

        signals.connect_order_events()
