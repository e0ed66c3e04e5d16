from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM kernel")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import registrations
        from .roles import sync_role_groups

        registrations.register()
        post_migrate.connect(sync_role_groups)
