from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Client profiles")

    def ready(self) -> None:
        from . import registrations, tasks  # noqa: F401 (tasks: enqueued by name)

        registrations.register()
