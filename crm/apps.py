import contextlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM kernel")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        # tasks: registered here, for the modules below them enqueue them by name
        # uploads, auth: their checks
        from . import auth, registrations, retention, tasks, uploads  # noqa: F401
        from .bounds import read_out_of_range_at_edges
        from .choices import speed_up_displays
        from .logs import connect_celery_signals
        from .roles import sync_role_groups
        from .session import mark_active_on_login
        from .twofactor import mark_on_login

        read_out_of_range_at_edges()
        speed_up_displays()
        connect_celery_signals()
        registrations.register()
        post_migrate.connect(sync_role_groups)
        retention.connect_delete_guards()
        retention.register_kernel_purges()
        post_migrate.connect(retention.install_triggers_after_migrate)
        user_logged_in.connect(mark_active_on_login)
        user_logged_in.connect(mark_on_login)
        name_columns()


def name_columns() -> None:
    """Chinese names for the kernel's columns declared without one and for the admin's
    third-party apps and models (crm.labels: no migration)."""
    from django.apps import apps

    from .labels import relabel

    relabel("crm.StaffProfile", {"user": _("user")})
    relabel(
        "crm.Reminder",
        {
            "content_type": _("content type"),
            "object_id": _("object ID"),
            "clock": _("clock"),
            "kind": _("kind"),
            "deadline": _("deadline"),
            "created_at": _("created at"),
        },
    )
    relabel("crm.Notification", {"recipient": _("recipient")})
    relabel("crm.IntegrationToken", {"key_digest": _("key digest")})
    relabel(
        "crm.FormSubmission",
        {
            "token": _("token"),
            "user": _("user"),
            "path": _("path"),
            "result_url": _("result URL"),
            "created_at": _("created at"),
        },
    )
    for label, name in [("axes", _("Login attempts")), ("otp_totp", _("Two-factor devices"))]:
        with contextlib.suppress(LookupError):
            apps.get_app_config(label).verbose_name = name
    if apps.is_installed("django_celery_beat"):
        relabel("django_celery_beat.PeriodicTask", {"task": _("task name")}, third_party=True)
    if apps.is_installed("django_otp.plugins.otp_totp"):
        relabel("otp_totp.TOTPDevice", {
            "user": _("user"), "name": _("name"), "confirmed": _("confirmed"),
            "throttling_failure_timestamp": _("last failed attempt"),
            "throttling_failure_count": _("failed attempts in a row"),
            "created_at": _("created at"), "last_used_at": _("last used at"), "key": _("key"),
            "step": _("time step"), "t0": _("start time"), "digits": _("digits"),
            "tolerance": _("tolerance"), "drift": _("drift"), "last_t": _("last time step"),
        }, name=_("TOTP device"), plural=_("TOTP devices"), third_party=True)  # fmt: skip
