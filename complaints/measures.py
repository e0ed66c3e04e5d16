"""Complaint measures for the dashboards."""

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.measures import Measure, Trend, by_month, during, grouped, register_source, register_trends
from crm.rollups import FigureQuery, figure_rollup, register_rollup

from .models import Complaint
from .selectors import resolution_workdays

GROUP = _("Complaints")
CLOCKS = (("first_response", _("First response in time")),
          ("acknowledge", _("Acknowledged in time")),
          ("initial_handling", _("Initial handling in time")),
          ("resolution", _("Resolved in time")))  # fmt: skip


def _desk(filters):
    branch = f"&branch={filters.branch_code}" if filters.branch_code else ""
    return (reverse("complaints:desk") + f"?received_after={filters.current.start}"
            f"&received_before={filters.current.end}{branch}")  # fmt: skip


def _analysis(filters):
    """The analysis page for the same period (and the one branch HQ chose)."""
    period = filters.current
    if period.kind in ("month", "quarter"):
        query = f"?period={period.kind}&year={period.start.year}&value={period.number}"
    elif period.kind == "year":
        query = f"?period=year&year={period.start.year}"
    else:
        query = f"?period=custom&start={period.start}&end={period.end}"
    if filters.branch_code and filters.branch_ids:
        query += f"&branch={filters.branch_ids[0]}"
    return reverse("complaints:analysis") + query


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
    # average resolution time in working days, by the day each complaint was resolved
    resolved = grouped(
        qs.filter(during("resolved_at", start, end)),
        "resolved_at",
        filters,
        days=lambda p: Sum(resolution_workdays(), filter=p),
        n=lambda p: Count("id", filter=p),
    )
    out["complaint_resolution_days"] = {
        k: (v["days"], v["n"]) for k, v in resolved.items() if v["n"]
    }
    return out


def _trends(filters):
    """Complaints received per month, and of those the share resolved in time."""
    period = filters.current
    qs = filters.scope(Complaint.objects.filter(during("received_at", period.start, period.end)),
                       person=("handler_id", "first_responder_id"))  # fmt: skip
    months = by_month(qs, "received_at", period, n=Count("id"),
                      met=Count("id", filter=Q(resolution_met=True)),
                      done=Count("id", filter=Q(resolution_met__isnull=False)))  # fmt: skip
    return {
        "complaints_received": {m: (v["n"], None) for m, v in months.items()},
        "complaint_sla_resolution": {m: (v["met"], v["done"]) for m, v in months.items()},
    }


def _figures():
    """The rollup of `compute` and `_trends`: the same sums per month, branch, handler and
    first responder."""
    persons = ("handler_id", "first_responder_id")
    received = {"complaints_received": (Count("id"), None)}
    for clock, _label in CLOCKS:
        received[f"complaint_sla_{clock}"] = (Count("id", filter=Q(**{f"{clock}_met": True})),
                                              Count("id", filter=Q(**{f"{clock}_met__isnull":
                                                                      False})))  # fmt: skip
    return [
        FigureQuery(Complaint.objects.all, "received_at", received, persons=persons),
        FigureQuery(lambda: Complaint.objects.filter(satisfaction__isnull=False), "closed_at",
                    {"complaint_satisfaction": (Sum("satisfaction"), Count("id"))},
                    persons=persons),
        FigureQuery(Complaint.objects.all, "resolved_at",
                    {"complaint_resolution_days": (Sum(resolution_workdays()), Count("id"))},
                    persons=persons),
    ]  # fmt: skip


def register():
    register_rollup("complaints", figure_rollup("complaints", _figures))
    register_trends("complaints", _trends, [
        Trend("complaints_received", _("Complaints received"), "count"),
        Trend("complaint_sla_resolution", _("Resolved in time"), "percent"),
    ], rollup="complaints")  # fmt: skip
    register_source("complaints", compute, rollup=True,
                    sparse=("complaint_resolution_days",), measures=[
        Measure("complaints_received", _("Complaints received"), GROUP, "count",
                higher_is_better=False, drill=_desk),
        *[Measure(f"complaint_sla_{c}", label, GROUP, "percent", drill=_analysis)
          for c, label in CLOCKS],
        Measure("complaint_resolution_days", _("Average resolution time (working days)"),
                GROUP, "days", higher_is_better=False, drill=_analysis),
        Measure("complaint_satisfaction", _("Satisfaction after closing (1-5)"), GROUP,
                "score", drill=_analysis),
    ])  # fmt: skip
