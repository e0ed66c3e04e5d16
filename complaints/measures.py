"""Complaint measures for the dashboards."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.measures import Measure, during, grouped, register_source
from crm.workdays import get_calendar

from .models import Complaint

GROUP = _("Complaints")
CLOCKS = (("first_response", _("First response in time")),
          ("acknowledge", _("Acknowledged in time")),
          ("initial_handling", _("Initial handling in time")),
          ("resolution", _("Resolved in time")))  # fmt: skip


def _desk(filters):
    return (reverse("complaints:desk") + f"?received_after={filters.current.start}"
            f"&received_before={filters.current.end}")  # fmt: skip


def _analysis(filters):
    return reverse("complaints:analysis") + f"?period=year&year={filters.current.start.year}"


def compute(filters):
    qs = filters.scope(Complaint.objects.all(), person=("handler_id", "first_responder_id"))
    start, end = filters.previous.start, filters.current.end
    received = grouped(
        qs.filter(during("received_at", start, end)), "received_at",
        filters, n=lambda p: Count("id", filter=p),
        **{f"{c}_met": (lambda p, c=c: Count("id", filter=p & Q(**{f"{c}_met": True})))
           for c, _l in CLOCKS},
        **{f"{c}_done": (lambda p, c=c: Count("id", filter=p & Q(**{f"{c}_met__isnull": False})))
           for c, _l in CLOCKS},
    )  # fmt: skip
    closed = grouped(
        qs.filter(during("closed_at", start, end),
                  satisfaction__isnull=False), "closed_at", filters,
        total=lambda p: Sum("satisfaction", filter=p), n=lambda p: Count("id", filter=p),
    )  # fmt: skip
    out = {
        "complaints_received": {k: (v["n"], None) for k, v in received.items()},
        "complaint_satisfaction": {k: (v["total"], v["n"]) for k, v in closed.items()},
    }
    for clock, _label in CLOCKS:
        out[f"complaint_sla_{clock}"] = {
            k: (v[f"{clock}_met"], v[f"{clock}_done"]) for k, v in received.items()
        }
    # average resolution time in working days (computed per complaint with the calendar)
    calendar = get_calendar()
    days: dict = {}
    resolved = qs.filter(during("resolved_at", start, end))
    for branch, received_at, resolved_at in resolved.values_list(
        "branch_id", "received_at", "resolved_at"
    ):
        from django.utils import timezone

        local = timezone.localtime(resolved_at).date()
        index = 0 if local >= filters.current.start else 1
        cell = days.setdefault((index, branch), [0, 0])
        cell[0] += calendar.workdays_between(timezone.localtime(received_at).date(), local)
        cell[1] += 1
    out["complaint_resolution_days"] = {k: (v[0], v[1]) for k, v in days.items()}
    return out


def register():
    register_source("complaints", compute, [
        Measure("complaints_received", _("Complaints received"), GROUP, "count",
                higher_is_better=False, drill=_desk),
        *[Measure(f"complaint_sla_{c}", label, GROUP, "percent", drill=_analysis)
          for c, label in CLOCKS],
        Measure("complaint_resolution_days", _("Average resolution time (working days)"),
                GROUP, "days", higher_is_better=False, drill=_analysis),
        Measure("complaint_satisfaction", _("Satisfaction after closing (1-5)"), GROUP,
                "score", drill=_analysis),
    ])  # fmt: skip
