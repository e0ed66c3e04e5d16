"""Reads of complaints that need thought: the desk, the summary and the analysis."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncMonth

from clients.selectors import tier_rank
from crm.selectors import BranchScope
from crm.workdays import WorkdaysBetween

from .models import OPEN_STATUSES, Category, Complaint, Status

CLOCK_FIELDS = ("first_response", "acknowledge", "initial_handling", "resolution")


def resolution_workdays() -> WorkdaysBetween:
    """A complaint's resolution time in working days, for aggregates: from the day it was
    received to the day it was resolved, both Shanghai dates, by the Holiday calendar.
    The analysis page and the dashboards' measure both average this one expression."""
    return WorkdaysBetween("received_at", "resolved_at")


# the desk's default order: soonest resolution deadline first, at equal deadlines the
# higher tier first (clients.selectors.tier_rank, HQ's order)
DESK_ORDER = ("resolution_due_at", "tier_rank", "id")


def desk(user):
    return (
        Complaint.objects.visible_to(user)
        .select_related("client", "handler", "first_responder", "branch")
        .alias(tier_rank=tier_rank())
    )


def analysis(*, scope: BranchScope, start: date, end: date) -> dict:
    """Hot topics per month, SLA compliance per clock, resolution time in working days,
    satisfaction after closing; by branch, handler and category. A fixed number of
    grouped queries whatever the period."""
    qs = scope.apply(Complaint.objects.all()).filter(
        received_at__date__gte=start, received_at__date__lte=end
    )
    topics: defaultdict[str, dict] = defaultdict(dict)
    for row in (
        qs.annotate(month=TruncMonth("received_at"))
        .values("month", "topic")
        .annotate(n=Count("id"))
        .order_by("month", "topic")
    ):
        topics[row["topic"]][row["month"].strftime("%Y-%m")] = row["n"]
    sla = {}
    for clock in CLOCK_FIELDS:
        met = f"{clock}_met"
        agg = qs.aggregate(
            met=Count("id", filter=Q(**{met: True})),
            breached=Count("id", filter=Q(**{met: False})),
        )
        total = agg["met"] + agg["breached"]
        sla[clock] = {**agg, "rate": round(agg["met"] * 100 / total, 1) if total else None}
    days = qs.filter(resolved_at__isnull=False).aggregate(avg=Avg(resolution_workdays()))["avg"]
    closed = qs.filter(status=Status.CLOSED, satisfaction__isnull=False)
    satisfaction = closed.aggregate(
        avg=Avg("satisfaction"),
        n=Count("id"),
        satisfied=Count("id", filter=Q(satisfaction__gte=4)),
    )

    def grouped(*fields):
        return list(
            qs.values(*fields)
            .annotate(
                n=Count("id"),
                open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
                resolved_in_time=Count("id", filter=Q(resolution_met=True)),
                breached=Count("id", filter=Q(resolution_met=False)),
                avg_satisfaction=Avg("satisfaction", filter=Q(status=Status.CLOSED)),
                compensation=Sum("approved_compensation"),
            )
            .order_by("-n")
        )

    return {
        "total": qs.count(),
        "topics": dict(topics),
        "sla": sla,
        "avg_resolution_workdays": round(days, 1) if days is not None else None,
        "satisfaction": satisfaction,
        "by_branch": grouped("branch__code", "branch__name"),
        "by_handler": grouped("handler__username", "handler__last_name", "handler__first_name"),
        "by_category": grouped("category"),
    }


def regulator_summary(*, scope: BranchScope, year: int) -> dict:
    """The annual complaint summary for the regulator (due by the end of April)."""
    qs = scope.apply(Complaint.objects.all()).filter(received_at__year=year)
    return {
        "year": year,
        "by_category": list(qs.values("category").annotate(n=Count("id")).order_by("category")),
        "by_channel": list(qs.values("channel").annotate(n=Count("id")).order_by("channel")),
        "by_topic": list(qs.values("topic").annotate(n=Count("id")).order_by("topic")),
        "totals": qs.aggregate(
            total=Count("id"),
            group=Count("id", filter=Q(is_group=True)),
            closed=Count("id", filter=Q(status=Status.CLOSED)),
            refused=Count("id", filter=Q(status=Status.REFUSED)),
            in_time=Count("id", filter=Q(resolution_met=True)),
            compensation=Sum("approved_compensation"),
            satisfied=Count("id", filter=Q(satisfaction__gte=4)),
            rated=Count("id", filter=Q(satisfaction__isnull=False)),
        ),
    }


# --- workbench queues: (user, now) -> the queue, ordered; its link filters the desk alike
COMPENSATION_PENDING = (Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.WAITING)


def _queue(user):
    return Complaint.objects.visible_to(user).select_related("client").alias(tier_rank=tier_rank())


def my_complaint_queue(user, now):
    """Open complaints the user handles, soonest resolution deadline first."""
    return _queue(user).filter(handler=user, status__in=OPEN_STATUSES).order_by(*DESK_ORDER)


def my_complaint_query(user, today) -> str:
    return urlencode({"open": "true", "handler": user.username})


def overdue_complaint_queue(user, now):
    """The scope's open complaints past their resolution deadline (the desk's `overdue`)."""
    return (
        _queue(user)
        .filter(status__in=OPEN_STATUSES, resolution_due_at__lt=now)
        .order_by(*DESK_ORDER)
    )


def compensation_queue(user, now):
    """Major economic complaints still open for a compensation decision."""
    return _queue(user).filter(
        category=Category.MAJOR_ECONOMIC, status__in=COMPENSATION_PENDING,
        compensation_approved_by__isnull=True,
    ).order_by(*DESK_ORDER)  # fmt: skip


COMPENSATION_QUERY = urlencode(
    [("category", Category.MAJOR_ECONOMIC)] + [("status", s) for s in COMPENSATION_PENDING]
)


def review_queue(user, now):
    """Resolved complaints waiting for their review (复核), never one's own handling."""
    return (
        _queue(user).filter(status=Status.RESOLVED).exclude(handler=user)
        .order_by("resolved_at", "id")
    )  # fmt: skip
