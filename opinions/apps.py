from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpinionsConfig(AppConfig):
    name = "opinions"
    verbose_name = _("Client opinions")

    def ready(self) -> None:
        from . import registrations

        registrations.register()
