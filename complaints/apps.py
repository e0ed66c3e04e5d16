from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from . import registrations

        registrations.register()
        name_columns()


def name_columns() -> None:
    """Chinese names for the columns declared without one (crm.labels: no migration)."""
    from crm.labels import relabel

    relabel("complaints.Complaint", {"created_at": _("created at"), "version": _("version")})
    relabel(
        "complaints.ComplaintEvent",
        {
            "complaint": _("complaint"),
            "at": _("time"),
            "by": _("by"),
            "action": _("action"),
            "from_status": _("from status"),
            "to_status": _("to status"),
            "note": _("note"),
        },
        name=_("complaint event"),
    )
    relabel(
        "complaints.Attachment",
        {
            "complaint": _("complaint"),
            "size": _("size"),
            "uploaded_by": _("uploaded by"),
            "uploaded_at": _("uploaded at"),
        },
    )
    relabel(
        "complaints.TicketCounter",
        {"branch": _("branch"), "day": _("day"), "last": _("last number")},
        name=_("ticket counter"),
    )
