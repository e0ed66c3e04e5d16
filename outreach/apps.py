from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Reaching clients")

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (enqueued by name from the services)
