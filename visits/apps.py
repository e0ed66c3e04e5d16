from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from . import registrations

        registrations.register()
        name_columns()


def name_columns() -> None:
    """Chinese names for the columns declared without one (crm.labels: no migration)."""
    from crm.labels import relabel

    relabel(
        "visits.VisitPlan",
        {
            "branch": _("branch"),
            "submitted_at": _("submitted at"),
            "decided_at": _("decided at"),
            "created_at": _("created at"),
        },
    )
    relabel(
        "visits.VisitRecord",
        {"plan": _("visit plan"), "recorded_by": _("recorded by"), "recorded_at": _("recorded at")},
    )
    relabel("visits.DailyQuota", {"set_by": _("set by"), "updated_at": _("updated at")})
    relabel(
        "visits.QuotaLog",
        {"user": _("user"), "branch": _("branch"), "created_at": _("created at")},
        name=_("quota log"),
    )
    relabel(
        "visits.Consultation", {"branch": _("branch"), "answered_in_time": _("answered in time")}
    )
    relabel("visits.AdvisedProduct", {"consultation": _("consultation")})
    relabel("visits.Event", {"branch": _("branch"), "created_by": _("created by")})
    relabel(
        "visits.Invitation",
        {"event": _("event"), "client": _("client"), "updated_at": _("updated at")},
        name=_("invitation"),
    )
