from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcenterConfig(AppConfig):
    name = "callcenter"
    verbose_name = _("Call center")

    def ready(self) -> None:
        from . import registrations

        registrations.register()
        name_columns()


def name_columns() -> None:
    """Chinese names for the columns declared without one (crm.labels: no migration)."""
    from crm.labels import relabel

    relabel("callcenter.Script", {"updated_at": _("updated at")})
    relabel(
        "callcenter.Callback",
        {
            "branch": _("branch"),
            "source_id": _("source ID"),
            "claimed_at": _("claimed at"),
            "created_at": _("created at"),
            "completed_by": _("completed by"),
        },
    )
    relabel(
        "callcenter.Attempt",
        {"callback": _("callback"), "at": _("time"), "by": _("by")},
        name=_("callback attempt"),
    )
    relabel("callcenter.RegistrationForm", {"callback": _("callback"), "filled_at": _("filled at")})
    relabel(
        "callcenter.Call",
        {"branch": _("branch"), "callback": _("callback"), "complaint": _("complaint")},
    )
    relabel(
        "callcenter.InspectionRound", {"created_by": _("created by"), "created_at": _("created at")}
    )
    relabel(
        "callcenter.InspectionItem",
        {
            "round": _("inspection round"),
            "callback": _("callback"),
            "checks": _("checks"),
            "score": _("score"),
            "comment": _("comment"),
            "inspected_by": _("inspected by"),
            "inspected_at": _("inspected at"),
        },
        name=_("inspection item"),
    )
