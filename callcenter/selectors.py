"""Reads of the call center that need thought."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients.selectors import tier_rank
from complaints.models import Complaint
from crm.filters import start_of_day
from crm.models import staff_of

from .models import Attempt, Call, Callback, InspectionItem, RegistrationForm
from .services import csi

TABS = ("due", "overdue", "mine", "pool")
QUEUE_ORDER = ("due_at", "tier_rank", "id")


def queue(user, tab: str, now: datetime):
    """The agent's queue: due now, overdue, claimed by me, or the pool; soonest deadline
    first and, at equal deadlines, the higher tier first (clients.selectors.tier_rank)."""
    qs = (
        Callback.objects.visible_to(user)
        .filter(status=Callback.Status.OPEN)
        .select_related("client", "assignee", "claimed_by")
        .alias(tier_rank=tier_rank())
    )
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    mine = Q(assignee=user) | Q(claimed_by=user)
    if tab == "overdue":
        return qs.filter(ready, due_at__lt=now).order_by(*QUEUE_ORDER)
    if tab == "mine":
        return qs.filter(mine).order_by(*QUEUE_ORDER)
    if tab == "pool":
        pool = qs.filter(ready, assignee__isnull=True, claimed_by__isnull=True)
        return pool.order_by(*QUEUE_ORDER)
    week_after = start_of_day(timezone.localdate(now) + timedelta(days=8))  # a range, not a cast
    return qs.filter(ready).filter(mine | Q(assignee__isnull=True)).filter(
        due_at__lt=week_after
    ).order_by(*QUEUE_ORDER)  # fmt: skip


def agent_stats(scope, start: date, end: date) -> list[dict]:
    """Per agent: calls, average handle time, reach rate and completion rate (grouped)."""
    calls = {
        r["agent_id"]: r
        for r in scope.apply(Call.objects.filter(started_at__date__gte=start,
                                                 started_at__date__lte=end, agent__isnull=False))
        .values("agent_id", "agent__username", "agent__last_name", "agent__first_name")
        .annotate(calls=Count("id"), aht=Avg("duration"))
    }  # fmt: skip
    attempts = {
        r["by_id"]: r
        for r in scope.apply(Attempt.objects.filter(at__date__gte=start, at__date__lte=end),
                             "callback__branch_id")
        .values("by_id", "by__username", "by__last_name", "by__first_name")
        .annotate(attempts=Count("id"), reached=Count("id", filter=Q(outcome="reached")))
    }  # fmt: skip
    closed = {
        r["completed_by_id"] or r["claimed_by_id"]: r
        for r in scope.apply(Callback.objects.filter(completed_at__date__gte=start,
                                                     completed_at__date__lte=end))
        .values("completed_by_id", "claimed_by_id")
        .annotate(done=Count("id", filter=Q(status="completed")),
                  unreachable=Count("id", filter=Q(status="unreachable")))
    }  # fmt: skip
    rows = []
    for uid in sorted(set(calls) | set(attempts)):
        c, a, d = calls.get(uid, {}), attempts.get(uid, {}), closed.get(uid, {})
        name = (c.get("agent__last_name") or a.get("by__last_name") or "") + (
            c.get("agent__first_name") or a.get("by__first_name") or ""
        )
        finished = d.get("done", 0) + d.get("unreachable", 0)
        rows.append({
            "username": c.get("agent__username") or a.get("by__username"), "name": name,
            "calls": c.get("calls", 0), "aht": round(c["aht"]) if c.get("aht") else None,
            "reach_rate": round(100 * a["reached"] / a["attempts"]) if a.get("attempts") else None,
            "completion_rate": round(100 * d.get("done", 0) / finished) if finished else None,
        })  # fmt: skip
    return rows


def csi_table(scope, start: date, end: date, by: str = "branch") -> list[dict]:
    """CSI by branch, person or month from callback forms and closed complaints."""
    field = {"branch": "callback__branch__name", "person": "callback__completed_by__username",
             "month": "month"}[by]  # fmt: skip
    forms = scope.apply(
        RegistrationForm.objects.filter(filled_at__date__gte=start, filled_at__date__lte=end),
        "callback__branch_id",
    ).annotate(month=TruncMonth("filled_at"))
    rows: dict = {}
    for key, rating in forms.values_list(field, "satisfaction"):
        rows.setdefault(str(key)[:7] if by == "month" else key, []).append(rating)
    complaint_field = {"branch": "branch__name", "person": "handler__username",
                       "month": "month"}[by]  # fmt: skip
    closed = scope.apply(Complaint.objects.filter(
        status="closed", satisfaction__isnull=False, closed_at__date__gte=start,
        closed_at__date__lte=end)).annotate(month=TruncMonth("closed_at"))  # fmt: skip
    for key, rating in closed.values_list(complaint_field, "satisfaction"):
        rows.setdefault(str(key)[:7] if by == "month" else key, []).append(rating)
    return [{"key": k, "n": len(v), "csi": csi(v)} for k, v in sorted(rows.items())]


# --- workbench queues: the queue's own tabs, so the workbench counts what the queue lists


def my_callback_queue(user, now):
    return queue(user, "mine", now)


def pool_queue(user, now):
    return queue(user, "pool", now)


def inspection_queue(user, now):
    """Sampled callbacks not yet scored: every branch's for HQ, the own branch's otherwise."""
    items = InspectionItem.objects.filter(score__isnull=True).select_related(
        "round__branch", "callback__client"
    )
    staff = staff_of(user)
    if staff is None:
        return items.none()
    if not staff.sees_all_branches:
        items = items.filter(round__branch_id=staff.branch_id)
    return items.order_by("round__period_end", "id")
