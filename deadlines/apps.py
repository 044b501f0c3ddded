from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Deadlines and calendars")

    def ready(self) -> None:
        # Compiled calendars are cached in memory; edits to calendar rows must drop them (§3.1).
        from deadlines import signals  # noqa: F401  (connects the receivers)
        from deadlines.selectors import calendar_add
        from notifications.quiet_hours import service_calendar_register

        # R-NT-2: quiet hours follow CAL-SERVICE, which notifications (the layer below) cannot import.
        service_calendar_register(calendar_add)
