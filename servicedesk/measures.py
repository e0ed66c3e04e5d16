"""Service request measures for the dashboards and `metrics/`: first-contact resolution,
answered in time, average handling time, and the top categories."""

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Extract
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.measures import Breakdown, Measure, during, grouped, register_breakdown, register_source
from crm.rollups import FigureQuery, figure_rollup, register_rollup

from .models import ServiceRequest

GROUP = _("Service requests")
TOP = 8


def _desk(filters):
    return (reverse("servicedesk:desk") + f"?received_after={filters.current.start}"
            f"&received_before={filters.current.end}")  # fmt: skip


def handling_seconds():
    """From received to resolved, in seconds (wall-clock time), for aggregates."""
    return Extract(
        ExpressionWrapper(F("resolved_at") - F("received_at"), output_field=DurationField()),
        "epoch",
    )


def compute(filters):
    qs = filters.scope(ServiceRequest.objects.all(), person=("handler_id", "taken_by_id"))
    start, end = filters.previous.start, filters.current.end
    received = grouped(
        qs.filter(during("received_at", start, end)), "received_at", filters,
        n=lambda p: Count("id", filter=p),
        fcr=lambda p: Count("id", filter=p & Q(first_contact_resolved=True)),
    )  # fmt: skip
    resolved = grouped(
        qs.filter(during("resolved_at", start, end)), "resolved_at", filters,
        n=lambda p: Count("id", filter=p),
        met=lambda p: Count("id", filter=p & Q(answer_met=True)),
        seconds=lambda p: Sum(handling_seconds(), filter=p),
    )  # fmt: skip
    return {
        "sr_received": {k: (v["n"], None) for k, v in received.items()},
        "sr_first_contact": {k: (v["fcr"], v["n"]) for k, v in received.items()},
        "sr_in_time": {k: (v["met"], v["n"]) for k, v in resolved.items()},
        "sr_handling_hours": {
            k: (float(v["seconds"] or 0) / 3600, v["n"]) for k, v in resolved.items() if v["n"]
        },
    }


def top_categories(filters):
    """The period's top categories (not additive over months: always from the requests)."""
    qs = filters.scope(ServiceRequest.objects.all(), person=("handler_id", "taken_by_id"))
    current = filters.current
    top = list(  # counted on the category (never null): index-only, sr_branch_received_idx
        qs.filter(during("received_at", current.start, current.end))
        .values("category__name")
        .annotate(n=Count("category_id"))
        .order_by("-n", "category__name")
    )
    total = sum(row["n"] for row in top)
    return {
        "sr_by_category": [
            [row["category__name"], row["n"], round(100 * row["n"] / total, 1)] for row in top[:TOP]
        ],
    }


def _figures():
    """The rollup of `compute`'s measures, per month, branch, handler and taker."""
    persons = ("handler_id", "taken_by_id")
    return [
        FigureQuery(ServiceRequest.objects.all, "received_at", {
            "sr_received": (Count("id"), None),
            "sr_first_contact": (Count("id", filter=Q(first_contact_resolved=True)), Count("id")),
        }, persons=persons),
        FigureQuery(ServiceRequest.objects.all, "resolved_at", {
            "sr_in_time": (Count("id", filter=Q(answer_met=True)), Count("id")),
            "sr_handling_hours": (Sum(handling_seconds()), Count("id")),  # seconds (scale 3600)
        }, persons=persons),
    ]  # fmt: skip


def register():
    register_rollup("servicedesk", figure_rollup("servicedesk", _figures))
    register_source("servicedesk", compute, rollup=True, sparse=("sr_handling_hours",),
                    scale={"sr_handling_hours": 3600}, live=top_categories, measures=[
        Measure("sr_received", _("Service requests received"), GROUP, "count",
                higher_is_better=False, drill=_desk),
        Measure("sr_first_contact", _("Resolved on first contact"), GROUP, "percent",
                drill=_desk),
        Measure("sr_in_time", _("Service requests answered in time"), GROUP, "percent",
                drill=_desk),
        Measure("sr_handling_hours", _("Average handling time (hours)"), GROUP, "hours",
                higher_is_better=False, drill=_desk),
    ])  # fmt: skip
    register_breakdown(Breakdown(
        "sr_categories", "servicedesk", _("Top service request categories"),
        [_("Category"), _("Service requests"), _("Share")], ["count", "percent"],
        lambda raw: raw.get("sr_by_category", []),
    ))  # fmt: skip
