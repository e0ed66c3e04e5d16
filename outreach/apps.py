from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Reaching clients")

    def ready(self) -> None:
        from . import registrations, tasks  # noqa: F401  (tasks: enqueued by name)

        registrations.register()
