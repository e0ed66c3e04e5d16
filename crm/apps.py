from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM kernel")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        # tasks: registered here, for the modules below them enqueue them by name
        from . import registrations, retention, tasks, uploads  # noqa: F401 (uploads: its check)
        from .bounds import read_out_of_range_at_edges
        from .roles import sync_role_groups
        from .session import mark_active_on_login
        from .twofactor import mark_on_login

        read_out_of_range_at_edges()
        registrations.register()
        post_migrate.connect(sync_role_groups)
        retention.connect_delete_guards()
        retention.register_kernel_purges()
        post_migrate.connect(retention.install_triggers_after_migrate)
        user_logged_in.connect(mark_active_on_login)
        user_logged_in.connect(mark_on_login)
