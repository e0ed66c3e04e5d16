"""Reads of compliance cases: the list, the workbench queues and the trend."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.models import Branch

from .models import OPEN_STATUSES, ComplianceCase, Finding, SourceKind


def cases(user):
    return ComplianceCase.objects.visible_to(user).select_related(
        "branch", "client", "staff_concerned", "assignee"
    )


def open_by_age_queue(user, now):
    """The open cases, oldest first (the compliance officer's day starts there)."""
    return cases(user).filter(status__in=OPEN_STATUSES).order_by("opened_at", "id")


def red_flag_queue(user, now):
    """Callbacks with red flags whose case nobody has started investigating yet."""
    return (
        cases(user)
        .filter(source_kind=SourceKind.CALLBACK, status="opened")
        .order_by("opened_at", "id")
    )


def last_months(today: date, n: int = 12) -> list[date]:
    months = []
    year, month = today.year, today.month
    for _i in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _month(value) -> date:
    value = value.date() if hasattr(value, "date") else value
    return value.replace(day=1)


def trend(user, today: date | None = None, branch: Branch | None = None) -> dict:
    """Cases opened per month over the last 12 months by source and by finding, and per
    branch: one grouped query.

    {"months", "by_source": [(value, label, [n per month], total)], "by_finding": [...],
     "by_branch": [(branch, opened, open, substantiated, unsubstantiated)], "total"}"""
    today = today or timezone.localdate()
    months = last_months(today)
    start = timezone.make_aware(datetime(months[0].year, months[0].month, 1))
    qs = ComplianceCase.objects.visible_to(user).filter(opened_at__gte=start)
    if branch is not None:
        qs = qs.filter(branch=branch)
    rows = list(
        qs.annotate(month=TruncMonth("opened_at"))
        .values("branch_id", "source_kind", "finding", "status", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    index = {m: i for i, m in enumerate(months)}
    by_source = {v: [0] * len(months) for v in SourceKind.values}
    findings = [*Finding.values, ""]
    by_finding = {v: [0] * len(months) for v in findings}
    per_branch: dict[int, list[int]] = {}
    for row in rows:
        i = index.get(_month(row["month"]))
        if i is None:
            continue
        by_source[row["source_kind"]][i] += row["n"]
        by_finding[row["finding"]][i] += row["n"]
        line = per_branch.setdefault(row["branch_id"], [0, 0, 0, 0])
        line[0] += row["n"]
        line[1] += row["n"] if row["status"] in OPEN_STATUSES else 0
        line[2] += row["n"] if row["finding"] == Finding.SUBSTANTIATED else 0
        line[3] += row["n"] if row["finding"] == Finding.UNSUBSTANTIATED else 0
    finding_labels = {**dict(Finding.choices), "": None}
    branches = {b.pk: b for b in Branch.objects.filter(pk__in=per_branch).order_by("code")}
    return {
        "months": months,
        "by_source": [(v, label, by_source[v], sum(by_source[v]))
                      for v, label in SourceKind.choices],
        "by_finding": [(v or "none", finding_labels[v], by_finding[v], sum(by_finding[v]))
                       for v in findings],
        "by_branch": [(branches[pk], *per_branch[pk]) for pk in branches],
        "total": sum(sum(v) for v in by_source.values()),
    }  # fmt: skip
