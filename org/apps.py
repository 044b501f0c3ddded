from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from .names import names_install
        from .tokens import signals_connect

        signals_connect()
        names_install(get_user_model())
