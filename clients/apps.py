from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Client profiles")

    def ready(self) -> None:
        from . import registrations, tasks  # noqa: F401 (tasks: enqueued by name)

        registrations.register()
        name_columns()


def name_columns() -> None:
    """Chinese names for the columns declared without one (crm.labels: no migration)."""
    from crm.labels import relabel

    relabel(
        "clients.Client",
        {
            "id_number_encrypted": _("ID number (encrypted)"),
            "id_number_hash": _("ID number (keyed hash)"),
            "version": _("version"),
        },
    )
    relabel("clients.AccountSnapshot", {"client": _("client"), "received_at": _("received at")})
    relabel("clients.Holding", {"client": _("client")})
    relabel(
        "clients.ImportJob",
        {
            "branch": _("branch"),
            "error_report": _("error report"),
            "created_by": _("created by"),
            "started_at": _("started at"),
            "finished_at": _("finished at"),
        },
    )
    relabel("clients.TierChange", {"client": _("client"), "avg_assets": _("average assets")})
    relabel(
        "clients.RetentionCase", {"branch": _("branch"), "assets_at_close": _("assets at close")}
    )
    relabel(
        "clients.RetentionAction",
        {"case": _("retention case"), "by": _("by")},
        name=_("retention action"),
    )
