"""Reads of the opinion register: the list, the workbench queues and the analysis."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import PENDING_STATUSES, Opinion, OpinionCategory


def register(user):
    return Opinion.objects.visible_to(user).select_related("client", "routed_to", "branch")


def _pending(user):
    return (
        Opinion.objects.visible_to(user)
        .filter(status__in=PENDING_STATUSES)
        .select_related("client")
        .order_by("received_at", "id")
    )


def branch_pending_queue(user, now):
    """The scope's open and routed opinions, oldest first (the branch manager's)."""
    return _pending(user)


def routed_to_me_queue(user, now):
    """The pending opinions routed to the user, oldest first."""
    return _pending(user).filter(routed_to=user)


def last_months(today: date, n: int = 12) -> list[date]:
    """The first days of the last `n` months, oldest first, this month last."""
    months = []
    year, month = today.year, today.month
    for _i in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def analysis(user, today: date | None = None) -> dict:
    """Counts by category × month over the last 12 months, in one grouped query:
    {"months": [...], "rows": [(category, label, [n per month], total)], "totals": [...]}."""
    today = today or timezone.localdate()
    months = last_months(today)
    start = timezone.make_aware(datetime(months[0].year, months[0].month, 1))
    counts = (
        Opinion.objects.visible_to(user)
        .filter(received_at__gte=start)
        .annotate(month=TruncMonth("received_at"))
        .values("category", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    cell: dict[tuple[str, date], int] = {}
    for row in counts:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        cell[(row["category"], month.replace(day=1))] = row["n"]
    rows = []
    for value, label in OpinionCategory.choices:
        numbers = [cell.get((value, m), 0) for m in months]
        rows.append((value, label, numbers, sum(numbers)))
    totals = [sum(r[2][i] for r in rows) for i in range(len(months))]
    return {"months": months, "rows": rows, "totals": totals, "total": sum(totals)}
